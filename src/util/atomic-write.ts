/** Atomic file output shared by every module that writes results: a temp file beside the target, then rename. */
import fs from 'node:fs';
import path from 'node:path';
import { asDiskError } from './fs-errors';

/** Suffix of the temp files `writeFileAtomic` leaves only when killed mid-write (`<file>.tmp-<pid>-<random>`). */
export const TEMP_SUFFIX_RE = /\.tmp-(\d+)(?:-[a-z0-9]+)?(?:\.[A-Za-z0-9]+)?$/;

/**
 * Writes `data` to `file` via a temp file and a rename, so readers never see a half-written file. A failed write
 * (full disk, read-only folder) removes the temp file and throws a DiskError naming `file`.
 */
export function writeFileAtomic(file: string, data: string | Uint8Array, options: { mode?: number } = {}): void {
  const tmp = `${file}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  try {
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    fs.writeFileSync(tmp, data, options.mode === undefined ? undefined : { mode: options.mode });
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw asDiskError(err, file);
  }
}

/** Whether a process with this pid exists on this host (EPERM: it exists but is not ours). */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the temp files (`*.tmp-<pid>…`) that atomic writes of dead processes left in `dir` (not recursive);
 * those of live processes are kept. Returns the names removed.
 */
export function removeStaleTempFiles(dir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = TEMP_SUFFIX_RE.exec(name);
    if (!m || pidAlive(Number(m[1]))) continue;
    try {
      fs.rmSync(path.join(dir, name), { recursive: true, force: true });
      removed.push(name);
    } catch {
      // read-only or vanished: leave it
    }
  }
  return removed;
}
