/**
 * Whether a fit's coefficients are determined by its data, judged from the bootstrap: an interval that is
 * unbounded or spans more than `UNIDENTIFIED_DECADES` orders of magnitude means the runs do not pin the
 * coefficient down, whatever the point estimate says. Used by `moelab fit` to say so in words instead of
 * printing `se Infinity` and an interval up to 1e+28.
 */
import type { BootstrapResult, Interval } from '../laws/fit/bootstrap';
import type { LawObservations } from '../laws/types';

/** An interval wider than two orders of magnitude (hi/lo > 100) does not determine a coefficient. */
export const UNIDENTIFIED_DECADES = 2;
/** For coefficients whose interval crosses zero (exponents): wider than this many times |estimate|. */
export const UNIDENTIFIED_RELATIVE_WIDTH = 10;
/** An upper bound this many times the estimate is reported as unbounded rather than as a number. */
const UNBOUNDED_FACTOR = 1e6;

export interface CoefficientIdentification {
  identified: boolean;
  /** In words, e.g. "95% interval [0.835, unbounded)". */
  reason?: string;
}

export interface Identification {
  /** Every coefficient identified. */
  identified: boolean;
  coefficients: Record<string, CoefficientIdentification>;
  /** Decades of each law variable the observations span (log10 max/min), e.g. { N: 0.6, D: 0.6 }. */
  spans: Record<string, number>;
  /** One paragraph for the human output (absent when identified). */
  summary?: string;
}

const fmt = (x: number) => (Math.abs(x) >= 1e4 || (Math.abs(x) < 1e-3 && x !== 0) ? x.toExponential(2) : x.toPrecision(3));

/** The interval as text, with an upper bound far above the estimate written as unbounded. */
export function intervalText(ci: Interval, level: number): string {
  const pct = `${Math.round(level * 100)}%`;
  const hiUnbounded = !Number.isFinite(ci.hi) || (ci.estimate > 0 && ci.hi > UNBOUNDED_FACTOR * ci.estimate);
  const loUnbounded = !Number.isFinite(ci.lo);
  if (!Number.isFinite(ci.lo) && !Number.isFinite(ci.hi)) return `${pct} interval undefined (no resample converged)`;
  return `${pct} interval [${loUnbounded ? 'unbounded' : fmt(ci.lo)}, ${hiUnbounded ? 'unbounded)' : `${fmt(ci.hi)}]`}`;
}

function judge(ci: Interval, level: number): CoefficientIdentification {
  if (![ci.lo, ci.hi, ci.se].every(Number.isFinite)) return { identified: false, reason: `${intervalText(ci, level)}, standard error not finite` };
  if (ci.lo > 0 && ci.hi / ci.lo > 10 ** UNIDENTIFIED_DECADES) {
    return { identified: false, reason: `${intervalText(ci, level)} spans ${Math.log10(ci.hi / ci.lo).toFixed(1)} decades` };
  }
  if (ci.lo <= 0 && ci.hi - ci.lo > UNIDENTIFIED_RELATIVE_WIDTH * Math.abs(ci.estimate)) {
    return { identified: false, reason: `${intervalText(ci, level)} is ${((ci.hi - ci.lo) / Math.abs(ci.estimate || 1)).toFixed(0)}× wider than the estimate` };
  }
  return { identified: true };
}

/** Judges every coefficient of a bootstrap; `obs` gives the spans of the data for the explanation. */
export function identification(boot: Omit<BootstrapResult, 'fullFit'>, obs: LawObservations, symbols: readonly string[]): Identification {
  const coefficients = Object.fromEntries(Object.entries(boot.coefficients).map(([k, ci]) => [k, judge(ci, boot.level)]));
  const spans: Record<string, number> = {};
  symbols.forEach((s, j) => {
    const v = obs.x.map((row) => row[j]!);
    spans[s] = Math.log10(Math.max(...v) / Math.min(...v));
  });
  const bad = Object.entries(coefficients).filter(([, c]) => !c.identified).map(([k]) => k);
  const identified = bad.length === 0;
  if (identified) return { identified, coefficients, spans };
  const spanText = Object.entries(spans)
    .map(([s, d]) => `${s} over ${d.toFixed(1)} decade${d.toFixed(1) === '1.0' ? '' : 's'}`)
    .join(', ');
  const summary =
    `Not identified: the ${obs.loss.length} runs (${spanText}) do not determine ${bad.join(', ')}: ` +
    `their ${Math.round(boot.level * 100)}% bootstrap intervals are unbounded or span more than ${UNIDENTIFIED_DECADES} orders of magnitude, ` +
    `so the point estimates below are one of many near-equal fits, not measurements. Fit runs that span more decades of each variable ` +
    `(or more runs per decade) before reading these numbers.`;
  return { identified, coefficients, spans, summary };
}
