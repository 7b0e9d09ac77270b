/**
 * Run-table I/O (`results/runs.csv`): one row per finished run, columns `RUN_COLUMNS` (snake_case), read with
 * danfojs-node and validated strictly at the boundary; written atomically (temp file + rename).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as dfd from 'danfojs-node';
import { RUN_COLUMNS, type RunColumn, type RunSummary } from './types';
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
  family: ['dense', 'moe'],
  router: ['none', 'token-choice', 'expert-choice'],
};

/** Loads a CSV with danfojs-node into header + rows of raw cell values (danfojs types numbers itself). */
async function loadCsv(file: string): Promise<{ columns: string[]; rows: unknown[][] }> {
  if (!fs.existsSync(file)) throw new RunTableError(`run table ${file} does not exist; run the sweep first or pass the right --runs path`, file);
  const text = fs.readFileSync(file, 'utf8');
  if (text.trim().length === 0) throw new RunTableError(`run table ${file} is empty; it needs a header and one row per run`, file);
  const df = (await dfd.readCSV(file)) as unknown as { columns: string[]; values: unknown[][] };
  return { columns: df.columns.map((c) => String(c).trim()), rows: df.values as unknown[][] };
}

function parseNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '') return Number(v);
  return NaN;
}

/** Reads and validates a run table written by `writeRunTable` (or by hand with the same header). */
export async function readRunTable(file: string): Promise<RunSummary[]> {
  const { columns, rows } = await loadCsv(file);
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
    const rowNo = r + 2; // 1-based, after the header line
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
      const v = parseNumber(raw);
      const minOk = NON_NEGATIVE_COLUMNS.has(key) ? v >= 0 : v > 0;
      if (!Number.isFinite(v) || !minOk) {
        const what = !Number.isFinite(v) ? (typeof raw === 'number' ? 'not finite' : 'not a number') : NON_NEGATIVE_COLUMNS.has(key) ? 'negative' : 'not positive';
        throw new RunTableError(
          `run table ${file}, line ${rowNo}, column "${header}": ${JSON.stringify(raw)} is ${what}; it must be a finite number ${NON_NEGATIVE_COLUMNS.has(key) ? '≥ 0' : '> 0'} (fix the run or drop the row)`,
          file,
          rowNo,
          header,
        );
      }
      out[key] = v;
    }
    return out as unknown as RunSummary;
  });
}

/** Writes rows as a run table atomically (temp file in the same directory, then rename). */
export async function writeRunTable(file: string, rows: readonly RunSummary[]): Promise<void> {
  const records = rows.map((row) => Object.fromEntries(RUN_COLUMNS.map(([key, header]) => [header, row[key]])));
  let csv: string;
  if (records.length === 0) {
    csv = RUN_COLUMNS.map(([, h]) => h).join(',') + '\n';
  } else {
    const df = new dfd.DataFrame(records, { columns: RUN_COLUMNS.map(([, h]) => h) });
    csv = dfd.toCSV(df) as string;
    if (!csv.endsWith('\n')) csv += '\n';
  }
  writeFileAtomic(file, csv);
}

export { writeFileAtomic };

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
    return out as unknown as RunSummary;
  });
}

/**
 * Reads a plain CSV of numeric columns (e.g. `params,tokens,loss` for `moelab fit --law chinchilla`) with
 * the same strict validation: every listed column present, every value a finite number > 0.
 */
export async function readNumericCsv(file: string, required: readonly string[]): Promise<Record<string, number[]>> {
  const { columns, rows } = await loadCsv(file);
  const index = new Map(columns.map((c, i) => [c, i]));
  for (const c of required) {
    if (!index.has(c)) throw new RunTableError(`${file} has no column "${c}"; needed columns: ${required.join(', ')}`, file, undefined, c);
  }
  const out: Record<string, number[]> = Object.fromEntries(required.map((c) => [c, [] as number[]]));
  rows.forEach((cells, r) => {
    for (const c of required) {
      const raw = cells[index.get(c)!];
      const v = parseNumber(raw);
      if (!Number.isFinite(v) || v <= 0) {
        throw new RunTableError(
          `${file}, line ${r + 2}, column "${c}": ${JSON.stringify(raw)} is ${Number.isFinite(v) ? 'not positive' : 'not a finite number'}; fix or drop the row`,
          file,
          r + 2,
          c,
        );
      }
      out[c].push(v);
    }
  });
  return out;
}
