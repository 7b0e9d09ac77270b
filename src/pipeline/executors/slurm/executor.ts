/**
 * The `slurm` executor: stage instances become sbatch jobs. Instances of one stage launched together
 * (a matrix stage's ready instances) are submitted as one job array. The submitter polls squeue (falling
 * back to scontrol; no accounting database needed), reports progress, retries failed / timed-out /
 * preempted jobs (they resume from the stage's state dir), cancels its jobs with scancel when the run is
 * cancelled, and re-attaches to jobs a previous `repro` left queued or running (job ids persist in a
 * state file next to the lock file). Jobs write only their own instance's temp outputs and an exit
 * marker; committing outputs and writing the lock file stay with the submitting engine.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { ChildMessage, Executor, ExecutorInfo, JobOutcome, RunningJob, StageJob } from '../../types';
import { SlurmCli, isTerminalState, type SlurmJobStatus } from './cli';
import { SlurmError, SlurmNotFoundError } from './errors';
import {
  parseSlurmProfile,
  resolveJobSpec,
  sbatchResourceArgs,
  type SlurmProfile,
  type SlurmProfileInput,
  type StageResourceRequest,
} from './profile';
import { readExitMarker, renderBatchScript, writeBatchScript, type ScriptTask } from './script';
import { SLURM_STATE_FILE_NAME, SlurmState } from './state';
import { lockFilePath } from '../../paths';

/** Something the executor reports (for progress displays and tests). */
export type SlurmEvent =
  | { type: 'submit'; instances: string[]; jobId: string; array: boolean }
  | { type: 'attach'; instance: string; jobId: string; state: string }
  | { type: 'state'; instance: string; jobId: string; state: string; reason: string }
  | { type: 'retry'; instance: string; jobId: string; state: string; attempt: number }
  | { type: 'done'; instance: string; jobId: string; ok: boolean; state: string };

/** Options of {@link SlurmExecutor}. */
export interface SlurmExecutorOptions {
  /** Validated profile (partition, account, retries, resources, …). */
  profile: SlurmProfile;
  /** Directory for batch scripts, exit markers and Slurm's own job output (shared with compute nodes). */
  workDir: string;
  /** State file of submitted job ids (next to the lock file). */
  stateFile: string;
  /** Repository root: default working directory and where bin/moelab.js lives. */
  repoRoot: string;
  /** Environment of the Slurm client commands (e.g. SLURM_CONF). Default process.env. */
  clientEnv?: NodeJS.ProcessEnv;
  /** Milliseconds to collect launches into one job array before submitting. Default 150. */
  batchWindowMs?: number;
  /** Observer of submissions, state changes, retries (progress displays, tests). */
  onEvent?: (event: SlurmEvent) => void;
}

/** Slurm states during which a job is still coming (not an end). */
const WAITING_STATES = new Set(['PENDING', 'CONFIGURING', 'REQUEUED', 'REQUEUE_HOLD', 'REQUEUE_FED', 'SUSPENDED', 'STOPPED', 'RESIZING']);

interface Entry {
  job: StageJob;
  onMessage: (m: ChildMessage) => void;
  info: ExecutorInfo & { jobIds: string[] };
  /** Submissions so far (attempts), including one re-attached from an earlier run. */
  attempts: number;
  /** Current Slurm job key when submitted and not ended. */
  current?: string;
  lastState?: string;
  cancelled: boolean;
  finished: boolean;
  resolve: (outcome: JobOutcome) => void;
  markerPath: string;
  /** JSON-lines file the stage child appends its messages to (MOELAB_PROGRESS_FILE). */
  progressPath: string;
  /** Bytes of the progress file already forwarded. */
  progressOffset: number;
  /** The stage's own error (`Name: message`) from its last attempt, when it reported one. */
  reportedError?: string;
}

/** Splits a command line on whitespace, honouring single and double quotes. */
export function splitCommandLine(line: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  let match: RegExpExecArray | null;
  while ((match = re.exec(line)) !== null) out.push(match[1] ?? match[2] ?? match[3]!);
  return out;
}

/** A file-name-safe form of an instance name. */
function safeName(instance: string): string {
  return instance.replace(/[^A-Za-z0-9._=+@-]/g, '_');
}

/** Runs stage jobs as Slurm batch jobs. */
export class SlurmExecutor implements Executor {
  readonly kind = 'slurm';
  readonly cli: SlurmCli;
  private readonly profile: SlurmProfile;
  private readonly options: SlurmExecutorOptions;
  private readonly state: SlurmState;
  private readonly entries = new Set<Entry>();
  private queue: Entry[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private polling = false;
  private scriptCounter = 0;
  private closed = false;

  constructor(options: SlurmExecutorOptions) {
    this.options = options;
    this.profile = options.profile;
    this.cli = new SlurmCli({ binDir: options.profile.binDir, env: options.clientEnv });
    this.state = new SlurmState(options.stateFile);
    for (const sub of ['scripts', 'markers', 'logs', 'progress']) fs.mkdirSync(path.join(options.workDir, sub), { recursive: true });
  }

  /**
   * Checks before anything runs: sbatch can be executed (else SlurmNotFoundError naming the setting), and
   * `sbatch --test-only` accepts the profile's default job and each stage override (partition, account,
   * resources, extra flags), so an unknown partition is a SlurmPartitionError and any other rejection a
   * SlurmSubmitError, both quoting Slurm, before a single job is queued.
   */
  async preflight(): Promise<void> {
    await this.cli.checkAvailable('sbatch');
    await this.cli.checkAvailable('squeue');
    const checks: Array<{ what: string; args: string[] }> = [
      { what: "a job with the profile's defaults (test-only)", args: sbatchResourceArgs(this.profile, resolveJobSpec(this.profile, '')) },
    ];
    for (const stage of Object.keys(this.profile.stages)) {
      checks.push({
        what: `a job with the profile's stages.${stage} settings (test-only)`,
        args: sbatchResourceArgs(this.profile, resolveJobSpec(this.profile, stage)),
      });
    }
    const seen = new Set<string>();
    for (const check of checks) {
      const key = check.args.join(' ');
      if (seen.has(key)) continue;
      seen.add(key);
      await this.cli.sbatch('', ['--test-only', ...check.args, '--wrap=true'], check.what, this.options.repoRoot);
    }
  }

  launch(job: StageJob, onMessage: (m: ChildMessage) => void): RunningJob {
    if (this.closed) throw new SlurmError('slurm executor is closed');
    let resolve!: (o: JobOutcome) => void;
    const done = new Promise<JobOutcome>((r) => (resolve = r));
    const info: ExecutorInfo & { jobIds: string[] } = { kind: 'slurm', jobIds: [] };
    const entry: Entry = {
      job,
      onMessage,
      info,
      attempts: 0,
      cancelled: false,
      finished: false,
      resolve,
      markerPath: path.join(this.options.workDir, 'markers', `${safeName(job.instance)}.exit`),
      progressPath: path.join(this.options.workDir, 'progress', `${safeName(job.instance)}.jsonl`),
      progressOffset: 0,
    };
    this.entries.add(entry);
    const previous = this.state.get(job.instance);
    if (previous && previous.fingerprint === job.key && previous.active && previous.jobIds.length > 0) {
      void this.reattach(entry, previous.jobIds);
    } else {
      if (previous && previous.active && previous.fingerprint !== job.key) {
        // Jobs of an out-of-date version of this instance: they must not keep writing into its dirs.
        this.scancelNow(previous.jobIds.slice(-1));
      }
      this.enqueue(entry);
    }
    return { info, done, cancel: () => this.cancelEntry(entry) };
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.flushTimer) clearTimeout(this.flushTimer);
    if (this.pollTimer) clearTimeout(this.pollTimer);
    for (const entry of [...this.entries]) if (!entry.finished) this.cancelEntry(entry);
  }

  /** Cancels every job this executor submitted or attached to (Ctrl-C). */
  cancelAll(): void {
    for (const entry of [...this.entries]) this.cancelEntry(entry);
  }

  // --- submission ------------------------------------------------------------------------------

  private async reattach(entry: Entry, jobIds: string[]): Promise<void> {
    const last = jobIds[jobIds.length - 1]!;
    entry.info.jobIds.push(...jobIds);
    let status: SlurmJobStatus | undefined;
    try {
      status = (await this.cli.poll([last])).get(last);
    } catch (err) {
      this.finish(entry, false, 'ERROR', `${(err as Error).name}: ${(err as Error).message}`);
      return;
    }
    if (entry.cancelled || !status) return;
    entry.info.jobId = last;
    if (!isTerminalState(status.state)) {
      // Still queued or running: follow it (it counts as this run's first attempt).
      entry.attempts = 1;
      entry.current = last;
      entry.lastState = status.state;
      this.emit({ type: 'attach', instance: entry.job.instance, jobId: last, state: status.state });
      entry.onMessage({ type: 'log', level: 'info', message: `re-attached to Slurm job ${last} (${status.state})` });
      this.schedulePoll(0);
      return;
    }
    if (this.succeeded(entry, last, status)) {
      // It finished while nobody watched, and its stage committed its outputs: take it as done.
      this.emit({ type: 'attach', instance: entry.job.instance, jobId: last, state: status.state });
      entry.onMessage({ type: 'log', level: 'info', message: `Slurm job ${last} finished while repro was away (${status.state})` });
      entry.current = last;
      this.state.forget(entry.job.instance);
      fs.rmSync(entry.markerPath, { force: true });
      this.finish(entry, true, status.state, undefined, 0);
      return;
    }
    // It failed while nobody watched: nothing of it is trusted; run it again (resuming from its state dir).
    this.state.markEnded(entry.job.instance);
    this.enqueue(entry);
  }

  /**
   * Whether an ended job succeeded: Slurm says COMPLETED (the batch script exits 0 only when the stage
   * did), or Slurm has forgotten it and its exit marker, written by this very job, says 0.
   */
  private succeeded(entry: Entry, key: string, status: SlurmJobStatus): boolean {
    if (status.state === 'COMPLETED') return true;
    if (status.state !== 'VANISHED') return false;
    const marker = readExitMarker(entry.markerPath);
    return marker !== undefined && marker.jobId === key && marker.exitCode === 0;
  }

  private enqueue(entry: Entry): void {
    this.queue.push(entry);
    if (!this.flushTimer) {
      this.flushTimer = setTimeout(() => {
        this.flushTimer = undefined;
        void this.flush();
      }, this.options.batchWindowMs ?? 150);
    }
  }

  private async flush(): Promise<void> {
    const ready = this.queue.filter((e) => !e.cancelled && !e.finished);
    this.queue = [];
    const groups = new Map<string, { args: string[]; stage: string; entries: Entry[] }>();
    for (const entry of ready) {
      const spec = resolveJobSpec(this.profile, entry.job.stage, this.declaredResources(entry.job));
      const args = sbatchResourceArgs(this.profile, spec);
      const groupKey = JSON.stringify([entry.job.stage, entry.job.cwd, args]);
      const group = groups.get(groupKey) ?? { args, stage: entry.job.stage, entries: [] };
      group.entries.push(entry);
      groups.set(groupKey, group);
    }
    for (const group of groups.values()) {
      for (let i = 0; i < group.entries.length; i += this.profile.maxArraySize) {
        await this.submitGroup(group.stage, group.args, group.entries.slice(i, i + this.profile.maxArraySize));
      }
    }
  }

  /** Stage resources → the slurm request (the engine's `cpus` plus free-form hints). */
  private declaredResources(job: StageJob): StageResourceRequest {
    const hints = job.resources ?? {};
    const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
    return {
      cpus: num(hints.cpus),
      memMB: num(hints.memMB),
      gpus: num(hints.gpus),
      timeMinutes: num(hints.timeMinutes),
    };
  }

  private nodeCommand(): string[] {
    if (this.profile.nodeCommand) return splitCommandLine(this.profile.nodeCommand);
    return [process.execPath, path.join(this.options.repoRoot, 'bin', 'moelab.js')];
  }

  private async submitGroup(stage: string, resourceArgs: string[], entries: Entry[]): Promise<void> {
    const prefix = this.nodeCommand();
    const cpus = /^--cpus-per-task=(\d+)$/;
    const cpusArg = resourceArgs.map((a) => cpus.exec(a)?.[1]).find((v) => v !== undefined) ?? '1';
    const tasks: ScriptTask[] = entries.map((e) => ({
      argv: [...prefix, ...e.job.argv],
      markerPath: e.markerPath,
      logFile: e.job.logFile,
      env: { ...e.job.env, MOELAB_CPUS: cpusArg, MOELAB_PROGRESS_FILE: e.progressPath },
    }));
    const isArray = entries.length > 1;
    const title = `moelab ${stage}: ${entries.map((e) => e.job.instance).join(' ')}`;
    const script = renderBatchScript({
      tasks,
      workDir: entries[0]!.job.cwd,
      setup: this.profile.setup,
      env: this.profile.env,
      title: title.length > 300 ? `${title.slice(0, 297)}...` : title,
    });
    this.scriptCounter += 1;
    const scriptPath = path.join(
      this.options.workDir,
      'scripts',
      `${stage}-${process.pid}-${Date.now()}-${this.scriptCounter}.sh`,
    );
    writeBatchScript(scriptPath, script);
    for (const e of entries) {
      // A fresh log per run of the instance; retries append to it (the job script appends).
      if (e.info.jobIds.length === 0) {
        fs.mkdirSync(path.dirname(e.job.logFile), { recursive: true });
        fs.writeFileSync(e.job.logFile, '');
      }
      fs.rmSync(e.markerPath, { force: true });
      fs.rmSync(e.progressPath, { force: true });
      e.progressOffset = 0;
      e.reportedError = undefined;
    }
    const args = [
      `--job-name=${this.profile.jobNamePrefix}-${stage}`,
      `--chdir=${entries[0]!.job.cwd}`,
      `--output=${path.join(this.options.workDir, 'logs', isArray ? `${stage}-%A_%a.out` : `${stage}-%j.out`)}`,
      ...(isArray ? [`--array=0-${entries.length - 1}`] : []),
      ...resourceArgs,
    ];
    const what = isArray
      ? `the job array for ${entries.length} instances of stage ${stage}`
      : `the job for ${entries[0]!.job.instance}`;
    let jobId: string;
    try {
      jobId = await this.cli.sbatch(scriptPath, args, what, entries[0]!.job.cwd);
    } catch (err) {
      const e = err as Error;
      for (const entry of entries) this.finish(entry, false, 'SUBMIT_FAILED', `${e.name}: ${e.message}`);
      return;
    }
    this.emit({ type: 'submit', instances: entries.map((e) => e.job.instance), jobId, array: isArray });
    entries.forEach((entry, index) => {
      const key = isArray ? `${jobId}_${index}` : jobId;
      entry.attempts += 1;
      entry.current = key;
      entry.lastState = undefined;
      entry.info.jobId = key;
      entry.info.jobIds.push(key);
      entry.info.attempts = entry.attempts;
      this.state.recordSubmit(entry.job.instance, entry.job.stage, entry.job.key, key);
      entry.onMessage({ type: 'progress', message: `submitted as Slurm job ${key}` });
      if (entry.cancelled) this.scancelNow([key]);
    });
    this.schedulePoll(this.profile.pollIntervalS * 1000);
  }

  // --- tracking ------------------------------------------------------------------------------------

  private schedulePoll(delayMs: number): void {
    if (this.closed) return;
    if (this.pollTimer) {
      if (delayMs > 0) return;
      clearTimeout(this.pollTimer);
    }
    this.pollTimer = setTimeout(() => {
      this.pollTimer = undefined;
      void this.pollOnce();
    }, delayMs);
  }

  private async pollOnce(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const active = [...this.entries].filter((e) => e.current && !e.finished && !e.cancelled);
      if (active.length === 0) return;
      let statuses: Map<string, SlurmJobStatus>;
      try {
        statuses = await this.cli.poll(active.map((e) => e.current!));
      } catch (err) {
        // A controller hiccup: say so and try again next round.
        for (const e of active) e.onMessage({ type: 'log', level: 'warn', message: `squeue failed: ${(err as Error).message}` });
        return;
      }
      for (const entry of active) {
        const key = entry.current!;
        const status = statuses.get(key);
        if (!status || entry.current !== key || entry.finished || entry.cancelled) continue;
        this.onStatus(entry, status);
      }
    } finally {
      this.polling = false;
      if ([...this.entries].some((e) => e.current && !e.finished && !e.cancelled)) {
        this.schedulePoll(this.profile.pollIntervalS * 1000);
      }
    }
  }

  /** Forwards the stage child's new messages (progress, logs, its error) to the engine. */
  private forwardMessages(entry: Entry): void {
    let fd: number;
    try {
      fd = fs.openSync(entry.progressPath, 'r');
    } catch {
      return;
    }
    try {
      const size = fs.fstatSync(fd).size;
      if (size <= entry.progressOffset) return;
      const buffer = Buffer.alloc(size - entry.progressOffset);
      fs.readSync(fd, buffer, 0, buffer.length, entry.progressOffset);
      const text = buffer.toString('utf8');
      const end = text.lastIndexOf('\n');
      if (end < 0) return;
      entry.progressOffset += Buffer.byteLength(text.slice(0, end + 1));
      for (const line of text.slice(0, end).split('\n')) {
        if (!line.trim()) continue;
        let message: ChildMessage;
        try {
          message = JSON.parse(line) as ChildMessage;
        } catch {
          continue;
        }
        if (message.type === 'error') entry.reportedError = `${message.name}: ${message.message}`;
        if (message.type === 'done') continue;
        entry.onMessage(message);
      }
    } finally {
      fs.closeSync(fd);
    }
  }

  private onStatus(entry: Entry, status: SlurmJobStatus): void {
    const key = entry.current!;
    this.forwardMessages(entry);
    if (status.state !== entry.lastState) {
      entry.lastState = status.state;
      this.emit({ type: 'state', instance: entry.job.instance, jobId: key, state: status.state, reason: status.reason });
      if (WAITING_STATES.has(status.state) || status.state === 'RUNNING' || status.state === 'COMPLETING') {
        const why = status.reason && status.reason !== 'None' ? ` (${status.reason})` : '';
        entry.onMessage({ type: 'progress', message: `Slurm job ${key} ${status.state.toLowerCase()}${why}` });
      }
    }
    if (!isTerminalState(status.state)) return;
    const marker = readExitMarker(entry.markerPath);
    if (this.succeeded(entry, key, status)) {
      this.state.forget(entry.job.instance);
      fs.rmSync(entry.markerPath, { force: true });
      fs.rmSync(entry.progressPath, { force: true });
      this.finish(entry, true, status.state, undefined, 0);
      return;
    }
    const exitCode = marker && marker.jobId === key ? marker.exitCode : parseExit(status.exitCode);
    const stageError = entry.reportedError ? `; the stage reported ${entry.reportedError}` : '';
    const detail = `Slurm job ${key} ended ${status.state}${status.reason && status.reason !== 'None' ? ` (${status.reason})` : ''}${exitCode !== null ? `, exit code ${exitCode}` : ''}${stageError}`;
    if (entry.attempts <= this.profile.maxRetries) {
      this.emit({ type: 'retry', instance: entry.job.instance, jobId: key, state: status.state, attempt: entry.attempts + 1 });
      entry.onMessage({
        type: 'log',
        level: 'warn',
        message: `${detail}; resubmitting (attempt ${entry.attempts + 1} of ${this.profile.maxRetries + 1}), resuming from its state`,
      });
      entry.current = undefined;
      this.state.markEnded(entry.job.instance);
      this.enqueue(entry);
      return;
    }
    this.state.forget(entry.job.instance);
    const tail = logTail(entry.job.logFile, 5);
    this.finish(
      entry,
      false,
      status.state,
      `SlurmJobFailedError: ${entry.job.instance} failed after ${entry.attempts} attempt(s) (jobs ${entry.info.jobIds.join(', ')}): ${detail}${tail ? `; log tail: ${tail}` : ''}`,
      exitCode,
    );
  }

  private finish(entry: Entry, ok: boolean, state: string, error?: string, exitCode: number | null = null): void {
    if (entry.finished) return;
    entry.finished = true;
    entry.info.finalState = state;
    this.entries.delete(entry);
    this.emit({ type: 'done', instance: entry.job.instance, jobId: entry.current ?? '', ok, state });
    entry.current = undefined;
    entry.resolve(ok ? { ok: true, exitCode: 0, signal: null } : { ok: false, exitCode, signal: null, ...(error ? { error } : {}) });
  }

  private cancelEntry(entry: Entry): void {
    if (entry.finished || entry.cancelled) return;
    entry.cancelled = true;
    const key = entry.current;
    if (key) this.scancelNow([key]);
    this.state.forget(entry.job.instance);
    entry.finished = true;
    this.entries.delete(entry);
    this.emit({ type: 'done', instance: entry.job.instance, jobId: key ?? '', ok: false, state: 'CANCELLED' });
    entry.resolve({ ok: false, exitCode: null, signal: 'SIGTERM', error: `cancelled${key ? ` (scancel ${key})` : ''}` });
  }

  /** scancel, synchronously: it must happen even when the process exits right after (Ctrl-C). */
  private scancelNow(jobIds: string[]): void {
    if (jobIds.length === 0) return;
    const bin = this.profile.binDir ? path.join(this.profile.binDir, 'scancel') : 'scancel';
    try {
      execFileSync(bin, jobIds, { env: this.options.clientEnv ?? process.env, stdio: 'ignore', timeout: 30_000 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new SlurmNotFoundError('scancel', this.profile.binDir);
      // Already ended: nothing to cancel.
    }
  }

  private emit(event: SlurmEvent): void {
    this.options.onEvent?.(event);
  }
}

function parseExit(exitCode: string | undefined): number | null {
  if (!exitCode) return null;
  const n = Number(exitCode.split(':')[0]);
  return Number.isFinite(n) ? n : null;
}

function logTail(file: string, lines: number): string {
  try {
    const text = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
    return text.slice(-lines).join(' | ');
  } catch {
    return '';
  }
}

/** Engine-private directory (under the results dir) for batch scripts, exit markers, job output. */
export const SLURM_WORK_DIR = '.moelab-slurm';

/** Options of {@link createSlurmExecutor}. */
export interface CreateSlurmExecutorOptions {
  /** Results dir of the run: the state file goes next to its lock file, scripts under `.moelab-slurm/`. */
  resultsDir: string;
  /** Repository root (job working directory; holds bin/moelab.js). */
  repoRoot: string;
  /** The profile: already validated, or raw input (a preset's `slurm` section) validated here. */
  profile?: SlurmProfile | SlurmProfileInput;
  /** Where a raw `profile` came from, for error messages. Default "slurm profile". */
  profileSource?: string;
  /** Environment of the Slurm client commands (e.g. SLURM_CONF). Default process.env. */
  clientEnv?: NodeJS.ProcessEnv;
  /** Milliseconds to collect launches into one job array. Default 150. */
  batchWindowMs?: number;
  /** Observer of submissions and state changes. */
  onEvent?: (event: SlurmEvent) => void;
  /** Skip the preflight checks (sbatch present, partitions exist). Default false. */
  skipPreflight?: boolean;
}

/**
 * Builds the slurm executor for a results dir and runs its preflight checks, so a missing `sbatch` or an
 * unknown partition fails before anything is planned (SlurmNotFoundError / SlurmPartitionError).
 */
export async function createSlurmExecutor(options: CreateSlurmExecutorOptions): Promise<SlurmExecutor> {
  const profile = parseSlurmProfile(options.profile ?? {}, options.profileSource ?? 'slurm profile');
  const resultsDir = path.resolve(options.resultsDir);
  const executor = new SlurmExecutor({
    profile,
    workDir: path.join(resultsDir, SLURM_WORK_DIR),
    stateFile: path.join(path.dirname(lockFilePath(resultsDir)), SLURM_STATE_FILE_NAME),
    repoRoot: path.resolve(options.repoRoot),
    clientEnv: options.clientEnv,
    batchWindowMs: options.batchWindowMs,
    onEvent: options.onEvent,
  });
  if (!options.skipPreflight) await executor.preflight();
  return executor;
}
