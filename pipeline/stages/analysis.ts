/**
 * Stage `analysis`: compute-optimal tables (Krajewski Table 2 / Fig. 1b, Chinchilla, per-expert optima) and
 * Yun's over-training tables (Algorithms 1 and 2) from the published coefficients and our fits.
 */
import fs from 'node:fs';
import { defineStage } from '../../src/pipeline/types';
import type { Preset } from '../presets/schema';
import { trainsItsRuns } from '../presets/sections';
import { asInput, fitsInputs, OUTPUTS } from '../outputs';

export default defineStage<Preset>()({
  name: 'analysis',
  module: __filename,
  description: 'compute-optimal and inference-optimal tables from published and fitted laws',
  params: ['analysis', 'sweeps.fineGrained.expansionRate', 'source', 'fit.laws'],
  gridParams: ['source'],
  when: trainsItsRuns,
  deps: ['fit'],
  inputs: (p) => fitsInputs(p['fit.laws']),
  outputs: [OUTPUTS.computeOptimal, OUTPUTS.inference],
  async run(ctx) {
    const { computeOptimalTables, inferenceTables } = await import('../../src/report/analysis');
    const { fitsOf, readResultFits } = await import('../../src/laws/fits');
    const fits = fitsOf(readResultFits(ctx.resultsDir));
    const e = ctx.params['sweeps.fineGrained.expansionRate'] ?? 64;
    const { budgetsFlops, inferenceBudgetsFlops, gpu } = ctx.params.analysis;
    const tables = computeOptimalTables(fits, budgetsFlops, e);
    fs.writeFileSync(ctx.out(OUTPUTS.computeOptimal), JSON.stringify(tables, null, 2) + '\n');
    ctx.progress({ fraction: 0.5, message: 'inference tables' });
    const inference = fits.experts
      ? inferenceTables(fits.experts, inferenceBudgetsFlops, gpu)
      : { gpu, boundedLoss: [], boundedCost: [], failures: [], note: 'no experts-law fit at this scale' };
    fs.writeFileSync(ctx.out(OUTPUTS.inference), JSON.stringify(inference, null, 2) + '\n');
  },
});
