/**
 * Which runs of a run table `moelab fit` fits. By default the pipeline's own selection for the law
 * (`runsForLaw` in `src/laws/selection.ts`: e.g. `fine-grained` = the MoE runs of the fine-grained sweep), so
 * `moelab fit --law fine-grained --runs results/runs.csv` fits what `moelab repro fit` fits; `--sweep`,
 * `--family` and `--router` replace that selection, `--where` narrows either, `--all-runs` takes every row.
 */
import type { LawName } from '../laws/coefficients';
import { describeRunsForLaw, runsForLaw } from '../laws/selection';
import { OPTIONAL_RUN_COLUMNS, RUN_COLUMNS, type RunColumn, type RunSummary } from '../runs/types';
import { parseNumberOption, UsageError } from './options';

/** What the user asked for. */
export interface RunSelectionOptions {
  /** Comma-separated sweep names. */
  sweep?: string;
  /** dense | moe. */
  family?: string;
  /** Comma-separated routers: none, token-choice, expert-choice. */
  router?: string;
  /** Filters `column OP value` (repeatable; comma-separated within one). */
  where?: string[];
  /** Every row of the table. */
  allRuns?: boolean;
}

export interface RunSelection {
  runs: RunSummary[];
  /** Rows in the table. */
  total: number;
  /** The rule in words, e.g. "the pipeline's selection for fine-grained (…)". */
  rule: string;
}

const OPS = ['<=', '>=', '!=', '==', '=', '<', '>'] as const;
type Op = (typeof OPS)[number];

interface Filter {
  column: RunColumn;
  header: string;
  op: Op;
  value: number | string;
  text: string;
}

const STRING_COLUMNS = new Set<RunColumn>(['runId', 'sweep', 'family', 'router', 'backend']);

function columnOf(name: string): [RunColumn, string] | undefined {
  const hit = [...RUN_COLUMNS, ...OPTIONAL_RUN_COLUMNS].find(([key, header]) => key === name || header === name);
  return hit ? [hit[0], hit[1]] : undefined;
}

/** Parses `--where` expressions such as `tokens>=1e5`, `granularity=4`, `router!=none`. */
export function parseWhere(expressions: readonly string[]): Filter[] {
  const filters: Filter[] = [];
  for (const expr of expressions.flatMap((e) => e.split(',')).map((e) => e.trim()).filter(Boolean)) {
    const op = OPS.find((o) => expr.includes(o));
    if (!op) throw new UsageError('--where', `--where ${JSON.stringify(expr)} has no comparison; write column OP value with OP one of = != < <= > >=, e.g. --where "tokens>=1e5"`);
    const at = expr.indexOf(op);
    const name = expr.slice(0, at).trim();
    const rawValue = expr.slice(at + op.length).trim();
    const col = columnOf(name);
    if (!col) {
      throw new UsageError('--where', `--where ${JSON.stringify(expr)}: unknown column "${name}"; use a run-table column: ${[...RUN_COLUMNS, ...OPTIONAL_RUN_COLUMNS].map(([k]) => k).join(', ')}`);
    }
    if (rawValue === '') throw new UsageError('--where', `--where ${JSON.stringify(expr)} has no value after ${op}`);
    const isString = STRING_COLUMNS.has(col[0]);
    if (isString && !['=', '==', '!='].includes(op)) throw new UsageError('--where', `--where ${JSON.stringify(expr)}: ${name} is text; compare it with = or !=`);
    const value = isString ? rawValue : parseNumberOption(`--where ${name}${op}`, rawValue, { suffixes: true });
    filters.push({ column: col[0], header: col[1], op, value, text: `${name}${op}${rawValue}` });
  }
  return filters;
}

function matches(run: RunSummary, f: Filter): boolean {
  // An optional column a run lacks reads as its absent value, 0 (as in the run table).
  const v = (run[f.column] ?? 0) as number | string;
  switch (f.op) {
    case '=':
    case '==':
      return v === f.value;
    case '!=':
      return v !== f.value;
    case '<':
      return v < f.value;
    case '<=':
      return v <= f.value;
    case '>':
      return v > f.value;
    case '>=':
      return v >= f.value;
  }
}

const list = (s: string | undefined) => (s ?? '').split(',').map((x) => x.trim()).filter(Boolean);

/** The runs to fit for `law` (a law form name, or `dense` for Krajewski's Eq. 1 on the dense baselines). */
export function selectRuns(law: LawName, runs: readonly RunSummary[], o: RunSelectionOptions): RunSelection {
  const families = list(o.family);
  for (const f of families) if (f !== 'dense' && f !== 'moe') throw new UsageError('--family', `--family ${JSON.stringify(f)}: use dense or moe`);
  const routers = list(o.router);
  for (const r of routers) {
    if (!['none', 'token-choice', 'expert-choice', 'product-key'].includes(r)) throw new UsageError('--router', `--router ${JSON.stringify(r)}: use none, token-choice, expert-choice or product-key`);
  }
  const sweeps = list(o.sweep);
  const known = [...new Set(runs.map((r) => r.sweep))];
  for (const s of sweeps) {
    if (!known.includes(s)) throw new UsageError('--sweep', `--sweep ${JSON.stringify(s)}: no run of the table is in that sweep; its sweeps are ${known.join(', ')}`);
  }
  const explicit = sweeps.length > 0 || families.length > 0 || routers.length > 0;
  if (o.allRuns && explicit) throw new UsageError('--all-runs', '--all-runs takes every row; drop it, or drop --sweep/--family/--router');
  let picked: RunSummary[];
  let rule: string;
  if (o.allRuns) {
    picked = [...runs];
    rule = 'every row (--all-runs)';
  } else if (explicit) {
    picked = runs.filter((r) => (!sweeps.length || sweeps.includes(r.sweep)) && (!families.length || families.includes(r.family)) && (!routers.length || routers.includes(r.router)));
    rule = [sweeps.length ? `sweep ${sweeps.join('|')}` : '', families.length ? `family ${families.join('|')}` : '', routers.length ? `router ${routers.join('|')}` : '']
      .filter(Boolean)
      .join(', ');
  } else {
    picked = runsForLaw(law, runs);
    rule = `the pipeline's selection for ${law}: ${describeRunsForLaw(law, runs)}`;
  }
  const filters = parseWhere(o.where ?? []);
  if (filters.length) {
    picked = picked.filter((r) => filters.every((f) => matches(r, f)));
    rule += `, where ${filters.map((f) => f.text).join(' and ')}`;
  }
  if (picked.length === 0) {
    throw new UsageError('--where', `no run of the ${runs.length} in the table matches ${rule}; loosen the selection (--sweep, --family, --router, --where, --all-runs)`);
  }
  return { runs: picked, total: runs.length, rule };
}
