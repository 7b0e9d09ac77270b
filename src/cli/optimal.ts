/**
 * `moelab optimal --law chinchilla|fine-grained|experts --coefficients published|FILE.json --flops LIST [--json]`:
 * compute-optimal allocations. With `--law fine-grained --coefficients published` and no `--flops`, it
 * reproduces Krajewski et al. Table 2 and reports the differences.
 */
import * as fs from 'node:fs';
import { Command, Option } from 'commander';
import { chinchillaOptimal } from '../laws/allocation/chinchilla';
import { expertsOptimal } from '../laws/allocation/experts';
import { computeOverhead, fineGrainedOptimal, reproduceTable2 } from '../laws/allocation/fine-grained';
import { FitError } from '../laws/errors';
import { PUBLISHED, type ChinchillaCoefficients, type ExpertsCoefficients, type FineGrainedCoefficients } from '../laws/published';

export interface OptimalCliOptions {
  /** chinchilla | fine-grained | experts. */
  law: 'chinchilla' | 'fine-grained' | 'experts';
  /** `published` or a JSON file (a `moelab fit` report, a FitResult, or a plain coefficient object). */
  coefficients: string;
  /** Which published set: chinchilla approach3Rounded|approach3Unrounded|epochRefit; fine-grained table1MoE|table5Validation|table8E16. */
  published?: string;
  /** Comma-separated FLOPs budgets. */
  flops?: string;
  /** Comma-separated expert counts (experts law). Default 1,4,8,16,32. */
  experts: string;
  /** Expansion rate for fine-grained. Default 64. */
  expansionRate: number;
  json?: boolean;
}

/** Coefficients from `published` or a JSON file (moelab fit report, FitResult, or plain object). */
export function loadCoefficients(law: string, source: string, publishedKey?: string): Record<string, number> {
  if (source === 'published') {
    if (law === 'experts') throw new FitError('input', 'Yun et al. 2024 published no coefficients for Eq. 4: fit them (`moelab fit --law experts --out fit.json`) and pass --coefficients fit.json');
    const group = law === 'chinchilla' ? PUBLISHED.chinchilla : PUBLISHED.krajewski;
    const key = publishedKey ?? (law === 'chinchilla' ? 'epochRefit' : 'table1MoE');
    const entry = (group as Record<string, { values: object } | undefined>)[key];
    if (!entry) throw new FitError('input', `no published set "${key}" for ${law}: use one of ${Object.keys(group).join(', ')}`);
    return entry.values as Record<string, number>;
  }
  if (!fs.existsSync(source)) throw new FitError('input', `--coefficients ${source}: file not found; pass "published" or a moelab fit JSON`);
  const raw = JSON.parse(fs.readFileSync(source, 'utf8')) as Record<string, unknown>;
  const c = ((raw.fit as Record<string, unknown> | undefined)?.coefficients ?? raw.coefficients ?? raw) as Record<string, number>;
  if ((raw.fit as { law?: string } | undefined)?.law && (raw.fit as { law: string }).law !== law) {
    throw new FitError('input', `--coefficients ${source} holds a ${(raw.fit as { law: string }).law} fit, not ${law}`);
  }
  return c;
}

const parseList = (s: string) => s.split(',').map((v) => Number(v.trim())).filter((v) => Number.isFinite(v) && v > 0);

export function runOptimal(o: OptimalCliOptions): unknown {
  const c = loadCoefficients(o.law, o.coefficients, o.published);
  const flops = o.flops ? parseList(o.flops) : undefined;
  if (o.law === 'chinchilla') {
    if (!flops?.length) throw new FitError('input', '--flops is required for chinchilla (e.g. --flops 1e21,5.88e23)');
    return { law: o.law, coefficients: c, rows: flops.map((f) => chinchillaOptimal(c as unknown as ChinchillaCoefficients, f)) };
  }
  if (o.law === 'fine-grained') {
    const fc = c as unknown as FineGrainedCoefficients;
    if (!flops?.length) {
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
  if (!flops?.length) throw new FitError('input', '--flops is required for the experts law');
  const experts = parseList(o.experts);
  return { law: o.law, coefficients: c, rows: flops.flatMap((f) => experts.map((e) => expertsOptimal(c as unknown as ExpertsCoefficients, f, e))) };
}

function printHuman(r: Record<string, unknown>): void {
  const fmt = (v: unknown) => (typeof v === 'number' ? v.toPrecision(4) : String(v));
  if (Array.isArray(r.table2)) {
    process.stdout.write('Krajewski et al. Table 2 reproduction (paper → ours):\n');
    for (const t of r.table2 as ReturnType<typeof reproduceTable2>) {
      process.stdout.write(
        `  ${t.label.padEnd(10)} G ${t.paper.granularity} → ${t.ours.granularity}${t.sameGranularity ? ' ✓' : ' ✗'}  FLOPs(paper config) err ${(t.flopsRelativeError * 100).toFixed(2)}%  ` +
          `N_act ${fmt(t.ours.paramsActive)}  D ${fmt(t.ours.tokens)}  loss ${t.paper.loss} → ${t.ours.loss.toFixed(3)} (Δ ${t.lossDifference.toFixed(3)})\n`,
      );
    }
    return;
  }
  for (const row of r.rows as Record<string, unknown>[]) {
    process.stdout.write('  ' + Object.entries(row).filter(([, v]) => typeof v === 'number').map(([k, v]) => `${k} ${fmt(v)}`).join('  ') + '\n');
  }
}

export function register(program: Command): void {
  program
    .command('optimal')
    .description('compute-optimal allocation (Chinchilla closed form, Krajewski (N, D, G), Yun per expert count)')
    .addOption(new Option('--law <law>', 'law').choices(['chinchilla', 'fine-grained', 'experts']).makeOptionMandatory())
    .option('--coefficients <source>', '"published" or a JSON file from `moelab fit --out`', 'published')
    .option('--published <name>', 'published set (chinchilla: approach3Rounded|approach3Unrounded|epochRefit; fine-grained: table1MoE|table5Validation|table8E16)')
    .option('--flops <list>', 'comma-separated FLOPs budgets (fine-grained + published without it: reproduce Table 2)')
    .option('--experts <list>', 'expert counts for the experts law', '1,4,8,16,32')
    .option('--expansion-rate <E>', 'fine-grained expansion rate', parseFloat, 64)
    .option('--json', 'print JSON')
    .action((o: OptimalCliOptions) => {
      const r = runOptimal(o) as Record<string, unknown>;
      if (o.json) process.stdout.write(JSON.stringify(r, null, 1) + '\n');
      else printHuman(r);
    });
}
