/**
 * `moelab import --source clark|FILE --out DIR [--format auto|moelab|clark] [--target COLUMN]
 * [--final-step-tolerance F] [--json]`: imports a released run table (Clark et al.'s vendored curves, or a
 * user's table in moelab's released format or a known paper's format) into `DIR/runs.csv` (one row per run at its
 * final step), `DIR/curves.csv.gz` (every evaluation) and `DIR/import.json` (source, counts, notes on the data).
 */
import { Command, Option } from 'commander';
import { UsageError } from '../errors';

interface ImportCliOptions {
  source: string;
  out: string;
  format: 'auto' | 'moelab' | 'clark';
  target?: string;
  finalStepTolerance?: number;
  json?: boolean;
}

function parseFraction(v: string): number {
  const x = Number(v);
  if (v.trim() === '' || !Number.isFinite(x) || x < 0 || x >= 1) {
    throw new UsageError(`--final-step-tolerance must be a fraction in [0, 1), got ${JSON.stringify(v)}`);
  }
  return x;
}

export function register(program: Command): void {
  program
    .command('import')
    .description('import a released run table (no training): one row per run at its final step, every evaluation step, and notes on the data')
    .requiredOption('--source <clark|file>', 'a vendored table (clark: Clark et al. 2022, data/released/clark-routing/) or a .csv/.csv.gz file')
    .requiredOption('--out <dir>', 'folder to write runs.csv, curves.csv.gz and import.json into (created if missing)')
    .addOption(new Option('--format <format>', "the file's columns: moelab's released format, Clark et al.'s, or auto (from the header)").choices(['auto', 'moelab', 'clark']).default('auto'))
    .option('--target <column>', 'loss column the laws read as the validation loss (default: loss_validation)')
    .option('--final-step-tolerance <fraction>', 'how far before its final step a loss may last have been evaluated, and a run may end before the longest one (fraction of training; default 0.01)', parseFraction)
    .option('--json', 'print import.json (and the files written) on stdout')
    .addHelpText(
      'after',
      `
Columns of moelab's released format (one row per run and evaluation step; README "Released run tables"):
  run_id, step, router, experts, top_k, routing_frequency, params_dense, params_total, flops_per_step, seed,
  loss_* (one or more, nats/token; empty = not evaluated at that step),
  optional size_label, tokens, d_model, layers, heads, extra_* (numeric, per run).
Examples:
  moelab import --source clark --out results/clark
  moelab import --source my-runs.csv.gz --out results/mine --target loss_val`,
    )
    .action(async (o: ImportCliOptions) => {
      const { importReleased } = await import('../runs/released/sources');
      const { table, manifest, written } = importReleased(o.source, o.out, { format: o.format, target: o.target, finalStepTolerance: o.finalStepTolerance });
      if (o.json) {
        process.stdout.write(`${JSON.stringify({ ...manifest, written }, null, 1)}\n`);
        return;
      }
      const counts = (byRouter: Record<string, number>) => Object.entries(byRouter).map(([r, n]) => `${r} ${n}`).join(', ');
      const lines = [
        `${table.table} (${manifest.source.format} format, ${manifest.source.file}, sha256 ${manifest.source.sha256.slice(0, 12)}…): ${manifest.runs} runs from ${manifest.rows} rows (${counts(manifest.byRouter)}); target ${manifest.target}`,
      ];
      if (manifest.selection) lines.push(`selection for the paper's fits (${manifest.selection.description}): ${manifest.selection.runs} runs (${counts(manifest.selection.byRouter)})`);
      if (manifest.notes.length > 0) lines.push(`notes on the data (also in import.json):`, ...manifest.notes.map((n) => `  - ${n.message}`));
      lines.push(`wrote ${written.join(', ')}`);
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
