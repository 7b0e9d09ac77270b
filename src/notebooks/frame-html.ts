/**
 * danfojs DataFrames and Series as HTML tables for notebooks: every value in full (no wrapping or truncation
 * of ids), numbers right-aligned with up to 6 significant digits, the index as the first column, long frames
 * cut to their first and last rows with the count of rows left out written in the table.
 */
import { escapeHtml } from '../figures/tables';

/** The parts of a danfojs DataFrame or Series that a table needs (duck-typed: danfojs is not imported here). */
export interface FrameLike {
  columns: string[];
  values: unknown[] | unknown[][];
  index: Array<string | number>;
  shape: number[];
  $isSeries?: boolean;
}

/** True for danfojs DataFrame/Series-shaped values. */
export function isFrameLike(x: unknown): x is FrameLike {
  const f = x as FrameLike | null;
  return !!f && typeof f === 'object' && Array.isArray(f.columns) && Array.isArray(f.index) && Array.isArray(f.shape) && Array.isArray(f.values);
}

/** One cell as text: numbers with up to 6 significant digits (integers in full), everything else as is. */
export function formatFrameCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return String(v);
    if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
    const abs = Math.abs(v);
    if (abs !== 0 && (abs >= 1e6 || abs < 1e-4)) return Number(v.toPrecision(6)).toExponential();
    return String(Number(v.toPrecision(6)));
  }
  return String(v);
}

const STYLE =
  'border-collapse:collapse;font-size:13px;font-variant-numeric:tabular-nums;' + 'white-space:nowrap';

/** `maxRows` (default 60) rows at most: the first and last half when longer, with a row saying how many were left out. */
export function frameToHtml(frame: FrameLike, maxRows = 60): string {
  const series = frame.$isSeries === true || !Array.isArray(frame.values[0]);
  const rows: unknown[][] = series ? (frame.values as unknown[]).map((v) => [v]) : (frame.values as unknown[][]);
  const columns = frame.columns.length ? frame.columns : ['value'];
  const n = rows.length;
  const head = n > maxRows ? Math.ceil(maxRows / 2) : n;
  const tail = n > maxRows ? Math.floor(maxRows / 2) : 0;
  const cell = (v: unknown) => {
    const numeric = typeof v === 'number';
    return `<td style="padding:2px 8px;border-bottom:1px solid #eee;text-align:${numeric ? 'right' : 'left'}">${escapeHtml(formatFrameCell(v))}</td>`;
  };
  const line = (i: number) => `<tr><th style="padding:2px 8px;text-align:left;color:#666;font-weight:normal">${escapeHtml(String(frame.index[i] ?? i))}</th>${rows[i]!.map(cell).join('')}</tr>`;
  const body: string[] = [];
  for (let i = 0; i < head; i++) body.push(line(i));
  if (tail > 0) {
    body.push(`<tr><td colspan="${columns.length + 1}" style="padding:2px 8px;color:#666">… ${n - head - tail} more rows …</td></tr>`);
    for (let i = n - tail; i < n; i++) body.push(line(i));
  }
  const headerCells = columns.map((c) => `<th style="padding:2px 8px;border-bottom:1px solid #999;text-align:left">${escapeHtml(String(c))}</th>`).join('');
  const caption = `${n} row${n === 1 ? '' : 's'} × ${columns.length} column${columns.length === 1 ? '' : 's'}`;
  return `<table class="moelab-frame" style="${STYLE}"><thead><tr><th></th>${headerCells}</tr></thead><tbody>${body.join('')}</tbody><caption style="caption-side:bottom;text-align:left;color:#666;font-size:12px">${caption}</caption></table>`;
}
