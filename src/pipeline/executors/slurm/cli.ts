/**
 * A thin, typed wrapper over Slurm's client commands (sbatch, squeue, scontrol, scancel). It needs no
 * accounting database: job state comes from `squeue -t all` (finished jobs stay listed for MinJobAge)
 * and, for jobs squeue no longer lists, from `scontrol show job`. Jobs that neither knows are reported
 * as VANISHED; the executor then decides from the exit marker the job script leaves behind.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { SlurmError, SlurmNotFoundError, SlurmPartitionError, SlurmSubmitError } from './errors';

/** State of one job or array task. */
export interface SlurmJobStatus {
  /** `123` for a plain job, `123_4` for task 4 of array job 123. */
  jobId: string;
  /** Slurm's long state name (PENDING, RUNNING, COMPLETED, FAILED, TIMEOUT, CANCELLED, …) or VANISHED. */
  state: string;
  /** Slurm's reason (e.g. Resources, Priority, NonZeroExitCode), "None" when none. */
  reason: string;
  /** `exit:signal` as scontrol reports it, when known. */
  exitCode?: string;
}

/** States after which a job never runs again (unless resubmitted). */
const TERMINAL_STATES = new Set([
  'COMPLETED',
  'CANCELLED',
  'FAILED',
  'TIMEOUT',
  'NODE_FAIL',
  'PREEMPTED',
  'BOOT_FAIL',
  'DEADLINE',
  'OUT_OF_MEMORY',
  'REVOKED',
  'SPECIAL_EXIT',
  'VANISHED',
]);

/** True when the job has ended (successfully or not). */
export function isTerminalState(state: string): boolean {
  return TERMINAL_STATES.has(state);
}

/** Options of {@link SlurmCli}. */
export interface SlurmCliOptions {
  /** Directory of sbatch/squeue/scontrol/scancel; default: PATH. */
  binDir?: string;
  /** Environment of the commands (e.g. SLURM_CONF). Default: process.env. */
  env?: NodeJS.ProcessEnv;
  /** Kill a client command after this many ms. Default 60000. */
  timeoutMs?: number;
}

interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Splits a job key `123_4` into base id and task. */
export function splitJobId(jobId: string): { base: string; task?: string } {
  const [base, task] = jobId.split('_');
  return task === undefined ? { base: base! } : { base: base!, task };
}

/** Calls Slurm's client commands. */
export class SlurmCli {
  private readonly binDir: string | undefined;
  private readonly env: NodeJS.ProcessEnv;
  private readonly timeoutMs: number;

  constructor(options: SlurmCliOptions = {}) {
    this.binDir = options.binDir;
    this.env = options.env ?? process.env;
    this.timeoutMs = options.timeoutMs ?? 60_000;
  }

  private run(command: string, args: string[], cwd?: string): Promise<CommandResult> {
    const file = this.binDir ? path.join(this.binDir, command) : command;
    return new Promise((resolve, reject) => {
      execFile(
        file,
        args,
        { env: this.env, cwd, timeout: this.timeoutMs, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
        (error, stdout, stderr) => {
          if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') {
            reject(new SlurmNotFoundError(command, this.binDir));
            return;
          }
          if (error && (error as { killed?: boolean }).killed) {
            reject(new SlurmError(`${command} ${args.join(' ')} did not answer within ${this.timeoutMs} ms: ${stderr.trim()}`));
            return;
          }
          const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
          resolve({ code, stdout, stderr });
        },
      );
    });
  }

  /** Fails with SlurmNotFoundError when `sbatch` (or another command) cannot be run. */
  async checkAvailable(command = 'sbatch'): Promise<void> {
    await this.run(command, ['--version']);
  }

  /**
   * Submits a batch script. `args` are sbatch flags; `what` names the job in errors ("stage train[3]").
   * Returns the job id (the array job id for an array). An empty `scriptPath` submits no file (for
   * `--wrap` or `--test-only`).
   */
  async sbatch(scriptPath: string, args: string[], what: string, cwd?: string): Promise<string> {
    const result = await this.run('sbatch', ['--parsable', ...args, ...(scriptPath ? [scriptPath] : [])], cwd);
    const message = cleanSlurmMessage(result.stderr);
    if (result.code !== 0) {
      if (/invalid partition/i.test(message)) {
        const flag = [...args].reverse().find((a) => a.startsWith('--partition='));
        throw new SlurmPartitionError(what, flag ? flag.slice('--partition='.length) : '(default)', message);
      }
      throw new SlurmSubmitError(what, message || `exit code ${result.code}`);
    }
    if (args.includes('--test-only')) return '';
    const jobId = result.stdout.trim().split(';')[0]!.trim();
    if (!/^\d+$/.test(jobId)) {
      throw new SlurmSubmitError(what, `unexpected sbatch output "${result.stdout.trim()}" ${message}`.trim());
    }
    return jobId;
  }

  /**
   * Current state of the given jobs/array tasks (keys like `123` or `123_4`). Every requested key is in
   * the result; keys neither squeue nor scontrol knows come back as VANISHED.
   */
  async poll(jobIds: string[]): Promise<Map<string, SlurmJobStatus>> {
    const out = new Map<string, SlurmJobStatus>();
    if (jobIds.length === 0) return out;
    const bases = [...new Set(jobIds.map((id) => splitJobId(id).base))];
    const result = await this.run('squeue', ['-h', '-t', 'all', '-r', '-j', bases.join(','), '-o', '%F|%K|%A|%T|%r']);
    if (result.code !== 0 && !/invalid job id/i.test(result.stderr)) {
      throw new SlurmError(`squeue failed: "${cleanSlurmMessage(result.stderr)}"`);
    }
    const seen = new Map<string, SlurmJobStatus>();
    for (const line of result.code === 0 ? result.stdout.split('\n') : []) {
      const parts = line.trim().split('|');
      if (parts.length < 5) continue;
      const [arrayId, taskId, jobId, state, reason] = parts as [string, string, string, string, string];
      const key = taskId === 'N/A' || taskId === '' ? jobId : `${arrayId}_${taskId}`;
      seen.set(key, { jobId: key, state: normaliseState(state), reason });
    }
    for (const id of jobIds) {
      const status = seen.get(id) ?? (await this.showJob(id));
      out.set(id, status);
    }
    return out;
  }

  /** `scontrol show job` for one job key; VANISHED when Slurm no longer knows it. */
  async showJob(jobId: string): Promise<SlurmJobStatus> {
    const result = await this.run('scontrol', ['-o', 'show', 'job', jobId]);
    if (result.code !== 0) {
      if (/invalid job id/i.test(result.stderr)) return { jobId, state: 'VANISHED', reason: 'None' };
      throw new SlurmError(`scontrol show job ${jobId} failed: "${cleanSlurmMessage(result.stderr)}"`);
    }
    // With an array id, scontrol lists every task; pick the line of this task.
    const { task } = splitJobId(jobId);
    const lines = result.stdout.split('\n').filter((l) => l.includes('JobState='));
    const line = lines.find((l) => (task === undefined ? true : field(l, 'ArrayTaskId') === task)) ?? lines[0];
    if (!line) return { jobId, state: 'VANISHED', reason: 'None' };
    return {
      jobId,
      state: normaliseState(field(line, 'JobState') ?? 'VANISHED'),
      reason: field(line, 'Reason') ?? 'None',
      exitCode: field(line, 'ExitCode'),
    };
  }

  /** Cancels jobs/array tasks; jobs that already ended are ignored. */
  async cancel(jobIds: string[]): Promise<void> {
    if (jobIds.length === 0) return;
    const result = await this.run('scancel', jobIds);
    if (result.code !== 0 && !/invalid job id|already completing or completed/i.test(result.stderr)) {
      throw new SlurmError(`scancel ${jobIds.join(' ')} failed: "${cleanSlurmMessage(result.stderr)}"`);
    }
  }
}

/** `CANCELLED by 0` → `CANCELLED`; squeue may add a suffix. */
function normaliseState(state: string): string {
  return state.trim().split(/[\s+]/)[0]!.toUpperCase();
}

/** Value of `Key=value` in a one-line scontrol record. */
function field(line: string, key: string): string | undefined {
  const match = new RegExp(`(?:^|\\s)${key}=(\\S*)`).exec(line);
  return match?.[1];
}

/** Slurm's stderr without the `sbatch: error: ` prefixes, lines joined. */
export function cleanSlurmMessage(stderr: string): string {
  return stderr
    .split('\n')
    .map((l) => l.replace(/^\s*(sbatch|squeue|scontrol|scancel|srun):\s*(error|fatal):\s*/i, '').trim())
    .filter((l) => l.length > 0)
    .join('; ');
}
