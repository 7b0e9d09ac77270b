/**
 * Brent's method for 1-D minimisation on a bracket [lo, hi] (Brent 1973, "Algorithms for Minimization
 * without Derivatives", ch. 5: golden-section steps with parabolic interpolation). Used by Krajewski et al.
 * (§6.1) to solve the compute-optimal allocation, and by our per-expert-count allocation.
 */

export interface BrentOptions {
  /** Absolute tolerance on the abscissa. Default 1e-10. */
  xTol?: number;
  /** Relative tolerance on the abscissa. Default 1.5e-8 (√ε: a minimum is only resolvable to about that). */
  relTol?: number;
  /** Maximum iterations. Default 200. */
  maxIterations?: number;
}

export interface BrentResult {
  x: number;
  f: number;
  iterations: number;
  converged: boolean;
}

const GOLDEN = 0.3819660112501051; // (3 − √5)/2

export function minimizeBrent(f: (x: number) => number, lo: number, hi: number, options: BrentOptions = {}): BrentResult {
  const xTol = options.xTol ?? 1e-10;
  const relTol = options.relTol ?? 1.5e-8;
  const maxIter = options.maxIterations ?? 200;
  let a = Math.min(lo, hi);
  let b = Math.max(lo, hi);
  let x = a + GOLDEN * (b - a);
  let w = x;
  let v = x;
  let fx = f(x);
  let fw = fx;
  let fv = fx;
  let d = 0;
  let e = 0;
  for (let iter = 0; iter < maxIter; iter++) {
    const m = 0.5 * (a + b);
    const tol = relTol * Math.abs(x) + xTol;
    const tol2 = 2 * tol;
    if (Math.abs(x - m) <= tol2 - 0.5 * (b - a)) return { x, f: fx, iterations: iter, converged: true };
    let useGolden = true;
    if (Math.abs(e) > tol) {
      // parabola through x, w, v
      const r = (x - w) * (fx - fv);
      let q = (x - v) * (fx - fw);
      let p = (x - v) * q - (x - w) * r;
      q = 2 * (q - r);
      if (q > 0) p = -p;
      else q = -q;
      const eOld = e;
      e = d;
      if (Math.abs(p) < Math.abs(0.5 * q * eOld) && p > q * (a - x) && p < q * (b - x)) {
        d = p / q;
        const u = x + d;
        if (u - a < tol2 || b - u < tol2) d = x < m ? tol : -tol;
        useGolden = false;
      }
    }
    if (useGolden) {
      e = x < m ? b - x : a - x;
      d = GOLDEN * e;
    }
    const u = Math.abs(d) >= tol ? x + d : x + (d > 0 ? tol : -tol);
    const fu = f(u);
    if (fu <= fx) {
      if (u < x) b = x;
      else a = x;
      v = w;
      fv = fw;
      w = x;
      fw = fx;
      x = u;
      fx = fu;
    } else {
      if (u < x) a = u;
      else b = u;
      if (fu <= fw || w === x) {
        v = w;
        fv = fw;
        w = u;
        fw = fu;
      } else if (fu <= fv || v === x || v === w) {
        v = u;
        fv = fu;
      }
    }
  }
  return { x, f: fx, iterations: maxIter, converged: false };
}

/**
 * Root of a monotone-sign function on [lo, hi] by bisection ("Dichotomy_search" in Yun et al. App. E).
 * Requires sign(f(lo)) ≠ sign(f(hi)); returns NaN otherwise.
 */
export function bisectRoot(f: (x: number) => number, lo: number, hi: number, iterations = 100, xTol = 1e-12): number {
  let flo = f(lo);
  const fhi = f(hi);
  if (flo === 0) return lo;
  if (fhi === 0) return hi;
  if (Math.sign(flo) === Math.sign(fhi) || !Number.isFinite(flo) || !Number.isFinite(fhi)) return NaN;
  for (let i = 0; i < iterations && hi - lo > xTol * Math.max(1, Math.abs(lo)); i++) {
    const mid = 0.5 * (lo + hi);
    const fm = f(mid);
    if (fm === 0) return mid;
    if (Math.sign(fm) === Math.sign(flo)) {
      lo = mid;
      flo = fm;
    } else hi = mid;
  }
  return 0.5 * (lo + hi);
}
