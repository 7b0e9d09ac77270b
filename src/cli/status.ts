import { Command } from 'commander';
import { openPipeline, planStatus, readLock, selectInstances } from '../pipeline';
import { addPipelineOptions, targetFromOptions, type PipelineCliOptions } from './repro';

export function register(program: Command): void {
  const cmd = program
    .command('status')
    .description('each stage instance: up to date, or stale and why (reads the lock file; runs nothing)')
    .argument('[targets...]', 'stages or instances (with their ancestors); default: everything');
  addPipelineOptions(cmd).action((targets: string[], o: PipelineCliOptions) => {
    const session = openPipeline(targetFromOptions(o));
    const statuses = planStatus(session, selectInstances(session.dag, targets));
    const orphans = targets.length ? [] : Object.keys(readLock(session.roots.resultsDir).instances).filter((n) => !session.dag.byName.has(n));
    if (o.json) {
      const instances = statuses.map(({ fingerprint, ...s }) => ({ ...s, key: fingerprint?.key ?? null }));
      process.stdout.write(JSON.stringify({ preset: session.loaded.name, instances, orphans }, null, 1) + '\n');
      return;
    }
    const width = Math.max(...statuses.map((s) => s.name.length), 8);
    for (const s of statuses) {
      process.stdout.write(`${s.name.padEnd(width)}  ${s.stale ? `stale: ${s.reasons.join('; ')}` : 'up to date'}\n`);
    }
    for (const n of orphans) process.stdout.write(`${n.padEnd(width)}  in the lock file but not in the DAG of preset ${session.loaded.name} (outputs kept)\n`);
    const stale = statuses.filter((s) => s.stale).length;
    process.stdout.write(`${statuses.length - stale}/${statuses.length} up to date (preset ${session.loaded.name}, results ${session.roots.resultsDir})\n`);
  });
}
