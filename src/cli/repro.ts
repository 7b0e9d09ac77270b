import os from 'node:os';
import { Command, Option } from 'commander';
import type { ReproReporter, ReproSummary } from '../pipeline';
import { numberOption } from './options';
import { addPipelineOptions, targetFromOptions, type PipelineCliOptions } from './pipeline-options';

export { REPO_ROOT } from './paths';
export { addPipelineOptions, targetFromOptions, type PipelineCliOptions } from './pipeline-options';

function printSummary(s: ReproSummary, jobs: number, formatCost: (c: NonNullable<ReproSummary['cost']>, jobs?: number) => string[]): void {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  if (s.dryRun) {
    if (s.ran.length === 0) out(`nothing to do: ${s.upToDate.length} instance(s) up to date (preset ${s.preset})`);
    for (const r of s.ran) out(`would run ${r.instance}: ${r.reasons.join('; ')}`);
    if (s.ran.length) out(`${s.ran.length} would run, ${s.upToDate.length} up to date (preset ${s.preset})`);
    if (s.ran.length && s.cost) formatCost(s.cost, jobs).forEach(out);
    return;
  }
  out(
    `moelab repro (preset ${s.preset}): ${s.ran.length} ran, ${s.upToDate.length} up to date, ${s.failed.length} failed, ${s.skipped.length} skipped in ${s.wallSeconds.toFixed(1)} s`,
  );
  for (const f of s.failed) out(`FAILED ${f.instance}: ${f.error}${f.logFile ? ` (log: ${f.logFile})` : ''}`);
  if (s.interrupted) out('interrupted: running instances were stopped (their outputs were not committed); run repro again to continue');
}

export function register(program: Command): void {
  const cmd = program
    .command('repro')
    .description('bring the pipeline (or the named stages/instances) up to date, running only stale stage instances')
    .argument('[targets...]', 'stages (all their instances), instances (train@…) or instance globs; default: everything')
    .option('-j, --jobs <n>', 'CPU slots: stage instances run in parallel processes', numberOption('--jobs', { min: 1, max: 4096, integer: true, example: '4' }), os.cpus().length)
    .option('-n, --dry-run', 'print what would run and why, and the estimated core-hours of its training; run nothing')
    .option('--force <stage>', 're-run a stage or instance even if up to date (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    // slurm executor (src/pipeline/executors/select.ts; README "Running on a cluster")
    .addOption(new Option('--executor <kind>', "where stage instances run: local processes or slurm jobs (default: the preset's executor, else local)").choices(['local', 'slurm']))
    .option('--profile <file>', "slurm profile (JSON: partition, account, resources, retries); replaces the preset's slurm section, implies --executor slurm");
  addPipelineOptions(cmd).action(async (targets: string[], o: PipelineCliOptions & { jobs: number; dryRun?: boolean; force: string[]; executor?: string; profile?: string }) => {
    const { LineReporter, SilentReporter, TtyReporter, formatCostEstimate, repro } = await import('../pipeline');
    const { selectExecutorForTarget } = await import('../pipeline/executors/select');
    const chosen = o.dryRun ? undefined : await selectExecutorForTarget(targetFromOptions(o), { executor: o.executor, profile: o.profile });
    if (chosen?.defaultJobs && cmd.getOptionValueSource('jobs') !== 'cli') o.jobs = chosen.defaultJobs;
    const reporter: ReproReporter = o.json || o.dryRun ? new SilentReporter() : process.stderr.isTTY ? new TtyReporter(o.jobs) : new LineReporter(o.jobs);
    const summary = await repro({ ...targetFromOptions(o), targets, jobs: o.jobs, dryRun: o.dryRun, force: o.force, reporter, executor: chosen?.executor });
    if (o.json) process.stdout.write(JSON.stringify(summary, null, 1) + '\n');
    else printSummary(summary, o.jobs, formatCostEstimate);
    if (summary.interrupted) process.exitCode = 130;
    else if (summary.failed.length > 0) process.exitCode = 1;
  });
}
