/**
 * `moelab figures [--only ID] [--format png,svg,html,json] [--results DIR] [--out DIR] [--json]`: regenerates the
 * paper figures from a results folder into `<results>/figures/<paper>/<figure>.*` plus the offline gallery.
 */
import path from 'node:path';
import { Command, Option } from 'commander';
import { UsageError } from '../errors';
import { assertSafeSegment } from '../util/safe-name';

const FORMATS = ['json', 'html', 'png', 'svg'] as const;

export function register(program: Command): void {
  program
    .command('figures')
    .description('Regenerate every paper figure and table from a results folder (PNG/SVG via headless Chromium, gallery index.html)')
    .option('--only <ids>', 'comma-separated figure ids or prefixes, e.g. krajewski.fig4,yun (default: all)')
    .option('--format <list>', `comma-separated formats out of ${FORMATS.join(',')}`, FORMATS.join(','))
    .option('--results <dir>', 'results folder holding runs.csv (falls back to results/reference/tiny)', 'results')
    .option('--out <dir>', 'output folder (default: <results>/figures)')
    .addOption(new Option('--loss <column>', 'loss column for the Krajewski figures').choices(['trainLossSmoothed', 'valLoss']).default('trainLossSmoothed'))
    .option('--no-fit', 'do not fit missing laws in-process (figures needing a fit are skipped)')
    .option('--json', 'print the export result as JSON')
    .action(async (opts: { only?: string; format: string; results: string; out?: string; loss: 'trainLossSmoothed' | 'valLoss'; fit: boolean; json?: boolean }) => {
      const { loadFigureInputs } = await import('../figures/adapters');
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
      const inputs = await loadFigureInputs({ resultsDir: opts.results, krajewskiLoss: opts.loss, fitInProcess: opts.fit, log });
      const result = await exportFigures({
        inputs,
        outDir: opts.out ?? path.join(opts.results, 'figures'),
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
