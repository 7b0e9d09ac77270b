/**
 * File-system failures that the user fixes (a full disk, a read-only folder, a quota) as named errors that say
 * which path, what happened and what to do, instead of a bare `ENOSPC: no space left on device, write`.
 */
import path from 'node:path';
import { MoelabError } from '../errors';

/** errno codes that mean "the file system refuses to store this", with what to tell the user. */
const DISK_CODES: Record<string, { what: string; fix: string }> = {
  ENOSPC: { what: 'no space left on the device', fix: 'free space on that file system (df -h shows it) or point --results/--data at another one, then run again; nothing half-written is trusted' },
  EDQUOT: { what: 'the disk quota is exhausted', fix: 'free space within your quota or point --results/--data at another file system, then run again' },
  EFBIG: { what: 'the file is too large for this file system', fix: 'use a file system that allows larger files for --results/--data' },
  EROFS: { what: 'the file system is read-only', fix: 'remount it read-write or choose a writable --results/--data folder (moelab status and repro --dry-run work read-only)' },
  EACCES: { what: 'permission denied', fix: 'give this user access to it or choose another --results/--data folder' },
  EPERM: { what: 'operation not permitted', fix: 'give this user access to it or choose another --results/--data folder' },
};

/** A write the file system refused (ENOSPC, EDQUOT, EROFS, EACCES, …): names the path, the cause and the fix. */
export class DiskError extends MoelabError {
  override name = 'DiskError';
  constructor(
    /** errno code, e.g. `ENOSPC`. */
    readonly code: string,
    /** The path being written. */
    readonly path: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Whether `err` is an errno error that `asDiskError` names. */
export function isDiskError(err: unknown): err is NodeJS.ErrnoException {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' && code in DISK_CODES && !(err instanceof DiskError);
}

/**
 * `err` as a DiskError naming `file` (default: the path the errno error carries), when it is a full-disk /
 * read-only / permission failure; any other error is returned unchanged.
 */
export function asDiskError(err: unknown, file?: string): unknown {
  if (!isDiskError(err)) return err;
  const code = err.code!;
  // The caller's `file` is the output being written (errno paths may name its temp file); copyFile/rename errors
  // carry the source in `path` and the target in `dest`, and the target is what failed to be written.
  const where = path.resolve(file ?? (err as { dest?: string }).dest ?? err.path ?? '.');
  const { what, fix } = DISK_CODES[code]!;
  const verb = code === 'EACCES' || code === 'EPERM' ? 'cannot access' : 'cannot write';
  return new DiskError(code, where, `${verb} ${where}: ${what} (${code}); ${fix}`, { cause: err });
}

/** Runs `fn`, turning a full-disk / read-only failure into a DiskError naming `file`. */
export function withDiskErrors<T>(file: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw asDiskError(err, file);
  }
}
