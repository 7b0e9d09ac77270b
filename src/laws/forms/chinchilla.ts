import { chinchillaTrainingFlops } from '../../accounting/formulas';
import type { ChinchillaCoefficients, DenseCoefficients } from '../coefficients';
import type { LawForm } from '../types';
import { identityParam, logParam } from './params';
import { HUBER, huberStep } from '../fit/huber';
import { logSumExp, range, safeLog } from './lse';

const u = new Float64Array(3);
const w = new Float64Array(3);
const ex = new Float64Array(3);

/**
 * The three log-space terms (u0, u1, e) of one observation shifted by their maximum m: writes e^(u0−m),
 * e^(u1−m), e^(e−m) into `out` (the largest is exactly 1, so two exps instead of three) and returns m, so
 * that log L̂ = m + log(Σ out). Shared by the stable value/gradient kernel and the Hessian kernel.
 */
function shiftedTerms(u0: number, u1: number, e: number, out: Float64Array): number {
  if (u0 >= u1 && u0 >= e) {
    out[0] = 1;
    out[1] = Math.exp(u1 - u0);
    out[2] = Math.exp(e - u0);
    return u0;
  }
  if (u1 >= e) {
    out[0] = Math.exp(u0 - u1);
    out[1] = 1;
    out[2] = Math.exp(e - u1);
    return u1;
  }
  out[0] = Math.exp(u0 - e);
  out[1] = Math.exp(u1 - e);
  out[2] = 1;
  return e;
}

/**
 * The summed-Huber kernel with the largest log-sum-exp term factored out (two exps and one log per
 * observation; never overflows): the fallback of `chinchillaLaw.huberKernel` for parameters so extreme that a
 * term leaves [1e-150, 1e150].
 */
function stableHuberKernel(
  p: ArrayLike<number>,
  f: Float64Array,
  logLoss: Float64Array,
  weights: Float64Array,
  delta: number,
  grad: Float64Array,
): number {
  const a = p[0];
  const b = p[1];
  const e = p[2];
  const alpha = p[3];
  const beta = p[4];
  let s = 0;
  let g0 = 0;
  let g1 = 0;
  let g2 = 0;
  let g3 = 0;
  let g4 = 0;
  const n = logLoss.length;
  for (let i = 0; i < n; i++) {
    const wi = weights[i];
    if (wi === 0) continue;
    const lnN = f[2 * i];
    const lnD = f[2 * i + 1];
    const u0 = a - alpha * lnN;
    const u1 = b - beta * lnD;
    const m = shiftedTerms(u0, u1, e, ex);
    const e0 = ex[0];
    const e1 = ex[1];
    const e2 = ex[2];
    const sum = e0 + e1 + e2;
    huberStep(m + Math.log(sum) - logLoss[i], delta);
    s += wi * HUBER.value;
    const psi = wi * HUBER.psi;
    const q = psi / sum;
    const w0 = q * e0;
    const w1 = q * e1;
    g0 += w0;
    g1 += w1;
    g2 += q * e2;
    g3 -= w0 * lnN;
    g4 -= w1 * lnD;
  }
  grad[0] = g0;
  grad[1] = g1;
  grad[2] = g2;
  grad[3] = g3;
  grad[4] = g4;
  return s;
}

/**
 * The numeric core shared by every law of the form `L(N, D) = E + A/N^α + B/D^β`, fitted in log space as
 * `log L = LSE(a − α log N, b − β log D, e)` with A, B, E = exp(a), exp(b), exp(e) (Hoffmann et al. 2022 App. D.2):
 * Chinchilla Approach 3 and Krajewski et al.'s dense law (Eq. 1) differ only in their names and protocols.
 * Optimisation-space parameters, in order: (log A, log B, log E, α, β).
 */
const threeTermCore = {
  nFeatures: 2,
  features(raw: ArrayLike<number>, out: Float64Array, o: number) {
    out[o] = Math.log(raw[0]);
    out[o + 1] = Math.log(raw[1]);
  },
  predictLog(p: ArrayLike<number>, f: Float64Array, o: number) {
    u[0] = p[0] - p[3] * f[o];
    u[1] = p[1] - p[4] * f[o + 1];
    u[2] = p[2];
    return logSumExp(u, 3, w);
  },
  gradLog(p: ArrayLike<number>, f: Float64Array, o: number, g: Float64Array) {
    const lnN = f[o];
    const lnD = f[o + 1];
    u[0] = p[0] - p[3] * lnN;
    u[1] = p[1] - p[4] * lnD;
    u[2] = p[2];
    const v = logSumExp(u, 3, w);
    g[0] = w[0];
    g[1] = w[1];
    g[2] = w[2];
    g[3] = -w[0] * lnN;
    g[4] = -w[1] * lnD;
    return v;
  },
  hessLog(p: ArrayLike<number>, f: Float64Array, o: number, g: Float64Array, h: Float64Array) {
    const v = threeTermCore.gradLog(p, f, o, g);
    // log L̂ = LSE(u) with u = (a − α lnN, b − β lnD, e) affine in the parameters, u = J p + c:
    // ∇² log L̂ = Jᵀ (diag(w) − w wᵀ) J, w = softmax(u) (the log-sum-exp Hessian).
    const c = [1, 1, 1, -f[o], -f[o + 1]];
    const idx = [0, 1, 2, 0, 1];
    for (let j = 0; j < 5; j++) {
      for (let l = 0; l < 5; l++) {
        const kj = idx[j];
        const kl = idx[l];
        h[j * 5 + l] = ((kj === kl ? w[kj] : 0) - w[kj] * w[kl]) * (c[j] * c[l]);
      }
    }
    return v;
  },
  // Hoffmann et al. App. D.2, verbatim: α, β ∈ {0, .5, …, 2}, e ∈ {−1, −.5, …, 1}, a, b ∈ {0, 5, …, 25}.
  initGrid: [range(0, 25, 5), range(0, 25, 5), range(-1, 1, 0.5), range(0, 2, 0.5), range(0, 2, 0.5)],
  initGridSource: 'Hoffmann et al. 2022 App. D.2 (4500 starts)',
  bounds: [
    [-30, 80],
    [-30, 80],
    [-15, 5],
    [1e-4, 5],
    [1e-4, 5],
  ] as const,
  startBox: [
    [0, 25],
    [0, 25],
    [-1, 1],
    [0, 2],
    [0, 2],
  ] as const,
  computeProxy(raw: ArrayLike<number>) {
    return chinchillaTrainingFlops(raw[0], raw[1]);
  },
  huberKernel(p: ArrayLike<number>, f: Float64Array, logLoss: Float64Array, weights: Float64Array, delta: number, grad: Float64Array, band: Float64Array) {
    // Summed Huber on r_i = log(e0 + e1 + E) − log L_i with e0 = A·N^−α, e1 = B·D^−β, E = exp(e) hoisted: two
    // exps per observation. The Huber region is decided on the sum itself against the precomputed band
    // L_i·e^±δ (`HuberObjective.band`), so an observation in a linear region (|r| > δ: most of them away from
    // the optimum, and at 0.5% noise with δ = 1e-3 most of them at it too) needs no log: its δ·|r_i| term is
    // δ·log e^|r_i| with e^|r_i| = sum/L_i or L_i/sum, and those factors are multiplied into one product whose
    // log is taken once (each factor exceeds e^δ > 1, so the product only grows; it is flushed into a log
    // before it could overflow). Agrees with the per-observation objective to ~1e-15 relative (tested).
    // Falls back to `stableHuberKernel` when a sum leaves [1e-150, 1e150] (extreme line-search trials).
    const a = p[0];
    const b = p[1];
    const alpha = p[3];
    const beta = p[4];
    const E = Math.exp(p[2]);
    let s = 0;
    let prod = 1; // Π e^|r_i| over unit-weight linear-region observations not yet flushed into logProd
    let logProd = 0;
    let nLinear = 0;
    let g0 = 0;
    let g1 = 0;
    let g2 = 0;
    let g3 = 0;
    let g4 = 0;
    const n = logLoss.length;
    for (let i = 0; i < n; i++) {
      const wi = weights[i];
      if (wi === 0) continue;
      const lnN = f[2 * i];
      const lnD = f[2 * i + 1];
      const e0 = Math.exp(a - alpha * lnN);
      const e1 = Math.exp(b - beta * lnD);
      const sum = e0 + e1 + E;
      if (!(sum > 1e-150 && sum < 1e150)) return stableHuberKernel(p, f, logLoss, weights, delta, grad);
      const inv = 1 / sum;
      let psi: number;
      if (sum > band[4 * i + 1]) {
        psi = wi * delta;
        if (wi === 1) {
          prod *= sum * band[4 * i + 3];
          nLinear++;
        } else {
          s += wi * delta * (Math.log(sum) - logLoss[i] - 0.5 * delta);
        }
      } else if (sum < band[4 * i]) {
        psi = -wi * delta;
        if (wi === 1) {
          prod *= band[4 * i + 2] * inv;
          nLinear++;
        } else {
          s += wi * delta * (logLoss[i] - Math.log(sum) - 0.5 * delta);
        }
      } else {
        const r = Math.log(sum) - logLoss[i];
        s += wi * 0.5 * r * r;
        psi = wi * r;
      }
      if (prod > 1e100) {
        logProd += Math.log(prod);
        prod = 1;
      }
      const q = psi * inv;
      const w0 = q * e0;
      const w1 = q * e1;
      g0 += w0;
      g1 += w1;
      g2 += q * E;
      g3 -= w0 * lnN;
      g4 -= w1 * lnD;
    }
    grad[0] = g0;
    grad[1] = g1;
    grad[2] = g2;
    grad[3] = g3;
    grad[4] = g4;
    return s + delta * (logProd + Math.log(prod)) - 0.5 * delta * delta * nLinear;
  },
  huberHessianKernel(p: ArrayLike<number>, f: Float64Array, logLoss: Float64Array, weights: Float64Array, delta: number, grad: Float64Array, hess: Float64Array) {
    // Fused `HuberObjective.valueGradientHessian` (same sums as `hessLog` through the generic path). Per
    // observation with softmax weights w of u = J p + c (see `hessLog`), ψ = Huber', ψ' = Huber'' ∈ {0, 1}:
    // ∇²f_i = Jᵀ M J with M = (ψ' − ψ) w wᵀ + ψ diag(w); J's rows are unit vectors scaled by 1, −lnN or −lnD,
    // so the 15 distinct Hessian entries are sums of M entries times 1, lnN, lnD, lnN², lnD², lnN·lnD.
    const a = p[0];
    const b = p[1];
    const e = p[2];
    const alpha = p[3];
    const beta = p[4];
    let s = 0;
    let g0 = 0;
    let g1 = 0;
    let g2 = 0;
    let g3 = 0;
    let g4 = 0;
    let m00 = 0; // Σ M00
    let m00n = 0; // Σ M00 lnN
    let m00nn = 0; // Σ M00 lnN²
    let m11 = 0;
    let m11d = 0;
    let m11dd = 0;
    let m22 = 0;
    let m01 = 0;
    let m01n = 0;
    let m01d = 0;
    let m01nd = 0;
    let m02 = 0;
    let m02n = 0;
    let m12 = 0;
    let m12d = 0;
    const n = logLoss.length;
    for (let i = 0; i < n; i++) {
      const wi = weights[i];
      if (wi === 0) continue;
      const lnN = f[2 * i];
      const lnD = f[2 * i + 1];
      const u0 = a - alpha * lnN;
      const u1 = b - beta * lnD;
      const m = shiftedTerms(u0, u1, e, ex);
      const e0 = ex[0];
      const e1 = ex[1];
      const e2 = ex[2];
      const sum = e0 + e1 + e2;
      const inv = 1 / sum;
      const w0 = e0 * inv;
      const w1 = e1 * inv;
      const w2 = e2 * inv;
      huberStep(m + Math.log(sum) - logLoss[i], delta);
      s += wi * HUBER.value;
      const psi = wi * HUBER.psi;
      const c = wi * HUBER.dpsi - psi; // ψ' − ψ
      const pw0 = psi * w0;
      const pw1 = psi * w1;
      g0 += pw0;
      g1 += pw1;
      g2 += psi * w2;
      g3 -= pw0 * lnN;
      g4 -= pw1 * lnD;
      const cw0 = c * w0;
      const cw1 = c * w1;
      const M00 = cw0 * w0 + pw0;
      const M11 = cw1 * w1 + pw1;
      const M01 = cw0 * w1;
      const M02 = cw0 * w2;
      const M12 = cw1 * w2;
      m00 += M00;
      m00n += M00 * lnN;
      m00nn += M00 * lnN * lnN;
      m11 += M11;
      m11d += M11 * lnD;
      m11dd += M11 * lnD * lnD;
      m22 += c * w2 * w2 + psi * w2;
      m01 += M01;
      m01n += M01 * lnN;
      m01d += M01 * lnD;
      m01nd += M01 * lnN * lnD;
      m02 += M02;
      m02n += M02 * lnN;
      m12 += M12;
      m12d += M12 * lnD;
    }
    grad[0] = g0;
    grad[1] = g1;
    grad[2] = g2;
    grad[3] = g3;
    grad[4] = g4;
    // parameter order (a, b, e, α, β) ↦ (u0 ·1, u1 ·1, u2 ·1, u0 ·(−lnN), u1 ·(−lnD))
    hess[0] = m00;
    hess[1] = hess[5] = m01;
    hess[2] = hess[10] = m02;
    hess[3] = hess[15] = -m00n;
    hess[4] = hess[20] = -m01d;
    hess[6] = m11;
    hess[7] = hess[11] = m12;
    hess[8] = hess[16] = -m01n;
    hess[9] = hess[21] = -m11d;
    hess[12] = m22;
    hess[13] = hess[17] = -m02n;
    hess[14] = hess[22] = -m12d;
    hess[18] = m00nn;
    hess[19] = hess[23] = m01nd;
    hess[24] = m11dd;
    return s;
  },
  varpro: {
    nonlinearNames: ['alpha', 'beta'],
    grid: [range(0.02, 1.5, 0.02), range(0.02, 1.5, 0.02)],
    space: 'linear' as const,
    nBasis: 3,
    nonnegative: [true, true, true],
    basis(nl: ArrayLike<number>, f: Float64Array, o: number, out: Float64Array) {
      out[0] = Math.exp(-nl[0] * f[o]);
      out[1] = Math.exp(-nl[1] * f[o + 1]);
      out[2] = 1;
    },
    assemble(nl: ArrayLike<number>, c: ArrayLike<number>) {
      return Float64Array.of(safeLog(c[0]), safeLog(c[1]), safeLog(c[2]), nl[0], nl[1]);
    },
  },
};

const CHINCHILLA_GRID_NOTE = 'the grid of Hoffmann et al. App. D.2 (4500 starts)';

/**
 * Chinchilla Approach 3 (Hoffmann et al. 2022, §3.3 and App. D.2): `L(N, D) = E + A/N^α + B/D^β`.
 * N = active non-embedding parameters (`paramsActive`; `params` in a plain CSV), D = training tokens.
 * Paper protocol: Besiroglu et al. 2024's replication of Approach 3 (summed Huber δ = 1e-3 on log loss, L-BFGS
 * from Hoffmann's grid, n-of-n bootstrap with standard errors and 95% intervals).
 */
export const chinchillaLaw: LawForm<ChinchillaCoefficients> = {
  ...threeTermCore,
  coefficientParam: { A: logParam(0), B: logParam(1), E: logParam(2), alpha: identityParam(3), beta: identityParam(4) },
  name: 'chinchilla',
  citation: 'Hoffmann et al. 2022 (arXiv 2203.15556) §3.3 Approach 3, App. D.2',
  equation: 'L(N, D) = E + A/N^alpha + B/D^beta',
  paramNames: ['logA', 'logB', 'logE', 'alpha', 'beta'],
  coefficientNames: ['A', 'B', 'E', 'alpha', 'beta'],
  variables: [
    { symbol: 'N', column: 'paramsActive', plainColumn: 'params', description: 'active non-embedding parameters' },
    { symbol: 'D', column: 'tokens', plainColumn: 'tokens', description: 'training tokens' },
  ],
  toCoefficients(p) {
    return { A: Math.exp(p[0]), B: Math.exp(p[1]), E: Math.exp(p[2]), alpha: p[3], beta: p[4] };
  },
  fromCoefficients(c) {
    return Float64Array.of(Math.log(c.A), Math.log(c.B), Math.log(c.E), c.alpha, c.beta);
  },
  protocols: {
    paper: {
      id: 'paper',
      law: 'chinchilla',
      source: 'Hoffmann et al. 2022 App. D.2 as replicated by Besiroglu et al. 2024 (arXiv 2404.10102)',
      target: 'valLoss',
      objective: { kind: 'huber', delta: 1e-3, reduction: 'sum' },
      weightDecay: 0,
      shared: [],
      starts: { kind: 'grid', source: CHINCHILLA_GRID_NOTE },
      holdout: { rule: 'largest-compute', fraction: 0.2 },
      bootstrap: { scheme: 'n-of-n', fraction: 1, resamples: 4000, level: 0.95 },
      notes: [
        'Approach 3 fits the final losses; our final loss is the validation loss at the end of each run.',
        'The Huber loss is summed over runs, as Besiroglu et al. replicate it (they show that averaging it, as Hoffmann et al. apparently did, stops L-BFGS early).',
        'Besiroglu et al. drop the 5 highest-loss points of their digitised data (an artefact of the extraction); moelab keeps every run.',
        'Intervals: Besiroglu et al.\'s 4000 n-of-n resamples (standard errors and 95% percentile intervals), refitted from the full-data optimum.',
        'Hold-out: neither paper holds runs out; moelab fits without the 20% largest-compute runs and reports the error on them.',
      ],
    },
    moelab: {
      id: 'moelab',
      law: 'chinchilla',
      source: 'moelab',
      target: 'valLoss',
      objective: { kind: 'huber', delta: 1e-3, reduction: 'sum' },
      weightDecay: 0,
      shared: [],
      starts: { kind: 'grid', source: CHINCHILLA_GRID_NOTE },
      holdout: { rule: 'largest-compute', fraction: 0.2 },
      bootstrap: { scheme: 'n-of-n', fraction: 1, resamples: 1000, level: 0.95 },
      notes: ['moelab keeps the replication\'s choices for this law, with 1000 resamples.'],
    },
  },
};

/**
 * Krajewski et al. 2024 (arXiv 2402.07871) Eq. 1, the dense law: `L(N, D) = c + a/N^α + b/D^β` with N the
 * dense model's (total = active) non-embedding parameters and D tokens. Same functional form as Chinchilla's with
 * the paper's own names. Paper protocol (§5.3): fitted after the MoE law, with c taken from it ("then find
 * α, β, A, B in Eq. 1"), mean Huber δ = 0.1 on log loss with weight decay (their code: 1.5e-4), smoothed training
 * loss (App. A).
 */
export const denseLaw: LawForm<DenseCoefficients> = {
  ...threeTermCore,
  coefficientParam: { a: logParam(0), b: logParam(1), c: logParam(2), alpha: identityParam(3), beta: identityParam(4) },
  name: 'dense',
  citation: 'Krajewski et al. 2024 (arXiv 2402.07871) Eq. 1, §5.3',
  equation: 'L(N, D) = c + a/N^alpha + b/D^beta',
  paramNames: ['loga', 'logb', 'logc', 'alpha', 'beta'],
  coefficientNames: ['a', 'alpha', 'b', 'beta', 'c'],
  variables: [
    { symbol: 'N', column: 'paramsTotal', plainColumn: 'params', description: 'non-embedding parameters of the dense model' },
    { symbol: 'D', column: 'tokens', plainColumn: 'tokens', description: 'training tokens' },
  ],
  toCoefficients(p) {
    return { a: Math.exp(p[0]), alpha: p[3], b: Math.exp(p[1]), beta: p[4], c: Math.exp(p[2]) };
  },
  fromCoefficients(c) {
    return Float64Array.of(Math.log(c.a), Math.log(c.b), Math.log(c.c), c.alpha, c.beta);
  },
  protocols: {
    paper: {
      id: 'paper',
      law: 'dense',
      source: 'Krajewski et al. 2024 §5.3, App. A–C and their code (llm-random scaling_laws)',
      target: 'trainLossSmoothed',
      objective: { kind: 'huber', delta: 0.1, reduction: 'mean' },
      weightDecay: 1.5e-4,
      shared: [{ coefficient: 'c', fromLaw: 'fine-grained', fromCoefficient: 'c' }],
      starts: { kind: 'grid', source: `${CHINCHILLA_GRID_NOTE} (the paper states none)` },
      holdout: { rule: 'lowest-loss', fraction: 0.2 },
      bootstrap: { scheme: 'subsample', fraction: 0.8, resamples: 100, level: 0.8 },
      notes: [
        'c is not fitted: it is the MoE law\'s c (§5.3: "we start with fitting parameters in Eq. 9 and then find α, β, A and B in Eq. 1").',
        'Weight decay 1.5e-4 on the squared log-space parameters, added to the mean Huber, as in their code (the paper says 5e-4).',
        'Intervals: 100 subsamples of 80% of the runs, 10th–90th percentiles (App. C).',
      ],
    },
    moelab: {
      id: 'moelab',
      law: 'dense',
      source: 'moelab',
      target: 'valLoss',
      objective: { kind: 'huber', delta: 1e-3, reduction: 'sum' },
      weightDecay: 0,
      shared: [{ coefficient: 'c', fromLaw: 'fine-grained', fromCoefficient: 'c' }],
      starts: { kind: 'grid', source: CHINCHILLA_GRID_NOTE },
      holdout: { rule: 'largest-compute', fraction: 0.2 },
      bootstrap: { scheme: 'n-of-n', fraction: 1, resamples: 1000, level: 0.95 },
      notes: [
        'Validation loss (held-out text, no smoothing lag), summed Huber δ = 1e-3 (Hoffmann et al.), no weight decay.',
        'c stays shared with the MoE fit: a handful of dense runs cannot identify an entropy floor of their own (a free fit drove it to 6e-12 on the tiny preset).',
      ],
    },
  },
};
