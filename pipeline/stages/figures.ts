/**
 * Stage `figures`: every paper figure and table from our run table, our fits (read from the fit stage, never
 * refitted here) and the published coefficients, exported to `results/figures/` with an offline gallery.
 */
import { defineStage } from '../../src/pipeline/types';
import type { Preset } from '../presets/schema';
import { trainsItsRuns } from '../presets/sections';
import { asInput, OUTPUTS } from '../outputs';

export default defineStage<Preset>()({
  name: 'figures',
  module: __filename,
  description: 'paper figures and tables (json/html/png/svg) + offline gallery',
  params: ['figures', 'source'],
  gridParams: ['source'],
  when: trainsItsRuns,
  deps: ['runs', 'fit'],
  inputs: [asInput(OUTPUTS.runTable), asInput(OUTPUTS.fits)],
  outputs: [OUTPUTS.figures],
  async run(ctx) {
    const path = await import('node:path');
    const { buildFigureInputs, exportFigures, readTrainingCurves } = await import('../../src/figures');
    const { readRunTable } = await import('../../src/runs/table');
    const { coefficientsFromRecords, readFitRecords } = await import('../../src/report/fits');
    const runs = await readRunTable(ctx.resolve(asInput(OUTPUTS.runTable)));
    const records = readFitRecords(ctx.resultsDir);
    const fits = coefficientsFromRecords(records);
    // The Krajewski figures draw the loss column their fit used (the protocol's target).
    const fgRecord = records.find((r) => r.law === 'fine-grained');
    const inputs = buildFigureInputs({
      runs,
      fits,
      fitRecords: records,
      fitInProcess: false,
      krajewskiLoss: fgRecord?.protocol.target ?? 'trainLossSmoothed',
      trainingCurves: readTrainingCurves(path.join(ctx.resultsDir, 'runs'), runs),
      log: (line) => ctx.log.info(line),
    });
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
