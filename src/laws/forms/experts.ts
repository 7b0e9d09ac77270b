import type { ExpertsCoefficients } from '../coefficients';
import type { LawForm } from '../types';
import { identityParam, inverseLogParam, logParam } from './params';
import { effectiveExperts, ehatFromParams, ehatParams, ehatScratch, lnEhat } from './ehat';
import { logSumExp, range, safeLog } from './lse';

const u = new Float64Array(4);
const w = new Float64Array(4);

/**
 * Yun et al. 2024 App. D initialisation grid, in this law's parameter order: log A, log B, log C ∈ {0, 5, …, 25},
 * α, β, γ ∈ {0, .5, …, 2}, log F ∈ {−1, …, 1} (printed "{1., −.5, …, 1.}", read as −1…1). Their d ∈ {0, 5, …, 25}
 * cannot be the interaction coefficient d of Eq. 4 (its plausibility bound is |d| ≤ 1, and d = 5 overflows
 * exp(d · ln N · ln Ê)), so d starts at 0 only; E_start and E_max (not stated) start at 2 and 256.
 */
export const YUN_PAPER_INIT_GRID: readonly (readonly number[])[] = [
  range(0, 25, 5),
  range(0, 2, 0.5),
  range(0, 25, 5),
  range(0, 2, 0.5),
  range(0, 25, 5),
  range(0, 2, 0.5),
  range(-1, 1, 0.5),
  [0],
  [Math.log(0.5 - 1 / 256)],
  [Math.log(1 / 256)],
];

/**
 * Experts law, Yun et al. 2024 (arXiv 2404.02852) Eq. 4:
 * `log L(N, D, E) = log(A/N^α + B/Ê^β + C/D^γ + F) + d · log N · log Ê`, with Clark et al.'s saturating
 * Ê(E; E_start, E_max) (see `./ehat.ts`). Natural logs throughout (the paper does not say otherwise).
 * N = parameters of the corresponding dense model (`paramsDense`), E = number of experts (1 = dense),
 * D = training tokens. Fitted in log space with LSE over the four terms, Huber δ = 1e-3 (App. D).
 * Yun et al. published no coefficient values (see `published.ts`).
 */
export const expertsLaw: LawForm<ExpertsCoefficients> = {
  name: 'experts',
  citation: 'Yun et al. 2024 (arXiv 2404.02852) Eq. 4, App. D',
  equation: 'log L = log(A/N^alpha + B/Ehat^beta + C/D^gamma + F) + d log N log Ehat',
  paramNames: ['logA', 'alpha', 'logB', 'beta', 'logC', 'gamma', 'logF', 'd', 'logQ', 'logR'],
  coefficientNames: ['A', 'alpha', 'B', 'beta', 'C', 'gamma', 'F', 'd', 'eStart', 'eMax'],
  variables: [
    { symbol: 'N', column: 'paramsDense', plainColumn: 'params', description: 'corresponding dense model parameters' },
    { symbol: 'E', column: 'experts', plainColumn: 'experts', description: 'number of experts (1 = dense)' },
    { symbol: 'D', column: 'tokens', plainColumn: 'tokens', description: 'training tokens' },
  ],
  nFeatures: 3,
  features(raw, out, o) {
    out[o] = Math.log(raw[0]);
    out[o + 1] = raw[1];
    out[o + 2] = Math.log(raw[2]);
  },
  predictLog(p, f, o) {
    const lnN = f[o];
    const le = lnEhat(f[o + 1], p[8], p[9]);
    u[0] = p[0] - p[1] * lnN;
    u[1] = p[2] - p[3] * le;
    u[2] = p[4] - p[5] * f[o + 2];
    u[3] = p[6];
    return logSumExp(u, 4, w) + p[7] * lnN * le;
  },
  gradLog(p, f, o, g) {
    const lnN = f[o];
    const lnD = f[o + 2];
    const le = lnEhat(f[o + 1], p[8], p[9]);
    const dq = ehatScratch.dLogQ;
    const dr = ehatScratch.dLogR;
    u[0] = p[0] - p[1] * lnN;
    u[1] = p[2] - p[3] * le;
    u[2] = p[4] - p[5] * lnD;
    u[3] = p[6];
    const v = logSumExp(u, 4, w) + p[7] * lnN * le;
    g[0] = w[0];
    g[1] = -w[0] * lnN;
    g[2] = w[1];
    g[3] = -w[1] * le;
    g[4] = w[2];
    g[5] = -w[2] * lnD;
    g[6] = w[3];
    g[7] = lnN * le;
    const dLe = -w[1] * p[3] + p[7] * lnN;
    g[8] = dLe * dq;
    g[9] = dLe * dr;
    return v;
  },
  // Yun et al.'s grid (α, β, γ ∈ {0, .5, …, 2}, a, b, c, d ∈ {0, 5, …, 25}, f ∈ {−1, …, 1}) has 810 000 starts
  // for a 10-parameter law and says nothing about E_start / E_max; we default to a reduced grid
  // (`YUN_PAPER_INIT_GRID` holds theirs) and recommend the variable-projection fitter for this law.
  initGrid: [[2.5, 7.5], [0.25, 0.5], [-2, 0], [0.5, 1], [2.5, 7.5], [0.25, 0.5], [0, 0.5], [0], [Math.log(0.5 - 1 / 256)], [Math.log(1 / 256)]],
  initGridSource: 'moelab reduced grid (256 starts); Yun et al. App. D grid available as YUN_PAPER_INIT_GRID',
  bounds: [
    [-30, 80],
    [1e-4, 5],
    [-30, 80],
    [1e-4, 10],
    [-30, 80],
    [1e-4, 5],
    [-15, 5],
    [-1, 1],
    [-20, 5],
    [-20, 5],
  ],
  coefficientParam: {
    A: logParam(0),
    alpha: identityParam(1),
    B: logParam(2),
    beta: identityParam(3),
    C: logParam(4),
    gamma: identityParam(5),
    F: logParam(6),
    d: identityParam(7),
    eMax: inverseLogParam(9),
  },
  startBox: [
    [0, 10],
    [0.1, 1],
    [-3, 2],
    [0.1, 2],
    [0, 10],
    [0.1, 1],
    [-1, 1],
    [-0.01, 0.01],
    [-3, 0],
    [-8, -2],
  ],
  protocols: {
    paper: {
      id: 'paper',
      law: 'experts',
      source: 'Yun et al. 2024 App. D',
      target: 'valLoss',
      objective: { kind: 'huber', delta: 1e-3, reduction: 'sum' },
      weightDecay: 0,
      shared: [],
      starts: { kind: 'grid', grid: YUN_PAPER_INIT_GRID, screen: 64, source: "Yun et al.'s App. D grid (d at 0), the best 64 of its 135,000 points by objective value" },
      holdout: { rule: 'largest-compute', fraction: 0.2 },
      bootstrap: { scheme: 'n-of-n', fraction: 1, resamples: 1000, level: 0.95 },
      notes: [
        "Starts: Yun et al.'s grid (α, β, γ ∈ {0, .5, …, 2}; log A, log B, log C ∈ {0, 5, …, 25}; log F ∈ {−1, …, 1}); its printed d ∈ {0, 5, …, 25} cannot be Eq. 4's interaction d (|d| ≤ 1: d = 5 overflows exp(d·lnN·lnÊ)), so d starts at 0; E_start, E_max (not stated) start at 2 and 256.",
        'L-BFGS runs from the best 64 grid points by objective value rather than from all 135,000 (time); the variable-projection search cross-checks the optimum.',
        'Hold-out and intervals: Yun et al. report neither; moelab holds out the 20% largest-compute runs and bootstraps n of n (95%).',
      ],
    },
    moelab: {
      id: 'moelab',
      law: 'experts',
      source: 'moelab',
      target: 'valLoss',
      objective: { kind: 'huber', delta: 1e-3, reduction: 'sum' },
      weightDecay: 0,
      shared: [],
      starts: { kind: 'grid', source: 'moelab reduced grid (256 starts)' },
      holdout: { rule: 'largest-compute', fraction: 0.2 },
      bootstrap: { scheme: 'n-of-n', fraction: 1, resamples: 1000, level: 0.95 },
      notes: ['A reduced grid of 256 starts around plausible values (each L-BFGS run fully), cross-checked by variable projection.'],
    },
  },
  toCoefficients(p) {
    const [eStart, eMax] = ehatFromParams(p[8], p[9]);
    return {
      A: Math.exp(p[0]),
      alpha: p[1],
      B: Math.exp(p[2]),
      beta: p[3],
      C: Math.exp(p[4]),
      gamma: p[5],
      F: Math.exp(p[6]),
      d: p[7],
      eStart,
      eMax,
    };
  },
  fromCoefficients(c) {
    const [lq, lr] = ehatParams(c.eStart, c.eMax);
    return Float64Array.of(Math.log(c.A), c.alpha, Math.log(c.B), c.beta, Math.log(c.C), c.gamma, Math.log(c.F), c.d, lq, lr);
  },
  computeProxy(raw) {
    return raw[0] * raw[2];
  },
  varpro: {
    nonlinearNames: ['alpha', 'beta', 'gamma', 'd', 'eStart', 'eMax'],
    grid: [range(0.1, 0.7, 0.1), range(0.2, 2.4, 0.4), range(0.1, 0.7, 0.1), range(-0.003, 0.003, 0.0015), [1.1, 1.5, 2, 3, 5, 8], [32, 128, 512, 2048]],
    space: 'linear',
    nBasis: 4,
    nonnegative: [true, true, true, true],
    basis(nl, f, o, out) {
      const le = cachedLnEhat(f[o + 1], nl[4], nl[5]);
      const mult = Math.exp(nl[3] * f[o] * le);
      out[0] = mult * Math.exp(-nl[0] * f[o]);
      out[1] = mult * Math.exp(-nl[1] * le);
      out[2] = mult * Math.exp(-nl[2] * f[o + 2]);
      out[3] = mult;
    },
    assemble(nl, c) {
      const [lq, lr] = ehatParams(nl[4], nl[5]);
      return Float64Array.of(safeLog(c[0]), nl[0], safeLog(c[1]), nl[1], safeLog(c[2]), nl[2], safeLog(c[3]), nl[3], lq, lr);
    },
  },
};

const ehatCache = { eStart: NaN, eMax: NaN, values: new Map<number, number>() };
/** ln Ê for the varpro grid, memoised per (E_start, E_max) since expert counts repeat across runs. */
function cachedLnEhat(experts: number, eStart: number, eMax: number): number {
  if (ehatCache.eStart !== eStart || ehatCache.eMax !== eMax) {
    ehatParams(eStart, eMax); // validates 0 < E_start < E_max
    ehatCache.eStart = eStart;
    ehatCache.eMax = eMax;
    ehatCache.values.clear();
  }
  let v = ehatCache.values.get(experts);
  if (v === undefined) {
    v = Math.log(effectiveExperts(experts, eStart, eMax));
    ehatCache.values.set(experts, v);
  }
  return v;
}

