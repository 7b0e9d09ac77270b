import type { RunSummary } from '../runs/types';

/**
 * Which runs each law is fitted to (one definition, used by the fit stage, the figures and the notebooks):
 * - `fine-grained` (Krajewski Eq. 9): the MoE runs of the fine-grained sweep (fixed E, varying G);
 * - `dense` (Krajewski Eq. 1): the dense baselines of the fine-grained sweep;
 * - `experts` (Yun Eq. 4): every run of the experts sweep, dense (E = 1) included;
 * - `chinchilla` (Hoffmann Approach 3): every dense run of either sweep (N = non-embedding params).
 * A run table without a `sweep` match falls back to all runs of the right family, so user tables work.
 */
export type FittedLaw = 'chinchilla' | 'fine-grained' | 'dense' | 'experts';

export const FITTED_LAWS: readonly FittedLaw[] = ['chinchilla', 'fine-grained', 'dense', 'experts'];

export function runsForLaw(law: FittedLaw, runs: readonly RunSummary[]): RunSummary[] {
  const ofSweep = (sweep: string) => {
    const mine = runs.filter((r) => r.sweep === sweep);
    return mine.length > 0 ? mine : [...runs];
  };
  switch (law) {
    case 'fine-grained':
      return ofSweep('fine-grained').filter((r) => r.family === 'moe');
    case 'dense':
      return ofSweep('fine-grained').filter((r) => r.family === 'dense');
    case 'experts':
      return ofSweep('experts');
    case 'chinchilla':
      return runs.filter((r) => r.family === 'dense');
  }
}

/** The law form a fitted law uses (`dense` is Krajewski's Eq. 1, the Chinchilla form on the dense baselines). */
export function lawFormOf(law: FittedLaw): 'chinchilla' | 'fine-grained' | 'experts' {
  return law === 'dense' ? 'chinchilla' : law;
}
