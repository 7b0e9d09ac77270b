/**
 * A strict RFC 4180 CSV reader that keeps line numbers (for errors that name the line), reading plain or
 * gzip-compressed files (by content, not by name) with node's zlib.
 */
import fs from 'node:fs';
import zlib from 'node:zlib';
import { MoelabError } from '../errors';

/** One data record and the 1-based line of the file it starts on. */
export interface CsvRecord {
  line: number;
  cells: string[];
}

/** A parsed CSV: header cells (trimmed) and the data records (cells as written, unquoted). */
export interface ParsedCsv {
  header: string[];
  records: CsvRecord[];
}

/** A file that is not CSV as RFC 4180 writes it (an unterminated quote, text after a closing quote). */
export class CsvSyntaxError extends MoelabError {
  override readonly name = 'CsvSyntaxError';
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

/**
 * Parses CSV text: `,` separated, `"` quoted (`""` inside quotes is one `"`), LF or CRLF line ends. Lines with
 * nothing on them are skipped (a trailing newline, blank lines between records); a record's line is where it
 * starts. The first record is the header.
 */
export function parseCsv(text: string): ParsedCsv {
  const records: CsvRecord[] = [];
  let cells: string[] = [];
  let cell = '';
  let line = 1;
  let recordLine = 1;
  let inQuotes = false;
  let quoted = false; // the current cell was quoted (its closing quote has been read)
  const endCell = () => {
    cells.push(cell);
    cell = '';
    quoted = false;
  };
  const endRecord = () => {
    const blank = cells.length === 0 && cell === '' && !quoted;
    endCell();
    if (!blank) records.push({ line: recordLine, cells });
    cells = [];
  };
  const n = text.length;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; // byte-order mark
  for (; i < n; i++) {
    const ch = text[i];
    if (inQuotes) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i++;
        } else {
          inQuotes = false;
          quoted = true;
        }
      } else {
        if (ch === '\n') line++;
        cell += ch;
      }
      continue;
    }
    if (ch === ',') {
      endCell();
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      endRecord();
      line++;
      recordLine = line;
    } else if (ch === '"') {
      if (cell.trim() !== '' || quoted) throw new CsvSyntaxError(`line ${line}: a quote inside an unquoted cell; quote the whole cell and double inner quotes ("")`, line);
      cell = '';
      inQuotes = true;
    } else {
      if (quoted && ch !== ' ' && ch !== '\t') throw new CsvSyntaxError(`line ${line}: text after a closing quote; quote the whole cell`, line);
      if (!quoted) cell += ch;
    }
  }
  if (inQuotes) throw new CsvSyntaxError(`line ${recordLine}: a quoted cell is never closed`, recordLine);
  if (cell !== '' || cells.length > 0 || quoted) endRecord();
  const [head, ...rest] = records;
  return { header: head ? head.cells.map((c) => c.trim()) : [], records: rest };
}

/** The header cells of CSV text (its first line, trimmed). */
export function csvHeader(text: string): string[] {
  const end = text.search(/\r?\n/);
  return parseCsv(end >= 0 ? text.slice(0, end) : text).header;
}

/** UTF-8 text of file bytes, gunzipped first when they start with the gzip magic bytes (so `x.csv.gz` and `x.csv` both work). */
export function decodeText(bytes: Uint8Array): string {
  const gz = bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
  return Buffer.from(gz ? zlib.gunzipSync(bytes) : bytes).toString('utf8');
}

/** Reads a text file, plain or gzip-compressed (see `decodeText`). */
export function readTextFile(file: string): string {
  return decodeText(fs.readFileSync(file));
}

/** One CSV cell as RFC 4180 writes it: quoted when it holds a comma, quote or line break. */
export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  const s = String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** CSV text of a header and rows (LF line ends, final newline). */
export function formatCsv(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number | null | undefined>>): string {
  return [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\n') + '\n';
}
