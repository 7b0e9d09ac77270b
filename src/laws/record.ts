/**
 * The fit record: what the pipeline's fit stage writes to `results/fits/<law>.json` and what every reader (the
 * analysis and claims, the figures, the report, the notebooks, the CLI) reads back — one zod schema, typed by law,
 * so a coefficient is the same name and the same number everywhere. Non-finite numbers are written as the strings
 * "NaN", "Infinity", "-Infinity" (JSON has none) and read back as numbers.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../util/atomic-write';
import { COEFFICIENT_SCHEMAS, LAW_NAMES, type CoefficientsOf, type LawName } from './coefficients';
import type { BootstrapResult, Interval } from './fit/bootstrap';
import type { FitResult } from './fit/fit';
import type { HoldoutResult } from './fit/holdout';
import type { FitProtocol } from './protocol';
import { MoelabError } from '../errors';

export const FIT_RECORD_SCHEMA_VERSION = 'moelab.fit-record/2';

/** A number as written by `writeFitRecord` (non-finite values as strings). */
const num = z.union([z.number(), z.enum(['NaN', 'Infinity', '-Infinity']).transform(Number)]);

const lawName = z.enum(LAW_NAMES as [LawName, ...LawName[]]);

const protocolSchema = z
  .object({
    id: z.enum(['paper', 'moelab']),
    law: lawName,
    source: z.string(),
    target: z.enum(['valLoss', 'trainLossSmoothed']),
    objective: z.union([
      z.object({ kind: z.literal('huber'), delta: num, reduction: z.enum(['sum', 'mean']) }).strict(),
      z.object({ kind: z.literal('squared-log10'), reduction: z.literal('mean') }).strict(),
    ]),
    weightDecay: num,
    shared: z.array(z.object({ coefficient: z.string(), fromLaw: lawName, fromCoefficient: z.string() }).strict()),
    starts: z.union([
      z.object({ kind: z.literal('grid'), grid: z.array(z.array(num)).optional(), screen: z.number().optional(), source: z.string() }).strict(),
      z.object({ kind: z.literal('random'), count: z.number(), seed: z.number(), source: z.string() }).strict(),
    ]),
    holdout: z.object({ rule: z.enum(['lowest-loss', 'largest-compute']), fraction: num }).strict(),
    bootstrap: z.object({ scheme: z.enum(['subsample', 'n-of-n']), fraction: num, resamples: z.number(), level: num }).strict(),
    notes: z.array(z.string()),
  })
  .strict() satisfies z.ZodType<FitProtocol, unknown>;

const intervalSchema = z.object({ estimate: num, mean: num, se: num, lo: num, hi: num }).strict() satisfies z.ZodType<Interval, unknown>;

const diagnosticsSchema = z
  .object({
    starts: z.number(),
    convergedStarts: z.number(),
    bestStart: z.array(num),
    iterations: z.number(),
    evaluations: z.number(),
    gradNormInf: num,
    stop: z.enum(['gradient', 'objective', 'max-iterations', 'max-evaluations', 'line-search', 'not-finite']),
    warnings: z.array(z.string()),
  })
  .strict();

function fitResultSchema<L extends LawName, S extends z.ZodType>(law: L, coefficients: S) {
  return z
    .object({
      law: z.literal(law),
      citation: z.string(),
      equation: z.string(),
      protocol: protocolSchema,
      overrides: z.array(z.string()),
      fitter: z.enum(['multistart', 'random', 'varpro', 'warm-start']),
      coefficients,
      fixed: z.array(z.string()),
      params: z.array(num),
      paramNames: z.array(z.string()),
      objective: num,
      rmsle: num,
      nObservations: z.number(),
      diagnostics: diagnosticsSchema,
    })
    .strict();
}

/** Per-coefficient identification verdict of a fit (from its bootstrap interval). */
export interface CoefficientIdentification {
  coefficient: string;
  /** Interval width over |estimate| (Infinity when the interval is not finite). */
  relativeWidth: number;
  identified: boolean;
}

/**
 * Whether the data identify a fit's coefficients: a coefficient is identified when its bootstrap interval is
 * finite and no wider than its estimate (|hi − lo| ≤ |estimate|, i.e. within ±50% on average); the fit is
 * identified when every fitted (not fixed) coefficient is. `summary` says it in words for tables and the CLI.
 */
export interface Identification {
  identified: boolean;
  coefficients: CoefficientIdentification[];
  summary: string;
}

const identificationSchema = z
  .object({
    identified: z.boolean(),
    coefficients: z.array(z.object({ coefficient: z.string(), relativeWidth: num, identified: z.boolean() }).strict()),
    summary: z.string(),
  })
  .strict() satisfies z.ZodType<Identification, unknown>;

function recordSchema<L extends LawName, S extends z.ZodType>(law: L, coefficients: S) {
  const fit = fitResultSchema(law, coefficients);
  return z
    .object({
      schema: z.literal(FIT_RECORD_SCHEMA_VERSION),
      law: z.literal(law),
      /** Which protocol variant this record is: `paper`, `moelab`, or a sensitivity variant id (`target=valLoss`). */
      variant: z.string(),
      protocol: protocolSchema,
      status: z.enum(['ok', 'failed']),
      nRuns: z.number(),
      runIds: z.array(z.string()),
      /** Which of a table's fit sets the runs are, in words, when the table has several (Clark et al.: one fit per router). */
      runSet: z.string().optional(),
      /** Values of the protocol's shared coefficients, and the fit they came from. */
      shared: z.array(z.object({ coefficient: z.string(), fromLaw: lawName, value: num }).strict()),
      fit: fit.optional(),
      crossCheck: z
        .union([z.object({ fitter: z.string(), objective: num, coefficients }).strict(), z.object({ error: z.string() }).strict()])
        .nullable()
        .optional(),
      bootstrap: z
        .object({
          scheme: protocolSchema.shape.bootstrap,
          seed: z.number(),
          failures: z.number(),
          coefficients: z.record(z.string(), intervalSchema),
          derived: z.record(z.string(), intervalSchema),
          /** Every successful resample's coefficients, column by column (aligned), for derived quantities downstream. */
          samples: z.record(z.string(), z.array(num)),
        })
        .strict()
        .nullable()
        .optional(),
      holdout: z
        .union([
          z
            .object({
              rule: protocolSchema.shape.holdout,
              nTrain: z.number(),
              nHeldOut: z.number(),
              rmseLog: num,
              coefficients,
              heldOut: z.array(z.object({ label: z.string(), compute: num, observed: num, predicted: num, residualLog: num }).strict()),
            })
            .strict(),
          z.object({ error: z.string() }).strict(),
        ])
        .nullable()
        .optional(),
      identification: identificationSchema.nullable().optional(),
      error: z.string().optional(),
    })
    .strict();
}

const RECORD_SCHEMAS = {
  chinchilla: recordSchema('chinchilla', COEFFICIENT_SCHEMAS.chinchilla),
  dense: recordSchema('dense', COEFFICIENT_SCHEMAS.dense),
  'fine-grained': recordSchema('fine-grained', COEFFICIENT_SCHEMAS['fine-grained']),
  experts: recordSchema('experts', COEFFICIENT_SCHEMAS.experts),
  clark: recordSchema('clark', COEFFICIENT_SCHEMAS.clark),
} as const;

/** A fit record of law `L`, as read back. */
export type FitRecord<L extends LawName = LawName> = { [K in L]: z.output<(typeof RECORD_SCHEMAS)[K]> }[L];

/** The fit of an `ok` record. */
export type RecordedFit<L extends LawName> = NonNullable<FitRecord<L>['fit']>;

/** A fit record that cannot be used; the message names the file and the field. */
export class FitRecordError extends MoelabError {
  override readonly name = 'FitRecordError';
  constructor(
    message: string,
    readonly file: string,
  ) {
    super(message);
  }
}

/** Serialises a record (non-finite numbers as strings). */
export function fitRecordJson(record: FitRecord): string {
  return `${JSON.stringify(record, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2)}\n`;
}

/** Writes a record atomically. */
export function writeFitRecord(file: string, record: FitRecord): void {
  writeFileAtomic(file, fitRecordJson(record));
}

/** Parses and validates one record (any law) from JSON text; `file` names it in errors. */
export function parseFitRecord(text: string, file: string): FitRecord {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new FitRecordError(`fit record ${file} is not valid JSON (${(e as Error).message}); re-run the fit stage (moelab repro fit)`, file);
  }
  const law = (raw as { law?: unknown } | null)?.law;
  if (typeof law !== 'string' || !(law in RECORD_SCHEMAS)) {
    throw new FitRecordError(`fit record ${file}: "law" must be one of ${LAW_NAMES.join(', ')} (got ${JSON.stringify(law)})`, file);
  }
  const parsed = RECORD_SCHEMAS[law as LawName].safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new FitRecordError(
      `fit record ${file}: field ${issue.path.join('.') || '(root)'}: ${issue.message}; it was written by another moelab version or edited by hand: re-run the fit stage (moelab repro fit --force fit)`,
      file,
    );
  }
  return parsed.data as FitRecord;
}

/** Reads one record file. */
export function readFitRecord(file: string): FitRecord {
  return parseFitRecord(fs.readFileSync(file, 'utf8'), file);
}

/** Reads every `<dir>/*.json` record (sorted by file name); a missing folder gives none. */
export function readFitRecords(dir: string): FitRecord[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => readFitRecord(path.join(dir, f)));
}

/** The record of law `law` among `records`, typed. */
export function recordOf<L extends LawName>(records: readonly FitRecord[], law: L): FitRecord<L> | undefined {
  return records.find((r): r is FitRecord<L> => r.law === law);
}

/** The coefficients of law `law`'s successful fit among `records`, typed; undefined when absent or failed. */
export function coefficientsOf<L extends LawName>(records: readonly FitRecord[], law: L): CoefficientsOf<L> | undefined {
  const r = recordOf(records, law);
  return r && r.status === 'ok' && r.fit ? (r.fit.coefficients as CoefficientsOf<L>) : undefined;
}

/** Identification of a fit from its bootstrap intervals (fixed coefficients excluded). */
export function identificationOf(fit: Pick<FitResult, 'coefficients' | 'fixed'>, bootstrap: Pick<BootstrapResult, 'coefficients' | 'scheme'>): Identification {
  const coefficients: CoefficientIdentification[] = [];
  for (const [name, iv] of Object.entries(bootstrap.coefficients)) {
    if (fit.fixed.includes(name)) continue;
    const width = iv.hi - iv.lo;
    const relativeWidth = Number.isFinite(width) && Number.isFinite(iv.estimate) && iv.estimate !== 0 ? Math.abs(width / iv.estimate) : Infinity;
    coefficients.push({ coefficient: name, relativeWidth, identified: relativeWidth <= 1 });
  }
  const bad = coefficients.filter((c) => !c.identified);
  const level = `${Math.round(bootstrap.scheme.level * 100)}%`;
  const summary =
    bad.length === 0
      ? `identified: every fitted coefficient's ${level} interval is narrower than its estimate`
      : `not identified: the ${level} intervals of ${bad
          .map((c) => `${c.coefficient} (${Number.isFinite(c.relativeWidth) ? `${c.relativeWidth.toPrecision(2)}× its estimate` : 'unbounded'})`)
          .join(', ')} are wider than the estimates themselves, so these runs do not determine them; read the law's predictions inside the runs' range, not these coefficients`;
  return { identified: bad.length === 0, coefficients, summary };
}

/** The part of a bootstrap result a record keeps (no full fit, no samples). */
export function bootstrapSummary(b: BootstrapResult): NonNullable<FitRecord['bootstrap']> {
  return { scheme: b.scheme, seed: b.seed, failures: b.failures, coefficients: b.coefficients, derived: b.derived, samples: b.samples?.coefficients ?? {} };
}

/** The bootstrap resamples of a record as coefficient records (empty without a bootstrap). */
export function bootstrapSamplesOf<L extends LawName>(record: FitRecord<L>): CoefficientsOf<L>[] {
  const cols = record.bootstrap?.samples ?? {};
  const names = Object.keys(cols);
  const n = names.length ? Math.min(...names.map((k) => cols[k]!.length)) : 0;
  return Array.from({ length: n }, (_, i) => Object.fromEntries(names.map((k) => [k, cols[k]![i]!])) as CoefficientsOf<L>);
}

/** The part of a hold-out result a record keeps. */
export function holdoutSummary<L extends LawName>(h: HoldoutResult<CoefficientsOf<L>>) {
  return { rule: h.rule, nTrain: h.nTrain, nHeldOut: h.nHeldOut, rmseLog: h.rmseLog, coefficients: h.fit.coefficients, heldOut: h.heldOut };
}

/** Typed narrowing helper: the record's fit result, typed by law. */
export function fitResultOf<L extends LawName>(record: FitRecord<L>): FitResult<CoefficientsOf<L>> | undefined {
  return record.status === 'ok' ? (record.fit as FitResult<CoefficientsOf<L>> | undefined) : undefined;
}
