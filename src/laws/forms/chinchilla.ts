import type { LawForm } from '../types';
import { logSumExp, range, safeLog } from './lse';

const u = new Float64Array(3);
const w = new Float64Array(3);

/**
 * Chinchilla Approach 3 (Hoffmann et al. 2022, §3.3 and App. D.2): `L(N, D) = E + A/N^α + B/D^β`,
 * fitted in log space as `log L = LSE(a − α log N, b − β log D, e)` with A, B, E = exp(a), exp(b), exp(e).
 * N = active non-embedding parameters (`paramsActive`; `params` in a plain CSV), D = training tokens.
 */
export const chinchillaLaw: LawForm = {
  name: 'chinchilla',
  citation: 'Hoffmann et al. 2022 (arXiv 2203.15556) §3.3 Approach 3, App. D.2',
  equation: 'L(N, D) = E + A/N^alpha + B/D^beta',
  paramNames: ['logA', 'logB', 'logE', 'alpha', 'beta'],
  coefficientNames: ['A', 'B', 'E', 'alpha', 'beta'],
  variables: [
    { symbol: 'N', column: 'paramsActive', plainColumn: 'params', description: 'active non-embedding parameters' },
    { symbol: 'D', column: 'tokens', plainColumn: 'tokens', description: 'training tokens' },
  ],
  nFeatures: 2,
  features(raw, out, o) {
    out[o] = Math.log(raw[0]);
    out[o + 1] = Math.log(raw[1]);
  },
  predictLog(p, f, o) {
    u[0] = p[0] - p[3] * f[o];
    u[1] = p[1] - p[4] * f[o + 1];
    u[2] = p[2];
    return logSumExp(u, 3, w);
  },
  gradLog(p, f, o, g) {
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
  huberDelta: 1e-3,
  // Hoffmann et al. App. D.2, verbatim: α, β ∈ {0, .5, …, 2}, e ∈ {−1, −.5, …, 1}, a, b ∈ {0, 5, …, 25}.
  initGrid: [range(0, 25, 5), range(0, 25, 5), range(-1, 1, 0.5), range(0, 2, 0.5), range(0, 2, 0.5)],
  initGridSource: 'Hoffmann et al. 2022 App. D.2 (4500 starts)',
  bounds: [
    [-30, 80],
    [-30, 80],
    [-15, 5],
    [1e-4, 5],
    [1e-4, 5],
  ],
  toCoefficients(p) {
    return { A: Math.exp(p[0]), B: Math.exp(p[1]), E: Math.exp(p[2]), alpha: p[3], beta: p[4] };
  },
  fromCoefficients(c) {
    return Float64Array.of(Math.log(c.A), Math.log(c.B), Math.log(c.E), c.alpha, c.beta);
  },
  computeProxy(raw) {
    return 6 * raw[0] * raw[1];
  },
  huberKernel(p, f, logLoss, weights, delta, grad) {
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
      // exp of the largest term is 1: two exps per observation instead of three
      let e0: number;
      let e1: number;
      let e2: number;
      let m: number;
      if (u0 >= u1 && u0 >= e) {
        m = u0;
        e0 = 1;
        e1 = Math.exp(u1 - m);
        e2 = Math.exp(e - m);
      } else if (u1 >= e) {
        m = u1;
        e0 = Math.exp(u0 - m);
        e1 = 1;
        e2 = Math.exp(e - m);
      } else {
        m = e;
        e0 = Math.exp(u0 - m);
        e1 = Math.exp(u1 - m);
        e2 = 1;
      }
      const sum = e0 + e1 + e2;
      const r = m + Math.log(sum) - logLoss[i];
      let psi: number;
      if (r <= delta && r >= -delta) {
        s += wi * 0.5 * r * r;
        psi = wi * r;
      } else {
        s += wi * delta * ((r > 0 ? r : -r) - 0.5 * delta);
        psi = r > 0 ? wi * delta : -wi * delta;
      }
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
  },
  varpro: {
    nonlinearNames: ['alpha', 'beta'],
    grid: [range(0.02, 1.5, 0.02), range(0.02, 1.5, 0.02)],
    space: 'linear',
    nBasis: 3,
    nonnegative: [true, true, true],
    basis(nl, f, o, out) {
      out[0] = Math.exp(-nl[0] * f[o]);
      out[1] = Math.exp(-nl[1] * f[o + 1]);
      out[2] = 1;
    },
    assemble(nl, c) {
      return Float64Array.of(safeLog(c[0]), safeLog(c[1]), safeLog(c[2]), nl[0], nl[1]);
    },
  },
};
