/**
 * `moelab fit`'s words for whether a fit's coefficients are determined by its data. The verdict is the law
 * library's (`identificationOf` in src/laws/record.ts: a coefficient is identified when its bootstrap interval is
 * finite and no wider than its estimate), the same the fit records and the report use; this module adds what the
 * CLI prints: each interval with an unbounded end written as such (never `se Infinity` or `[0.84, 7.97e+28]`), and
 * how many decades of each variable the runs span.
 */
import type { BootstrapResult, Interval } from '../laws/fit/bootstrap';
import type { Identification as LawIdentification } from '../laws/record';
import type { LawObservations } from '../laws/types';

/** An upper bound this many times the estimate is written as unbounded rather than as a number. */
export const UNBOUNDED_FACTOR = 1e6;

export interface Identification extends LawIdentification {
  /** Per coefficient: the interval in words when not identified. */
  reasons: Record<string, string>;
  /** Decades of each law variable the observations span (log10 max/min), e.g. { N: 0.6, D: 0.6 }. */
  spans: Record<string, number>;
  /** One paragraph for the human output (absent when identified). */
  paragraph?: string;
}

const fmt = (x: number) => (Math.abs(x) >= 1e4 || (Math.abs(x) < 1e-3 && x !== 0) ? x.toExponential(2) : x.toPrecision(3));

/** The interval as text, with an end that is not finite or far beyond the estimate written as unbounded. */
export function intervalText(ci: Interval, level: number): string {
  const pct = `${Math.round(level * 100)}%`;
  if (!Number.isFinite(ci.lo) && !Number.isFinite(ci.hi)) return `${pct} interval undefined (no resample converged)`;
  const hiUnbounded = !Number.isFinite(ci.hi) || (ci.estimate > 0 && ci.hi > UNBOUNDED_FACTOR * ci.estimate);
  const loUnbounded = !Number.isFinite(ci.lo);
  return `${pct} interval [${loUnbounded ? 'unbounded' : fmt(ci.lo)}, ${hiUnbounded ? 'unbounded)' : `${fmt(ci.hi)}]`}`;
}

/** The library's verdict with the CLI's words: intervals, spans of the data, one paragraph. */
export function identification(verdict: LawIdentification, boot: Pick<BootstrapResult, 'coefficients' | 'scheme'>, obs: LawObservations, symbols: readonly string[]): Identification {
  const level = boot.scheme.level;
  const reasons: Record<string, string> = {};
  for (const c of verdict.coefficients) {
    if (c.identified) continue;
    const ci = boot.coefficients[c.coefficient as keyof typeof boot.coefficients] as Interval | undefined;
    if (!ci) continue;
    const text = intervalText(ci, level);
    const width = Number.isFinite(c.relativeWidth) && !text.includes('unbounded') ? `, ${c.relativeWidth.toPrecision(2)}× as wide as the estimate` : '';
    reasons[c.coefficient] = `${text}${width}`;
  }
  const spans: Record<string, number> = {};
  symbols.forEach((s, j) => {
    const v = obs.x.map((row) => row[j]!);
    spans[s] = Math.log10(Math.max(...v) / Math.min(...v));
  });
  if (verdict.identified) return { ...verdict, reasons, spans };
  const bad = verdict.coefficients.filter((c) => !c.identified).map((c) => c.coefficient);
  const spanText = Object.entries(spans)
    .map(([s, d]) => `${s} over ${d.toFixed(1)} decade${d.toFixed(1) === '1.0' ? '' : 's'}`)
    .join(', ');
  const paragraph =
    `Not identified: the ${obs.loss.length} runs (${spanText}) do not determine ${bad.join(', ')}: ` +
    `their ${Math.round(level * 100)}% bootstrap intervals are unbounded or wider than the estimates themselves, ` +
    `so those point estimates are one of many near-equal fits, not measurements. Read the law's predictions inside ` +
    `the runs' range, or fit runs that span more decades of each variable.`;
  return { ...verdict, reasons, spans, paragraph };
}
