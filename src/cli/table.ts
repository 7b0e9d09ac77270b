/**
 * Plain-text tables for the CLI: a header line in which every column names its quantity and its unit, numbers
 * right-aligned, text left-aligned, notes (one per footnote mark) below. Used by `optimal`, `inference`,
 * `compare` and `status`, so all of them look and read alike.
 */

export interface Column<Row> {
  /** Header text, unit included, e.g. `N (params)`, `latency (ms)`. */
  header: string;
  /** The cell text. */
  cell: (row: Row) => string;
  /** Right-align (numbers). Default true. */
  numeric?: boolean;
}

/** A number in a short, unambiguous form: 4 significant digits, exponent form from 1e5 up and below 1e-3. */
export function num(x: number, digits = 4): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? '–' : x > 0 ? '∞' : '−∞';
  const abs = Math.abs(x);
  if (abs !== 0 && (abs >= 1e5 || abs < 1e-3)) {
    const [m, e] = x.toExponential(digits - 1).split('e');
    return `${String(Number(m))}e${e!.replace('+', '')}`;
  }
  return String(Number(x.toPrecision(digits)));
}

/** A whole number with thin grouping (e.g. `12 345`). */
export function int(x: number): string {
  if (!Number.isFinite(x)) return '–';
  return Math.round(x).toLocaleString('en-US');
}

/** Renders rows under a header; `indent` spaces before each line. */
export function renderTable<Row>(columns: ReadonlyArray<Column<Row>>, rows: readonly Row[], indent = 2): string {
  const cells = rows.map((r) => columns.map((c) => c.cell(r)));
  const widths = columns.map((c, j) => Math.max(c.header.length, ...cells.map((row) => row[j]!.length)));
  const pad = (text: string, j: number) => ((columns[j]!.numeric ?? true) ? text.padStart(widths[j]!) : text.padEnd(widths[j]!));
  const lines = [columns.map((c, j) => pad(c.header, j)).join('  '), ...cells.map((row) => row.map((t, j) => pad(t, j)).join('  '))];
  const prefix = ' '.repeat(indent);
  return lines.map((l) => `${prefix}${l.trimEnd()}`).join('\n');
}
