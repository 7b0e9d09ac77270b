/** Stage `runs`: collects every finished run's `final.json` into the run table `results/runs.csv`. */
import { defineStage } from '../../src/pipeline/types';
import type { Preset } from '../presets/schema';
import { trainsItsRuns } from '../presets/sections';
import { expandSweeps } from '../sweeps';
import { asInput, OUTPUTS } from '../outputs';

export default defineStage<Preset>()({
  name: 'runs',
  module: __filename,
  description: 'run table results/runs.csv from every train@… final.json',
  params: ['sweeps', 'source'],
  gridParams: ['source'],
  when: trainsItsRuns,
  deps: ['train'],
  inputs: (p) => expandSweeps(p.sweeps).map((r) => asInput(OUTPUTS.run(r.runId).summary)),
  outputs: [OUTPUTS.runTable],
  async run(ctx) {
    const { readRunSummaryFile, runTableFromSummaries, writeRunTable } = await import('../../src/runs/table');
    const summaries = expandSweeps(ctx.params.sweeps).map((r) => readRunSummaryFile(ctx.resolve(asInput(OUTPUTS.run(r.runId).summary))));
    await writeRunTable(ctx.out(OUTPUTS.runTable), runTableFromSummaries(summaries));
    ctx.log.info(`runs.csv: ${summaries.length} runs`);
  },
});
