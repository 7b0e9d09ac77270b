/**
 * `moelab notebooks [--only 02,03] [--results DIR] [--out DIR] [--no-html] [--json]`: executes the notebooks in
 * `notebooks/` headlessly (Debian's Jupyter nbconvert, the tslab kernel) against a results folder, into
 * `<results>/notebooks/*.ipynb` and `.html`; a cell that throws or does not type-check fails it, naming the
 * notebook and the cell. `--strip` instead strips the `.ipynb` sources to their committed form (no outputs).
 */
import path from 'node:path';
import type { Command } from 'commander';
import { REPO_ROOT } from './paths';

interface NotebooksOptions {
  only?: string;
  results: string;
  out?: string;
  html: boolean;
  strip?: boolean;
  check?: boolean;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('notebooks')
    .description('execute the notebooks headlessly into <results>/notebooks/ (.ipynb and .html), or --strip their sources')
    .option('--only <names>', 'comma-separated notebook name parts, e.g. 02,krajewski (default: all)')
    .option('--results <dir>', 'results folder the notebooks read (runs.csv, fits/; falls back to results/reference/tiny)', 'results')
    .option('--out <dir>', 'where the executed notebooks go (default: <results>/notebooks)')
    .option('--no-html', 'write only the executed .ipynb, no HTML export')
    .option('--strip', 'strip notebooks/*.ipynb in place to their committed form (no outputs, no execution counts); runs nothing')
    .option('--check', 'exit 1 when a notebook source holds outputs (for a pre-commit hook); runs nothing')
    .option('--json', 'machine-readable output on stdout')
    .action(async (o: NotebooksOptions) => {
      const fs = await import('node:fs');
      const notebooksDir = path.join(REPO_ROOT, 'notebooks');
      if (o.strip || o.check) {
        const { notebookSourceProblem, stripNotebooks } = await import('../notebooks/source');
        if (o.check) {
          const problems = fs
            .readdirSync(notebooksDir)
            .filter((f) => f.endsWith('.ipynb'))
            .map((f) => notebookSourceProblem(fs.readFileSync(path.join(notebooksDir, f), 'utf8'), `notebooks/${f}`))
            .filter((p): p is string => !!p);
          if (o.json) process.stdout.write(JSON.stringify({ problems }, null, 1) + '\n');
          else process.stdout.write(problems.length ? `${problems.join('\n')}\nrun \`moelab notebooks --strip\`\n` : 'every notebook is stripped\n');
          process.exitCode = problems.length ? 1 : 0;
          return;
        }
        const changed = stripNotebooks(notebooksDir);
        if (o.json) process.stdout.write(JSON.stringify({ changed }, null, 1) + '\n');
        else process.stdout.write(changed.length ? `stripped ${changed.map((f) => path.relative(REPO_ROOT, f)).join(', ')}\n` : 'every notebook was already stripped\n');
        return;
      }
      const log = (line: string) => process.stderr.write(`moelab notebooks: ${line}\n`);
      // the notebooks import "moelab", i.e. dist/: never execute them against a stale build
      const { ensureDist } = await import('./dist');
      ensureDist(log);
      const { executeNotebooks } = await import('../notebooks/execute');
      const resultsDir = path.resolve(o.results);
      const done = await executeNotebooks({
        repoRoot: REPO_ROOT,
        notebooksDir,
        outDir: path.resolve(o.out ?? path.join(resultsDir, 'notebooks')),
        resultsDir,
        only: o.only?.split(',').map((s) => s.trim()).filter(Boolean),
        html: o.html,
        log,
      });
      if (o.json) process.stdout.write(JSON.stringify(done, null, 1) + '\n');
      else process.stdout.write(`executed ${done.length} notebook(s) into ${path.resolve(o.out ?? path.join(resultsDir, 'notebooks'))} in ${done.reduce((s, d) => s + d.seconds, 0).toFixed(0)} s\n`);
    });
}
