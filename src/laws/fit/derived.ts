import type { RunSummary } from '../../runs/types';
import { fineGrainedOptimal } from '../allocation/fine-grained';
import type { CoefficientsOf, FineGrainedCoefficients, LawName } from '../coefficients';
import { defaultDerived } from './bootstrap';

/** Key of a derived quantity at a budget, e.g. `G@1.00e+11`. */
export function derivedKey(quantity: 'G' | 'paramsActive' | 'tokens', flops: number): string {
  return `${quantity}@${flops.toExponential(2)}`;
}

/** How far beyond the largest run the compute-optimal allocation is bootstrapped (one decade: a short extrapolation). */
export const DERIVED_EXTRAPOLATION_FACTOR = 10;

/**
 * Budgets at which the fine-grained law's compute-optimal allocation is bootstrapped: the smallest and largest
 * training compute (Krajewski Eq. 10/11 FLOPs) among the runs — where the law is interpolated — and one decade
 * beyond the largest (a short extrapolation, labelled as such). Krajewski's Table 6 bootstraps their Table 2
 * budgets, 1e18–5e25 FLOPs: from small runs those would be extrapolations over many decades, which the report
 * does not present as evidence.
 */
export function fineGrainedBudgets(runs: readonly RunSummary[]): number[] {
  const flops = runs.map((r) => r.flopsKrajewski).filter((f) => f > 0);
  if (flops.length === 0) return [];
  const lo = Math.min(...flops);
  const hi = Math.max(...flops);
  return [lo, hi, hi * DERIVED_EXTRAPOLATION_FACTOR];
}

/** The compute-optimal G, N_act and D at each budget, for one coefficient set (expansion rate of the runs). */
export function optimalAllocationDerived(budgets: readonly number[], expansionRate: number): (c: FineGrainedCoefficients) => Record<string, number> {
  return (c) => {
    const out: Record<string, number> = {};
    for (const flops of budgets) {
      const r = fineGrainedOptimal(c, flops, { expansionRate });
      out[derivedKey('G', flops)] = r.granularity;
      out[derivedKey('paramsActive', flops)] = r.paramsActive;
      out[derivedKey('tokens', flops)] = r.tokens;
    }
    return out;
  };
}

/**
 * The derived quantities the fit stage bootstraps for each law: the compute-optimal allocation at the runs' compute
 * range and one decade beyond (fine-grained, with the runs' expansion rate), the allocation exponents
 * a = β/(α+β), b = α/(α+β) (Chinchilla-form laws); none otherwise.
 */
export function derivedForLaw<L extends LawName>(law: L, runs: readonly RunSummary[]): ((c: CoefficientsOf<L>) => Record<string, number>) | undefined {
  if (law === 'fine-grained') {
    const expansionRate = runs[0]?.expansionRate ?? 64;
    const fn = optimalAllocationDerived(fineGrainedBudgets(runs), expansionRate);
    return (c) => fn(c as FineGrainedCoefficients);
  }
  return defaultDerived(law);
}
