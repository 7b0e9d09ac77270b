import path from 'node:path';
import { DagError } from './errors';

/** The three roots paths are relative to. */
export interface PipelineRoots {
  /** Repository root (inputs without a prefix). */
  repoRoot: string;
  /** Results dir (outputs without a prefix, `results:` inputs). */
  resultsDir: string;
  /** Data dir (`data:` prefix). */
  dataDir: string;
}

/** A declared output resolved to its root. */
export interface ResolvedOutput {
  /** As declared, e.g. `data:tiny/train.bin` or `runs.csv`. */
  spec: string;
  /** `results` or `data`. */
  root: 'results' | 'data';
  /** Path relative to its root (no trailing slash). */
  rel: string;
  /** Absolute final path. */
  abs: string;
  /** Declared with a trailing `/`. */
  isDir: boolean;
}

/** Resolves an output spec; throws a DagError for absolute paths or paths escaping their root. */
export function resolveOutput(spec: string, roots: PipelineRoots, stage: string): ResolvedOutput {
  const isData = spec.startsWith('data:');
  const raw = spec.replace(/^(data|results):/, '');
  const isDir = raw.endsWith('/');
  const rel = path.posix.normalize(raw.replace(/\/+$/, ''));
  if (path.isAbsolute(rel) || rel.startsWith('..') || rel === '.' || rel === '') {
    throw new DagError(`stage ${stage}: output '${spec}' must be a relative path inside the ${isData ? 'data' : 'results'} dir`);
  }
  if (rel.startsWith('.moelab')) throw new DagError(`stage ${stage}: output '${spec}' uses the engine's reserved .moelab* names`);
  const base = isData ? roots.dataDir : roots.resultsDir;
  return { spec, root: isData ? 'data' : 'results', rel, abs: path.join(base, rel), isDir };
}

/** Absolute path of an input spec (`results:` / `data:` prefixes, absolute, or repo-relative). */
export function resolveInputPath(spec: string, roots: PipelineRoots): string {
  if (spec.startsWith('results:')) return path.join(roots.resultsDir, spec.slice('results:'.length));
  if (spec.startsWith('data:')) return path.join(roots.dataDir, spec.slice('data:'.length));
  return path.resolve(roots.repoRoot, spec);
}

/** Engine-private directory names under the results/data dirs. */
export const ENGINE_DIRS = {
  /** Temp outputs of running instances (`<root>/.moelab-tmp/<instance>.<pid>/`). */
  tmp: '.moelab-tmp',
  /** Persistent state (checkpoints) of instances. */
  state: '.moelab-state',
  /** Per-instance logs. */
  logs: '.moelab-logs',
  /** Hash cache. */
  cache: '.moelab-cache',
} as const;

/** File-system-safe form of an instance name. */
export function safeInstanceName(instance: string): string {
  return instance.replace(/[^A-Za-z0-9._=+@-]/g, '_');
}

/** Lock file path inside a results dir. */
export function lockFilePath(resultsDir: string): string {
  return path.join(resultsDir, 'moelab.lock.json');
}

/** Pid file that marks a running `repro` on a results dir. */
export function pidFilePath(resultsDir: string): string {
  return path.join(resultsDir, '.moelab-repro.pid');
}
