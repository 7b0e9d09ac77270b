/**
 * Bench suite `figures`: export time per figure (PNG + SVG through one headless Chromium) and in total, on the
 * deterministic synthetic run table, against the Chromium start + plotly load measured in the same run.
 */
import { exportFigures } from '../figures/export';
import { findChromium } from '../figures/render';
import { figureInputs } from '../figures/inputs';
import { fitRunTable } from '../laws/fit/all';
import { syntheticRunTable } from '../figures/synthetic';
import type { BenchResult, BenchSuite } from './types';

export const suite: BenchSuite = {
  name: 'figures',
  description: 'figure export time per figure (json+html+png+svg, one Chromium) and total',
  async run(opts) {
    if (!findChromium()) {
      opts.log('figures: Chromium absent (/usr/bin/chromium); run scripts/setup-system.sh');
      return [];
    }
    // Figures draw fit records: fit the synthetic table once (not timed) as the fit stage would.
    const runs = syntheticRunTable({ seed: 0 });
    const inputs = figureInputs({ runs, records: fitRunTable(runs, { resamples: 0 }) });
    const r = await exportFigures({ inputs, outDir: opts.tmpDir, formats: ['json', 'html', 'png', 'svg'] });
    const results: BenchResult[] = r.written
      .filter((w) => w.kind === 'figure')
      .map((w) => ({ label: `export ${w.id} (json+html+png+svg)`, value: w.seconds, unit: 's', lowerIsBetter: true }));
    results.push(
      { label: 'Chromium start + plotly.js load (once)', value: r.browserStartSeconds, unit: 's', lowerIsBetter: true },
      {
        label: `export total, ${r.written.length} figures/tables`,
        value: r.totalSeconds,
        unit: 's',
        reference: r.browserStartSeconds,
        referenceLabel: 'browser start',
        lowerIsBetter: true,
        notes: `${r.skipped.length} skipped for missing inputs: ${r.skipped.map((s) => s.id).join(', ') || 'none'}`,
      },
    );
    return results;
  },
};
