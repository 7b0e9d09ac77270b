/**
 * `small`: a few GPU-hours (or a day on a many-core CPU). Full embedded corpus, the papers' full granularity
 * and expert ranges, larger models and up to ~10M tokens per run.
 */
import type { PresetInput } from './schema';
import tiny from './tiny';

const shape = (dModel: number, layers: number, heads: number) => ({ dModel, layers, heads });
const M = 1_000_000;

const small = {
  ...tiny,
  name: 'small',
  description: 'a few GPU-hours: papers’ G and E ranges, d_model 64-256, 1-10M tokens per run',
  sweeps: {
    fineGrained: {
      expansionRate: 8,
      moe: [{ shapes: [shape(64, 1, 2), shape(128, 2, 4), shape(192, 3, 4), shape(256, 4, 4)], tokens: [1 * M, 2.5 * M, 5 * M], granularities: [1, 2, 4, 8, 16] }],
      dense: [{ shapes: [shape(64, 1, 2), shape(128, 2, 4), shape(192, 3, 4), shape(256, 4, 4)], tokens: [1 * M, 2.5 * M, 5 * M] }],
    },
    experts: { shapes: [shape(64, 2, 2), shape(128, 4, 4), shape(256, 4, 4)], experts: [1, 4, 8, 16, 32], tokens: [1 * M, 3 * M, 10 * M], topK: 2, moeEvery: 2 },
  },
  train: { seqLen: 128, batchSize: 32, lr: 2e-3, evalsPerRun: 4, evalTokens: 131_072, checkpointsPerRun: 10 },
} satisfies PresetInput;
export default small;
