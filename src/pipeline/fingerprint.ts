import fs from 'node:fs';
import path from 'node:path';
import fg from 'fast-glob';
import { PipelineError } from './errors';
import type { Dag, StageInstance } from './graph';
import { instanceParams } from './graph';
import { CodeHasher, HashCache, sha256 } from './hash';
import { outputMayMatch } from './glob';
import { stableStringify } from './json';
import type { LockEntry } from './lock';
import { ENGINE_DIRS, resolveInputPath, type PipelineRoots } from './paths';
import { MoelabError } from '../errors';

/** Bump to invalidate every key (changes of fingerprint semantics). */
export const KEY_VERSION = 1;

/** The parts of an instance's key. */
export interface Fingerprint {
  key: string;
  params: unknown;
  code: string;
  /** Input label → sha256. */
  inputs: Record<string, string>;
  /** Upstream instance → key. */
  deps: Record<string, string>;
}

/** Up-to-date check of one instance. */
export interface InstanceStatus {
  name: string;
  stage: string;
  /** Whether it must run. */
  stale: boolean;
  /** Why (empty when up to date). */
  reasons: string[];
  /** Its fingerprint, when every input exists. */
  fingerprint: Fingerprint | null;
}

/** Inputs of an instance not yet present (built by an upstream instance that has not run). */
export class InputsPendingError extends MoelabError {
  override name = 'InputsPendingError';
}

function short(v: unknown): string {
  const s = stableStringify(v);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

/** Dotted keys whose values differ between two parameter objects (leaves up to depth 6). */
export function diffParams(a: unknown, b: unknown, prefix = '', depth = 0): string[] {
  const isObj = (x: unknown) => x !== null && typeof x === 'object' && !Array.isArray(x);
  if (depth < 6 && isObj(a) && isObj(b)) {
    const keys = new Set([...Object.keys(a as object), ...Object.keys(b as object)]);
    return [...keys].sort().flatMap((k) =>
      diffParams((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], prefix ? `${prefix}.${k}` : k, depth + 1),
    );
  }
  return stableStringify(a) === stableStringify(b) ? [] : [`param ${prefix || '(all)'} changed (${short(a)} → ${short(b)})`];
}

/** Computes fingerprints and staleness, with hash caches shared across instances. */
export class Fingerprinter {
  readonly hashes: HashCache;
  readonly code: CodeHasher;

  constructor(
    readonly roots: PipelineRoots,
    readonly dag: Dag,
    /** Directories excluded from code hashes (the engine itself). */
    engineDirs: string[],
  ) {
    this.hashes = new HashCache(path.join(roots.resultsDir, ENGINE_DIRS.cache, 'hashes.json'));
    this.code = new CodeHasher(roots.repoRoot, engineDirs);
  }

  /** Label under which an input path is recorded. */
  private label(abs: string): string {
    const { repoRoot, resultsDir, dataDir } = this.roots;
    const within = (root: string) => !path.relative(root, abs).startsWith('..') && !path.isAbsolute(path.relative(root, abs));
    if (within(resultsDir)) return `results:${path.relative(resultsDir, abs)}`;
    if (within(dataDir)) return `data:${path.relative(dataDir, abs)}`;
    if (within(repoRoot)) return path.relative(repoRoot, abs);
    return abs;
  }

  /** The instance whose declared output is `abs` or a folder holding it (a file inside a directory output). */
  producerOf(abs: string): string | undefined {
    for (let p = abs.replace(/\/+$/, ''); ; ) {
      const hit = this.dag.producers.get(p);
      if (hit) return hit;
      const up = path.dirname(p);
      if (up === p) return undefined;
      p = up;
    }
  }

  /** Instances (other than `self`) whose declared outputs may match an input glob. */
  globProducers(pattern: string, self: string): string[] {
    const out = new Set<string>();
    for (const inst of this.dag.instances) {
      if (inst.name === self) continue;
      if (inst.outputs.some((o) => outputMayMatch(pattern, o.abs, o.isDir))) out.add(inst.name);
    }
    return [...out];
  }

  /**
   * Input label → hash. An input (or glob) that an upstream instance builds and that is absent (not built yet, or
   * its builder was killed) is an InputsPendingError; one that nobody produces is a PipelineError.
   */
  inputHashes(inst: StageInstance): Record<string, string> {
    const out: Record<string, string> = {};
    for (const spec of inst.inputSpecs) {
      const abs = resolveInputPath(spec, this.roots);
      const files = fg.isDynamicPattern(spec) ? fg.sync(abs, { onlyFiles: true, dot: false }).sort() : [abs];
      if (files.length === 0) {
        const producers = this.globProducers(abs, inst.name);
        if (producers.length > 0) {
          const shown = producers.length > 3 ? `${producers.slice(0, 3).join(', ')} and ${producers.length - 3} more` : producers.join(', ');
          throw new InputsPendingError(`input glob '${spec}' matches no file yet: ${shown} build${producers.length === 1 ? 's' : ''} it`);
        }
        throw new PipelineError(`stage ${inst.name}: input glob '${spec}' matches no file; fix the stage's inputs or create the files`);
      }
      for (const f of files) {
        const h = this.hashes.fileHash(f);
        if (h === null) {
          const producer = this.producerOf(f);
          if (producer && producer !== inst.name) throw new InputsPendingError(`input ${this.label(f)} is built by ${producer}, which has not run`);
          throw new PipelineError(`stage ${inst.name}: input ${this.label(f)} does not exist and no stage produces it; create it or fix the path`);
        }
        out[this.label(f)] = h;
      }
    }
    return out;
  }

  /** Fingerprint of an instance given its upstream keys. */
  fingerprint(inst: StageInstance, depKeys: Record<string, string>): Fingerprint {
    const params = instanceParams(inst);
    const code = this.code.hash(inst.stage.module);
    const inputs = this.inputHashes(inst);
    const deps: Record<string, string> = {};
    for (const d of inst.deps) deps[d] = depKeys[d];
    const key = sha256(stableStringify({ v: KEY_VERSION, instance: inst.name, params, code, inputs, deps })).slice(0, 32);
    return { key, params, code, inputs, deps };
  }

  /** Output spec → current hash (null when missing). */
  outputHashes(inst: StageInstance): Record<string, string | null> {
    const out: Record<string, string | null> = {};
    for (const o of inst.outputs) {
      let h: string | null = null;
      if (fs.existsSync(o.abs)) h = o.isDir ? this.hashes.dirHash(o.abs) : this.hashes.fileHash(o.abs);
      out[o.spec] = h;
    }
    return out;
  }

  /** Why an instance with fingerprint `fp` is stale against its lock entry (empty = up to date). */
  reasons(inst: StageInstance, fp: Fingerprint, entry: LockEntry | undefined): string[] {
    if (!entry) return ['never run'];
    const why: string[] = [];
    if (entry.key !== fp.key) {
      why.push(...diffParams(entry.params, fp.params));
      if (entry.code !== fp.code) why.push('code changed');
      for (const k of new Set([...Object.keys(entry.inputs ?? {}), ...Object.keys(fp.inputs)])) {
        const was = entry.inputs?.[k];
        const now = fp.inputs[k];
        if (was !== now) why.push(was === undefined ? `input ${k} added` : now === undefined ? `input ${k} removed` : `input ${k} changed`);
      }
      for (const k of new Set([...Object.keys(entry.deps ?? {}), ...Object.keys(fp.deps)])) {
        if (entry.deps?.[k] !== fp.deps[k]) why.push(`upstream ${k} changed`);
      }
      if (why.length === 0) why.push('fingerprint changed');
    }
    const current = this.outputHashes(inst);
    for (const o of inst.outputs) {
      if (current[o.spec] === null) why.push(`output ${o.spec} missing`);
      else if (entry.outputs?.[o.spec] !== current[o.spec]) why.push(`output ${o.spec} modified`);
    }
    return why;
  }
}
