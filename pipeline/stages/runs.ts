/** Stage `runs`: collects every finished run's `final.json` into the run table `results/runs.csv`. */
import fs from 'node:fs';
import { defineStage } from '../../src/pipeline/types';
import type { RunSummary } from '../../src/runs/types';
import type { Preset } from '../presets/schema';
import { trainsItsRuns } from '../presets/sections';
import { expandSweeps } from '../sweeps';

export default defineStage<Preset>()({
  name: 'runs',
  module: __filename,
  description: 'run table results/runs.csv from every train@… final.json',
  params: ['sweeps', 'source'],
  gridParams: ['source'],
  when: trainsItsRuns,
  deps: ['train'],
  inputs: (p) => expandSweeps(p.sweeps).map((r) => `results:runs/${r.runId}/final.json`),
  outputs: ['runs.csv'],
  async run(ctx) {
    const { runTableFromSummaries, writeRunTable } = await import('../../src/runs/table');
    const summaries = expandSweeps(ctx.params.sweeps).map(
      (r) => JSON.parse(fs.readFileSync(ctx.resolve(`results:runs/${r.runId}/final.json`), 'utf8')) as RunSummary,
    );
    await writeRunTable(ctx.out('runs.csv'), runTableFromSummaries(summaries));
    ctx.log.info(`runs.csv: ${summaries.length} runs`);
  },
});
