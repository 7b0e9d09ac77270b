import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PipelineError, ReproLockedError } from './errors';
import { lockFilePath, pidFilePath } from './paths';
import type { ExecutorInfo } from './types';

/** Lock-file format version. */
export const LOCK_VERSION = 1;

/** What the lock file records per stage instance (DVC-style). */
export interface LockEntry {
  /** Fingerprint key. */
  key: string;
  stage: string;
  /** Parameter values it ran with (declared keys; matrix params under `@matrix`). */
  params: unknown;
  /** Code hash of the stage module closure. */
  code: string;
  /** Input path (as resolved, repo-relative or prefixed) → sha256. */
  inputs: Record<string, string>;
  /** Upstream instance → its key. */
  deps: Record<string, string>;
  /** Output spec → sha256 (file or directory hash). */
  outputs: Record<string, string>;
  /** ISO timestamps. */
  started: string;
  finished: string;
  wallSeconds: number;
  executor: ExecutorInfo;
  /** Preset the instance ran under. */
  preset: string;
}

/** The lock file `results/moelab.lock.json`. */
export interface LockFileData {
  version: number;
  /** Instance name → entry. */
  instances: Record<string, LockEntry>;
}

/** Reads the lock file (empty when absent); a PipelineError naming the file when it is corrupt. */
export function readLock(resultsDir: string): LockFileData {
  const file = lockFilePath(resultsDir);
  if (!fs.existsSync(file)) return { version: LOCK_VERSION, instances: {} };
  let data: LockFileData;
  try {
    data = JSON.parse(fs.readFileSync(file, 'utf8')) as LockFileData;
  } catch (e) {
    throw new PipelineError(`${file} is not valid JSON (${(e as Error).message}); delete it to re-run everything, or restore it from git`);
  }
  if (data.version !== LOCK_VERSION || typeof data.instances !== 'object') {
    throw new PipelineError(`${file} has version ${String(data.version)}, expected ${LOCK_VERSION}; delete it to re-run everything`);
  }
  return data;
}

/** Writes the lock file atomically (sorted by instance name, so diffs are readable). */
export function writeLock(resultsDir: string, data: LockFileData): void {
  const file = lockFilePath(resultsDir);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const sorted: LockFileData = { version: LOCK_VERSION, instances: {} };
  for (const k of Object.keys(data.instances).sort()) sorted.instances[k] = data.instances[k];
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, JSON.stringify(sorted, null, 1) + '\n');
  fs.renameSync(tmp, file);
}

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A held `repro` lock on a results dir; `release()` removes the pid file. */
export interface ReproLock {
  readonly file: string;
  release(): void;
}

/**
 * Takes the exclusive `repro` lock of a results dir: creates `<results>/.moelab-repro.pid` (`<pid> <host>`)
 * with O_EXCL. A live holder, or any holder on another host (its liveness cannot be checked from here) →
 * ReproLockedError naming its pid; a dead holder's file on this host is taken over (`warn` is called).
 */
export function acquireReproLock(resultsDir: string, warn: (m: string) => void = () => {}): ReproLock {
  const file = pidFilePath(resultsDir);
  fs.mkdirSync(resultsDir, { recursive: true });
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = fs.openSync(file, 'wx');
      fs.writeSync(fd, `${process.pid} ${os.hostname()}\n`);
      fs.closeSync(fd);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        process.removeListener('exit', release);
        try {
          if (fs.readFileSync(file, 'utf8').trim().split(/\s+/)[0] === String(process.pid)) fs.unlinkSync(file);
        } catch {
          // already gone
        }
      };
      process.once('exit', release);
      return { file, release };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let holder = NaN;
    let host = os.hostname();
    try {
      const [pidText, hostText] = fs.readFileSync(file, 'utf8').trim().split(/\s+/);
      holder = Number.parseInt(pidText, 10);
      if (hostText) host = hostText;
    } catch {
      continue; // vanished between open and read: retry
    }
    if (host !== os.hostname()) {
      throw new ReproLockedError(
        `another moelab repro (pid ${holder} on host ${host}) holds ${resultsDir}; wait for it, or delete ${file} if that process is gone`,
        holder,
      );
    }
    if (alive(holder)) {
      throw new ReproLockedError(
        `another moelab repro (pid ${holder}) is running on ${resultsDir}; wait for it, stop it (kill ${holder}), or use another --results dir`,
        holder,
      );
    }
    warn(`taking over stale lock ${file} of pid ${Number.isNaN(holder) ? '?' : holder}, which is no longer running`);
    try {
      fs.unlinkSync(file);
    } catch {
      // someone else took it over first; retry
    }
  }
  throw new PipelineError(`could not take the repro lock ${file}; remove it if no moelab repro is running`);
}
