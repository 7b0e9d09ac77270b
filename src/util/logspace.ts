/**
 * `n` numbers from `lo` to `hi` (both included) evenly spaced on a log scale: lo · (hi/lo)^(i/(n−1)).
 * n = 1 gives [lo]; n ≤ 0 gives []. Domain-free (figure grids, FLOPs budgets).
 */
export function logspace(lo: number, hi: number, n: number): number[] {
  return Array.from({ length: Math.max(0, n) }, (_, i) => lo * (hi / lo) ** (i / Math.max(1, n - 1)));
}
