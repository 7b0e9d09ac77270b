/** Atomic file output shared by every module that writes results: a temp file beside the target, then rename. */
import fs from 'node:fs';
import path from 'node:path';
import { asDiskError } from './fs-errors';
import { pidAlive } from './pid-alive';

/** Suffix of the temp files `writeFileAtomic` leaves only when killed mid-write (`<file>.tmp-<pid>-<random>`). */
export const TEMP_SUFFIX_RE = /\.tmp-(\d+)(?:-[a-z0-9]+)?(?:\.[A-Za-z0-9]+)?$/;

/** What `writeFileAtomic` options allow. */
export interface AtomicWriteOptions {
  /** File mode of the new file (e.g. 0o755 for a script). Default: the process's umask. */
  mode?: number;
  /** fsync the temp file before the rename, so the new content survives a power loss, not only a kill. Default false. */
  fsync?: boolean;
}

/**
 * Writes `data` to `file` via a temp file and a rename, so readers never see a half-written file. `data` may be a
 * list of chunks, written one after another (a large payload is not copied into one buffer). A failed write
 * (full disk, read-only folder) removes the temp file and throws a DiskError naming `file`.
 */
export function writeFileAtomic(file: string, data: string | Uint8Array | readonly Uint8Array[], options: AtomicWriteOptions = {}): void {
  const tmp = `${file}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  try {
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    if (typeof data === 'string' || data instanceof Uint8Array) {
      if (options.fsync) writeChunks(tmp, [typeof data === 'string' ? Buffer.from(data, 'utf8') : data], options);
      else fs.writeFileSync(tmp, data, options.mode === undefined ? undefined : { mode: options.mode });
    } else writeChunks(tmp, data, options);
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw asDiskError(err, file);
  }
}

function writeChunks(tmp: string, chunks: readonly Uint8Array[], options: AtomicWriteOptions): void {
  const fd = fs.openSync(tmp, 'w', options.mode);
  try {
    for (const buf of chunks) {
      let done = 0;
      while (done < buf.length) done += fs.writeSync(fd, buf, done, buf.length - done);
    }
    if (options.fsync) fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
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
