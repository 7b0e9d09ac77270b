import type { CoefficientsOf, LawName } from '../coefficients';
import { FitError } from '../errors';
import { getLaw } from '../forms';
import type { HoldoutRule } from '../protocol';
import type { Coefficients, LawObservations } from '../types';
import { fitLaw, resolveProtocol, toObservations, type FitData, type FitOptions, type FitResult } from './fit';
import { HuberObjective } from './objective';

export interface HoldoutOptions<C extends Coefficients = Coefficients> {
  /** Which runs are held out and how many. Default: the fit protocol's hold-out rule. */
  rule?: Partial<HoldoutRule>;
  /** Options for the fit on the remaining observations (protocol, fixed coefficients). */
  fit?: FitOptions<C>;
}

export interface HoldoutResult<C extends Coefficients = Coefficients> {
  law: LawName;
  rule: HoldoutRule;
  nTrain: number;
  nHeldOut: number;
  /** Fit on the runs that were not held out. */
  fit: FitResult<C>;
  /** RMSE of ln loss on the held-out observations. */
  rmseLog: number;
  heldOut: { label: string; compute: number; observed: number; predicted: number; residualLog: number }[];
}

/**
 * Held-out extrapolation: fit without a fraction of the runs and report the RMSE of ln loss on them. The rule
 * says which runs: `lowest-loss` (Krajewski et al. App. B / Table 5: "20% of datapoints with the lowest
 * perplexity excluded") or `largest-compute` (by the law's compute proxy: 6ND for Chinchilla, N·D otherwise).
 */
export function holdoutExtrapolation<L extends LawName>(lawName: L, data: FitData, options?: HoldoutOptions<CoefficientsOf<L>>): HoldoutResult<CoefficientsOf<L>>;
export function holdoutExtrapolation(lawName: string, data: FitData, options?: HoldoutOptions): HoldoutResult;
export function holdoutExtrapolation(lawName: string, data: FitData, options: HoldoutOptions = {}): HoldoutResult {
  const law = getLaw(lawName);
  const { protocol } = resolveProtocol(law, options.fit ?? {});
  const rule: HoldoutRule = { ...protocol.holdout, ...options.rule };
  const obs = toObservations(law, data, protocol.target);
  const n = obs.loss.length;
  const nHeld = Math.round(rule.fraction * n);
  if (!(rule.fraction > 0 && rule.fraction < 1) || nHeld < 1 || n - nHeld <= law.paramNames.length) {
    throw new FitError('too-few', `${law.name}: holding out ${rule.fraction} of ${n} observations leaves too few to fit ${law.paramNames.length} parameters`);
  }
  // Held out: the last nHeld in this order (ascending compute, or descending loss).
  const order = obs.x
    .map((x, i) => ({ i, key: rule.rule === 'largest-compute' ? law.computeProxy(x) : -obs.loss[i]! }))
    .sort((a, b) => a.key - b.key || a.i - b.i);
  const pick = (idx: number[]): LawObservations => ({
    x: idx.map((i) => obs.x[i]!),
    loss: idx.map((i) => obs.loss[i]!),
    labels: idx.map((i) => obs.labels?.[i] ?? `observation ${i}`),
  });
  const trainIdx = order.slice(0, n - nHeld).map((o) => o.i);
  const heldIdx = order.slice(n - nHeld).map((o) => o.i);
  const fit = fitLaw(law.name, pick(trainIdx), { ...options.fit, protocol });
  const held = pick(heldIdx);
  const obj = new HuberObjective(law, held, 1);
  const res = obj.residuals(fit.params);
  let ss = 0;
  const heldOut = heldIdx.map((i, j) => {
    ss += res[j]! * res[j]!;
    return {
      label: held.labels![j]!,
      compute: law.computeProxy(obs.x[i]!),
      observed: obs.loss[i]!,
      predicted: obs.loss[i]! * Math.exp(res[j]!),
      residualLog: res[j]!,
    };
  });
  return { law: law.name, rule, nTrain: trainIdx.length, nHeldOut: heldIdx.length, fit, rmseLog: Math.sqrt(ss / heldIdx.length), heldOut };
}
