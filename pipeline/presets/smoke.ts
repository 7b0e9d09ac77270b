/**
 * `smoke`: the whole DAG in a few minutes on 2 cores (CI). A 2 MB seeded subset of the embedded corpus and
 * the smallest sweeps that still give every law at least as many runs as it has parameters.
 */
import type { PresetInput } from './schema';
import tiny from './tiny';

const shape = (dModel: number, layers: number, heads: number) => ({ dModel, layers, heads });

const smoke: PresetInput = {
  ...tiny,
  name: 'smoke',
  description: 'CI smoke run: 2 MB corpus subset, minimal sweeps, minutes on 2 cores',
  corpus: { ...tiny.corpus, name: 'stdlib-en-2mb', maxBytes: 2_000_000, valFraction: 0.1 },
  sweeps: {
    fineGrained: {
      expansionRate: 4,
      moe: [{ shapes: [shape(16, 1, 2), shape(32, 1, 2)], tokens: [10_000, 20_000], granularities: [1, 2, 4] }],
      dense: [{ shapes: [shape(16, 1, 2), shape(32, 1, 2)], tokens: [10_000, 20_000, 40_000] }],
    },
    experts: { shapes: [shape(16, 2, 2), shape(32, 2, 2)], experts: [1, 4, 8], tokens: [10_000, 20_000], topK: 2, moeEvery: 2 },
  },
  train: { seqLen: 32, batchSize: 8, lr: 3e-3, evalsPerRun: 1, evalTokens: 4096, checkpointsPerRun: 2 },
  analysis: { budgetsFlops: [1e9, 1e10, 1e12, 1e15, 1e20, 1e25] },
  fit: { bootstrap: 20, sensitivityBootstrap: 10 },
};
export default smoke;
