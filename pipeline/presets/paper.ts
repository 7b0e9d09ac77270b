/** `paper`: the papers' grids, for clusters (Slurm). Point `corpus.sources` at a large user corpus. */
import type { PresetInput } from './schema';
import small from './small';

const paper: PresetInput = {
  ...small,
  name: 'paper',
  description: "the papers' grids, for clusters; replace corpus.sources with a large corpus (.txt/.jsonl)",
  corpus: { ...small.corpus, valFraction: 0.01 },
};
export default paper;
