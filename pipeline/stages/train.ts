/**
 * Stage `train@<runId>`: one training run per sweep point (matrix over `sweeps`). Checkpoints live in the
 * instance's persistent state dir, so a killed sweep resumes mid-run; `final.json` and `metrics.jsonl` are
 * committed to `results/runs/<runId>/` only when the run finishes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { readCorpusManifest } from '../../src/data/build';
import { defineStage } from '../../src/pipeline/types';
import { ConfigError } from '../../src/model/errors';
import { parseTrainConfig } from '../../src/train/config';
import type { Preset } from '../presets/schema';
import { assertTokensFitCorpus, expandSweeps, presetKeyOf, sweepRunToTrainConfig, trainRunCost, type SweepRun } from '../sweeps';
import { OUTPUTS } from '../outputs';

/** The train-split token count of a corpus, or undefined when the corpus is not built yet (a corrupt manifest is a CorpusError naming it). */
function trainSplitTokens(corpusDir: string): number | undefined {
  if (!fs.existsSync(path.join(corpusDir, 'manifest.json'))) return undefined;
  return readCorpusManifest(corpusDir).splits.train.tokens;
}

export default defineStage<Preset>()({
  name: 'train',
  module: __filename,
  description: 'one training run per sweep point (resumable from checkpoints)',
  params: ['sweeps', 'train', 'corpus.name'],
  // The grid only enumerates instances: each instance is fingerprinted by its own run spec, so adding a sweep
  // point does not re-train the others.
  gridParams: ['sweeps'],
  matrix: (p) => expandSweeps(p.sweeps).map((run) => ({ name: run.runId, params: run })),
  deps: ['corpus'],
  inputs: (p) => [OUTPUTS.corpus(p['corpus.name']).manifest],
  outputs: (_p, run: SweepRun) => Object.values(OUTPUTS.run(run.runId)),
  resources: { cpus: 1 },
  state: true,
  check: (p, run, repoRoot) => {
    // Validates the trainer config before anything runs (bad shapes fail at plan time, not mid-sweep), naming
    // the preset key that sets the bad value and the run.
    try {
      parseTrainConfig(sweepRunToTrainConfig(run, p.train, path.join(repoRoot, 'data', p['corpus.name'])));
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      const detail = e.message.startsWith(`${e.field}: `) ? e.message.slice(e.field.length + 2) : e.message;
      throw new ConfigError(presetKeyOf(p.sweeps, run, e.field), `${detail.replace(/; fix this value in the config$/, '')} (run ${run.runId}, trainer field ${e.field})`);
    }
  },
  // `status` and `repro --dry-run` print the estimated core-hours (pipeline/sweeps/cost.ts).
  cost: (p, run, ctx) => trainRunCost(run, p.train, ctx),
  async run(ctx) {
    const run = ctx.matrix;
    const corpusDir = path.join(ctx.dataDir, ctx.params['corpus.name']);
    const available = trainSplitTokens(corpusDir);
    if (available !== undefined) assertTokensFitCorpus(run, available, ctx.params['corpus.name'], ctx.params.train.allowRepeatedData);
    const config = sweepRunToTrainConfig(run, ctx.params.train, corpusDir);
    const { trainRun } = await import('../../src/train/trainer');
    const resume = fs.existsSync(path.join(ctx.stateDir, 'checkpoint.bin'));
    const summary = await trainRun(config, {
      outDir: ctx.stateDir,
      resume,
      allowRepeatedData: ctx.params.train.allowRepeatedData,
      log: (line) => ctx.log.info(line),
      warn: (line) => ctx.log.warn(line),
      onProgress: (p) =>
        ctx.progress({
          fraction: p.step / p.totalSteps,
          message: `step ${p.step}/${p.totalSteps} loss ${p.loss.toFixed(3)}${p.valLoss === null ? '' : ` val ${p.valLoss.toFixed(3)}`}`,
          tokensPerSecond: p.tokensPerSecond,
          etaSeconds: p.etaSeconds,
        }),
    });
    const out = OUTPUTS.run(run.runId);
    fs.writeFileSync(ctx.out(out.summary), JSON.stringify(summary, null, 2) + '\n');
    fs.copyFileSync(path.join(ctx.stateDir, 'metrics.jsonl'), ctx.out(out.metrics));
  },
});
