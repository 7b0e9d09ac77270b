import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PipelineError, ReproLockedError } from './errors';
import { writeFileAtomic } from '../util/atomic-write';
import { pidAlive } from '../util/pid-alive';
import { asDiskError, withDiskErrors } from '../util/fs-errors';
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

/** Wall seconds per stage recorded in the lock file (matrix instances summed), in first-seen order: the reports' timing table. */
export function stageWallSeconds(resultsDir: string): Array<{ stage: string; instances: number; seconds: number }> {
  const perStage = new Map<string, { instances: number; seconds: number }>();
  for (const entry of Object.values(readLock(resultsDir).instances)) {
    const s = perStage.get(entry.stage) ?? { instances: 0, seconds: 0 };
    s.instances += 1;
    s.seconds += entry.wallSeconds;
    perStage.set(entry.stage, s);
  }
  return [...perStage.entries()].map(([stage, s]) => ({ stage, ...s }));
}

/** Writes the lock file atomically (sorted by instance name, so diffs are readable); a full disk is a DiskError naming it. */
export function writeLock(resultsDir: string, data: LockFileData): void {
  const sorted: LockFileData = { version: LOCK_VERSION, instances: {} };
  for (const k of Object.keys(data.instances).sort()) sorted.instances[k] = data.instances[k];
  writeFileAtomic(lockFilePath(resultsDir), JSON.stringify(sorted, null, 1) + '\n');
}

/** A held `repro` lock on a results dir; `release()` removes the pid file. */
export interface ReproLock {
  readonly file: string;
  release(): void;
}

/** What a pid file says about the process holding it: `<pid> <host> <boot id> <start ticks>` (the last two may be `-`). */
export interface LockHolder {
  pid: number;
  host: string;
  /** `/proc/sys/kernel/random/boot_id` of the holder's machine (Linux), to tell a pid of an earlier boot. */
  bootId?: string;
  /** Start time of the holder process in clock ticks since boot (`/proc/<pid>/stat` field 22), to tell a reused pid. */
  startTicks?: number;
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** This machine's boot id (Linux), or undefined. */
export function bootId(): string | undefined {
  return readText('/proc/sys/kernel/random/boot_id')?.trim() || undefined;
}

/** Start time of a process in clock ticks since boot (Linux `/proc/<pid>/stat`), or undefined when unknown. */
export function processStartTicks(pid: number): number | undefined {
  const stat = readText(`/proc/${pid}/stat`);
  if (!stat) return undefined;
  // the command name (field 2) is in parentheses and may contain spaces: fields after the last ')' are fixed
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[19]); // field 22 overall; fields[0] is field 3 (state)
  return Number.isFinite(ticks) ? ticks : undefined;
}

function processCommand(pid: number): string | undefined {
  return readText(`/proc/${pid}/cmdline`)?.split('\0').join(' ').trim() || undefined;
}

/** The pid-file line for this process. */
export function holderLine(pid = process.pid): string {
  return `${pid} ${os.hostname()} ${bootId() ?? '-'} ${processStartTicks(pid) ?? '-'}\n`;
}

/** Parses a pid file's text (tolerates the old `<pid> [host]` form, garbage and empty files: pid NaN). */
export function parseHolder(text: string): LockHolder {
  const [pidText, host, boot, ticks] = text.trim().split(/\s+/);
  const pid = /^\d+$/.test(pidText ?? '') ? Number(pidText) : NaN;
  return {
    pid,
    host: host || os.hostname(),
    bootId: boot && boot !== '-' ? boot : undefined,
    startTicks: ticks && ticks !== '-' && /^\d+$/.test(ticks) ? Number(ticks) : undefined,
  };
}

/** Verdict on a pid file's holder, seen from this host. */
export type HolderVerdict =
  | { state: 'live'; detail: string }
  | { state: 'remote'; detail: string }
  | { state: 'stale'; detail: string };

/**
 * Whether the process a pid file names still holds it: a file of another host cannot be checked (remote); a file
 * of an earlier boot, of a dead pid, of a pid now used by a process that started later (start time differs), or
 * naming a live process that is not moelab (old-format files without a start time) is stale; garbage is stale.
 */
export function judgeHolder(h: LockHolder): HolderVerdict {
  if (Number.isNaN(h.pid) || h.pid <= 0) return { state: 'stale', detail: 'no process (the file is empty or garbled)' };
  if (h.host !== os.hostname()) return { state: 'remote', detail: `pid ${h.pid} on host ${h.host}` };
  const boot = bootId();
  if (h.bootId && boot && h.bootId !== boot) return { state: 'stale', detail: `pid ${h.pid}, written before this machine last booted` };
  if (!pidAlive(h.pid)) return { state: 'stale', detail: `pid ${h.pid}, which is no longer running` };
  const ticks = processStartTicks(h.pid);
  if (h.startTicks !== undefined && ticks !== undefined) {
    if (ticks !== h.startTicks) return { state: 'stale', detail: `pid ${h.pid}, which is now another process (it started after the lock was written)` };
    return { state: 'live', detail: `pid ${h.pid}` };
  }
  // No start time to compare (an old-format or hand-written file): a live pid holds the lock only if it is moelab.
  const cmd = processCommand(h.pid);
  if (cmd !== undefined && !/moelab|src\/cli\/main\.ts/.test(cmd)) {
    return { state: 'stale', detail: `pid ${h.pid}, which is alive but is not a moelab repro (${cmd.length > 60 ? `${cmd.slice(0, 57)}...` : cmd})` };
  }
  return { state: 'live', detail: `pid ${h.pid}` };
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Links a fresh temp file holding `content` to `target`; false when `target` exists (nothing is ever half-written there). */
function linkExclusive(target: string, content: string): boolean {
  const tmp = `${target}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  try {
    fs.writeFileSync(tmp, content);
    fs.linkSync(tmp, target);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw asDiskError(e, target);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

function inode(file: string): number | undefined {
  try {
    return fs.statSync(file).ino;
  } catch {
    return undefined;
  }
}

/**
 * Removes a stale pid file, under a short takeover lock (`<file>.takeover`) so that two processes that both judged
 * it stale cannot both remove it and then each take a lock the other already holds: the file is removed only
 * when it is still the very file (inode and text) that was judged stale. Returns false when the file changed or
 * another process is taking it over (the caller re-reads and judges again).
 */
function removeStale(file: string, judgedText: string, judgedInode: number | undefined): boolean {
  const mutex = `${file}.takeover`;
  if (!linkExclusive(mutex, holderLine())) {
    const other = readText(mutex);
    const age = (() => {
      try {
        return Date.now() - fs.statSync(mutex).mtimeMs;
      } catch {
        return 0;
      }
    })();
    // a takeover takes microseconds: one whose holder died (and is old) is removed; otherwise wait for it
    if (other !== undefined && judgeHolder(parseHolder(other)).state === 'stale' && age > 2000) fs.rmSync(mutex, { force: true });
    return false;
  }
  try {
    if (readText(file) !== judgedText || inode(file) !== judgedInode) return false;
    fs.rmSync(file, { force: true });
    return true;
  } finally {
    fs.rmSync(mutex, { force: true });
  }
}

/**
 * Takes the exclusive `repro` lock of a results dir: `<results>/.moelab-repro.pid` holds `<pid> <host> <boot id>
 * <start ticks>`, written to a temp file first and then hard-linked into place, so the file appears complete or not
 * at all and exactly one of two racing processes gets it. A live holder, or any holder on another host (its liveness
 * cannot be checked from here), is a ReproLockedError naming it; a stale holder's file (dead pid, reused pid, earlier
 * boot, garbage, an unrelated live process in an old-format file) is taken over with a warning.
 */
export function acquireReproLock(resultsDir: string, warn: (m: string) => void = () => {}): ReproLock {
  const file = pidFilePath(resultsDir);
  withDiskErrors(resultsDir, () => fs.mkdirSync(resultsDir, { recursive: true }));
  const mine = holderLine();
  const deadline = Date.now() + 5000;
  for (let attempt = 0; Date.now() < deadline || attempt < 3; attempt++) {
    if (linkExclusive(file, mine)) {
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        process.removeListener('exit', release);
        if (readText(file) === mine) fs.rmSync(file, { force: true });
      };
      process.once('exit', release);
      return { file, release };
    }
    const text = readText(file);
    const ino = inode(file);
    if (text === undefined) continue; // released between our link and our read: try again
    const holder = parseHolder(text);
    const verdict = judgeHolder(holder);
    if (verdict.state === 'remote') {
      throw new ReproLockedError(
        `another moelab repro (${verdict.detail}) holds ${resultsDir}; wait for it, or delete ${file} if that process is gone`,
        holder.pid,
      );
    }
    if (verdict.state === 'live') {
      throw new ReproLockedError(
        `another moelab repro (pid ${holder.pid}) is running on ${resultsDir}; wait for it, stop it (kill ${holder.pid}), or use another --results dir`,
        holder.pid,
      );
    }
    if (removeStale(file, text, ino)) warn(`taking over stale lock ${file} of ${verdict.detail}`);
    else sleepSync(5 + Math.floor(Math.random() * 20));
  }
  throw new PipelineError(`could not take the repro lock ${file}; remove it if no moelab repro is running`);
}
