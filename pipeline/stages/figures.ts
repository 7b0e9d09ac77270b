/**
 * Stage `figures`: every paper figure and table from our run table, our fits (read from the fit stage, never
 * refitted here) and the published coefficients, exported to `results/figures/` with an offline gallery.
 */
import { defineStage } from '../../src/pipeline/types';
import type { Preset } from '../presets/schema';
import { trainsItsRuns } from '../presets/sections';
import { asInput, fitsInputs, OUTPUTS } from '../outputs';

export default defineStage<Preset>()({
  name: 'figures',
  module: __filename,
  description: 'paper figures and tables (json/html/png/svg) + offline gallery',
  params: ['figures', 'source', 'fit.laws', 'sweeps.lifelong'],
  gridParams: ['source'],
  when: trainsItsRuns,
  deps: ['runs', 'fit', 'lifelong'],
  inputs: (p) => [asInput(OUTPUTS.runTable), ...fitsInputs(p['fit.laws']), ...(p['sweeps.lifelong'] ? [asInput(OUTPUTS.lifelongAll)] : [])],
  outputs: [OUTPUTS.figures],
  async run(ctx) {
    const path = await import('node:path');
    const { exportFigures, figureInputs, readTrainingCurves } = await import('../../src/figures');
    const { readRunTable } = await import('../../src/runs/table');
    const { readResultFits } = await import('../../src/laws/fits');
    const runs = await readRunTable(ctx.resolve(asInput(OUTPUTS.runTable)));
    // Figures read the fit records, never refit; each draws its runs in the loss column its fit targeted.
    const { readLifelongRecords } = await import('../../src/runs/lifelong');
    const lifelong = ctx.params['sweeps.lifelong'] ? readLifelongRecords(path.join(ctx.resultsDir, OUTPUTS.lifelongDir)) : [];
    const inputs = figureInputs({ runs, records: readResultFits(ctx.resultsDir), trainingCurves: readTrainingCurves(path.join(ctx.resultsDir, 'runs'), runs), lifelong });
    const result = await exportFigures({
      inputs,
      outDir: ctx.out(OUTPUTS.figures),
      formats: ctx.params.figures.formats,
      log: (line) => ctx.log.info(line),
    });
    for (const s of result.skipped) ctx.log.warn(`figure ${s.id} skipped: ${s.reason}`);
    ctx.log.info(`${result.written.length} figures/tables in ${result.totalSeconds.toFixed(1)} s`);
  },
});
