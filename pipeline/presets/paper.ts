/**
 * `paper`: the papers' own grids, for clusters (Slurm): Krajewski et al. Tables 3-4 (78 MoE + 22 dense runs,
 * E = 64, G ∈ 1…16, 16B-130B tokens) and Yun et al. Table 1 (4 sizes × E ∈ {1, 4, 8, 16, 32} × 2.5B-20B tokens),
 * batch 0.5M tokens. The embedded corpus is far too small: point `corpus.sources` at a large user corpus
 * (.txt/.jsonl); a run whose tokens exceed the train split is refused (no repeated data).
 */
import type { PresetInput } from './schema';
import { KRAJEWSKI_PAPER_GRID, YUN_PAPER_GRID } from '../sweeps/paper';
import small from './small';

const paper: PresetInput = {
  ...small,
  name: 'paper',
  description: "the papers' grids, for clusters; replace corpus.sources with a large corpus (.txt/.jsonl)",
  corpus: { ...small.corpus, valFraction: 0.01 },
  sweeps: { fineGrained: KRAJEWSKI_PAPER_GRID, experts: YUN_PAPER_GRID },
  // Krajewski App. A: 0.5M tokens per batch packed into sequences of 256, max lr 2e-4, cosine to 10%, 1% warm-up.
  train: { seqLen: 256, batchSize: 2048, lr: 2e-4, warmupFraction: 0.01, finalLrFraction: 0.1, evalsPerRun: 10, evalTokens: 4_194_304, checkpointsPerRun: 50, backend: 'auto' },
  analysis: { budgetsFlops: [2.95e18, 1.93e20, 1.41e21, 6.46e21, 4.16e23, 5.69e24, 4.97e25] },
};
export default paper;
