/**
 * Checkpoints: one file `checkpoint.bin` = [u32 header bytes][JSON header][float32 payload], written to a
 * temp file, fsync'ed and renamed over the old one (atomic: a SIGKILL leaves either the old or the new file).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { MoelabError } from '../errors';
import { writeFileAtomic } from '../util/atomic-write';

export const CHECKPOINT_FORMAT = 'moelab-ckpt/1';
export const CHECKPOINT_FILE = 'checkpoint.bin';

/** A checkpoint that cannot be used (truncated, corrupt, of another config): names the file and the fix. */
export class CheckpointError extends MoelabError {
  override name = 'CheckpointError';
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
  }
}

export interface CheckpointHeader<S> {
  format: typeof CHECKPOINT_FORMAT;
  /** Trainer state (plain JSON). */
  state: S;
  /** Tensors in payload order. */
  tensors: Array<{ name: string; shape: number[]; offset: number; size: number }>;
}

/** Write named tensors plus a JSON state atomically to `dir/checkpoint.bin`. */
export function saveCheckpoint<S>(dir: string, state: S, tensors: Array<[string, tf.Tensor]>): string {
  const file = path.join(dir, CHECKPOINT_FILE);
  let offset = 0;
  const entries = tensors.map(([name, t]) => {
    const e = { name, shape: t.shape.slice(), offset, size: t.size };
    offset += t.size;
    return e;
  });
  const header: CheckpointHeader<S> = { format: CHECKPOINT_FORMAT, state, tensors: entries };
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const payload = new Float32Array(offset);
  tensors.forEach(([, t], i) => payload.set(t.dataSync() as Float32Array, entries[i]!.offset));
  const len = Buffer.alloc(4);
  len.writeUInt32LE(headerBytes.length, 0);
  // A full disk or read-only folder: the previous checkpoint stays, the partial temp file goes (DiskError).
  writeFileAtomic(file, [len, headerBytes, Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength)], { fsync: true });
  return file;
}

export interface LoadedCheckpoint<S> {
  state: S;
  /** Values by name. */
  values: Map<string, { shape: number[]; data: Float32Array }>;
}

/** Read `dir/checkpoint.bin`, or null when there is none. Throws CheckpointError on a corrupt file. */
export function loadCheckpoint<S>(dir: string): LoadedCheckpoint<S> | null {
  const file = path.join(dir, CHECKPOINT_FILE);
  if (!fs.existsSync(file)) return null;
  const buf = fs.readFileSync(file);
  const restart = 'delete it (or the run folder) to restart the run from step 0';
  if (buf.length < 4) throw new CheckpointError(file, `truncated (${buf.length} bytes); ${restart}`);
  const hlen = buf.readUInt32LE(0);
  if (4 + hlen > buf.length) throw new CheckpointError(file, `truncated inside its header (${buf.length} bytes, header of ${hlen}); ${restart}`);
  let header: CheckpointHeader<S>;
  try {
    header = JSON.parse(buf.subarray(4, 4 + hlen).toString('utf8')) as CheckpointHeader<S>;
  } catch {
    throw new CheckpointError(file, `unreadable header; ${restart}`);
  }
  if (header?.format !== CHECKPOINT_FORMAT) throw new CheckpointError(file, `format ${String(header?.format)} is not ${CHECKPOINT_FORMAT}; ${restart}`);
  const start = 4 + hlen;
  const total = header.tensors.reduce((a, t) => a + t.size, 0);
  if (buf.length !== start + total * 4) {
    throw new CheckpointError(file, `payload is ${buf.length - start} bytes but its header lists ${total * 4} (truncated or damaged); ${restart}`);
  }
  const aligned = new Float32Array(total);
  new Uint8Array(aligned.buffer).set(buf.subarray(start));
  const values = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const t of header.tensors) values.set(t.name, { shape: t.shape, data: aligned.subarray(t.offset, t.offset + t.size) });
  return { state: header.state, values };
}
