/**
 * `moelab optimal --law chinchilla|fine-grained|experts --coefficients published|FILE.json --flops LIST [--json]`:
 * compute-optimal allocations. With `--law fine-grained --coefficients published` and no `--flops`, it
 * reproduces Krajewski et al. Table 2 and reports the differences. The law library is loaded only when the
 * command runs.
 */
import * as fs from 'node:fs';
import { Command, Option } from 'commander';
import type { CoefficientsOf } from '../laws/coefficients';
import type { Table2Row } from '../laws/allocation/fine-grained';
import { numberListOption, numberOption, SPECS, UsageError } from './options';
import { num, renderTable, type Column } from './table';

export interface OptimalCliOptions {
  /** chinchilla | fine-grained | experts. */
  law: 'chinchilla' | 'fine-grained' | 'experts';
  /** `published` or a JSON file (a `moelab fit` report, a fit record, a FitResult, or a plain coefficient object). */
  coefficients: string;
  /** Which published set: chinchilla approach3Rounded|approach3Unrounded|epochRefit; fine-grained table1MoE|table5Validation|table8E16. */
  published?: string;
  /** FLOPs budgets (already parsed by `--flops`, or a comma-separated string). */
  flops?: number[] | string;
  /** Expert counts (experts law). Default 1,4,8,16,32. */
  experts: number[] | string;
  /** Expansion rate for fine-grained. Default 64. */
  expansionRate: number;
  json?: boolean;
}

const FLOPS_SPEC = { ...SPECS.count, example: '1e21,5.88e23' };
const EXPERTS_SPEC = { min: 1, integer: true, max: 1e7, example: '1,4,8,16,32' };

/** Accepts the parsed list or the raw text (programmatic callers). */
function asList(flag: string, v: number[] | string | undefined, spec: Parameters<typeof numberListOption>[1]): number[] | undefined {
  if (v === undefined) return undefined;
  return typeof v === 'string' ? numberListOption(flag, spec)(v) : v;
}

/** The laws whose coefficients `optimal` and `inference` read. */
export type AllocationLaw = 'chinchilla' | 'dense' | 'fine-grained' | 'experts';

/**
 * Coefficients from `published` or a JSON file (a `moelab fit` report, a pipeline fit record `fits/<law>.json`,
 * a FitResult, or a plain `{ name: value }` object), validated with the law's coefficient schema
 * (src/laws/coefficients.ts): every coefficient present and finite.
 */
export function loadCoefficients<L extends AllocationLaw>(law: L, source: string, publishedKey?: string): CoefficientsOf<L> {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { PUBLISHED } = require('../laws/published') as typeof import('../laws/published');
  const { COEFFICIENT_SCHEMAS } = require('../laws/coefficients') as typeof import('../laws/coefficients');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const schema = COEFFICIENT_SCHEMAS[law];
  const names = Object.keys(schema.shape);
  const parse = (c: Record<string, unknown>, where: string): CoefficientsOf<L> => {
    const missing = names.filter((k) => typeof c[k] !== 'number' || !Number.isFinite(c[k] as number));
    if (missing.length > 0) throw new UsageError('--coefficients', `${where}: ${law} needs finite ${names.join(', ')}; missing or not finite: ${missing.join(', ')}`);
    const r = schema.safeParse(Object.fromEntries(names.map((k) => [k, c[k]])));
    if (!r.success) throw new UsageError('--coefficients', `${where}: not a ${law} coefficient record (${r.error.issues[0]?.message ?? 'invalid'})`);
    return r.data as CoefficientsOf<L>;
  };
  if (source === 'published') {
    if (law === 'experts') {
      throw new UsageError('--coefficients', 'Yun et al. 2024 published no coefficients for Eq. 4: fit them (`moelab fit --law experts --runs results/runs.csv --out fit.json`) and pass --coefficients fit.json');
    }
    const group = law === 'chinchilla' ? PUBLISHED.chinchilla : PUBLISHED.krajewski;
    const key = publishedKey ?? (law === 'chinchilla' ? 'epochRefit' : law === 'dense' ? 'table1Dense' : 'table1MoE');
    const entry = (group as Record<string, { values: object } | undefined>)[key];
    if (!entry) throw new UsageError('--published', `--published ${key}: no published set of that name for ${law}; use one of ${Object.keys(group).join(', ')}`);
    return parse(entry.values as Record<string, unknown>, `published ${key}`);
  }
  if (publishedKey) throw new UsageError('--published', '--published picks a published set; it needs --coefficients published');
  if (!fs.existsSync(source)) throw new UsageError('--coefficients', `--coefficients ${source}: file not found; pass "published" or the JSON of \`moelab fit --out\` (or results/fits/<law>.json)`);
  if (fs.statSync(source).isDirectory()) throw new UsageError('--coefficients', `--coefficients ${source} is a directory; pass a JSON file such as ${source.replace(/\/+$/, '')}/${law}.json`);
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(fs.readFileSync(source, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new UsageError('--coefficients', `--coefficients ${source} is not valid JSON (${(e as Error).message}); pass the JSON of \`moelab fit --out\``);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new UsageError('--coefficients', `--coefficients ${source} holds no JSON object of coefficients`);
  if (raw.status !== undefined && raw.status !== 'ok') {
    throw new UsageError('--coefficients', `--coefficients ${source} records a fit that did not succeed (status ${JSON.stringify(raw.status)}${typeof raw.error === 'string' ? `: ${raw.error}` : ''}); fit again or pick another file`);
  }
  const fit = raw.fit as { law?: string; coefficients?: Record<string, unknown> } | undefined;
  const fittedLaw = fit?.law ?? (typeof raw.law === 'string' ? raw.law : undefined);
  if (fittedLaw && fittedLaw !== law) {
    throw new UsageError('--coefficients', `--coefficients ${source} holds a ${fittedLaw} fit, not ${law}; pass --law ${fittedLaw} or another file`);
  }
  return parse((fit?.coefficients ?? (raw.coefficients as Record<string, unknown> | undefined) ?? raw) as Record<string, unknown>, `--coefficients ${source}`);
}

export function runOptimal(o: OptimalCliOptions): unknown {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { chinchillaOptimal } = require('../laws/allocation/chinchilla') as typeof import('../laws/allocation/chinchilla');
  const { expertsOptimal } = require('../laws/allocation/experts') as typeof import('../laws/allocation/experts');
  const { computeOverhead, fineGrainedOptimal, reproduceTable2 } = require('../laws/allocation/fine-grained') as typeof import('../laws/allocation/fine-grained');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const flops = asList('--flops', o.flops, FLOPS_SPEC);
  if (!(o.expansionRate >= 1) || !Number.isFinite(o.expansionRate)) {
    throw new UsageError('--expansion-rate', `--expansion-rate ${o.expansionRate}: the expansion rate E (total/active expert parameters) must be ≥ 1, e.g. --expansion-rate 64`);
  }
  if (o.law === 'chinchilla') {
    const c = loadCoefficients('chinchilla', o.coefficients, o.published);
    if (!flops?.length) throw new UsageError('--flops', '--flops is required for chinchilla (e.g. --flops 1e21,5.88e23)');
    return { law: o.law, coefficients: c, rows: flops.map((f) => chinchillaOptimal(c, f)) };
  }
  if (o.law === 'fine-grained') {
    const fc = loadCoefficients('fine-grained', o.coefficients, o.published);
    const c = fc;
    if (!flops?.length) {
      if (o.coefficients !== 'published') throw new UsageError('--flops', '--flops is required with fitted coefficients (Table 2 is reproduced only from the published ones), e.g. --flops 1e20,1e22');
      const rows = reproduceTable2(fc, { expansionRate: o.expansionRate });
      return { law: o.law, coefficients: c, table2: rows.map(({ ours, ...r }) => ({ ...r, ours: { ...ours, perGranularity: undefined } })) };
    }
    return {
      law: o.law,
      coefficients: c,
      rows: flops.map((f) => {
        const { perGranularity: _p, ...best } = fineGrainedOptimal(fc, f, { expansionRate: o.expansionRate });
        return { ...best, overhead: o.coefficients === 'published' ? computeOverhead(f, fc, undefined, { expansionRate: o.expansionRate }) : undefined };
      }),
    };
  }
  const c = loadCoefficients('experts', o.coefficients, o.published);
  if (!flops?.length) throw new UsageError('--flops', '--flops is required for the experts law (e.g. --flops 1e21,1e22)');
  const experts = asList('--experts', o.experts, EXPERTS_SPEC)!;
  return { law: o.law, coefficients: c, rows: flops.flatMap((f) => experts.map((e) => expertsOptimal(c, f, e))) };
}

type Row = Record<string, number>;

function printHuman(r: Record<string, unknown>): void {
  const out: string[] = [];
  if (Array.isArray(r.table2)) {
    out.push('Krajewski et al. Table 2 from the published Table 1 coefficients (paper → ours):');
    const cols: Column<Table2Row>[] = [
      { header: 'model', cell: (t) => t.label, numeric: false },
      { header: 'G paper', cell: (t) => String(t.paper.granularity) },
      { header: 'G ours', cell: (t) => `${t.ours.granularity}${t.sameGranularity ? ' ✓' : ' ✗'}` },
      { header: 'FLOPs of paper config, error (%)', cell: (t) => (t.flopsRelativeError * 100).toFixed(2) },
      { header: 'N_act (params)', cell: (t) => num(t.ours.paramsActive) },
      { header: 'D (tokens)', cell: (t) => num(t.ours.tokens) },
      { header: 'loss paper (nats/token)', cell: (t) => String(t.paper.loss) },
      { header: 'loss ours (nats/token)', cell: (t) => t.ours.loss.toFixed(3) },
      { header: 'Δ loss', cell: (t) => t.lossDifference.toFixed(3) },
    ];
    out.push(renderTable(cols, r.table2 as Table2Row[]));
    process.stdout.write(out.join('\n') + '\n');
    return;
  }
  const rows = r.rows as Row[];
  if (r.law === 'chinchilla') {
    out.push('Chinchilla compute-optimal allocation (Hoffmann et al. 2022 App. A closed form; C = 6·N·D):');
    out.push(
      renderTable<Row>(
        [
          { header: 'C (FLOPs)', cell: (x) => num(x.flops!) },
          { header: 'N_opt (params)', cell: (x) => num(x.params!) },
          { header: 'D_opt (tokens)', cell: (x) => num(x.tokens!) },
          { header: 'D/N (tokens/param)', cell: (x) => num(x.tokensPerParam!) },
          { header: 'loss (nats/token)', cell: (x) => x.loss!.toFixed(4) },
        ],
        rows,
      ),
    );
    const first = rows[0]!;
    out.push(`  N_opt ∝ C^a and D_opt ∝ C^b with a = ${first.a!.toFixed(4)}, b = ${first.b!.toFixed(4)}`);
  } else if (r.law === 'fine-grained') {
    out.push('Krajewski et al. 2024 compute-optimal (N, D, G) (Eq. 9 with the Eq. 10/11 FLOPs; G = granularity, E = expansion rate):');
    const overhead = (x: Row) => (x as Record<string, unknown>).overhead as { denseOverhead: number } | undefined;
    const withOverhead = rows.some((x) => overhead(x));
    const cols: Column<Row>[] = [
      { header: 'C (FLOPs)', cell: (x) => num(x.flops!) },
      { header: 'G', cell: (x) => String(x.granularity) },
      { header: 'E', cell: (x) => String(x.expansionRate) },
      { header: 'n_blocks', cell: (x) => num(x.nBlocks!, 3) },
      { header: 'd_model', cell: (x) => String(Math.round(x.dModel!)) },
      { header: 'N_act (params)', cell: (x) => num(x.paramsActive!) },
      { header: 'N_total (params)', cell: (x) => num(x.paramsTotal!) },
      { header: 'D (tokens)', cell: (x) => num(x.tokens!) },
      { header: 'loss (nats/token)', cell: (x) => x.loss!.toFixed(4) },
    ];
    if (withOverhead) cols.push({ header: 'dense needs (× FLOPs)', cell: (x) => num(overhead(x)?.denseOverhead ?? NaN, 3) });
    out.push(renderTable(cols, rows));
  } else {
    out.push('Yun et al. 2024 loss-optimal model per expert count (Eq. 4; C = 6·N_active·D, N_active counting top-2 experts every other layer):');
    out.push(
      renderTable<Row>(
        [
          { header: 'C (FLOPs)', cell: (x) => num(x.flops!) },
          { header: 'E (experts)', cell: (x) => String(x.experts) },
          { header: 'N_dense (params)', cell: (x) => num(x.paramsDense!) },
          { header: 'N_active (params)', cell: (x) => num(x.paramsActive!) },
          { header: 'N_total (params)', cell: (x) => num(x.paramsTotal!) },
          { header: 'D (tokens)', cell: (x) => num(x.tokens!) },
          { header: 'loss (nats/token)', cell: (x) => x.loss!.toFixed(4) },
        ],
        rows,
      ),
    );
  }
  process.stdout.write(out.join('\n') + '\n');
}

export function register(program: Command): void {
  program
    .command('optimal')
    .description('compute-optimal allocation (Chinchilla closed form, Krajewski (N, D, G), Yun per expert count)')
    .addOption(new Option('--law <law>', 'law').choices(['chinchilla', 'fine-grained', 'experts']).makeOptionMandatory())
    .option('--coefficients <source>', '"published" or a JSON file from `moelab fit --out` (or results/fits/<law>.json)', 'published')
    .option('--published <name>', 'published set (chinchilla: approach3Rounded|approach3Unrounded|epochRefit; fine-grained: table1MoE|table5Validation|table8E16)')
    .option('--flops <list>', 'comma-separated FLOPs budgets, e.g. 1e21,5.88e23 (fine-grained + published without it: reproduce Table 2)', numberListOption('--flops', FLOPS_SPEC))
    .option('--experts <list>', 'expert counts for the experts law', numberListOption('--experts', EXPERTS_SPEC), [1, 4, 8, 16, 32])
    .option('--expansion-rate <E>', 'fine-grained expansion rate E (≥ 1)', numberOption('--expansion-rate', { min: 1, example: '64' }), 64)
    .option('--json', 'print JSON')
    .action((o: OptimalCliOptions) => {
      const r = runOptimal(o) as Record<string, unknown>;
      if (o.json) process.stdout.write(JSON.stringify(r, null, 1) + '\n');
      else printHuman(r);
    });
}
