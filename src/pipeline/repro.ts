import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PresetError, StageCheckError, TargetError } from './errors';
import { decide, type Upstream } from './decide';
import { estimateCost, type CostEstimate } from './cost';
import { Fingerprinter, type Fingerprint, type InstanceStatus } from './fingerprint';
import { expandDag, selectInstances, type Dag, type StageInstance } from './graph';
import { loadPipeline } from './load';
import { acquireReproLock, readLock, writeLock, type LockEntry, type LockFileData } from './lock';
import { LocalExecutor } from './executors/local';
import { instanceSpec } from './child';
import { assertWritableRoot, foreignFiles, foreignFilesError } from './ownership';
import { ENGINE_DIRS, safeInstanceName, type PipelineRoots } from './paths';
import { SilentReporter, type ReproReporter } from './progress';
import { removeStaleTempFiles } from '../util/atomic-write';
import { pidAlive } from '../util/pid-alive';
import type { Executor, LoadedConfig, Pipeline, RunningJob } from './types';

/** Where the pipeline lives and which preset/results to use. */
export interface PipelineTarget extends PipelineRoots {
  /** Pipeline module (e.g. `<repo>/pipeline/dag.ts`). */
  pipelineModule: string;
  /** Preset name or file; default: the pipeline's `defaultPreset`. */
  preset?: string;
}

/** Options of `repro`. */
export interface ReproOptions extends PipelineTarget {
  /** Stages, instances or instance globs to bring up to date (with their ancestors); default: all. */
  targets?: string[];
  /** CPU slots (parallel instances); default: number of cores. */
  jobs?: number;
  /** Only report what would run and why. */
  dryRun?: boolean;
  /** Stages or instances to re-run even when up to date. */
  force?: string[];
  /** Where instances run; default LocalExecutor. */
  executor?: Executor;
  /** Progress sink; default silent. */
  reporter?: ReproReporter;
  /** Warnings (stale lock takeover); default stderr. */
  warn?: (message: string) => void;
}

/** Outcome of `repro`. */
export interface ReproSummary {
  preset: string;
  dryRun: boolean;
  /** Instances considered (targets + ancestors). */
  total: number;
  /** Instances run (or, with dryRun, that would run) with reasons. */
  ran: Array<{ instance: string; reasons: string[]; wallSeconds?: number }>;
  upToDate: string[];
  failed: Array<{ instance: string; error: string; logFile: string }>;
  /** Not run because an upstream failed (or the run was interrupted). */
  skipped: string[];
  /** SIGINT stopped the run (running instances were cancelled, nothing new started). */
  interrupted: boolean;
  wallSeconds: number;
  /** With dryRun: the estimated core-hours of what would run (stages with a cost model, i.e. training). */
  cost?: CostEstimate;
}

/** Everything needed to plan: loaded pipeline, config, expanded DAG, fingerprinter. */
export interface PipelineSession {
  pipeline: Pipeline<unknown>;
  loaded: LoadedConfig<unknown>;
  dag: Dag;
  roots: PipelineRoots;
  fingerprinter: Fingerprinter;
  pipelineModule: string;
}

/** Loads the pipeline module and preset and expands the DAG (all validation errors surface here, before anything runs). */
export function openPipeline(target: PipelineTarget): PipelineSession {
  const roots: PipelineRoots = {
    repoRoot: path.resolve(target.repoRoot),
    resultsDir: path.resolve(target.resultsDir),
    dataDir: path.resolve(target.dataDir),
  };
  const pipelineModule = path.resolve(target.pipelineModule);
  const pipeline = loadPipeline(pipelineModule);
  const loaded = pipeline.loadConfig(target.preset ?? pipeline.defaultPreset, roots.repoRoot);
  let dag: Dag;
  try {
    dag = expandDag(pipeline.stages, loaded.config, roots);
  } catch (e) {
    // A stage's plan-time check names the preset key; say which preset file it is in.
    if (e instanceof StageCheckError) throw new PresetError(`invalid preset ${loaded.file}: ${e.message}`, { cause: e.reason });
    throw e;
  }
  const fingerprinter = new Fingerprinter(roots, dag, [__dirname]);
  return { pipeline, loaded, dag, roots, fingerprinter, pipelineModule };
}

function forcedSet(dag: Dag, force: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const f of force) {
    const names = dag.groups.get(f) ?? (dag.byName.has(f) ? [f] : []);
    if (names.length === 0) throw new TargetError(`--force ${f}: no such stage or instance; stages: ${[...dag.groups.keys()].join(', ')}`);
    names.forEach((n) => out.add(n));
  }
  return out;
}

/**
 * Predicted status of instances (for `status` and `--dry-run`): an instance is stale when its key changed,
 * an output is missing or modified, it is forced, or an upstream instance will run.
 */
export function planStatus(session: PipelineSession, instances: readonly StageInstance[], force: ReadonlySet<string> = new Set()): InstanceStatus[] {
  const lock = readLock(session.roots.resultsDir);
  const planned = new Map<string, Upstream>();
  const out: InstanceStatus[] = [];
  for (const inst of instances) {
    const upstream = Object.fromEntries(inst.deps.map((d) => [d, planned.get(d) ?? null]));
    const d = decide(session.fingerprinter, inst, upstream, lock.instances[inst.name], force.has(inst.name));
    const stale = d.reasons.length > 0;
    planned.set(inst.name, d.key === null ? null : { key: d.key, willRun: stale });
    out.push({ name: inst.name, stage: inst.stage.name, stale, reasons: d.reasons, fingerprint: d.fingerprint });
  }
  session.fingerprinter.hashes.save();
  return out;
}

/** How long a repro waits at its end for orphaned stage children of a killed earlier run to exit. */
const ORPHAN_WAIT_MS = 10_000;

/**
 * The instance temp dirs under the roots (`.moelab-tmp/<instance>.<host>.<pid>`, `tmpDirFor`) with their owner:
 * `live` when its process runs on this host, `foreign` when another host wrote it (never touched from here).
 */
function tempDirs(roots: PipelineRoots): Array<{ dir: string; pid: number | null; owner: 'live' | 'dead' | 'foreign' }> {
  const out: Array<{ dir: string; pid: number | null; owner: 'live' | 'dead' | 'foreign' }> = [];
  for (const root of [roots.resultsDir, roots.dataDir]) {
    const dir = path.join(root, ENGINE_DIRS.tmp);
    if (!fs.existsSync(dir)) continue;
    for (const name of fs.readdirSync(dir)) {
      const m = /\.([^.]+)\.(\d+)$/.exec(name);
      const pid = m ? Number(m[2]) : null;
      const owner = m && m[1] !== os.hostname() ? 'foreign' : m && pidAlive(Number(m[2])) ? 'live' : 'dead';
      out.push({ dir: path.join(dir, name), pid, owner });
    }
  }
  return out;
}

/** Pids on this host other than this one that own a temp dir under the roots and are still alive. */
function tempOwners(roots: PipelineRoots): number[] {
  return tempDirs(roots).flatMap((t) => (t.owner === 'live' && t.pid !== process.pid ? [t.pid!] : []));
}

/** Waits (up to `ms`) until no live process owns a temp dir under the roots. */
async function orphansGone(roots: PipelineRoots, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (tempOwners(roots).length > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
}

/**
 * Removes what killed runs on this host left (their outputs were never committed): temp dirs of dead stage
 * children, temp files of interrupted atomic writes (lock, hash cache), and the old copy of a directory output
 * caught between its two renames (restored when the new one never arrived). Runs under the repro lock.
 */
export function cleanStaleTemp(roots: PipelineRoots, dag?: Dag): void {
  for (const t of tempDirs(roots)) if (t.owner === 'dead') fs.rmSync(t.dir, { recursive: true, force: true });
  for (const root of [roots.resultsDir, roots.dataDir]) removeStaleTempFiles(root);
  removeStaleTempFiles(path.join(roots.resultsDir, ENGINE_DIRS.cache));
  for (const inst of dag?.instances ?? []) {
    for (const o of inst.outputs) {
      if (!o.isDir) continue;
      const parent = path.dirname(o.abs);
      let names: string[];
      try {
        names = fs.readdirSync(parent);
      } catch {
        continue;
      }
      for (const name of names) {
        if (!name.startsWith(`${path.basename(o.abs)}.moelab-old-`)) continue;
        const m = /\.moelab-old-(\d+)$/.exec(name);
        if (!m || pidAlive(Number(m[1]))) continue;
        const trash = path.join(parent, name);
        if (fs.existsSync(o.abs)) fs.rmSync(trash, { recursive: true, force: true });
        else fs.renameSync(trash, o.abs);
      }
    }
  }
}

function lastLines(file: string, n: number): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-n).join('\n');
  } catch {
    return '';
  }
}

/**
 * Brings targets up to date: runs every stale instance (in child processes via the executor, up to `jobs`
 * CPU slots at once, dependencies first), committing outputs atomically and recording each success in the
 * lock file. Staleness of an instance is decided when its upstream instances are done, so an upstream
 * re-run that reproduces identical outputs does not cascade. A failed instance's dependants are skipped;
 * independent ones continue. Refuses to start when another `repro` holds the results dir.
 */
export async function repro(options: ReproOptions): Promise<ReproSummary> {
  const t0 = Date.now();
  const warn = options.warn ?? ((m: string) => process.stderr.write(`moelab: warning: ${m}\n`));
  const session = openPipeline(options);
  const { dag, roots, fingerprinter } = session;
  const selected = selectInstances(dag, options.targets ?? []);
  const force = forcedSet(dag, options.force ?? []);
  const jobs = Math.max(1, Math.floor(options.jobs ?? os.cpus().length));
  const summary: ReproSummary = {
    preset: session.loaded.name,
    dryRun: !!options.dryRun,
    total: selected.length,
    ran: [],
    upToDate: [],
    failed: [],
    skipped: [],
    interrupted: false,
    wallSeconds: 0,
  };

  if (options.dryRun) {
    const statuses = planStatus(session, selected, force);
    for (const s of statuses) {
      if (s.stale) summary.ran.push({ instance: s.name, reasons: s.reasons });
      else summary.upToDate.push(s.name);
    }
    summary.cost = estimateCost(selected, statuses, roots);
    summary.wallSeconds = (Date.now() - t0) / 1000;
    return summary;
  }

  // Never write into a folder that is not moelab's (`--results .`), nor replace a folder holding a user's files.
  assertWritableRoot(roots.resultsDir, '--results', roots.repoRoot);
  assertWritableRoot(roots.dataDir, '--data', roots.repoRoot);
  const lockHandle = acquireReproLock(roots.resultsDir, warn);
  try {
    const recorded = readLock(roots.resultsDir).instances;
    for (const inst of selected) {
      for (const o of inst.outputs) {
        if (!o.isDir) continue;
        const foreign = foreignFiles(o.abs, recorded[inst.name]?.outputs?.[o.spec], fingerprinter.hashes);
        if (foreign.length > 0) throw foreignFilesError(o.abs, foreign, inst.name);
      }
    }
  } catch (e) {
    lockHandle.release();
    throw e;
  }
  const reporter = options.reporter ?? new SilentReporter();
  const executor: Executor = options.executor ?? new LocalExecutor();
  const running = new Map<string, { job: RunningJob; done: Promise<void> }>();
  const onSigint = () => {
    summary.interrupted = true;
    for (const r of running.values()) r.job.cancel();
  };
  process.once('SIGINT', onSigint);
  try {
    cleanStaleTemp(roots, dag);
    const lock: LockFileData = readLock(roots.resultsDir);
    const state = new Map<string, 'waiting' | 'ready' | 'running' | 'ok' | 'failed' | 'skipped'>();
    const fps = new Map<string, Fingerprint>();
    const reasonsOf = new Map<string, string[]>();
    selected.forEach((i) => state.set(i.name, 'waiting'));
    reporter.plan(selected.length);
    let freeSlots = jobs;

    const evaluate = () => {
      for (const inst of selected) {
        if (state.get(inst.name) !== 'waiting') continue;
        const ds = inst.deps.map((d) => state.get(d));
        if (ds.some((s) => s === 'failed' || s === 'skipped')) {
          state.set(inst.name, 'skipped');
          summary.skipped.push(inst.name);
          reporter.skipped(inst.name, `upstream ${inst.deps.filter((d) => ['failed', 'skipped'].includes(state.get(d)!)).join(', ')} failed`);
          continue;
        }
        if (!ds.every((s) => s === 'ok')) continue;
        const upstream = Object.fromEntries(inst.deps.map((d) => [d, { key: fps.get(d)!.key }]));
        const d = decide(fingerprinter, inst, upstream, lock.instances[inst.name], force.has(inst.name));
        if (d.error || !d.fingerprint) {
          // every upstream is done, so a missing input is an error now (its producer finished without it)
          state.set(inst.name, 'failed');
          const error = d.error ? `${d.error.name}: ${d.error.message}` : d.reasons.join('; ');
          summary.failed.push({ instance: inst.name, error, logFile: '' });
          reporter.finish(inst.name, false, 0, error);
          continue;
        }
        fps.set(inst.name, d.fingerprint);
        if (d.reasons.length === 0) {
          state.set(inst.name, 'ok');
          summary.upToDate.push(inst.name);
          reporter.upToDate(inst.name);
        } else {
          state.set(inst.name, 'ready');
          reasonsOf.set(inst.name, d.reasons);
        }
      }
    };

    const launch = (inst: StageInstance, cpus: number) => {
      const fp = fps.get(inst.name)!;
      const reasons = reasonsOf.get(inst.name)!;
      const logFile = path.join(roots.resultsDir, ENGINE_DIRS.logs, `${safeInstanceName(inst.name)}.log`);
      const specFile = path.join(roots.resultsDir, ENGINE_DIRS.logs, `${safeInstanceName(inst.name)}.spec.json`);
      fs.mkdirSync(path.dirname(specFile), { recursive: true });
      fs.writeFileSync(specFile, JSON.stringify(instanceSpec(inst)));
      const started = new Date();
      const job = executor.launch(
        {
          instance: inst.name,
          stage: inst.stage.name,
          key: fp.key,
          argv: [
            'run-stage',
            inst.name,
            '--preset',
            session.loaded.ref,
            '--results',
            roots.resultsDir,
            '--data',
            roots.dataDir,
            '--dag',
            session.pipelineModule,
            '--key',
            fp.key,
            '--spec',
            specFile,
          ],
          cwd: roots.repoRoot,
          cpus,
          resources: inst.resources,
          logFile,
          env: {},
        },
        (m) => {
          if (m.type === 'progress') reporter.progress(inst.name, m);
          else if (m.type === 'log') reporter.log(inst.name, m.level, m.message);
        },
      );
      state.set(inst.name, 'running');
      freeSlots -= cpus;
      reporter.start(inst.name, reasons);
      const done = job.done.then((outcome) => {
        freeSlots += cpus;
        running.delete(inst.name);
        const finished = new Date();
        const wallSeconds = (finished.getTime() - started.getTime()) / 1000;
        let error = outcome.error;
        if (outcome.ok) {
          const outputs = fingerprinter.outputHashes(inst);
          const missing = Object.entries(outputs).filter(([, h]) => h === null);
          if (missing.length) error = `declared outputs missing after success: ${missing.map(([k]) => k).join(', ')}`;
          else {
            const entry: LockEntry = {
              key: fp.key,
              stage: inst.stage.name,
              params: fp.params,
              code: fp.code,
              inputs: fp.inputs,
              deps: fp.deps,
              outputs: outputs as Record<string, string>,
              started: started.toISOString(),
              finished: finished.toISOString(),
              wallSeconds,
              executor: job.info,
              preset: session.loaded.name,
            };
            lock.instances[inst.name] = entry;
            writeLock(roots.resultsDir, lock);
            state.set(inst.name, 'ok');
            summary.ran.push({ instance: inst.name, reasons, wallSeconds });
            reporter.finish(inst.name, true, wallSeconds);
            return;
          }
        }
        // never trust anything of a failed instance
        if (lock.instances[inst.name]) {
          delete lock.instances[inst.name];
          writeLock(roots.resultsDir, lock);
        }
        state.set(inst.name, 'failed');
        const tail = lastLines(logFile, 5);
        summary.failed.push({ instance: inst.name, error: error ?? 'failed', logFile });
        reporter.finish(inst.name, false, wallSeconds, `${error ?? 'failed'}${tail && !outcome.error?.includes(':') ? `\n${tail}` : ''} (log: ${logFile})`);
      });
      running.set(inst.name, { job, done });
    };

    for (;;) {
      evaluate();
      for (const inst of selected) {
        if (state.get(inst.name) !== 'ready' || summary.interrupted) continue;
        const cpus = Math.min(jobs, Math.max(1, Math.floor(Number(inst.resources.cpus ?? 1))));
        if (cpus <= freeSlots) launch(inst, cpus);
      }
      if (running.size === 0) break;
      await Promise.race([...running.values()].map((r) => r.done));
    }
    if (summary.interrupted) {
      for (const inst of selected) if (state.get(inst.name) === 'ready' || state.get(inst.name) === 'waiting') summary.skipped.push(inst.name);
    }
    fingerprinter.hashes.save();
    // A stage child of a killed earlier run may still have been exiting when this run started (its temp dir was
    // kept as a live process's): every child of this run is done now, and the repro lock keeps other runs out, so
    // a live owner left is such an orphan. Give it a moment to exit, then sweep again.
    await orphansGone(roots, ORPHAN_WAIT_MS);
    cleanStaleTemp(roots, dag);
  } finally {
    process.removeListener('SIGINT', onSigint);
    reporter.close();
    await executor.close?.();
    lockHandle.release();
  }
  summary.wallSeconds = (Date.now() - t0) / 1000;
  return summary;
}
