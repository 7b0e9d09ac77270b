/** Stage `runs`: collects every finished run's `final.json` into the run table `results/runs.csv`. */
import { defineStage } from '../../src/pipeline/types';
import type { Preset } from '../presets/schema';
import { trainsItsRuns } from '../presets/sections';
import { expandSweeps } from '../sweeps';
import { expandLifelong } from '../sweeps/lifelong';
import { asInput, OUTPUTS } from '../outputs';

/** Every run of the preset: the sweeps' train@… runs, then the lifelong sweep's (trained by lifelong@s<seed>). */
function runIds(sweeps: Parameters<typeof expandSweeps>[0] & { lifelong?: Parameters<typeof expandLifelong>[0] | null }): string[] {
  return [...expandSweeps(sweeps).map((r) => r.runId), ...(sweeps.lifelong ? expandLifelong(sweeps.lifelong).map((r) => r.run.runId) : [])];
}

export default defineStage<Preset>()({
  name: 'runs',
  module: __filename,
  description: 'run table results/runs.csv from every train@… (and lifelong@…) final.json',
  params: ['sweeps', 'source'],
  gridParams: ['source'],
  when: trainsItsRuns,
  deps: ['train', 'lifelong'],
  inputs: (p) => runIds(p.sweeps).map((id) => asInput(OUTPUTS.run(id).summary)),
  outputs: [OUTPUTS.runTable],
  async run(ctx) {
    const { readRunSummaryFile, runTableFromSummaries, writeRunTable } = await import('../../src/runs/table');
    const summaries = runIds(ctx.params.sweeps).map((id) => readRunSummaryFile(ctx.resolve(asInput(OUTPUTS.run(id).summary))));
    await writeRunTable(ctx.out(OUTPUTS.runTable), runTableFromSummaries(summaries));
    ctx.log.info(`runs.csv: ${summaries.length} runs`);
  },
});
