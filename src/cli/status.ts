/**
 * `moelab status [targets…] [--all] [--json]`: what is up to date and what is stale, and why, from the lock file
 * (runs nothing). By default one line per stage (a 56-run sweep is one `train` line with its counts and the
 * reasons that apply, each with how many instances it applies to); `--all` lists every instance. When something is
 * stale it also prints the estimated core-hours of the training that would run (src/pipeline/cost.ts).
 */
import { Command } from 'commander';
import { addPipelineOptions, targetFromOptions, type PipelineCliOptions } from './pipeline-options';
import { renderTable } from './table';

export interface InstanceStatusLike {
  name: string;
  stale: boolean;
  reasons: string[];
}

export interface StageSummary {
  stage: string;
  instances: number;
  upToDate: number;
  stale: number;
  /** Reasons (instance names generalised to `*`) with how many stale instances each applies to, most common first. */
  reasons: Array<{ reason: string; count: number }>;
}

/** The stage of an instance name (`train@fg-dense-d32x2` → `train`). */
const stageOf = (name: string) => name.split('@')[0]!;

/** A reason with the instance's own matrix name and other matrix instance names generalised (`upstream train@x will run` → `upstream train@* will run`). */
export function generaliseReason(reason: string, instance: string): string {
  const own = instance.includes('@') ? instance.slice(instance.indexOf('@') + 1) : undefined;
  let r = own ? reason.split(own).join('*') : reason;
  r = r.replace(/@[\w.+-]+/g, '@*');
  return r;
}

/** One summary per stage, in DAG order of first appearance. */
export function summariseByStage(statuses: readonly InstanceStatusLike[]): StageSummary[] {
  const byStage = new Map<string, InstanceStatusLike[]>();
  for (const s of statuses) {
    const k = stageOf(s.name);
    if (!byStage.has(k)) byStage.set(k, []);
    byStage.get(k)!.push(s);
  }
  return [...byStage].map(([stage, list]) => {
    const counts = new Map<string, number>();
    for (const s of list.filter((x) => x.stale)) {
      for (const r of new Set(s.reasons.map((x) => generaliseReason(x, s.name)))) counts.set(r, (counts.get(r) ?? 0) + 1);
    }
    const reasons = [...counts].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count);
    const stale = list.filter((x) => x.stale).length;
    return { stage, instances: list.length, upToDate: list.length - stale, stale, reasons };
  });
}

/** The reasons column: the most common `limit` reasons with their counts (when the stage has several instances). */
function reasonText(s: StageSummary, limit = 3): string {
  if (s.stale === 0) return 'up to date';
  const shown = s.reasons.slice(0, limit).map((r) => (s.instances > 1 ? `${r.reason} (${r.count})` : r.reason));
  const more = s.reasons.length - shown.length;
  return shown.join('; ') + (more > 0 ? `; ${more} other reason${more === 1 ? '' : 's'} (--all)` : '');
}

export function formatStageSummary(summaries: readonly StageSummary[]): string {
  return renderTable(
    [
      { header: 'stage', cell: (s) => s.stage, numeric: false },
      { header: 'instances', cell: (s) => String(s.instances) },
      { header: 'up to date', cell: (s) => String(s.upToDate) },
      { header: 'stale', cell: (s) => String(s.stale) },
      { header: 'why stale', cell: (s) => reasonText(s), numeric: false },
    ],
    summaries,
    0,
  );
}

export function register(program: Command): void {
  const cmd = program
    .command('status')
    .description('what is up to date and what is stale, and why, one line per stage (reads the lock file; runs nothing)')
    .argument('[targets...]', 'stages or instances (with their ancestors); default: everything')
    .option('--all', 'one line per instance instead of per stage');
  addPipelineOptions(cmd).action(async (targets: string[], o: PipelineCliOptions & { all?: boolean }) => {
    const { estimateCost, formatCostLine, openPipeline, planStatus, readLock, selectInstances } = await import('../pipeline');
    const session = openPipeline(targetFromOptions(o));
    const selected = selectInstances(session.dag, targets);
    const statuses = planStatus(session, selected);
    const lock = readLock(session.roots.resultsDir);
    const orphans = targets.length ? [] : Object.keys(lock.instances).filter((n) => !session.dag.byName.has(n));
    const cost = estimateCost(selected, statuses, session.roots, lock);
    if (o.json) {
      const instances = statuses.map(({ fingerprint, ...s }) => ({ ...s, key: fingerprint?.key ?? null }));
      process.stdout.write(JSON.stringify({ preset: session.loaded.name, stages: summariseByStage(statuses), instances, orphans, cost }, null, 1) + '\n');
      return;
    }
    if (o.all) {
      const width = Math.max(...statuses.map((s) => s.name.length), 8);
      for (const s of statuses) process.stdout.write(`${s.name.padEnd(width)}  ${s.stale ? `stale: ${s.reasons.join('; ')}` : 'up to date'}\n`);
      for (const n of orphans) process.stdout.write(`${n.padEnd(width)}  in the lock file but not in the DAG of preset ${session.loaded.name} (outputs kept)\n`);
    } else {
      process.stdout.write(formatStageSummary(summariseByStage(statuses)) + '\n');
      if (orphans.length) process.stdout.write(`${orphans.length} instance(s) in the lock file but not in the DAG of preset ${session.loaded.name} (outputs kept; --all lists them)\n`);
    }
    const stale = statuses.filter((s) => s.stale).length;
    if (stale > 0) process.stdout.write(`${formatCostLine(cost)}\n`);
    process.stdout.write(`${statuses.length - stale}/${statuses.length} instances up to date (preset ${session.loaded.name}, results ${session.roots.resultsDir})${o.all ? '' : '; --all lists every instance'}\n`);
  });
}
