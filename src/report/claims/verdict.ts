/**
 * The verdict machinery shared by every claim. A claim states a hypothesis as an *effect* whose sign is the claim's
 * direction (positive = the claim holds), estimates it with an interval (from paired differences over cells, seed
 * replicates, or a fit's bootstrap — never from one run-to-run difference), and decides:
 * - **fails**: the interval lies below the smallest effect the claim is about (hi < `smallestEffect`): the data rule
 *   out an effect of that size in the claimed direction — a credibly negligible effect fails too, as in an
 *   equivalence test (0 means: rule out any effect in that direction);
 * - **holds**: otherwise, when the interval lies above zero (lo > 0);
 * - **inconclusive**: anything else, with the reason (too few cells, noise, an unidentified fit, …).
 */
import { studentTQuantile } from '../../util/student-t';

export type Verdict = 'holds' | 'fails' | 'inconclusive';

/** What a claim is evidence about: our training runs, or our solver on the papers' published coefficients. */
export type ClaimKind = 'runs' | 'published';

export interface Effect {
  /** The measured quantity in words, with its unit (positive = in the claim's direction). */
  quantity: string;
  estimate: number;
  lo: number;
  hi: number;
  /** Coverage of [lo, hi]. */
  level: number;
  /** How the interval was obtained, in words. */
  method: string;
  /**
   * Share of bootstrap resamples whose value was not finite (a refit that failed, a ratio with no denominator).
   * The interval is over the finite ones only, so above `MAX_UNDEFINED_FRACTION` it describes the survivors, not
   * the data, and the verdict is inconclusive.
   */
  undefinedFraction?: number;
}

/** Above this share of undefined resamples a percentile interval decides nothing (it is conditional on survival). */
export const MAX_UNDEFINED_FRACTION = 0.1;

/** One sub-case of a claim ("every MoE size": one per expert count). */
export interface ClaimCase {
  label: string;
  verdict: Verdict;
  effect: Effect | null;
  reason?: string;
}

export interface ClaimResult {
  /** Stable id, e.g. `krajewski.granularity-helps`. */
  id: string;
  paper: string;
  kind: ClaimKind;
  /** The claim in the paper's terms, with the section it comes from. */
  statement: string;
  /** What "holds" means here, the null it is tested against, and the test. */
  hypothesis: string;
  null: string;
  test: string;
  /** The fitting protocol the verdict was computed with (or 'none: run table only'). */
  protocol: string;
  verdict: Verdict;
  effect: Effect | null;
  /** The smallest effect the claim is about (the threshold of "fails"), with its unit. */
  smallestEffect: number;
  /** The numbers behind the verdict, in words. */
  evidence: string;
  /** Why a verdict is inconclusive (or what limits it), in words. */
  reason?: string;
  cases?: ClaimCase[];
}

/** The interval-based decision above. */
export function decide(effect: Pick<Effect, 'estimate' | 'lo' | 'hi' | 'undefinedFraction'>, smallestEffect: number): Verdict {
  if (!Number.isFinite(effect.estimate) || !Number.isFinite(effect.lo) || !Number.isFinite(effect.hi)) return 'inconclusive';
  if ((effect.undefinedFraction ?? 0) > MAX_UNDEFINED_FRACTION) return 'inconclusive';
  if (effect.hi < smallestEffect) return 'fails';
  if (effect.lo > 0) return 'holds';
  return 'inconclusive';
}

/** Why `decide` returned inconclusive, in words. */
export function inconclusiveReason(effect: Effect, smallestEffect: number, source = 'the noise of these runs'): string {
  if (!Number.isFinite(effect.estimate)) return `the effect is not defined on the full data (${fmt(effect.estimate)}): ${effect.quantity} cannot be measured here, whatever the resamples say`;
  if ((effect.undefinedFraction ?? 0) > MAX_UNDEFINED_FRACTION) {
    return `${Math.round((effect.undefinedFraction ?? 0) * 100)}% of the bootstrap resamples give no finite value (more than ${MAX_UNDEFINED_FRACTION * 100}%): the interval describes the resamples that survived, not the data`;
  }
  if (!Number.isFinite(effect.lo) || !Number.isFinite(effect.hi)) return `the interval [${fmt(effect.lo)}, ${fmt(effect.hi)}] is not finite: ${source} cannot decide it`;
  return `the ${Math.round(effect.level * 100)}% interval [${fmt(effect.lo)}, ${fmt(effect.hi)}] contains 0 and reaches above the smallest effect of interest ${fmt(smallestEffect)}: ${source} cannot decide it`;
}

/** "lo–hi" of the finite values, or "no finite value". */
export function spanOf(values: readonly number[]): string {
  const v = values.filter(Number.isFinite);
  return v.length ? `${fmt(Math.min(...v))}–${fmt(Math.max(...v))}` : 'no finite value';
}

/**
 * Every case must hold for the claim to hold; one case that fails makes it fail; otherwise inconclusive
 * (Yun et al.'s "every MoE size improves on dense" is a claim about each size, not a majority).
 */
export function allCases(cases: readonly ClaimCase[]): Verdict {
  if (cases.length === 0) return 'inconclusive';
  if (cases.some((c) => c.verdict === 'fails')) return 'fails';
  if (cases.every((c) => c.verdict === 'holds')) return 'holds';
  return 'inconclusive';
}

/** Mean, sample standard deviation and count of finite values. */
export function summary(values: readonly number[]): { mean: number; sd: number; n: number } {
  const v = values.filter(Number.isFinite);
  const n = v.length;
  const mean = n ? v.reduce((s, x) => s + x, 0) / n : NaN;
  const sd = n > 1 ? Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1)) : NaN;
  return { mean, sd, n };
}

/**
 * A t interval for the mean of `differences` (one per cell), with `level` coverage. With one cell, the interval
 * comes from `noiseSd` — the run-to-run standard deviation of one difference measured from seed replicates — and
 * its degrees of freedom; with neither, the interval is unbounded (inconclusive).
 */
export function meanInterval(
  differences: readonly number[],
  level: number,
  quantity: string,
  noise?: { sd: number; df: number; perDifference: number },
): Effect {
  const { mean, sd, n } = summary(differences);
  const q = (df: number) => studentTQuantile(1 - (1 - level) / 2, df);
  if (n >= 2 && Number.isFinite(sd)) {
    // Cells as replicates: the spread of the per-cell differences includes run-to-run noise and cell heterogeneity.
    const half = q(n - 1) * (sd / Math.sqrt(n));
    return { quantity, estimate: mean, lo: mean - half, hi: mean + half, level, method: `mean over ${n} cells, t interval (df ${n - 1})` };
  }
  if (n === 1 && noise && noise.df >= 1 && Number.isFinite(noise.sd)) {
    const half = q(noise.df) * noise.sd * noise.perDifference;
    return { quantity, estimate: mean, lo: mean - half, hi: mean + half, level, method: `one cell, run-to-run noise from seed replicates (σ ${fmt(noise.sd)}, df ${noise.df})` };
  }
  return { quantity, estimate: mean, lo: -Infinity, hi: Infinity, level, method: n === 0 ? 'no cell' : 'one cell and no seed replicates: no noise estimate' };
}

/** Percentile interval of bootstrap values of an effect. */
export function percentileInterval(values: readonly number[], level: number, quantity: string, estimate: number, method: string): Effect {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  const undefinedFraction = values.length > 0 ? (values.length - v.length) / values.length : 1;
  if (v.length === 0) return { quantity, estimate, lo: -Infinity, hi: Infinity, level, method: `${method}: no finite resample`, undefinedFraction };
  const at = (p: number) => {
    const h = (v.length - 1) * p;
    const i = Math.floor(h);
    return v[i]! + (h - i) * (v[Math.min(i + 1, v.length - 1)]! - v[i]!);
  };
  const finite = v.length === values.length ? `${v.length} resamples` : `${v.length} of ${values.length} resamples finite`;
  return { quantity, estimate, lo: at((1 - level) / 2), hi: at(1 - (1 - level) / 2), level, method: `${method} (${finite}, percentile interval)`, undefinedFraction };
}

/** A number for evidence strings: 4 significant digits, exponent form outside [1e-3, 1e5). */
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? x.toExponential(2) : Number(x.toPrecision(4)).toString();
}

/** "[lo, hi]" of an effect. */
export function describeEffect(e: Effect): string {
  return `${fmt(e.estimate)} [${fmt(e.lo)}, ${fmt(e.hi)}] (${Math.round(e.level * 100)}%, ${e.method})`;
}

export const KRAJEWSKI = 'Krajewski et al. 2024';
export const YUN = 'Yun et al. 2024';
export const CLARK = 'Clark et al. 2022';
