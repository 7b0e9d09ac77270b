/**
 * CSV tables for run tables and plain fit tables, on src/util/csv.ts's RFC 4180 reader. Strict where a lenient
 * reader would guess: a binary or non-UTF-8 file, a duplicated or empty header name, a row with more or fewer fields
 * than the header, an unterminated quote, or a file with a header and no rows is a `CsvError` naming the file, the
 * line and the fix. Cells stay text; `parseDecimal` reads numbers the one way moelab accepts them.
 */
import { CsvSyntaxError, parseCsv } from '../util/csv';

/** A CSV file that cannot be read as a table; `line` is 1-based (the header is line 1). */
export class CsvError extends Error {
  override readonly name: string = 'CsvError';
  readonly exitCode = 2;
  constructor(
    message: string,
    readonly file: string,
    readonly line?: number,
    readonly column?: string,
  ) {
    super(message);
  }
}

export interface CsvTable {
  /** Header names, trimmed. */
  columns: string[];
  /** Data rows as text cells, one per column (cells trimmed of surrounding spaces unless quoted). */
  rows: string[][];
  /** The 1-based line on which each row starts. */
  lines: number[];
}

/** Offset of the first byte that breaks UTF-8, or -1. */
export function invalidUtf8Offset(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    const len = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (len === 0 || i + len > bytes.length) return i;
    for (let k = 1; k < len; k++) if ((bytes[i + k]! & 0xc0) !== 0x80) return i;
    // overlong 3-byte forms, UTF-16 surrogates, and code points above U+10FFFF
    if (len === 3 && ((b === 0xe0 && bytes[i + 1]! < 0xa0) || (b === 0xed && bytes[i + 1]! >= 0xa0))) return i;
    if (len === 4 && ((b === 0xf0 && bytes[i + 1]! < 0x90) || (b === 0xf4 && bytes[i + 1]! >= 0x90))) return i;
    i += len;
  }
  return -1;
}

/** First offending byte of a file that is not UTF-8 text, or undefined. */
function binaryOffset(bytes: Uint8Array): { offset: number; why: string } | undefined {
  const nul = bytes.indexOf(0);
  if (nul >= 0) return { offset: nul, why: 'a NUL byte (binary data)' };
  const invalid = invalidUtf8Offset(bytes);
  if (invalid >= 0) return { offset: invalid, why: `0x${bytes[invalid]!.toString(16).padStart(2, '0')}, which is not UTF-8 text` };
  // other control characters (not tab/CR/LF): binary data that happens to decode
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) return { offset: i, why: `control byte 0x${b.toString(16).padStart(2, '0')} (binary data)` };
  }
  return undefined;
}

/**
 * Reads CSV bytes as a table (the tokenizer is src/util/csv.ts's RFC 4180 reader; this adds what a table needs):
 * refuses binary or non-UTF-8 bytes, an empty file, a header-only file, an empty or duplicated header name and a row
 * with more or fewer fields than the header, each as a `CsvError` naming `what` (e.g. "run table results/runs.csv")
 * and the line. Cells are trimmed.
 */
export function parseCsvTable(bytes: Uint8Array, file: string, what = file): CsvTable {
  if (bytes.length === 0 || bytes.every((b) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09)) {
    throw new CsvError(`${what} is empty; it needs a header line and one row per run`, file);
  }
  const bad = binaryOffset(bytes);
  if (bad) throw new CsvError(`${what} is not a text CSV: byte ${bad.offset} is ${bad.why}; pass a comma-separated text file`, file);
  let parsed: ReturnType<typeof parseCsv>;
  try {
    parsed = parseCsv(new TextDecoder('utf-8').decode(bytes));
  } catch (e) {
    if (e instanceof CsvSyntaxError) throw new CsvError(`${what}, ${e.message}`, file, e.line);
    throw e;
  }
  const columns = parsed.header;
  if (columns.length === 0) throw new CsvError(`${what} is empty; it needs a header line and one row per run`, file);
  columns.forEach((c, k) => {
    if (c === '') throw new CsvError(`${what}: header column ${k + 1} has no name; name every column in line 1`, file, 1);
    const first = columns.indexOf(c);
    if (first !== k) {
      throw new CsvError(`${what}: column "${c}" appears twice in the header (columns ${first + 1} and ${k + 1}); rename or drop one`, file, 1, c);
    }
  });
  if (parsed.records.length === 0) throw new CsvError(`${what} has a header but no rows; add one row per run`, file, 1);
  for (const r of parsed.records) {
    if (r.cells.length !== columns.length) {
      throw new CsvError(
        `${what}, line ${r.line}: ${r.cells.length} field(s), but the header has ${columns.length} (${columns.join(', ')}); fix the row (a missing or extra comma?)`,
        file,
        r.line,
      );
    }
  }
  return { columns, rows: parsed.records.map((r) => r.cells.map((c) => c.trim())), lines: parsed.records.map((r) => r.line) };
}

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * A cell as a number, the one way moelab reads numbers: plain decimal with an optional exponent. Returns the
 * number, or why it is not one (`empty`, `not a decimal number` for `0x10`, `abc`, `Infinity`; `overflows`).
 */
export function parseDecimal(cell: string): number | { problem: string } {
  const s = cell.trim();
  if (s === '') return { problem: 'empty' };
  if (!DECIMAL.test(s)) {
    if (/^[+-]?0[xXoObB][0-9a-fA-F]+$/.test(s)) return { problem: 'a hexadecimal/octal/binary literal, not a decimal number' };
    if (/^[+-]?(inf|infinity|nan)$/i.test(s)) return { problem: 'not a finite number' };
    return { problem: 'not a number' };
  }
  const v = Number(s);
  if (!Number.isFinite(v)) return { problem: `outside the range of a float64 (reads as ${v})` };
  return v;
}
