/**
 * Small non-negative least squares: minimise Σ_i w_i (Σ_k c_k X_ik − y_i)² with c_k ≥ 0 for the
 * constrained k. Exact for the few (≤ 6) coefficients of a scaling law: it enumerates the subsets of
 * constrained coefficients allowed to be non-zero (free-sign coefficients are always in), solves each
 * subset's normal equations and keeps the feasible solution with the smallest residual.
 */
export interface Gram {
  /** k×k matrix XᵀWX, row-major. */
  xtx: Float64Array;
  /** XᵀWy. */
  xty: Float64Array;
  /** yᵀWy. */
  yty: number;
  k: number;
}

export function solveNnlsFromGram(gram: Gram, nonnegative: readonly boolean[], out: Float64Array): number {
  const k = gram.k;
  const free: number[] = [];
  const cons: number[] = [];
  for (let j = 0; j < k; j++) (nonnegative[j] ? cons : free).push(j);
  let best = Infinity;
  const sol = new Float64Array(k);
  out.fill(0);
  const subsets = 1 << cons.length;
  const idx: number[] = [];
  for (let mask = subsets - 1; mask >= 0; mask--) {
    idx.length = 0;
    for (const j of free) idx.push(j);
    for (let t = 0; t < cons.length; t++) if (mask & (1 << t)) idx.push(cons[t]);
    sol.fill(0);
    if (idx.length > 0 && !solveSub(gram, idx, sol)) continue;
    let ok = true;
    for (const j of cons) if (sol[j] < 0) ok = false;
    if (!ok) continue;
    // residual = yᵀy − 2 cᵀ Xᵀy + cᵀ XᵀX c
    let r = gram.yty;
    for (let a = 0; a < k; a++) {
      if (sol[a] === 0) continue;
      r -= 2 * sol[a] * gram.xty[a];
      for (let b = 0; b < k; b++) r += sol[a] * gram.xtx[a * k + b] * sol[b];
    }
    if (r < best) {
      best = r;
      out.set(sol);
    }
  }
  return best;
}

/** Gaussian elimination with partial pivoting on the sub-system idx; false when singular. */
function solveSub(gram: Gram, idx: number[], sol: Float64Array): boolean {
  const m = idx.length;
  const k = gram.k;
  const A = new Float64Array(m * (m + 1));
  for (let r = 0; r < m; r++) {
    for (let c = 0; c < m; c++) A[r * (m + 1) + c] = gram.xtx[idx[r] * k + idx[c]];
    A[r * (m + 1) + m] = gram.xty[idx[r]];
  }
  for (let c = 0; c < m; c++) {
    let piv = c;
    for (let r = c + 1; r < m; r++) if (Math.abs(A[r * (m + 1) + c]) > Math.abs(A[piv * (m + 1) + c])) piv = r;
    const pv = A[piv * (m + 1) + c];
    const scale = Math.abs(gram.xtx[idx[c] * k + idx[c]]);
    if (!(Math.abs(pv) > 1e-13 * Math.max(scale, 1e-300))) return false;
    if (piv !== c) {
      for (let t = 0; t <= m; t++) {
        const tmp = A[c * (m + 1) + t];
        A[c * (m + 1) + t] = A[piv * (m + 1) + t];
        A[piv * (m + 1) + t] = tmp;
      }
    }
    for (let r = c + 1; r < m; r++) {
      const fct = A[r * (m + 1) + c] / A[c * (m + 1) + c];
      if (fct === 0) continue;
      for (let t = c; t <= m; t++) A[r * (m + 1) + t] -= fct * A[c * (m + 1) + t];
    }
  }
  for (let r = m - 1; r >= 0; r--) {
    let s = A[r * (m + 1) + m];
    for (let c = r + 1; c < m; c++) s -= A[r * (m + 1) + c] * sol[idx[c]];
    sol[idx[r]] = s / A[r * (m + 1) + r];
    if (!Number.isFinite(sol[idx[r]])) return false;
  }
  return true;
}
