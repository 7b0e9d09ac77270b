import type { ClarkCoefficients } from '../coefficients';
import type { LawForm } from '../types';
import { identityParam, inverseLogParam } from './params';
import { ehatFromParams, ehatParams, ehatScratch, lnEhat } from './ehat';

const LN10 = Math.LN10;

/**
 * Unified routed-LM law at fixed D, Clark et al. 2022 (arXiv 2202.01169) Eq. 1, base-10 logs as in the paper:
 * `log10 L(N, E) = a log10 N + b log10 Ê + c log10 N log10 Ê + d`, with the saturating Ê(E; E_start, E_max).
 * N = dense-equivalent parameters (`paramsDense`), E = experts. The fit should use runs at one token count
 * (Clark et al. use D = 130B); `tokens` is not an input of this law. Paper protocol (their released notebook):
 * mean squared error in log10 space, L-BFGS, the best of 500 random restarts.
 */
export const clarkLaw: LawForm<ClarkCoefficients> = {
  name: 'clark',
  citation: 'Clark et al. 2022 (arXiv 2202.01169) Eq. 1',
  equation: 'log10 L = a log10 N + b log10 Ehat + c log10 N log10 Ehat + d',
  paramNames: ['a', 'b', 'c', 'd', 'logQ', 'logR'],
  coefficientNames: ['a', 'b', 'c', 'd', 'eStart', 'eMax'],
  variables: [
    { symbol: 'N', column: 'paramsDense', plainColumn: 'params', description: 'dense-equivalent parameters' },
    { symbol: 'E', column: 'experts', plainColumn: 'experts', description: 'number of experts' },
  ],
  nFeatures: 2,
  features(raw, out, o) {
    out[o] = Math.log(raw[0]);
    out[o + 1] = raw[1];
  },
  predictLog(p, f, o) {
    const lnN = f[o];
    const le = lnEhat(f[o + 1], p[4], p[5]);
    return p[0] * lnN + p[1] * le + (p[2] * lnN * le) / LN10 + p[3] * LN10;
  },
  gradLog(p, f, o, g) {
    const lnN = f[o];
    const le = lnEhat(f[o + 1], p[4], p[5]);
    g[0] = lnN;
    g[1] = le;
    g[2] = (lnN * le) / LN10;
    g[3] = LN10;
    const dLe = p[1] + (p[2] * lnN) / LN10;
    g[4] = dLe * ehatScratch.dLogQ;
    g[5] = dLe * ehatScratch.dLogR;
    return p[0] * lnN + p[1] * le + (p[2] * lnN * le) / LN10 + p[3] * LN10;
  },
  initGrid: [[-0.1, -0.05], [-0.2, -0.1], [0, 0.01], [0.5, 1, 1.5], [Math.log(1 / 2 - 1 / 300)], [Math.log(1 / 300)]],
  initGridSource: 'moelab choice around Clark et al. Table values (24 starts)',
  bounds: [
    [-5, 5],
    [-5, 5],
    [-5, 5],
    [-20, 20],
    [-20, 5],
    [-20, 5],
  ],
  coefficientParam: { a: identityParam(0), b: identityParam(1), c: identityParam(2), d: identityParam(3), eMax: inverseLogParam(5) },
  startBox: [
    [-0.2, 0],
    [-0.3, 0],
    [-0.03, 0.03],
    [0.5, 2],
    [-4, 0],
    [-8, -3],
  ],
  protocols: {
    paper: {
      id: 'paper',
      law: 'clark',
      source: 'Clark et al. 2022 Eq. 1 and their released notebook (google-deepmind/scaling_laws_for_routing)',
      target: 'valLoss',
      objective: { kind: 'squared-log10', reduction: 'mean' },
      weightDecay: 0,
      shared: [],
      starts: { kind: 'random', count: 500, seed: 0, source: 'the best of 500 random restarts (their notebook)' },
      holdout: { rule: 'largest-compute', fraction: 0.2 },
      bootstrap: { scheme: 'n-of-n', fraction: 1, resamples: 1000, level: 0.95 },
      notes: [
        'Fitted on the final step of each run (their notebook selects routing frequency 1/2, k = 1, seed 42, plus the dense runs).',
        'The objective is flat along (b, E_start, E_max): compare a, c, d and the predicted losses, not E_start and E_max.',
        'Hold-out and intervals: Clark et al. report neither; moelab holds out the 20% largest-compute runs and bootstraps n of n (95%).',
      ],
    },
    moelab: {
      id: 'moelab',
      law: 'clark',
      source: 'moelab',
      target: 'valLoss',
      objective: { kind: 'huber', delta: 1e-3, reduction: 'sum' },
      weightDecay: 0,
      shared: [],
      starts: { kind: 'grid', source: 'moelab grid of 24 starts around the published values' },
      holdout: { rule: 'largest-compute', fraction: 0.2 },
      bootstrap: { scheme: 'n-of-n', fraction: 1, resamples: 1000, level: 0.95 },
      notes: ['Summed Huber δ = 1e-3 on ln loss (robust to the odd diverged run), L-BFGS from a small grid cross-checked by variable projection.'],
    },
  },
  toCoefficients(p) {
    const [eStart, eMax] = ehatFromParams(p[4], p[5]);
    return { a: p[0], b: p[1], c: p[2], d: p[3], eStart, eMax };
  },
  fromCoefficients(c) {
    const [lq, lr] = ehatParams(c.eStart, c.eMax);
    return Float64Array.of(c.a, c.b, c.c, c.d, lq, lr);
  },
  computeProxy(raw) {
    return raw[0] * raw[1];
  },
  varpro: {
    nonlinearNames: ['eStart', 'eMax'],
    grid: [[1.05, 1.25, 1.5, 1.75, 2, 2.5, 3, 4, 5, 6, 8], [16, 32, 64, 128, 256, 512, 1024, 2048, 4096]],
    space: 'log',
    nBasis: 4,
    nonnegative: [false, false, false, false],
    basis(nl, f, o, out) {
      const [lq, lr] = ehatParams(nl[0], nl[1]);
      const lnN = f[o];
      const le = lnEhat(f[o + 1], lq, lr);
      out[0] = lnN;
      out[1] = le;
      out[2] = (lnN * le) / LN10;
      out[3] = LN10;
    },
    assemble(nl, c) {
      const [lq, lr] = ehatParams(nl[0], nl[1]);
      return Float64Array.of(c[0], c[1], c[2], c[3], lq, lr);
    },
  },
};
