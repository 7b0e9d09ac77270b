/** `n` values from `lo` to `hi` (both included) evenly spaced in log space; `[lo]` when n = 1. */
export function logspace(lo: number, hi: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => lo * (hi / lo) ** (i / Math.max(1, n - 1)));
}
