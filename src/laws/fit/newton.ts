/**
 * Newton's method with an analytic Hessian for small, smooth (or piecewise smooth) problems: the bootstrap
 * refits of a law fit, which start next to their optimum (warm start from the full-data fit), where Newton
 * converges quadratically and L-BFGS only superlinearly. Globalised as in Nocedal & Wright, Numerical
 * Optimization, 2nd ed.: Armijo backtracking along the Newton direction (§3.1, §3.5 interpolation); where the
 * Cholesky factorisation fails (H not positive definite) the eigenvalues of H are replaced by their absolute
 * values (§3.4, Hessian modification), and where the line search finds no decrease a Levenberg–Marquardt shift
 * μ·diag(H) is added (Marquardt 1963 scaling) and raised until it does.
 * Stops on ‖∇f‖∞ ≤ gradTol, or on the Newton decrement: when λ² = −∇fᵀd = ∇fᵀ H⁻¹ ∇f at a positive definite
 * H satisfies λ²/2 ≤ fTol·|f| (Boyd & Vandenberghe, Convex Optimization §9.5.1: λ²/2 estimates f − f*, and
 * the test is invariant to the parameters' units), after taking that last full step. When damping cannot produce a descent step it hands over to L-BFGS from the current point.
 */
import { allFinite } from '../../util/all-finite';
import { minimizeLbfgs, normInf, type LbfgsOptions, type LbfgsResult, type ValueAndGradient } from './lbfgs';

/** Objective: returns f(x), writes ∇f(x) into `grad` and ∇²f(x) (row-major n × n) into `hess`. */
export type ValueGradientHessian = (x: Float64Array, grad: Float64Array, hess: Float64Array) => number;

export interface NewtonOptions {
  /** Maximum Newton iterations before handing over to L-BFGS. Default 100. */
  maxIterations?: number;
  /** Stop when ‖∇f‖∞ ≤ gradTol. Default 1e-9 (as L-BFGS). */
  gradTol?: number;
  /** Stop (after one more full step) at a point with Newton decrement λ²/2 ≤ fTol · max(|f|, fScale). Default 1e-13. */
  fTol?: number;
  /** Floor on the scale in the fTol test. Default 1e-12. */
  fScale?: number;
  /** Armijo constant. Default 1e-4. */
  c1?: number;
  /** Options of the L-BFGS hand-over (the gradient and objective tolerances default to this method's). */
  fallback?: LbfgsOptions;
}

export interface NewtonResult extends LbfgsResult {
  /** Newton iterations taken (the L-BFGS hand-over's iterations are counted in `iterations` too). */
  newtonIterations: number;
  /** True when the result came from the L-BFGS hand-over. */
  fellBack: boolean;
}

/**
 * Minimises f from x0 with damped Newton steps (see the module comment). `fg`, when given, is used by the
 * L-BFGS hand-over (a value-and-gradient-only path is cheaper than `fgh`); otherwise `fgh` is.
 */
export function minimizeNewton(
  fgh: ValueGradientHessian,
  x0: ArrayLike<number>,
  options: NewtonOptions = {},
  fg?: ValueAndGradient,
): NewtonResult {
  const n = x0.length;
  const maxIter = options.maxIterations ?? 100;
  const gradTol = options.gradTol ?? 1e-9;
  const fTol = options.fTol ?? 1e-13;
  const fScale = options.fScale ?? 1e-12;
  const c1 = options.c1 ?? 1e-4;

  let x = Float64Array.from(x0);
  let g = new Float64Array(n);
  let H = new Float64Array(n * n);
  let xNew = new Float64Array(n);
  let gNew = new Float64Array(n);
  let HNew = new Float64Array(n * n);
  const L = new Float64Array(n * n);
  const Hmod = new Float64Array(n * n);
  const V = new Float64Array(n * n);
  const work = new Float64Array(n * n);
  const d = new Float64Array(n);
  let evaluations = 0;

  let f = fgh(x, g, H);
  evaluations++;
  if (!Number.isFinite(f) || !allFinite(g)) {
    return { x, f, grad: g, iterations: 0, evaluations, converged: false, stop: 'not-finite', newtonIterations: 0, fellBack: false };
  }
  let mu = 0;
  let iter = 0;
  let done: 'gradient' | 'objective' | null = null;
  for (; iter < maxIter; iter++) {
    if (normInf(g) <= gradTol) {
      done = 'gradient';
      break;
    }
    // Newton direction from M d = −g, M = H when positive definite, else H with its eigenvalues replaced by
    // their absolute values (N&W §3.4, eigenvalue modification); plus μ·diag(M) after a failed line search.
    let M = H;
    let solved = cholesky(H, 0, n, L);
    if (!solved) {
      if (!modifyEigenvalues(H, n, Hmod, V, work)) break; // not finite: hand over to L-BFGS
      M = Hmod;
    }
    if (mu > 0 || !solved) {
      solved = false;
      for (let tries = 0; tries < 16 && !solved; tries++) {
        solved = cholesky(M, mu, n, L);
        if (!solved) mu = mu === 0 ? 1e-8 : mu * 100;
      }
    }
    if (solved) solveCholesky(L, g, n, d);
    const exact = M === H && mu === 0;
    let gd = 0;
    for (let i = 0; i < n; i++) gd += g[i] * d[i];
    if (!solved || !(gd < 0)) break; // hand over to L-BFGS
    if (exact && -gd / 2 <= fTol * Math.max(Math.abs(f), fScale)) {
      // Converged: f − f* ≈ λ²/2 is below tolerance. Take the last full step when it does not make things
      // worse (at this point f differs from f* by round-off, so test the gradient too), then stop.
      for (let i = 0; i < n; i++) xNew[i] = x[i] + d[i];
      const fLast = fgh(xNew, gNew, HNew);
      evaluations++;
      if (Number.isFinite(fLast) && allFinite(gNew) && (fLast <= f || normInf(gNew) <= normInf(g))) {
        [x, xNew] = [xNew, x];
        [g, gNew] = [gNew, g];
        [H, HNew] = [HNew, H];
        f = fLast;
      }
      done = 'objective';
      iter++;
      break;
    }
    // Armijo backtracking with safeguarded quadratic interpolation.
    let t = 1;
    let fNew = NaN;
    let accepted = false;
    for (let ls = 0; ls < 40; ls++) {
      for (let i = 0; i < n; i++) xNew[i] = x[i] + t * d[i];
      fNew = fgh(xNew, gNew, HNew);
      evaluations++;
      if (Number.isFinite(fNew) && allFinite(gNew) && fNew <= f + c1 * t * gd) {
        accepted = true;
        break;
      }
      let tNext = Number.isFinite(fNew) ? (-gd * t * t) / (2 * (fNew - f - gd * t)) : 0.1 * t;
      if (!(tNext >= 0.1 * t)) tNext = 0.1 * t;
      if (tNext > 0.5 * t) tNext = 0.5 * t;
      t = tNext;
    }
    if (!accepted) {
      if (mu < 1e6) {
        // the quadratic model is poor here: damp harder and try again from the same point
        mu = Math.max(1e-4, mu * 100);
        continue;
      }
      break; // hand over to L-BFGS
    }
    [x, xNew] = [xNew, x];
    [g, gNew] = [gNew, g];
    [H, HNew] = [HNew, H];
    f = fNew;
    mu = mu <= 1e-8 ? 0 : mu / 100;
  }
  if (done) {
    return { x, f, grad: g, iterations: iter, evaluations, converged: true, stop: done, newtonIterations: iter, fellBack: false };
  }
  const scratch = new Float64Array(n * n);
  const fgFallback: ValueAndGradient = fg ?? ((xx, gg) => fgh(xx, gg, scratch));
  const r = minimizeLbfgs(fgFallback, x, { gradTol, fTol, fScale, ...options.fallback });
  return {
    ...r,
    iterations: iter + r.iterations,
    evaluations: evaluations + r.evaluations,
    newtonIterations: iter,
    fellBack: true,
  };
}

/**
 * Cholesky factorisation L Lᵀ = H + μ·diag(D) into `L` (row-major, lower), D_j = max(|H_jj|, 1e-12·max |H_kk|)
 * (Marquardt's scaling, invariant to the parameters' units). False when the shifted matrix is not positive
 * definite (or not finite).
 */
export function cholesky(H: Float64Array, mu: number, n: number, L: Float64Array): boolean {
  let maxDiag = 0;
  for (let j = 0; j < n; j++) maxDiag = Math.max(maxDiag, Math.abs(H[j * n + j]));
  for (let j = 0; j < n; j++) {
    for (let k = 0; k <= j; k++) {
      let s = H[j * n + k];
      if (k === j && mu > 0) s += mu * Math.max(Math.abs(H[j * n + j]), 1e-12 * maxDiag);
      for (let m = 0; m < k; m++) s -= L[j * n + m] * L[k * n + m];
      if (k === j) {
        if (!(s > 0)) return false;
        L[j * n + j] = Math.sqrt(s);
      } else {
        L[j * n + k] = s / L[k * n + k];
      }
    }
  }
  return true;
}

/**
 * Writes into `out` the symmetric matrix H with each eigenvalue λ replaced by max(|λ|, 1e-12·max|λ|) (Nocedal &
 * Wright §3.4: a positive definite modification that keeps the Newton scaling along every eigenvector).
 * Eigen-decomposition by the cyclic Jacobi method (Golub & Van Loan, Matrix Computations, 4th ed., §8.5.2),
 * which is accurate for the small (n ≤ ~10) matrices here. False when H is not finite.
 */
export function modifyEigenvalues(H: Float64Array, n: number, out: Float64Array, V: Float64Array, A: Float64Array): boolean {
  for (let i = 0; i < n * n; i++) {
    if (!Number.isFinite(H[i])) return false;
    A[i] = 0.5 * (H[i] + H[(i % n) * n + Math.floor(i / n)]);
    V[i] = i % (n + 1) === 0 ? 1 : 0;
  }
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0;
    let diag = 0;
    for (let p = 0; p < n; p++) {
      diag += A[p * n + p] * A[p * n + p];
      for (let q = p + 1; q < n; q++) off += A[p * n + q] * A[p * n + q];
    }
    if (off <= 1e-32 * diag || off === 0) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = A[p * n + q];
        if (apq === 0) continue;
        const tau = (A[q * n + q] - A[p * n + p]) / (2 * apq);
        const t = (tau >= 0 ? 1 : -1) / (Math.abs(tau) + Math.sqrt(1 + tau * tau));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = A[k * n + p];
          const akq = A[k * n + q];
          A[k * n + p] = c * akp - s * akq;
          A[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = A[p * n + k];
          const aqk = A[q * n + k];
          A[p * n + k] = c * apk - s * aqk;
          A[q * n + k] = s * apk + c * aqk;
          const vkp = V[k * n + p];
          const vkq = V[k * n + q];
          V[k * n + p] = c * vkp - s * vkq;
          V[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  let maxAbs = 0;
  for (let k = 0; k < n; k++) maxAbs = Math.max(maxAbs, Math.abs(A[k * n + k]));
  if (!(maxAbs > 0)) return false;
  out.fill(0);
  for (let k = 0; k < n; k++) {
    const lam = Math.max(Math.abs(A[k * n + k]), 1e-12 * maxAbs);
    for (let i = 0; i < n; i++) {
      const vi = V[i * n + k] * lam;
      for (let j = 0; j < n; j++) out[i * n + j] += vi * V[j * n + k];
    }
  }
  return true;
}

/** Solves L Lᵀ d = −g for d (forward then back substitution). */
function solveCholesky(L: Float64Array, g: Float64Array, n: number, d: Float64Array): void {
  for (let i = 0; i < n; i++) {
    let s = -g[i];
    for (let k = 0; k < i; k++) s -= L[i * n + k] * d[k];
    d[i] = s / L[i * n + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = d[i];
    for (let k = i + 1; k < n; k++) s -= L[k * n + i] * d[k];
    d[i] = s / L[i * n + i];
  }
}
