import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TargetError } from './errors';
import { expandDag, type StageInstance } from './graph';
import { loadPipeline } from './load';
import { ENGINE_DIRS, resolveInputPath, safeInstanceName, type PipelineRoots, type ResolvedOutput } from './paths';
import type { AnyStage, ChildMessage, StageContext, StageProgress } from './types';
import { HashCache } from './hash';
import { readLock } from './lock';
import { foreignFiles, foreignFilesError, OutputOwnershipError, writeOutputMarker } from './ownership';
import { writeFileAtomic } from '../util/atomic-write';
import { asDiskError } from '../util/fs-errors';

/** Options of `runStageInstance` (what `moelab run-stage` receives). */
export interface RunStageOptions extends PipelineRoots {
  /** Pipeline module path. */
  pipelineModule: string;
  /** Preset name or file; default: the pipeline's default preset. */
  preset?: string;
  /** Instance name, e.g. `corpus` or `train@moe-e8`. */
  instance: string;
  /** Key the parent computed (guards the state dir); optional when run by hand. */
  key?: string;
  /** JSON `InstanceSpec` written by the parent (fast start: only the stage module is loaded). */
  specFile?: string;
}

/** Exit code of a stage child whose parent `repro` went away. */
export const EXIT_PARENT_GONE = 70;

/** Sends messages to the parent: IPC when present, else JSON lines to `$MOELAB_PROGRESS_FILE`, else nothing. */
export function childMessenger(): (m: ChildMessage) => void {
  if (typeof process.send === 'function' && process.connected) {
    // The parent `repro` died (e.g. SIGKILL): stop too, so that an orphan never keeps writing the instance's
    // state dir while a restarted `repro` runs the same instance. Outputs are committed by rename only on
    // success, so nothing half-written is trusted; checkpoints are written atomically.
    process.once('disconnect', () => process.exit(EXIT_PARENT_GONE));
    return (m) => {
      if (process.connected) process.send!(m);
    };
  }
  const file = process.env.MOELAB_PROGRESS_FILE;
  if (file) return (m) => fs.appendFileSync(file, JSON.stringify(m) + '\n');
  return () => {};
}

/** Temp dir of an instance under a root (`<root>/.moelab-tmp/<instance>.<host>.<pid>`). */
export function tmpDirFor(root: string, instance: string): string {
  return path.join(root, ENGINE_DIRS.tmp, `${safeInstanceName(instance)}.${os.hostname()}.${process.pid}`);
}

/**
 * Checks that committing `o` replaces nothing moelab did not write: a directory output may replace only a folder
 * moelab committed (its marker lists every file in it, or the lock recorded its hash); a file output never
 * replaces a folder.
 */
function checkReplaceable(o: ResolvedOutput, instance: string, recordedHash: string | undefined, hashes: HashCache): void {
  if (!fs.existsSync(o.abs)) return;
  if (o.isDir) {
    const foreign = foreignFiles(o.abs, recordedHash, hashes);
    if (foreign.length > 0) throw foreignFilesError(o.abs, foreign, instance);
  } else if (fs.statSync(o.abs).isDirectory()) {
    throw new OutputOwnershipError(`${o.abs} is a folder, but ${instance} writes a file there; move the folder elsewhere, then run again`);
  }
}

function commitOutput(o: ResolvedOutput, tmp: string, instance: string): void {
  fs.mkdirSync(path.dirname(o.abs), { recursive: true });
  if (o.isDir) {
    writeOutputMarker(tmp, instance);
    if (fs.existsSync(o.abs)) {
      const trash = `${o.abs}.moelab-old-${process.pid}`;
      fs.renameSync(o.abs, trash);
      fs.renameSync(tmp, o.abs);
      fs.rmSync(trash, { recursive: true, force: true });
      return;
    }
  }
  fs.renameSync(tmp, o.abs);
}

/**
 * What the parent already resolved for one instance, so the child need not load the whole DAG and preset
 * (which imports every stage's dependencies): it loads only the stage's own module.
 */
export interface InstanceSpec {
  instance: string;
  stage: string;
  /** Stage module file (its default export, or any export, is the stage declaration). */
  module: string;
  params: Record<string, unknown>;
  matrix: unknown;
  outputs: ResolvedOutput[];
}

/** The spec of an instance, for `--spec`. */
export function instanceSpec(inst: StageInstance): InstanceSpec {
  return { instance: inst.name, stage: inst.stage.name, module: inst.stage.module, params: inst.params, matrix: inst.matrix, outputs: inst.outputs };
}

function isStage(x: unknown, name: string): x is AnyStage {
  return !!x && typeof x === 'object' && (x as AnyStage).name === name && typeof (x as AnyStage).run === 'function';
}

/** Instance from a spec file, or null when the stage is not an export of its module (then the DAG is loaded). */
function instanceFromSpec(specFile: string): StageInstance | null {
  const spec = JSON.parse(fs.readFileSync(specFile, 'utf8')) as InstanceSpec;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(spec.module) as Record<string, unknown>;
  const stage = [mod.default, ...Object.values(mod)].find((x): x is AnyStage => isStage(x, spec.stage));
  if (!stage) return null;
  return {
    name: spec.instance,
    stage,
    matrixName: spec.instance.includes('@') ? spec.instance.slice(spec.instance.indexOf('@') + 1) : null,
    params: spec.params,
    matrix: spec.matrix,
    deps: [],
    inputSpecs: [],
    outputs: spec.outputs,
    resources: {},
  };
}

/**
 * Runs one stage instance in this process: stage outputs go to temp paths and are renamed into place only
 * when `run` resolves and every declared output exists. Used by `moelab run-stage` (the child side of every
 * executor). With `specFile` only the stage's module is loaded; otherwise the pipeline and preset are.
 * Throws the stage's error (temp files removed, committed outputs untouched).
 */
export async function runStageInstance(opts: RunStageOptions, send: (m: ChildMessage) => void = childMessenger()): Promise<number> {
  const t0 = Date.now();
  const roots: PipelineRoots = { repoRoot: opts.repoRoot, resultsDir: opts.resultsDir, dataDir: opts.dataDir };
  let inst: StageInstance | undefined | null = opts.specFile ? instanceFromSpec(opts.specFile) : null;
  if (inst && inst.name !== opts.instance) throw new TargetError(`spec ${opts.specFile} is for ${inst.name}, not ${opts.instance}`);
  if (!inst) {
    const pipeline = loadPipeline(opts.pipelineModule);
    const loaded = pipeline.loadConfig(opts.preset ?? pipeline.defaultPreset, opts.repoRoot);
    const dag = expandDag(pipeline.stages, loaded.config, roots);
    inst = dag.byName.get(opts.instance);
    if (!inst) throw new TargetError(`no stage instance '${opts.instance}' in ${opts.pipelineModule} with preset ${loaded.name}; moelab dag lists them`);
  }
  const instance: StageInstance = inst;

  const tmpRoots = { results: tmpDirFor(opts.resultsDir, instance.name), data: tmpDirFor(opts.dataDir, instance.name) };
  const tmpOf = (o: ResolvedOutput) => path.join(tmpRoots[o.root], o.rel);
  const cleanup = () => {
    for (const d of Object.values(tmpRoots)) fs.rmSync(d, { recursive: true, force: true });
  };
  let stateDir = '';
  if (instance.stage.state) {
    stateDir = path.join(opts.resultsDir, ENGINE_DIRS.state, safeInstanceName(instance.name));
    const keyFile = path.join(stateDir, '.moelab-key');
    try {
      if (opts.key && fs.existsSync(keyFile) && fs.readFileSync(keyFile, 'utf8').trim() !== opts.key) {
        fs.rmSync(stateDir, { recursive: true, force: true }); // state of another fingerprint: never resume it
      }
      fs.mkdirSync(stateDir, { recursive: true });
      if (opts.key) writeFileAtomic(keyFile, opts.key);
    } catch (e) {
      const err = asDiskError(e, keyFile) as Error;
      send({ type: 'error', name: err?.name ?? 'Error', message: err?.message ?? String(e) });
      throw err;
    }
  }

  const ctx: StageContext<Record<string, unknown>, unknown> = {
    instance: instance.name,
    stage: instance.stage.name,
    params: instance.params,
    matrix: instance.matrix,
    key: opts.key ?? '',
    resultsDir: opts.resultsDir,
    dataDir: opts.dataDir,
    repoRoot: opts.repoRoot,
    out(spec: string): string {
      const norm = (s: string) => s.replace(/\/+$/, '');
      const exact = instance.outputs.find((o) => norm(o.spec) === norm(spec));
      if (exact) {
        const p = tmpOf(exact);
        fs.mkdirSync(exact.isDir ? p : path.dirname(p), { recursive: true });
        return p;
      }
      const parent = instance.outputs.find((o) => o.isDir && norm(spec).startsWith(`${norm(o.spec)}/`));
      if (parent) {
        const p = path.join(tmpOf(parent), norm(spec).slice(norm(parent.spec).length + 1));
        fs.mkdirSync(path.dirname(p), { recursive: true });
        return p;
      }
      throw new TargetError(`stage ${instance.name} writes '${spec}', which is not among its declared outputs (${instance.outputs.map((o) => o.spec).join(', ')}); declare it`);
    },
    resolve: (spec: string) => {
      const o = instance.outputs.find((x) => x.spec === spec);
      return o ? o.abs : resolveInputPath(spec, roots);
    },
    get stateDir(): string {
      if (!stateDir) throw new TargetError(`stage ${instance.stage.name} uses ctx.stateDir but does not declare state: true`);
      return stateDir;
    },
    progress: (p: StageProgress) => send({ type: 'progress', ...p }),
    log: {
      info: (message: string) => {
        process.stdout.write(`${message}\n`);
        send({ type: 'log', level: 'info', message });
      },
      warn: (message: string) => {
        process.stderr.write(`warning: ${message}\n`);
        send({ type: 'log', level: 'warn', message });
      },
    },
  };

  const onSignal = () => {
    cleanup();
    process.exit(143);
  };
  process.once('SIGTERM', onSignal);
  try {
    cleanup();
    await instance.stage.run(ctx);
    for (const o of instance.outputs) {
      if (!fs.existsSync(tmpOf(o))) {
        throw new TargetError(`stage ${instance.name} finished without writing its declared output ${o.spec}; write it to ctx.out('${o.spec}')`);
      }
    }
    // Nothing is committed unless every output may be replaced (a user's file in results/notebooks/ stops it).
    const recorded = readLock(opts.resultsDir).instances[instance.name]?.outputs ?? {};
    const hashes = new HashCache();
    for (const o of instance.outputs) checkReplaceable(o, instance.name, recorded[o.spec], hashes);
    for (const o of instance.outputs) commitOutput(o, tmpOf(o), instance.name);
    if (instance.stage.state === true && stateDir) fs.rmSync(stateDir, { recursive: true, force: true });
  } catch (e) {
    // A full disk or read-only folder is named with its path (e.g. the metrics file the trainer appends to).
    const err = asDiskError(e) as Error;
    send({ type: 'error', name: err?.name ?? 'Error', message: err?.message ?? String(e) });
    throw err;
  } finally {
    cleanup();
    process.removeListener('SIGTERM', onSignal);
  }
  const wallSeconds = (Date.now() - t0) / 1000;
  send({ type: 'done', wallSeconds });
  return 0;
}
