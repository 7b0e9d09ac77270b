/**
 * JSON-lines files that are appended to while a job runs (metrics.jsonl): appends that never leave a partial
 * line behind when a write fails, and a reader that drops a torn last line (a job killed mid-write) with a
 * warning naming the file, instead of failing on it or silently skipping damage elsewhere.
 */
import fs from 'node:fs';
import { MoelabError } from '../errors';
import { asDiskError } from './fs-errors';

/** A JSON-lines file damaged before its last line (not a torn append): names the file and line. */
export class JsonLinesError extends MoelabError {
  override name = 'JsonLinesError';
}

/** Where warnings of the readers go by default (stderr, one line each). */
export function warnToStderr(message: string): void {
  process.stderr.write(`moelab: warning: ${message}\n`);
}

/**
 * Appends lines to a file. Each `append` writes one whole line; when the write fails (ENOSPC, EIO, …) the file is
 * truncated back to where the line began, so the file never keeps a partial line from a failed write, and the
 * error is a DiskError naming the file. (A SIGKILL or power loss in the middle of a write can still leave a torn
 * last line: `readJsonLines` drops it.)
 */
export class LineAppender {
  private fd: number | null;
  private size: number;

  constructor(readonly file: string) {
    try {
      this.fd = fs.openSync(file, 'a');
      this.size = fs.fstatSync(this.fd).size;
    } catch (err) {
      throw asDiskError(err, file);
    }
  }

  /** Appends `line` plus a newline (the line must not contain a newline). */
  append(line: string): void {
    if (this.fd === null) throw new JsonLinesError(`${this.file}: append after close`);
    const buf = Buffer.from(`${line}\n`, 'utf8');
    let done = 0;
    try {
      while (done < buf.length) done += fs.writeSync(this.fd, buf, done, buf.length - done, this.size + done);
      this.size += buf.length;
    } catch (err) {
      try {
        fs.ftruncateSync(this.fd, this.size);
      } catch {
        // the line is then torn on disk; readers drop a torn last line
      }
      throw asDiskError(err, this.file);
    }
  }

  close(): void {
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
  }
}

/** What `readJsonLines` found. */
export interface JsonLines<T> {
  rows: T[];
  /** Bytes of a torn last line that were dropped (0 when the file ended cleanly). */
  droppedBytes: number;
}

/**
 * Reads a JSON-lines file. A last line that is incomplete (no final newline and not valid JSON, or not valid
 * JSON at all) is dropped and reported through `warn` naming the file; a bad line before the last one is a
 * JsonLinesError naming the file and line (that is damage, not a torn append). Blank lines are skipped.
 */
export function parseJsonLines<T = unknown>(text: string, file: string, warn: (message: string) => void = warnToStderr): JsonLines<T> {
  const lines = text.split('\n');
  const rows: T[] = [];
  let droppedBytes = 0;
  let last = lines.length - 1;
  while (last >= 0 && lines[last]!.trim() === '') last--;
  for (let i = 0; i <= last; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const isLast = i === last;
    try {
      rows.push(JSON.parse(line) as T);
    } catch (err) {
      if (!isLast) {
        throw new JsonLinesError(`${file}:${i + 1} is not valid JSON (${(err as Error).message}); the file is damaged before its last line: delete it, or restore it`);
      }
      droppedBytes = Buffer.byteLength(line);
      warn(`${file}: dropped a torn last line (${droppedBytes} bytes, line ${i + 1}): the process writing it was killed or ran out of disk`);
    }
  }
  return { rows, droppedBytes };
}

/** `parseJsonLines` of a file. */
export function readJsonLines<T = unknown>(file: string, warn: (message: string) => void = warnToStderr): JsonLines<T> {
  return parseJsonLines<T>(fs.readFileSync(file, 'utf8'), file, warn);
}
