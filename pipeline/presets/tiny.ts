/**
 * `tiny`: the default main job. Full embedded corpus (Moby Dick + State of the Union, ~12 MB of English),
 * sweeps sized to finish the whole DAG in well under an hour on 2 CPU cores (~8M training tokens in total),
 * with enough runs for every law to be fitted with bootstrap intervals:
 * - fine-grained (Krajewski): 3 sizes × G ∈ {1, 2, 4} × 3 token counts at E = 4, plus dense baselines (36 runs);
 * - experts (Yun): 2 sizes × E ∈ {1, 4, 8, 16, 32} × 2 token counts, top-2, MoE every second block (20 runs).
 */
import type { PresetInput } from './schema';

const shape = (dModel: number, layers: number, heads: number) => ({ dModel, layers, heads });

const tiny = {
  name: 'tiny',
  description: 'default main job: embedded corpus, 56 small runs, well under an hour on 2 CPU cores',
  corpus: {
    name: 'stdlib-en',
    sources: [
      { kind: 'embedded', dataset: 'moby-dick' },
      { kind: 'embedded', dataset: 'sotu' },
    ],
    valFraction: 0.05,
    splitSeed: 0,
    tokenizer: 'byte',
  },
  sweeps: {
    fineGrained: {
      expansionRate: 4,
      moe: [{ shapes: [shape(32, 2, 2), shape(48, 2, 2), shape(64, 2, 2)], tokens: [64_000, 128_000, 256_000], granularities: [1, 2, 4] }],
      dense: [{ shapes: [shape(32, 2, 2), shape(48, 2, 2), shape(64, 2, 2)], tokens: [64_000, 128_000, 256_000] }],
    },
    experts: { shapes: [shape(32, 2, 2), shape(64, 2, 2)], experts: [1, 4, 8, 16, 32], tokens: [64_000, 192_000], topK: 2, moeEvery: 2 },
  },
  train: { seqLen: 64, batchSize: 16, lr: 3e-3, evalsPerRun: 2, evalTokens: 32_768, checkpointsPerRun: 4 },
  analysis: { budgetsFlops: [1e10, 1e11, 1e12, 1e14, 1e17, 1e20, 1e23, 1e25] },
} satisfies PresetInput;
export default tiny;
