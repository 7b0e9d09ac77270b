/**
 * Run-table I/O (`results/runs.csv`): one row per finished run, columns `RUN_COLUMNS` (snake_case), read with
 * the strict CSV reader (`./csv`: a binary file, a duplicated header, a short row or `0x10` is an error naming the
 * file and line) and validated at the boundary; written with danfojs-node atomically (temp file + rename).
 * Reading does not load danfojs (nor tfjs), so `moelab fit` and `import … from "moelab/runs"` start fast.
 */
import * as fs from 'node:fs';
import { OPTIONAL_RUN_COLUMNS, RUN_COLUMNS, RunSummarySchema, type RunColumn, type RunSummary } from './types';
import { CsvError, parseCsvTable, parseDecimal } from './csv';
import { writeFileAtomic } from '../util/atomic-write';
import { MoelabError } from '../errors';

/** A run table that cannot be used; the message names the file, row and column, and the fix. */
export class RunTableError extends MoelabError {
  override readonly name = 'RunTableError';
  constructor(
    message: string,
    readonly file: string,
    readonly row?: number,
    readonly column?: string,
  ) {
    super(message);
  }
}

const STRING_COLUMNS: ReadonlySet<RunColumn> = new Set<RunColumn>(['runId', 'sweep', 'family', 'router', 'backend']);
/** Numeric columns that may be zero (everything else numeric must be > 0). */
const NON_NEGATIVE_COLUMNS: ReadonlySet<RunColumn> = new Set<RunColumn>(['paramsEmbedding', 'seed', 'wallSeconds', 'flopsKrajewski']);
const ENUMS: Partial<Record<RunColumn, readonly string[]>> = {
  family: RunSummarySchema.shape.family.options,
  router: RunSummarySchema.shape.router.options,
};

/** Reads a CSV into header + text rows + line numbers, as `RunTableError`s naming the file and line. */
function loadCsv(file: string, what: string): { columns: string[]; rows: string[][]; lines: number[] } {
  if (!fs.existsSync(file)) throw new RunTableError(`${what} does not exist; run the sweep first or pass the right --runs path`, file);
  if (fs.statSync(file).isDirectory()) throw new RunTableError(`${what} is a directory; pass the CSV file inside it (e.g. ${file.replace(/\/+$/, '')}/runs.csv)`, file);
  try {
    return parseCsvTable(fs.readFileSync(file), file, what);
  } catch (e) {
    if (e instanceof CsvError) throw new RunTableError(e.message, file, e.line, e.column);
    throw e;
  }
}

/** Reads and validates a run table written by `writeRunTable` (or by hand with the same header). */
export async function readRunTable(file: string): Promise<RunSummary[]> {
  return readRunTableSync(file);
}

/** `readRunTable` without the promise (the reader does no asynchronous I/O). */
export function readRunTableSync(file: string): RunSummary[] {
  const { columns, rows, lines } = loadCsv(file, `run table ${file}`);
  const index = new Map(columns.map((c, i) => [c, i]));
  for (const [, header] of RUN_COLUMNS) {
    if (!index.has(header)) {
      throw new RunTableError(
        `run table ${file} has no column "${header}"; expected columns: ${RUN_COLUMNS.map(([, h]) => h).join(', ')} (regenerate it with \`moelab repro\` or add the column)`,
        file,
        undefined,
        header,
      );
    }
  }
  return rows.map((cells, r) => {
    const rowNo = lines[r]!; // 1-based line of the row in the file
    const out: Record<string, unknown> = {};
    for (const [key, header] of RUN_COLUMNS) {
      const raw = cells[index.get(header)!];
      if (STRING_COLUMNS.has(key)) {
        const s = raw === null || raw === undefined ? '' : String(raw);
        const allowed = ENUMS[key];
        if (s === '' || (allowed && !allowed.includes(s))) {
          throw new RunTableError(
            `run table ${file}, line ${rowNo}, column "${header}": ${JSON.stringify(raw)} is ${s === '' ? 'empty' : 'not allowed'}${allowed ? ` (one of ${allowed.join(', ')})` : ''}; fix or drop the row`,
            file,
            rowNo,
            header,
          );
        }
        out[key] = s;
        continue;
      }
      const parsed = parseDecimal(raw ?? '');
      const v = typeof parsed === 'number' ? parsed : NaN;
      const minOk = NON_NEGATIVE_COLUMNS.has(key) ? v >= 0 : v > 0;
      if (typeof parsed !== 'number' || !minOk) {
        const what = typeof parsed !== 'number' ? parsed.problem : NON_NEGATIVE_COLUMNS.has(key) ? 'negative' : 'not positive';
        throw new RunTableError(
          `run table ${file}, line ${rowNo}, column "${header}": ${JSON.stringify(raw)} is ${what}; it must be a finite number ${NON_NEGATIVE_COLUMNS.has(key) ? '≥ 0' : '> 0'} (fix the run or drop the row)`,
          file,
          rowNo,
          header,
        );
      }
      out[key] = v;
    }
    for (const [key, header] of OPTIONAL_RUN_COLUMNS) {
      if (!index.has(header)) continue;
      const raw = cells[index.get(header)!];
      const parsed = parseDecimal(raw ?? '');
      if (typeof parsed !== 'number' || !Number.isInteger(parsed) || parsed < 0) {
        throw new RunTableError(
          `run table ${file}, line ${rowNo}, column "${header}": ${JSON.stringify(raw)} is not a whole number ≥ 0 (fix the run or drop the row)`,
          file,
          rowNo,
          header,
        );
      }
      if (parsed > 0) out[key] = parsed;
    }
    // Every cell is checked above, so the parse only types the row (and keeps RUN_COLUMNS' key order).
    return RunSummarySchema.parse(out);
  });
}

/** Writes rows as a run table atomically (temp file in the same directory, then rename). */
export async function writeRunTable(file: string, rows: readonly RunSummary[]): Promise<void> {
  // an optional column appears only when some run uses it, so tables of runs without it keep their exact bytes
  const optional = OPTIONAL_RUN_COLUMNS.filter(([key]) => rows.some((r) => (r[key] ?? 0) !== 0));
  const columns: ReadonlyArray<readonly [RunColumn, string]> = [...RUN_COLUMNS.slice(0, RUN_COLUMNS.findIndex(([k]) => k === 'moeEvery') + 1), ...optional, ...RUN_COLUMNS.slice(RUN_COLUMNS.findIndex(([k]) => k === 'moeEvery') + 1)];
  const records = rows.map((row) => Object.fromEntries(columns.map(([key, header]) => [header, row[key] ?? 0])));
  let csv: string;
  if (records.length === 0) {
    csv = columns.map(([, h]) => h).join(',') + '\n';
  } else {
    // danfojs only for writing (lazily: readers of the table never load it)
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const dfd = require('danfojs-node') as typeof import('danfojs-node');
    const df = new dfd.DataFrame(records, { columns: columns.map(([, h]) => h) });
    csv = dfd.toCSV(df) as string;
    if (!csv.endsWith('\n')) csv += '\n';
  }
  writeFileAtomic(file, csv);
}

export { writeFileAtomic };

/**
 * A run's `final.json` as a RunSummary. A summary written before the effective k was named `topKEffective`
 * (key `topK`, the same value) is read as the new shape, so finished runs need no retraining.
 */
export function readRunSummaryFile(file: string): RunSummary {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new RunTableError(`run summary ${file} is not readable JSON (${e instanceof Error ? e.message : String(e)}); re-run its train stage`, file);
  }
  if (typeof raw === 'object' && raw !== null && 'topK' in raw && !('topKEffective' in raw)) {
    const { topK, ...rest } = raw;
    raw = { ...rest, topKEffective: topK };
  }
  const parsed = RunSummarySchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new RunTableError(`run summary ${file}: ${issue.path.join('.')}: ${issue.message}; re-run its train stage`, file, undefined, String(issue.path[0] ?? ''));
  }
  return parsed.data;
}

/** Run-table rows from run summaries (copies, in `RUN_COLUMNS` key order; validates like `readRunTable`). */
export function runTableFromSummaries(summaries: readonly RunSummary[]): RunSummary[] {
  return summaries.map((s, i) => {
    const out: Record<string, unknown> = {};
    for (const [key] of RUN_COLUMNS) {
      const v = s[key];
      if (!STRING_COLUMNS.has(key)) {
        const n = Number(v);
        const ok = NON_NEGATIVE_COLUMNS.has(key) ? n >= 0 : n > 0;
        if (!Number.isFinite(n) || !ok) {
          throw new RunTableError(`run summary ${i} (${s.runId}): ${key} = ${String(v)} is not a valid number; fix the run's final.json`, '<summaries>', i, key);
        }
      }
      out[key] = v;
    }
    for (const [key] of OPTIONAL_RUN_COLUMNS) if ((s[key] ?? 0) !== 0) out[key] = s[key];
    const row = RunSummarySchema.safeParse(out);
    if (!row.success) {
      const issue = row.error.issues[0]!;
      throw new RunTableError(`run summary ${i} (${s.runId}): ${issue.path.join('.')}: ${issue.message}; fix the run's final.json`, '<summaries>', i, String(issue.path[0] ?? ''));
    }
    return row.data;
  });
}

/**
 * Reads a plain CSV of numeric columns (e.g. `params,tokens,loss` for `moelab fit --law chinchilla`) with
 * the same strict validation: every listed column present, every value a finite decimal number > 0.
 * Returns the columns and the 1-based file line of each row (for messages and fit labels).
 */
export async function readNumericCsv(file: string, required: readonly string[]): Promise<Record<string, number[]> & { lines?: number[] }> {
  return readNumericCsvSync(file, required);
}

/** `readNumericCsv` without the promise. */
export function readNumericCsvSync(file: string, required: readonly string[]): Record<string, number[]> & { lines?: number[] } {
  const { columns, rows, lines } = loadCsv(file, file);
  const index = new Map(columns.map((c, i) => [c, i]));
  for (const c of required) {
    if (!index.has(c)) {
      throw new RunTableError(`${file} has no column "${c}"; needed columns: ${required.join(', ')} (found: ${columns.join(', ')})`, file, 1, c);
    }
  }
  const out: Record<string, number[]> = Object.fromEntries(required.map((c) => [c, [] as number[]]));
  rows.forEach((cells, r) => {
    for (const c of required) {
      const raw = cells[index.get(c)!] ?? '';
      const parsed = parseDecimal(raw);
      if (typeof parsed !== 'number' || parsed <= 0) {
        const problem = typeof parsed !== 'number' ? parsed.problem : parsed === 0 ? 'zero' : 'negative';
        throw new RunTableError(
          `${file}, line ${lines[r]}, column "${c}": ${JSON.stringify(raw)} is ${problem}; every value must be a finite decimal number > 0 (fix or drop the row)`,
          file,
          lines[r],
          c,
        );
      }
      out[c]!.push(parsed);
    }
  });
  return Object.assign(out, { lines });
}
