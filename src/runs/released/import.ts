/**
 * The released-table importer: one row per (run, evaluation step) in, one `ReleasedRun` per run at its final
 * step plus its `ReleasedCurve` out, validated at the boundary (every fault is a `ReleasedTableError` naming the
 * file, line, column, what was found and the fix), with the table's oddities that are not errors written as
 * notes (`./notes.ts`). Any table works once a `ReleasedFormat` names its columns; `MOELAB_RELEASED_FORMAT` is
 * the one a user's own table can use with no code.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { csvHeader, CsvSyntaxError, decodeText, parseCsv } from '../../util/csv';
import { ReleasedTableError } from './errors';
import { importNotes, type EmptyLossCells } from './notes';
import type { ReleasedColumns, ReleasedConfigField, ReleasedCurve, ReleasedFormat, ReleasedRun, ReleasedTable } from './types';

/**
 * How far (fraction of training steps) a loss's last evaluation may lie before its run's final step, and a
 * run's final step before the table's longest run, and still count as "the end of training". 1%: Clark et
 * al.'s table has final evaluations split over steps 248,000 and 249,000 and one run ending at 248,000 of
 * ~250,000 (all within 0.8%); a run that stopped halfway, or a loss last evaluated mid-training, is an error.
 */
export const FINAL_STEP_TOLERANCE = 0.01;

/** Column-name prefix of the extra per-run numeric columns in moelab's released format. */
export const EXTRA_PREFIX = 'extra_';

/** moelab's own released-table columns (README "Released run tables"): what a user's table can use as is. */
export const MOELAB_RELEASED_FORMAT: ReleasedFormat = {
  name: 'moelab',
  description: "moelab's released-table columns: run_id, step, router, experts, top_k, routing_frequency, params_dense, params_total, flops_per_step, seed, loss_* (+ optional size_label, tokens, d_model, layers, heads, extra_*)",
  columns: {
    runId: 'run_id',
    step: 'step',
    router: 'router',
    experts: 'experts',
    topK: 'top_k',
    routingFrequency: 'routing_frequency',
    paramsDense: 'params_dense',
    paramsTotal: 'params_total',
    flopsPerStep: 'flops_per_step',
    seed: 'seed',
    sizeLabel: 'size_label',
    tokens: 'tokens',
    dModel: 'd_model',
    layers: 'layers',
    heads: 'heads',
  },
  lossColumns: null,
  defaultTarget: 'loss_validation',
  denseRouter: 'dense',
  extraColumns: null,
};

/** Fields every row must have; the others (`OPTIONAL_FIELDS`) are read when the file has the column. */
const REQUIRED_FIELDS = ['runId', 'step', 'router', 'experts', 'topK', 'routingFrequency', 'paramsDense', 'paramsTotal', 'flopsPerStep', 'seed'] as const;
const OPTIONAL_FIELDS = ['sizeLabel', 'tokens', 'dModel', 'layers', 'heads'] as const;

/** Required file columns of a format (what format detection checks). */
export function requiredReleasedColumns(format: ReleasedFormat<string>): string[] {
  return REQUIRED_FIELDS.map((f) => format.columns[f]);
}

/** Options of an import. */
export interface ReleasedImportOptions {
  /** Table name written into every run (default: the file's base name, extensions dropped). */
  table?: string;
  /** Loss column the laws read as `valLoss` (default: the format's `defaultTarget`). */
  target?: string;
  /** Final-step tolerance, a fraction of training steps (default `FINAL_STEP_TOLERANCE`). */
  finalStepTolerance?: number;
}

type NumberRule = 'integer≥0' | 'integer≥1' | '>0' | '≥0' | '(0,1]' | 'finite';
const RULE_TEXT: Record<NumberRule, string> = {
  'integer≥0': 'an integer ≥ 0',
  'integer≥1': 'an integer ≥ 1',
  '>0': 'a number > 0',
  '≥0': 'a number ≥ 0',
  '(0,1]': 'a fraction in (0, 1]',
  finite: 'a finite number',
};
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const NON_FINITE = /^[+-]?(nan|inf|infinity)$/i;

/** Numeric per-run fields and their rules. */
const CONFIG_NUMBER_RULES: Partial<Record<ReleasedConfigField, NumberRule>> = {
  experts: 'integer≥1',
  topK: 'integer≥1',
  routingFrequency: '(0,1]',
  paramsDense: '>0',
  paramsTotal: '>0',
  flopsPerStep: '>0',
  seed: 'integer≥0',
  dModel: 'integer≥1',
  layers: 'integer≥1',
  heads: 'integer≥1',
};

/** The base name of a file without its extensions (`curves.csv.gz` → `curves`). */
function baseName(file: string): string {
  return path.basename(file).replace(/\..*$/, '');
}

/** A run's configuration (constant over its rows) and where it was first read. */
interface RunAccumulator {
  line: number;
  config: Record<string, string | number | null>;
  extras: Record<string, number>;
  points: Array<{ step: number; line: number; tokens: number | null; losses: Array<number | null> }>;
  steps: Map<number, number>;
}

/**
 * Imports a released table from its text. `file` is used in messages and recorded in the result; `sha256` of
 * the bytes is computed by `readReleasedFile` (here: of the text).
 */
export function parseReleasedTable<L extends string>(text: string, file: string, format: ReleasedFormat<L>, options: ReleasedImportOptions = {}): ReleasedTable<L> {
  const tolerance = options.finalStepTolerance ?? FINAL_STEP_TOLERANCE;
  if (!(tolerance >= 0 && tolerance < 1)) {
    throw new ReleasedTableError('out-of-range', `final-step tolerance ${tolerance} must be in [0, 1) (a fraction of training steps; default ${FINAL_STEP_TOLERANCE})`, file);
  }
  let parsed;
  try {
    parsed = parseCsv(text);
  } catch (err) {
    if (err instanceof CsvSyntaxError) throw new ReleasedTableError('unreadable', `${file}, ${err.message}`, file, err.line);
    throw err;
  }
  const { header, records } = parsed;
  const fmt = `(format '${format.name}': ${format.description})`;
  if (header.length === 0 || records.length === 0) {
    throw new ReleasedTableError('empty', `released table ${file} ${header.length === 0 ? 'is empty' : 'has a header but no rows'}; it needs a header and one row per run and evaluation step ${fmt}`, file, 1);
  }
  const index = new Map<string, number>();
  header.forEach((h, i) => {
    if (index.has(h)) throw new ReleasedTableError('duplicate-column', `${file}, line 1: column "${h}" appears twice (columns ${index.get(h)! + 1} and ${i + 1}); rename or drop one`, file, 1, h);
    index.set(h, i);
  });
  const need = (column: string, why: string) => {
    if (!index.has(column)) {
      throw new ReleasedTableError('missing-column', `${file}, line 1: no column "${column}" (${why}); the header has ${header.join(', ')} ${fmt}`, file, 1, column);
    }
    return index.get(column)!;
  };
  const cols = format.columns;
  const at = {} as Record<keyof ReleasedColumns, number | null>;
  for (const f of REQUIRED_FIELDS) at[f] = need(cols[f], `the ${f} of each row`);
  for (const f of OPTIONAL_FIELDS) at[f] = cols[f] !== null && index.has(cols[f]!) ? index.get(cols[f]!)! : null;
  const lossColumns = (format.lossColumns ?? (header.filter((h) => h.startsWith('loss_')) as L[])) as readonly L[];
  if (lossColumns.length === 0) {
    throw new ReleasedTableError('missing-column', `${file}, line 1: no loss column (names starting with "loss_", values in nats/token) ${fmt}`, file, 1);
  }
  const lossAt = lossColumns.map((c) => need(c, 'a loss column of this format'));
  const target = (options.target ?? format.defaultTarget) as L;
  if (!lossColumns.includes(target)) {
    throw new ReleasedTableError('unknown-target', `${file}: target loss "${target}" is not a loss column of this table; use one of ${lossColumns.join(', ')} (--target)`, file, 1, target);
  }
  const denseRouter = format.denseRouter.toLowerCase();
  const isDense = (router: string) => router.toLowerCase() === denseRouter;
  const extraColumns = format.extraColumns ?? header.filter((h) => h.startsWith(EXTRA_PREFIX));
  const extraAt = extraColumns.map((c) => need(c, `a per-run column of format '${format.name}'`));
  const extraKey = (c: string) => (format.extraColumns === null ? c.slice(EXTRA_PREFIX.length) : c);

  const cellError = (kind: 'missing-value' | 'not-a-number' | 'non-finite' | 'out-of-range', line: number, column: string, raw: string, expected: string, fix: string) =>
    new ReleasedTableError(kind, `${file}, line ${line}, column "${column}": ${raw === '' ? 'empty' : JSON.stringify(raw)}${kind === 'missing-value' ? '' : ` is not ${expected}`}; ${kind === 'missing-value' ? `it must be ${expected}; ` : ''}${fix}`, file, line, column);
  const parseNumber = (raw: string, line: number, column: string, rule: NumberRule, fix = 'fix the cell or drop the row'): number => {
    const s = raw.trim();
    const expected = RULE_TEXT[rule];
    if (s === '') throw cellError('missing-value', line, column, s, expected, fix);
    if (NON_FINITE.test(s)) throw cellError('non-finite', line, column, s, expected, fix);
    if (!DECIMAL.test(s)) throw cellError('not-a-number', line, column, s, expected, fix);
    const v = Number(s);
    const ok =
      rule === 'integer≥0' ? Number.isInteger(v) && v >= 0
      : rule === 'integer≥1' ? Number.isInteger(v) && v >= 1
      : rule === '>0' ? v > 0
      : rule === '≥0' ? v >= 0
      : rule === '(0,1]' ? v > 0 && v <= 1
      : Number.isFinite(v);
    if (!ok || !Number.isFinite(v)) throw cellError('out-of-range', line, column, s, expected, fix);
    return v;
  };

  const runs = new Map<string, RunAccumulator>();
  const empty: EmptyLossCells = { byColumn: new Map(), rows: 0, runs: new Set() };
  const configFields = [...REQUIRED_FIELDS, ...OPTIONAL_FIELDS].filter((f): f is ReleasedConfigField => f !== 'step' && f !== 'tokens');
  for (const { line, cells } of records) {
    if (cells.length !== header.length) {
      throw new ReleasedTableError('ragged-row', `${file}, line ${line}: ${cells.length} cells where the header has ${header.length}; every row needs one cell per column (an empty cell for a loss not evaluated)`, file, line);
    }
    const runId = cells[at.runId!].trim();
    if (runId === '') throw cellError('missing-value', line, cols.runId, '', 'a run id', 'every row names its run');
    const step = parseNumber(cells[at.step!], line, cols.step, 'integer≥0');
    const config: Record<string, string | number | null> = {};
    for (const f of configFields) {
      const i = at[f];
      if (i === null) {
        config[f] = null;
        continue;
      }
      const column = cols[f]!;
      const rule = CONFIG_NUMBER_RULES[f];
      if (rule) config[f] = parseNumber(cells[i], line, column, rule);
      else {
        const s = cells[i].trim();
        if (s === '') throw cellError('missing-value', line, column, s, 'a non-empty value', 'fix the cell or drop the row');
        config[f] = s;
      }
    }
    if ((config.paramsTotal as number) < (config.paramsDense as number)) {
      throw new ReleasedTableError(
        'out-of-range',
        `${file}, line ${line}, column "${cols.paramsTotal}": total parameters ${config.paramsTotal} < dense parameters ${config.paramsDense} ("${cols.paramsDense}"); P counts every expert, so P ≥ N; check which column is which`,
        file,
        line,
        cols.paramsTotal,
      );
    }
    if (isDense(config.router as string) && config.experts !== 1) {
      throw new ReleasedTableError('inconsistent-run', `${file}, line ${line}, column "${cols.experts}": a ${format.denseRouter} run with ${config.experts} experts; dense runs have experts = 1 (or give the run its router)`, file, line, cols.experts);
    }
    const extras: Record<string, number> = {};
    extraColumns.forEach((c, j) => {
      extras[extraKey(c)] = parseNumber(cells[extraAt[j]], line, c, 'finite');
    });
    const tokens = at.tokens === null ? null : parseNumber(cells[at.tokens], line, cols.tokens!, '≥0');
    let emptyHere = 0;
    const losses = lossColumns.map((c, j) => {
      const s = cells[lossAt[j]].trim();
      if (s === '') {
        empty.byColumn.set(c, (empty.byColumn.get(c) ?? 0) + 1);
        emptyHere++;
        return null;
      }
      return parseNumber(s, line, c, '>0', 'leave the cell empty when this loss was not evaluated at this step');
    });
    if (emptyHere > 0) {
      empty.rows++;
      empty.runs.add(runId);
    }
    let acc = runs.get(runId);
    if (!acc) {
      acc = { line, config, extras, points: [], steps: new Map() };
      runs.set(runId, acc);
    } else {
      for (const f of configFields) {
        if (acc.config[f] !== config[f]) {
          throw new ReleasedTableError(
            'inconsistent-run',
            `${file}, line ${line}, column "${cols[f]}": run ${runId} has ${JSON.stringify(config[f])} here but ${JSON.stringify(acc.config[f])} on line ${acc.line}; a run's configuration must be the same on all its rows (give different runs different ids)`,
            file,
            line,
            cols[f]!,
          );
        }
      }
      for (const c of extraColumns) {
        const k = extraKey(c);
        if (acc.extras[k] !== extras[k]) {
          throw new ReleasedTableError('inconsistent-run', `${file}, line ${line}, column "${c}": run ${runId} has ${extras[k]} here but ${acc.extras[k]} on line ${acc.line}; a run's configuration must be the same on all its rows`, file, line, c);
        }
      }
    }
    const previous = acc.steps.get(step);
    if (previous !== undefined) {
      throw new ReleasedTableError('duplicate-step', `${file}, line ${line}: run ${runId} has step ${step} twice (lines ${previous} and ${line}); keep one row per run and step`, file, line, cols.step);
    }
    acc.steps.set(step, line);
    acc.points.push({ step, line, tokens, losses });
  }

  const table = options.table ?? baseName(file);
  const outRuns: ReleasedRun<L>[] = [];
  const curves: ReleasedCurve<L>[] = [];
  for (const [runId, acc] of runs) {
    const points = [...acc.points].sort((a, b) => a.step - b.step);
    const last = points[points.length - 1];
    const finalStep = last.step;
    const losses = {} as Record<L, number>;
    const lossSteps = {} as Record<L, number>;
    lossColumns.forEach((c, j) => {
      for (let p = points.length - 1; p >= 0; p--) {
        const v = points[p].losses[j];
        if (v === null) continue;
        if (points[p].step < finalStep - tolerance * finalStep) {
          throw new ReleasedTableError(
            'no-final-loss',
            `${file}: run ${runId} has no ${c} at the end of training: its last value is at step ${points[p].step} (line ${points[p].line}), more than ${(tolerance * 100).toFixed(1)}% of training before its final step ${finalStep} (line ${last.line}); add the final evaluation, drop the run, or raise the final-step tolerance`,
            file,
            last.line,
            c,
          );
        }
        losses[c] = v;
        lossSteps[c] = points[p].step;
        return;
      }
      throw new ReleasedTableError('no-final-loss', `${file}: run ${runId} (first on line ${acc.line}) has no value of ${c} at any step; fill in its evaluations or drop the run`, file, acc.line, c);
    });
    const cfg = acc.config;
    const routingFrequency = cfg.routingFrequency as number;
    outRuns.push({
      table,
      runId,
      router: cfg.router as string,
      family: isDense(cfg.router as string) ? 'dense' : 'moe',
      experts: cfg.experts as number,
      topK: cfg.topK as number,
      routingFrequency,
      moeEvery: 1 / routingFrequency,
      paramsDense: cfg.paramsDense as number,
      paramsTotal: cfg.paramsTotal as number,
      flopsPerStep: cfg.flopsPerStep as number,
      flops: (cfg.flopsPerStep as number) * finalStep,
      seed: cfg.seed as number,
      sizeLabel: (cfg.sizeLabel as string | null) ?? null,
      dModel: (cfg.dModel as number | null) ?? null,
      layers: (cfg.layers as number | null) ?? null,
      heads: (cfg.heads as number | null) ?? null,
      finalStep,
      tokens: last.tokens,
      losses,
      lossSteps,
      target,
      valLoss: losses[target],
      extras: acc.extras,
    });
    const curveLosses = {} as Record<L, Array<number | null>>;
    lossColumns.forEach((c, j) => {
      curveLosses[c] = points.map((p) => p.losses[j]);
    });
    curves.push({ runId, steps: points.map((p) => p.step), tokens: at.tokens === null ? null : points.map((p) => p.tokens as number), losses: curveLosses });
  }

  // Without a token count per run, runs of different lengths are not comparable (the laws would read them as
  // equal D): a run that ended early is an error, not a data point.
  if (at.tokens === null) {
    const longest = outRuns.reduce((a, r) => (r.finalStep > a.finalStep ? r : a), outRuns[0]);
    for (const r of outRuns) {
      if (r.finalStep < longest.finalStep - tolerance * longest.finalStep) {
        throw new ReleasedTableError(
          'ended-early',
          `${file}: run ${r.runId} ends at step ${r.finalStep}, more than ${(tolerance * 100).toFixed(1)}% before the longest run (${longest.runId}, step ${longest.finalStep}), and the table has no "${cols.tokens ?? 'tokens'}" column to tell the laws its D; drop the run, add a tokens column, or raise the final-step tolerance`,
          file,
          runs.get(r.runId)!.line,
          cols.step,
        );
      }
    }
  }

  const read = new Set<string>([...REQUIRED_FIELDS.map((f) => cols[f]), ...OPTIONAL_FIELDS.flatMap((f) => (at[f] === null ? [] : [cols[f]!])), ...lossColumns, ...extraColumns]);
  const unread = header.filter((h) => !read.has(h));
  return {
    table,
    format: format.name,
    file,
    sha256: crypto.createHash('sha256').update(text).digest('hex'),
    rows: records.length,
    lossColumns,
    target,
    finalStepTolerance: tolerance,
    runs: outRuns,
    curves,
    notes: importNotes({ runs: outRuns, curves, lossColumns, empty, unread, tolerance }),
  };
}

/**
 * Reads and imports a released table file (plain or gzip-compressed CSV) in a format, or in the format a
 * function picks from the file's header (format detection).
 */
export function readReleasedFile<L extends string>(
  file: string,
  format: ReleasedFormat<L> | ((header: readonly string[], file: string) => ReleasedFormat<L>),
  options: ReleasedImportOptions = {},
): ReleasedTable<L> {
  const abs = path.resolve(file);
  if (!fs.existsSync(abs)) throw new ReleasedTableError('missing-file', `released table ${abs} does not exist; pass an existing .csv or .csv.gz file, or a known source name`, abs);
  let text: string;
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(abs);
    text = decodeText(bytes);
  } catch (err) {
    throw new ReleasedTableError('unreadable', `released table ${abs} cannot be read: ${(err as Error).message} (a .gz file must be complete gzip data)`, abs);
  }
  let chosen: ReleasedFormat<L>;
  if (typeof format === 'function') {
    let header: string[];
    try {
      header = csvHeader(text);
    } catch (err) {
      if (err instanceof CsvSyntaxError) throw new ReleasedTableError('unreadable', `${abs}, ${err.message}`, abs, 1);
      throw err;
    }
    chosen = format(header, abs);
  } else chosen = format;
  const table = parseReleasedTable(text, abs, chosen, options);
  return { ...table, sha256: crypto.createHash('sha256').update(bytes).digest('hex') };
}
