import { minimizeBrent } from '../fit/brent';

/**
 * Minimises f over [lo, hi] robustly: a coarse scan of `points` values finds the best cell, then Brent's
 * method refines inside the two neighbouring cells (f need only be unimodal near its minimum).
 */
export function scanThenBrent(f: (x: number) => number, lo: number, hi: number, points = 48): { x: number; f: number } {
  let bestI = 0;
  let bestF = Infinity;
  const step = (hi - lo) / (points - 1);
  for (let i = 0; i < points; i++) {
    const v = f(lo + i * step);
    if (v < bestF) {
      bestF = v;
      bestI = i;
    }
  }
  const a = lo + Math.max(0, bestI - 1) * step;
  const b = lo + Math.min(points - 1, bestI + 1) * step;
  const r = minimizeBrent(f, a, b, { xTol: 1e-12 });
  return r.f <= bestF ? { x: r.x, f: r.f } : { x: lo + bestI * step, f: bestF };
}
