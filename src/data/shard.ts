import fs from 'node:fs';
import path from 'node:path';
import { DataError } from './errors';
import { bytesPerToken, type TokenDtype } from './tokenizer';

/** A file of token ids read in chunks (never loaded whole). */
export interface TokenShard {
  /** Absolute path of the `.bin` file. */
  readonly path: string;
  /** Number of tokens in the shard. */
  readonly tokens: number;
  /** Storage type of one token id. */
  readonly dtype: TokenDtype;
  /** Tokens `[offset, offset + count)` as int32; throws a DataError when the range leaves the shard. */
  read(offset: number, count: number): Int32Array;
  /** Like `read`, into an existing array (no allocation); returns `into`. */
  readInto(offset: number, into: Int32Array): Int32Array;
  /** Releases the file descriptor; later reads throw. */
  close(): void;
}

/** Options of `openTokenShard`. */
export interface OpenShardOptions {
  /** Token storage type; default: the `dtype` of a `manifest.json` next to the file, else `uint8`. */
  dtype?: TokenDtype;
}

function dtypeFromManifest(file: string): TokenDtype {
  const manifestPath = path.join(path.dirname(file), 'manifest.json');
  if (!fs.existsSync(manifestPath)) return 'uint8';
  try {
    const m = JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as { dtype?: unknown };
    if (m.dtype === 'uint16') return 'uint16';
    return 'uint8';
  } catch {
    return 'uint8';
  }
}

/**
 * Opens a token shard (`train.bin`, `val.bin`) for chunked random access.
 * Example: `const s = openTokenShard('data/tiny/train.bin'); s.read(0, 1024); s.close();`
 */
export function openTokenShard(file: string, options: OpenShardOptions = {}): TokenShard {
  const abs = path.resolve(file);
  if (!fs.existsSync(abs)) {
    throw new DataError(`token shard ${abs} does not exist; build the corpus first (moelab repro corpus)`);
  }
  const dtype = options.dtype ?? dtypeFromManifest(abs);
  const width = bytesPerToken(dtype);
  const size = fs.statSync(abs).size;
  if (size % width !== 0) {
    throw new DataError(`token shard ${abs} has ${size} bytes, not a multiple of ${width} (${dtype}); rebuild the corpus`);
  }
  let fd: number | null = fs.openSync(abs, 'r');
  const tokens = size / width;
  let scratch = Buffer.alloc(0);

  const readInto = (offset: number, into: Int32Array): Int32Array => {
    const count = into.length;
    if (fd === null) throw new DataError(`token shard ${abs} is closed`);
    if (!Number.isInteger(offset) || offset < 0 || offset + count > tokens) {
      throw new DataError(`read [${offset}, ${offset + count}) is outside token shard ${abs} of ${tokens} tokens`);
    }
    const nBytes = count * width;
    if (scratch.length < nBytes) scratch = Buffer.alloc(Math.max(nBytes, 4096));
    let done = 0;
    while (done < nBytes) {
      const n = fs.readSync(fd, scratch, done, nBytes - done, offset * width + done);
      if (n === 0) throw new DataError(`token shard ${abs} ended early (truncated while open?)`);
      done += n;
    }
    if (width === 1) {
      for (let i = 0; i < count; i++) into[i] = scratch[i];
    } else {
      for (let i = 0; i < count; i++) into[i] = scratch.readUInt16LE(2 * i);
    }
    return into;
  };

  return {
    path: abs,
    tokens,
    dtype,
    read: (offset, count) => readInto(offset, new Int32Array(count)),
    readInto,
    close() {
      if (fd !== null) fs.closeSync(fd);
      fd = null;
    },
  };
}
