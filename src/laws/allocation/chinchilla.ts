import { chinchillaTrainingFlops } from '../../accounting/formulas';
import type { ChinchillaCoefficients } from '../published';

/** Chinchilla-form loss `E + A/N^α + B/D^β` (Hoffmann et al. 2022 Eq. 2; Yun et al. Eq. 1). */
export function chinchillaLoss(c: ChinchillaCoefficients, params: number, tokens: number): number {
  return c.E + c.A / Math.pow(params, c.alpha) + c.B / Math.pow(tokens, c.beta);
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

/**
 * Closed-form compute-optimal allocation under C = 6ND (Hoffmann et al. 2022 Eq. 4; Yun et al. Eq. 3 /
 * App. A): `N_opt = G (C/6)^a`, `D_opt = G^(−1) (C/6)^b`, `G = (αA/(βB))^(1/(α+β))`, a = β/(α+β), b = α/(α+β).
 */
export function chinchillaOptimal(c: ChinchillaCoefficients, flops: number): ChinchillaAllocation {
  const a = c.beta / (c.alpha + c.beta);
  const b = c.alpha / (c.alpha + c.beta);
  const G = Math.pow((c.alpha * c.A) / (c.beta * c.B), 1 / (c.alpha + c.beta));
  const params = G * Math.pow(flops / 6, a);
  const tokens = Math.pow(flops / 6, b) / G;
  // sanity: 6·N·D reproduces the budget
  void chinchillaTrainingFlops;
  return { flops, params, tokens, loss: chinchillaLoss(c, params, tokens), a, b, G, tokensPerParam: tokens / params };
}

/** FLOPs C at which the compute-optimal Chinchilla loss equals `loss` (NaN if loss ≤ E). */
export function chinchillaFlopsForLoss(c: ChinchillaCoefficients, loss: number): number {
  if (!(loss > c.E)) return NaN;
  // L_opt(C) = E + K · (C/6)^(−αβ/(α+β)), K from one evaluation
  const ref = chinchillaOptimal(c, 6);
  const K = ref.loss - c.E;
  const s = (c.alpha * c.beta) / (c.alpha + c.beta);
  return 6 * Math.pow(K / (loss - c.E), 1 / s);
}
