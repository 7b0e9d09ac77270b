/** Filters over released runs (by router, family, size, experts, k, routing frequency, seed). */
import type { ReleasedCurve, ReleasedRun, ReleasedTable } from './types';

/** Which released runs to keep; every listed field must match (an absent field keeps all). */
export interface ReleasedRunFilter {
  /** Routers as released (Clark: `S-Base`, `RL-R`, `Hash`, `Dense`). */
  routers?: readonly string[];
  family?: 'dense' | 'moe';
  /** Size labels (Clark: `15M` … `1.3B`). */
  sizeLabels?: readonly string[];
  experts?: readonly number[];
  topK?: readonly number[];
  /** Fractions of blocks with a routed layer (compared to 1e-9 relative, so 1/12 matches 0.0833…). */
  routingFrequency?: readonly number[];
  seeds?: readonly number[];
  /** Run ids. */
  runIds?: readonly string[];
}

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));

/** Whether one run passes a filter. */
export function matchesReleasedFilter(run: ReleasedRun<string>, filter: ReleasedRunFilter): boolean {
  return (
    (filter.routers === undefined || filter.routers.includes(run.router)) &&
    (filter.family === undefined || filter.family === run.family) &&
    (filter.sizeLabels === undefined || (run.sizeLabel !== null && filter.sizeLabels.includes(run.sizeLabel))) &&
    (filter.experts === undefined || filter.experts.includes(run.experts)) &&
    (filter.topK === undefined || filter.topK.includes(run.topK)) &&
    (filter.routingFrequency === undefined || filter.routingFrequency.some((f) => close(f, run.routingFrequency))) &&
    (filter.seeds === undefined || filter.seeds.includes(run.seed)) &&
    (filter.runIds === undefined || filter.runIds.includes(run.runId))
  );
}

/** The runs that pass `filter`, in their order. */
export function selectReleasedRuns<L extends string>(runs: readonly ReleasedRun<L>[], filter: ReleasedRunFilter): ReleasedRun<L>[] {
  return runs.filter((r) => matchesReleasedFilter(r, filter));
}

/** The curve of one run of a table; throws naming the id when the table has no such run. */
export function releasedCurve<L extends string>(table: ReleasedTable<L>, runId: string): ReleasedCurve<L> {
  const c = table.curves.find((x) => x.runId === runId);
  if (!c) throw new Error(`table ${table.table} has no run ${JSON.stringify(runId)}; its runs are ${table.runs.length} ids such as ${table.runs.slice(0, 3).map((r) => r.runId).join(', ')}`);
  return c;
}

/** Number of runs per router, routers in order of first appearance. */
export function countByRouter(runs: readonly ReleasedRun<string>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of runs) out[r.router] = (out[r.router] ?? 0) + 1;
  return out;
}
