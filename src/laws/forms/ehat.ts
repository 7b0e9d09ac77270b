/**
 * Saturating expert-count transform of Clark et al. 2022 (arXiv 2202.01169) Eq. 1, reused by Yun et al. 2024
 * Eq. 4: `1/Ê = 1/(E − 1 + (1/E_start − 1/E_max)^(−1)) + 1/E_max`.
 * Ê(1) = E_start and Ê → E_max as E → ∞. We optimise over logQ = log(1/E_start − 1/E_max) and
 * logR = log(1/E_max), which keeps 0 < E_start < E_max for every real parameter value.
 */

/** Scratch output of `lnEhat` (avoids allocation in the objective's inner loop). */
export const ehatScratch = { lnEhat: 0, dLogQ: 0, dLogR: 0 };

/** ln Ê and its partial derivatives w.r.t. logQ and logR, written into `ehatScratch`. */
export function lnEhat(experts: number, logQ: number, logR: number): number {
  const q = Math.exp(logQ);
  const r = Math.exp(logR);
  const t = experts - 1 + 1 / q;
  const h = 1 / t + r;
  ehatScratch.lnEhat = -Math.log(h);
  ehatScratch.dLogQ = -1 / (h * t * t * q);
  ehatScratch.dLogR = -r / h;
  return ehatScratch.lnEhat;
}

/** Ê(E) from the paper's parameters. */
export function effectiveExperts(experts: number, eStart: number, eMax: number): number {
  return 1 / (1 / (experts - 1 + 1 / (1 / eStart - 1 / eMax)) + 1 / eMax);
}

/**
 * (E_start, E_max) → (logQ, logR); throws RangeError unless 0 < E_start ≤ E_max. E_start = E_max (a fit whose
 * saturation collapsed: Ê is the constant E_max) maps to logQ = −∞, which the law evaluates exactly.
 */
export function ehatParams(eStart: number, eMax: number): [number, number] {
  if (!(eStart > 0 && eMax >= eStart)) throw new RangeError(`need 0 < E_start (${eStart}) ≤ E_max (${eMax})`);
  return [Math.log(1 / eStart - 1 / eMax), Math.log(1 / eMax)];
}

/** (logQ, logR) → (E_start, E_max). */
export function ehatFromParams(logQ: number, logR: number): [number, number] {
  const q = Math.exp(logQ);
  const r = Math.exp(logR);
  return [1 / (q + r), 1 / r];
}
