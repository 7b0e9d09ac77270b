/**
 * `moelab figures [--only ID] [--format png,svg,html,json] [--results DIR] [--out DIR] [--json]`: regenerates the
 * paper figures from a results folder into `<results>/figures/<paper>/<figure>.*` plus the offline gallery.
 */
import path from 'node:path';
import { Command } from 'commander';
import { UsageError } from '../errors';
import { assertSafeSegment } from '../util/safe-name';

const FORMATS = ['json', 'html', 'png', 'svg'] as const;

export function register(program: Command): void {
  program
    .command('figures')
    .description('Regenerate every paper figure and table from a results folder (PNG/SVG via headless Chromium, gallery index.html)')
    .option('--only <ids>', 'comma-separated figure ids or prefixes, e.g. krajewski.fig4,yun (default: all)')
    .option('--format <list>', `comma-separated formats out of ${FORMATS.join(',')}`, FORMATS.join(','))
    .option('--results <dir>', 'results folder holding runs.csv and fits/ (default: results, else the committed results/reference/tiny, said on stderr)')
    .option('--out <dir>', 'output folder (default: <results>/figures; results/figures when drawing the committed reference)')
    .option('--json', 'print the export result as JSON')
    .action(async (opts: { only?: string; format: string; results?: string; out?: string; json?: boolean }) => {
      const fs = await import('node:fs');
      const { loadFigureInputs } = await import('../figures/load');
      const { exportFigures } = await import('../figures/export');
      const formats = opts.format.split(',').map((f) => f.trim()).filter(Boolean);
      const bad = formats.filter((f) => !(FORMATS as readonly string[]).includes(f));
      if (bad.length > 0) throw new UsageError(`--format: unknown ${bad.join(', ')}; use ${FORMATS.join(',')}`);
      // Figure ids become file names: refuse anything but a known id or prefix before reading or writing anything.
      const only = opts.only?.split(',').map((s) => s.trim()).filter(Boolean);
      for (const id of only ?? []) assertSafeSegment(id, '--only');
      const { selectFigures } = await import('../figures/registry');
      try {
        selectFigures(only);
      } catch (err) {
        throw new UsageError(`--only: ${(err as Error).message}`);
      }
      const log = (line: string) => {
        if (!opts.json) process.stderr.write(`${line}\n`);
      };
      // Figures draw the fit stage's records, never refit: the loss column of each figure is its fit's target.
      let results = opts.results ?? 'results';
      if (opts.results === undefined && !fs.existsSync(path.join(results, 'runs.csv'))) {
        results = path.join('results', 'reference', 'tiny');
        process.stderr.write(`no results/runs.csv: drawing the committed reference ${results} (pass --results DIR to choose)\n`);
      }
      const inputs = await loadFigureInputs({ resultsDir: results });
      const result = await exportFigures({
        inputs,
        // drawn from the reference or not, the figures go to the results folder (never into the committed reference)
        outDir: opts.out ?? path.join(opts.results ?? 'results', 'figures'),
        formats: formats as Array<(typeof FORMATS)[number]>,
        only,
        log,
      });
      if (opts.json) process.stdout.write(`${JSON.stringify(result, null, 1)}\n`);
      else {
        process.stdout.write(
          `wrote ${result.written.length} figures/tables (${result.skipped.length} skipped) in ${result.totalSeconds.toFixed(1)} s; gallery: ${result.gallery}\n`,
        );
      }
    });
}
