import { FitError } from '../errors';
import { getLaw } from '../forms';
import type { LawName, LawObservations } from '../types';
import { fitLaw, toObservations, type FitData, type FitOptions, type FitResult } from './fit';
import { HuberObjective } from './objective';

export interface HoldoutOptions {
  /** Fraction of observations (largest compute proxy) held out. Default 0.2. */
  fraction?: number;
  /** Options for the fit on the remaining observations. */
  fit?: FitOptions;
}

export interface HoldoutResult {
  law: LawName;
  fraction: number;
  nTrain: number;
  nHeldOut: number;
  /** Fit on the smaller-compute observations. */
  fit: FitResult;
  /** RMSE of log loss on the held-out observations. */
  rmseLog: number;
  heldOut: { label: string; compute: number; observed: number; predicted: number; residualLog: number }[];
}

/**
 * Held-out extrapolation (cf. Krajewski et al. Table 5 / Fig. 5a): fit without the largest-compute runs
 * (by the law's compute proxy: 6ND for Chinchilla, N·D otherwise) and report the RMSE of log loss on them.
 */
export function holdoutExtrapolation(lawName: LawName | string, data: FitData, options: HoldoutOptions = {}): HoldoutResult {
  const law = getLaw(lawName);
  const obs = toObservations(law, data, options.fit?.target);
  const fraction = options.fraction ?? 0.2;
  const n = obs.loss.length;
  const nHeld = Math.round(fraction * n);
  if (!(fraction > 0 && fraction < 1) || nHeld < 1 || n - nHeld <= law.paramNames.length) {
    throw new FitError('too-few', `${law.name}: holding out ${fraction} of ${n} observations leaves too few to fit ${law.paramNames.length} parameters`);
  }
  const order = obs.x.map((x, i) => ({ i, c: law.computeProxy(x) })).sort((a, b) => a.c - b.c);
  const pick = (idx: number[]): LawObservations => ({
    x: idx.map((i) => obs.x[i]),
    loss: idx.map((i) => obs.loss[i]),
    labels: idx.map((i) => obs.labels?.[i] ?? `observation ${i}`),
  });
  const trainIdx = order.slice(0, n - nHeld).map((o) => o.i);
  const heldIdx = order.slice(n - nHeld).map((o) => o.i);
  const fit = fitLaw(law.name, pick(trainIdx), options.fit);
  const held = pick(heldIdx);
  const obj = new HuberObjective(law, held, fit.huberDelta);
  const res = obj.residuals(fit.params);
  let ss = 0;
  const heldOut = heldIdx.map((i, j) => {
    ss += res[j] * res[j];
    return {
      label: held.labels![j],
      compute: law.computeProxy(obs.x[i]),
      observed: obs.loss[i],
      predicted: obs.loss[i] * Math.exp(res[j]),
      residualLog: res[j],
    };
  });
  return { law: law.name, fraction, nTrain: trainIdx.length, nHeldOut: heldIdx.length, fit, rmseLog: Math.sqrt(ss / heldIdx.length), heldOut };
}
