/**
 * Limited-memory BFGS (Nocedal & Wright, Numerical Optimization, 2nd ed., Alg. 7.4 two-loop recursion)
 * with a line search satisfying the strong Wolfe conditions (Alg. 3.5 / 3.6, safeguarded cubic
 * interpolation in the zoom phase). Float64, unconstrained, allocation-free inside the iteration.
 */
import { allFinite } from '../../util/all-finite';

/** Objective: returns f(x) and writes ∇f(x) into `grad`. */
export type ValueAndGradient = (x: Float64Array, grad: Float64Array) => number;

export interface LbfgsOptions {
  /** Number of correction pairs kept. Default 10. */
  memory?: number;
  /** Maximum iterations. Default 1000. */
  maxIterations?: number;
  /** Maximum objective evaluations. Default 20 × maxIterations. */
  maxEvaluations?: number;
  /** Stop when ‖∇f‖∞ ≤ gradTol. Default 1e-9. */
  gradTol?: number;
  /** Stop when (f_k − f_{k+1}) ≤ fTol · max(|f_k|, |f_{k+1}|, fScale). Default 1e-13. */
  fTol?: number;
  /** Floor on the scale in the fTol test (absolute objective scale). Default 1e-12. */
  fScale?: number;
  /** Armijo constant c1 of the Wolfe conditions. Default 1e-4. */
  c1?: number;
  /** Curvature constant c2 of the strong Wolfe conditions. Default 0.9. */
  c2?: number;
}

export type LbfgsStop = 'gradient' | 'objective' | 'max-iterations' | 'max-evaluations' | 'line-search' | 'not-finite';

export interface LbfgsResult {
  x: Float64Array;
  f: number;
  grad: Float64Array;
  iterations: number;
  evaluations: number;
  /** True when stopped by the gradient or objective tolerance. */
  converged: boolean;
  stop: LbfgsStop;
}

export function minimizeLbfgs(fg: ValueAndGradient, x0: ArrayLike<number>, options: LbfgsOptions = {}): LbfgsResult {
  const n = x0.length;
  const m = options.memory ?? 10;
  const maxIter = options.maxIterations ?? 1000;
  const maxEval = options.maxEvaluations ?? 20 * maxIter;
  const gradTol = options.gradTol ?? 1e-9;
  const fTol = options.fTol ?? 1e-13;
  const fScale = options.fScale ?? 1e-12;
  const c1 = options.c1 ?? 1e-4;
  const c2 = options.c2 ?? 0.9;

  const x = Float64Array.from(x0);
  const g = new Float64Array(n);
  const d = new Float64Array(n);
  const xNew = new Float64Array(n);
  const gNew = new Float64Array(n);
  const S = Array.from({ length: m }, () => new Float64Array(n));
  const Y = Array.from({ length: m }, () => new Float64Array(n));
  const rho = new Float64Array(m);
  const alphaBuf = new Float64Array(m);
  let stored = 0;
  let head = 0; // index where the next pair is written
  let evaluations = 0;

  const evalAt = (step: number): { f: number; dg: number } => {
    for (let i = 0; i < n; i++) xNew[i] = x[i] + step * d[i];
    const f = fg(xNew, gNew);
    evaluations++;
    let dg = 0;
    for (let i = 0; i < n; i++) dg += gNew[i] * d[i];
    return { f, dg };
  };

  let f = fg(x, g);
  evaluations++;
  if (!Number.isFinite(f) || !allFinite(g)) {
    return { x, f, grad: g, iterations: 0, evaluations, converged: false, stop: 'not-finite' };
  }
  let stop: LbfgsStop = 'max-iterations';
  let iter = 0;
  for (; iter < maxIter; iter++) {
    if (normInf(g) <= gradTol) {
      stop = 'gradient';
      break;
    }
    // two-loop recursion: d = −H g
    for (let i = 0; i < n; i++) d[i] = -g[i];
    let idx = head;
    for (let k = 0; k < stored; k++) {
      idx = (idx - 1 + m) % m;
      const a = rho[idx] * dot(S[idx], d);
      alphaBuf[idx] = a;
      const y = Y[idx];
      for (let i = 0; i < n; i++) d[i] -= a * y[i];
    }
    if (stored > 0) {
      const last = (head - 1 + m) % m;
      const gamma = dot(S[last], Y[last]) / dot(Y[last], Y[last]);
      for (let i = 0; i < n; i++) d[i] *= gamma;
    }
    for (let k = 0; k < stored; k++) {
      const b = rho[idx] * dot(Y[idx], d);
      const s = S[idx];
      const a = alphaBuf[idx];
      for (let i = 0; i < n; i++) d[i] += (a - b) * s[i];
      idx = (idx + 1) % m;
    }
    let dg0 = dot(g, d);
    if (!(dg0 < 0)) {
      // not a descent direction (numerical trouble): restart with steepest descent
      stored = 0;
      for (let i = 0; i < n; i++) d[i] = -g[i];
      dg0 = dot(g, d);
    }
    const step0 = stored === 0 ? Math.min(1, 1 / Math.max(normInf(g), 1e-300)) : 1;
    const ls = strongWolfe(evalAt, f, dg0, step0, c1, c2, maxEval - evaluations);
    if (!ls.ok) {
      if (stored > 0) {
        // drop the curvature memory and retry once along steepest descent
        stored = 0;
        iter--;
        continue;
      }
      stop = evaluations >= maxEval ? 'max-evaluations' : 'line-search';
      break;
    }
    // ls left xNew/gNew at the accepted step
    const fOld = f;
    const s = S[head];
    const y = Y[head];
    for (let i = 0; i < n; i++) {
      s[i] = xNew[i] - x[i];
      y[i] = gNew[i] - g[i];
      x[i] = xNew[i];
      g[i] = gNew[i];
    }
    f = ls.f;
    const sy = dot(s, y);
    if (sy > 1e-300) {
      rho[head] = 1 / sy;
      head = (head + 1) % m;
      if (stored < m) stored++;
    }
    if (fOld - f <= fTol * Math.max(Math.abs(fOld), Math.abs(f), fScale)) {
      stop = 'objective';
      iter++;
      break;
    }
    if (evaluations >= maxEval) {
      stop = 'max-evaluations';
      iter++;
      break;
    }
  }
  if (stop === 'max-iterations' && normInf(g) <= gradTol) stop = 'gradient';
  const converged = stop === 'gradient' || stop === 'objective';
  return { x, f, grad: g, iterations: iter, evaluations, converged, stop };
}

interface LineSearchResult {
  ok: boolean;
  f: number;
}

/**
 * Strong-Wolfe line search (Nocedal & Wright Alg. 3.5 with zoom Alg. 3.6). `evalAt(step)` evaluates at
 * x + step·d and leaves that point in the caller's buffers; on success the accepted step is the last
 * evaluated one.
 */
function strongWolfe(
  evalAt: (step: number) => { f: number; dg: number },
  f0: number,
  dg0: number,
  step0: number,
  c1: number,
  c2: number,
  budget: number,
): LineSearchResult {
  let aPrev = 0;
  let fPrev = f0;
  let dgPrev = dg0;
  let a = step0;
  const aMax = 1e10;
  let evals = 0;
  for (let i = 0; i < 60; i++) {
    if (evals >= budget) return { ok: false, f: f0 };
    const { f, dg } = evalAt(a);
    evals++;
    if (!Number.isFinite(f) || !Number.isFinite(dg)) {
      // overshoot into a non-finite region: shrink toward the last good step
      a = aPrev + (a - aPrev) * 0.1;
      if (a - aPrev < 1e-20) return { ok: false, f: f0 };
      continue;
    }
    if (f > f0 + c1 * a * dg0 || (i > 0 && f >= fPrev)) {
      return zoom(evalAt, f0, dg0, aPrev, fPrev, dgPrev, a, f, dg, c1, c2, budget - evals);
    }
    if (Math.abs(dg) <= -c2 * dg0) return { ok: true, f };
    if (dg >= 0) {
      return zoom(evalAt, f0, dg0, a, f, dg, aPrev, fPrev, dgPrev, c1, c2, budget - evals);
    }
    // extrapolate
    const aNext = Math.min(a * 4, aMax);
    if (aNext === a) return { ok: true, f };
    aPrev = a;
    fPrev = f;
    dgPrev = dg;
    a = aNext;
  }
  return { ok: false, f: f0 };
}

function zoom(
  evalAt: (step: number) => { f: number; dg: number },
  f0: number,
  dg0: number,
  aLo: number,
  fLo: number,
  dgLo: number,
  aHi: number,
  fHi: number,
  dgHi: number,
  c1: number,
  c2: number,
  budget: number,
): LineSearchResult {
  let bestStep = aLo;
  for (let i = 0; i < 40 && i < budget; i++) {
    const lo = Math.min(aLo, aHi);
    const hi = Math.max(aLo, aHi);
    const width = hi - lo;
    let a = Number.isFinite(fHi) ? cubicMin(aLo, fLo, dgLo, aHi, fHi, dgHi) : NaN;
    // safeguard: keep the trial inside the interior 10%–90% of the bracket
    if (!Number.isFinite(a) || a < lo + 0.1 * width || a > hi - 0.1 * width) a = lo + 0.5 * width;
    if (width <= 1e-16 * Math.max(1, hi)) break;
    const { f, dg } = evalAt(a);
    if (!Number.isFinite(f) || f > f0 + c1 * a * dg0 || f >= fLo) {
      aHi = a;
      fHi = Number.isFinite(f) ? f : Infinity;
      dgHi = dg;
    } else {
      if (Math.abs(dg) <= -c2 * dg0) return { ok: true, f };
      if (dg * (aHi - aLo) >= 0) {
        aHi = aLo;
        fHi = fLo;
        dgHi = dgLo;
      }
      aLo = a;
      fLo = f;
      dgLo = dg;
      bestStep = a;
    }
  }
  // No strong-Wolfe point found, but a sufficient-decrease point may exist: accept it.
  if (bestStep > 0 && fLo < f0) {
    evalAt(bestStep);
    return { ok: true, f: fLo };
  }
  return { ok: false, f: f0 };
}

/** Minimiser of the cubic interpolating f and f' at a and b (N&W eq. 3.59); NaN when undefined. */
function cubicMin(a: number, fa: number, da: number, b: number, fb: number, db: number): number {
  const d1 = da + db - (3 * (fa - fb)) / (a - b);
  const disc = d1 * d1 - da * db;
  if (!(disc >= 0)) return NaN;
  const d2 = Math.sign(b - a) * Math.sqrt(disc);
  return b - (b - a) * ((db + d2 - d1) / (db - da + 2 * d2));
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** max_i |a_i| (NaN when any entry is NaN). Shared with the Newton solver. */
export function normInf(a: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const v = Math.abs(a[i]);
    if (v > s || v !== v) s = v;
  }
  return s;
}

