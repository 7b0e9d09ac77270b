import { EXPERT_CHOICE_CAPACITY_FACTOR } from '../../src/model/config';
import { ConfigError } from '../../src/model/errors';
import type { TrainConfigInput } from '../../src/train/config';
import type { TrainSection } from '../presets/sections';
import type { SweepRun } from './types';

/**
 * The trainer config of one sweep run under a preset's training recipe. Everything that differs between runs
 * comes from the `SweepRun` (shape, routing, E, G, tokens); everything shared comes from the `train` section.
 * Evaluation and checkpoint intervals are fractions of the run, so small and large runs get the same number.
 * Every run-recipe key (src/runs/recipe.ts) is passed through, so the preset's value (or the recipe default) is
 * the trainer's; test/sweeps/recipe.test.ts checks that none is dropped.
 */
export function sweepRunToTrainConfig(run: SweepRun, train: TrainSection, corpusDir: string): TrainConfigInput {
  const moe =
    run.family === 'moe' && !run.peer
      ? {
          router: run.router === 'expert-choice' ? ('expert-choice' as const) : ('token-choice' as const),
          expansionRate: run.expansionRate,
          granularity: run.granularity,
          topK: run.topK,
          // Expert choice: each expert takes exactly its share of the group (capacity 1, as in Krajewski et al.).
          capacityFactor: run.router === 'expert-choice' ? EXPERT_CHOICE_CAPACITY_FACTOR : train.capacityFactor,
          groupSize: train.groupSize,
          every: run.moeEvery,
          // only when set, so runs without shared experts keep their exact trainer config (and fingerprint)
          ...(run.sharedExperts ? { sharedExperts: run.sharedExperts } : {}),
          ...(run.outputLayerNorm !== undefined ? { outputLayerNorm: run.outputLayerNorm } : {}),
          lbCoef: run.router === 'expert-choice' ? 0 : train.lbCoef,
          zCoef: train.zCoef,
        }
      : null;
  return {
    model: {
      vocab: 256,
      dModel: run.dModel,
      layers: run.layers,
      heads: run.heads,
      dFF: run.dFF,
      ffn: run.ffn,
      tiedEmbeddings: true,
      // Only when set, so a preset without it keeps the exact trainer config (and instance fingerprint) it had.
      ...(train.init !== undefined ? { init: train.init } : {}),
      ...(train.initStd !== undefined ? { initStd: train.initStd } : {}),
      ...(train.initScale !== undefined ? { initScale: train.initScale } : {}),
      moe,
      // only when set, so other runs keep their exact trainer config (and fingerprint)
      ...(run.peer ? { peer: run.peer } : {}),
    },
    data: { corpusDir, seqLen: train.seqLen, batchSize: train.batchSize },
    tokens: run.tokens,
    optimizer: { lr: run.lr ?? train.lr, betas: train.betas, eps: train.eps, weightDecay: train.weightDecay, gradClip: train.gradClip },
    schedule: { warmupFraction: train.warmupFraction, finalLrFraction: train.finalLrFraction },
    evalEveryTokens: Math.ceil(run.tokens / train.evalsPerRun),
    evalTokens: train.evalTokens,
    checkpointEveryTokens: Math.ceil(run.tokens / train.checkpointsPerRun),
    seed: run.seed ?? train.seed,
    backend: train.backend,
    runId: run.runId,
    sweep: run.sweep,
    lossEmaDecay: train.lossEmaDecay,
  };
}

/**
 * Refuses a run that would read more tokens than the corpus's train split holds (repeated data), unless the
 * preset allows it explicitly (`train.allowRepeatedData`).
 */
export function assertTokensFitCorpus(run: SweepRun, trainSplitTokens: number, corpusName: string, allowRepeatedData: boolean): void {
  if (run.tokens <= trainSplitTokens || allowRepeatedData) return;
  throw new ConfigError(
    `sweeps (run ${run.runId}).tokens`,
    `${run.tokens} tokens exceed the ${trainSplitTokens} tokens of the train split of corpus '${corpusName}'; lower the run's tokens, use a larger corpus, or set train.allowRepeatedData: true`,
  );
}
