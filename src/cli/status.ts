import { Command } from 'commander';
import { openPipeline, planStatus, selectInstances } from '../pipeline';
import { addPipelineOptions, targetFromOptions, type PipelineCliOptions } from './repro';

export function register(program: Command): void {
  const cmd = program
    .command('status')
    .description('each stage instance: up to date, or stale and why (reads the lock file; runs nothing)')
    .argument('[targets...]', 'stages or instances (with their ancestors); default: everything');
  addPipelineOptions(cmd).action((targets: string[], o: PipelineCliOptions) => {
    const session = openPipeline(targetFromOptions(o));
    const statuses = planStatus(session, selectInstances(session.dag, targets));
    if (o.json) {
      process.stdout.write(JSON.stringify({ preset: session.loaded.name, instances: statuses.map(({ fingerprint, ...s }) => ({ ...s, key: fingerprint?.key ?? null })) }, null, 1) + '\n');
      return;
    }
    const width = Math.max(...statuses.map((s) => s.name.length), 8);
    for (const s of statuses) {
      process.stdout.write(`${s.name.padEnd(width)}  ${s.stale ? `stale: ${s.reasons.join('; ')}` : 'up to date'}\n`);
    }
    const stale = statuses.filter((s) => s.stale).length;
    process.stdout.write(`${statuses.length - stale}/${statuses.length} up to date (preset ${session.loaded.name}, results ${session.roots.resultsDir})\n`);
  });
}
