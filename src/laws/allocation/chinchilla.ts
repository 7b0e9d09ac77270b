import { chinchillaTokensAtFlops, chinchillaTrainingFlops } from '../../accounting/formulas';
import type { ChinchillaCoefficients, DenseCoefficients } from '../coefficients';
import { chinchillaLaw, denseLaw } from '../forms';
import { lawLoss } from '../predict';

/** Chinchilla-form loss `E + A/N^α + B/D^β` (Hoffmann et al. 2022 Eq. 2; Yun et al. Eq. 1), via the law form. */
export function chinchillaLoss(c: ChinchillaCoefficients, params: number, tokens: number): number {
  return lawLoss(chinchillaLaw, c, [params, tokens]);
}

/** Krajewski et al. 2024 Eq. 1 dense loss `c + a/N^α + b/D^β`, via the law form. */
export function denseLoss(c: DenseCoefficients, params: number, tokens: number): number {
  return lawLoss(denseLaw, c, [params, tokens]);
}

export interface ChinchillaAllocation {
  flops: number;
  /** Loss-optimal parameters N_opt. */
  params: number;
  /** Loss-optimal tokens D_opt. */
  tokens: number;
  loss: number;
  /** Exponent a = β/(α+β) of N_opt ∝ C^a. */
  a: number;
  /** Exponent b = α/(α+β) of D_opt ∝ C^b. */
  b: number;
  /** Prefactor G = (αA/(βB))^(1/(α+β)). */
  G: number;
  tokensPerParam: number;
}

/** The terms of a two-power-law law `floor + scaleN/N^α + scaleD/D^β`, in the closed form's own symbols. */
interface TwoTerm {
  scaleN: number;
  scaleD: number;
  alpha: number;
  beta: number;
}

/**
 * Hoffmann et al. 2022 Eq. 4 (Yun et al. Eq. 3 / App. A) under C = 6ND: `N_opt = G (C/6)^a`, `D_opt = G^(−1)
 * (C/6)^b`, `G = (α·scaleN/(β·scaleD))^(1/(α+β))`, a = β/(α+β), b = α/(α+β). The loss is evaluated by the law.
 */
function closedForm(t: TwoTerm, flops: number, loss: (params: number, tokens: number) => number): ChinchillaAllocation {
  const a = t.beta / (t.alpha + t.beta);
  const b = t.alpha / (t.alpha + t.beta);
  const G = Math.pow((t.alpha * t.scaleN) / (t.beta * t.scaleD), 1 / (t.alpha + t.beta));
  const nd = chinchillaTokensAtFlops(flops, 1); // N · D = C/6
  const params = G * Math.pow(nd, a);
  const tokens = Math.pow(nd, b) / G;
  return { flops, params, tokens, loss: loss(params, tokens), a, b, G, tokensPerParam: tokens / params };
}

/** Closed-form compute-optimal allocation of Chinchilla Approach 3 coefficients (Hoffmann et al. Eq. 4). */
export function chinchillaOptimal(c: ChinchillaCoefficients, flops: number): ChinchillaAllocation {
  return closedForm({ scaleN: c.A, scaleD: c.B, alpha: c.alpha, beta: c.beta }, flops, (n, d) => chinchillaLoss(c, n, d));
}

/** Closed-form compute-optimal allocation of Krajewski's dense law (Eq. 1) under F = 6·N·D. */
export function denseOptimal(c: DenseCoefficients, flops: number): ChinchillaAllocation {
  return closedForm({ scaleN: c.a, scaleD: c.b, alpha: c.alpha, beta: c.beta }, flops, (n, d) => denseLoss(c, n, d));
}

/**
 * FLOPs C at which a compute-optimal model reaches `loss` (NaN if loss ≤ the law's floor): L_opt(C) = floor +
 * K·(C/6)^(−αβ/(α+β)), K from one evaluation of the allocation at C = 6.
 */
function flopsForLoss(floor: number, alpha: number, beta: number, lossAt: (flops: number) => number, loss: number): number {
  if (!(loss > floor)) return NaN;
  const K = lossAt(chinchillaTrainingFlops(1, 1)) - floor;
  const s = (alpha * beta) / (alpha + beta);
  return chinchillaTrainingFlops(1, 1) * Math.pow(K / (loss - floor), 1 / s);
}

/** FLOPs at which the compute-optimal Chinchilla loss equals `loss` (NaN if loss ≤ E). */
export function chinchillaFlopsForLoss(c: ChinchillaCoefficients, loss: number): number {
  return flopsForLoss(c.E, c.alpha, c.beta, (f) => chinchillaOptimal(c, f).loss, loss);
}

/** FLOPs at which the compute-optimal dense model (Krajewski Eq. 1, F = 6ND) reaches `loss` (NaN if loss ≤ c). */
export function denseFlopsForLoss(c: DenseCoefficients, loss: number): number {
  return flopsForLoss(c.c, c.alpha, c.beta, (f) => denseOptimal(c, f).loss, loss);
}
