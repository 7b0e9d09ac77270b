import os from 'node:os';
import path from 'node:path';
import { Command, Option } from 'commander';
import { LineReporter, SilentReporter, TtyReporter, repro, type PipelineTarget, type ReproReporter, type ReproSummary } from '../pipeline';
import { selectExecutorForTarget } from '../pipeline/executors/select';
import { UsageError } from '../errors';

/** Repository root (this file is `src/cli/repro.ts`). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** Options shared by every pipeline command. */
export interface PipelineCliOptions {
  preset?: string;
  results: string;
  data: string;
  dag: string;
  json?: boolean;
}

/** Adds `--preset`, `--results`, `--data`, `--dag` (and `--json`) to a command. */
export function addPipelineOptions(cmd: Command): Command {
  return cmd
    .option('--preset <name|file>', 'preset name (smoke, tiny, small, gpu, paper) or a .ts/.json preset file (default: tiny)')
    .option('--results <dir>', 'results directory', 'results')
    .option('--data <dir>', 'data directory (corpora)', 'data')
    .addOption(new Option('--dag <file>', 'pipeline module').default(path.join(REPO_ROOT, 'pipeline', 'dag.ts')).hideHelp())
    .option('--json', 'machine-readable output on stdout');
}

/** The engine's target from CLI options. */
export function targetFromOptions(o: PipelineCliOptions): PipelineTarget {
  return {
    pipelineModule: path.resolve(o.dag),
    preset: o.preset,
    repoRoot: REPO_ROOT,
    resultsDir: path.resolve(o.results),
    dataDir: path.resolve(o.data),
  };
}

function printSummary(s: ReproSummary): void {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  if (s.dryRun) {
    if (s.ran.length === 0) out(`nothing to do: ${s.upToDate.length} instance(s) up to date (preset ${s.preset})`);
    for (const r of s.ran) out(`would run ${r.instance}: ${r.reasons.join('; ')}`);
    if (s.ran.length) out(`${s.ran.length} would run, ${s.upToDate.length} up to date (preset ${s.preset})`);
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
    .option('-j, --jobs <n>', 'CPU slots: stage instances run in parallel processes', (v) => Number.parseInt(v, 10), os.cpus().length)
    .option('-n, --dry-run', 'print what would run and why, run nothing')
    .option('--force <stage>', 're-run a stage or instance even if up to date (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    // slurm executor (src/pipeline/executors/select.ts; README "Running on a cluster")
    .addOption(new Option('--executor <kind>', "where stage instances run: local processes or slurm jobs (default: the preset's executor, else local)").choices(['local', 'slurm']))
    .option('--profile <file>', "slurm profile (JSON: partition, account, resources, retries); replaces the preset's slurm section, implies --executor slurm");
  addPipelineOptions(cmd).action(async (targets: string[], o: PipelineCliOptions & { jobs: number; dryRun?: boolean; force: string[]; executor?: string; profile?: string }) => {
    if (!Number.isInteger(o.jobs) || o.jobs < 1) throw new UsageError(`-j/--jobs must be a positive integer, got ${o.jobs}`);
    const chosen = o.dryRun ? undefined : await selectExecutorForTarget(targetFromOptions(o), { executor: o.executor, profile: o.profile });
    if (chosen?.defaultJobs && cmd.getOptionValueSource('jobs') !== 'cli') o.jobs = chosen.defaultJobs;
    const reporter: ReproReporter = o.json || o.dryRun ? new SilentReporter() : process.stderr.isTTY ? new TtyReporter(o.jobs) : new LineReporter(o.jobs);
    const summary = await repro({ ...targetFromOptions(o), targets, jobs: o.jobs, dryRun: o.dryRun, force: o.force, reporter, executor: chosen?.executor });
    if (o.json) process.stdout.write(JSON.stringify(summary, null, 1) + '\n');
    else printSummary(summary);
    if (summary.interrupted) process.exitCode = 130;
    else if (summary.failed.length > 0) process.exitCode = 1;
  });
}
