import { minimizeBrent } from '../fit/brent';

/** A 1-D search result: the minimiser, its value, and whether it sits on an end of the searched interval. */
export interface BoundedMinimum {
  x: number;
  f: number;
  /** `low`/`high` when the minimum is at (within 1e-6 of the width of) an end of [lo, hi]: the true optimum may lie beyond it. */
  atBound: 'low' | 'high' | null;
}

/**
 * Minimises f over [lo, hi] robustly: a coarse scan of `points` values finds the best cell, then Brent's
 * method refines inside the two neighbouring cells (f need only be unimodal near its minimum). A minimum on an
 * end of the interval is reported (`atBound`), never passed off as an interior optimum.
 */
export function scanThenBrent(f: (x: number) => number, lo: number, hi: number, points = 48): BoundedMinimum {
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
  const best = r.f <= bestF ? { x: r.x, f: r.f } : { x: lo + bestI * step, f: bestF };
  const tol = 1e-6 * (hi - lo);
  const atBound = best.x - lo <= tol ? 'low' : hi - best.x <= tol ? 'high' : null;
  return { ...best, atBound };
}

/** A search range that an optimum sat on: the variable, its range and which end. */
export interface SearchBound {
  variable: string;
  range: [number, number];
  end: 'low' | 'high';
}

/** "outside the searched range [lo, hi] of <variable>" for tables and captions. */
export function describeBound(b: SearchBound): string {
  const fmt = (x: number) => (Math.abs(x) >= 1e4 || Math.abs(x) < 1e-2 ? x.toExponential(1) : String(x));
  return `optimum at the ${b.end} end of the searched range [${fmt(b.range[0])}, ${fmt(b.range[1])}] of ${b.variable}: the true optimum lies outside it`;
}
