import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { CorpusError } from './errors';
import { writeFileAtomic } from '../util/atomic-write';
import { withDiskErrors } from '../util/fs-errors';
import type { CorpusConfig } from './corpus-config';
import { NORMALIZATION, normalizeText } from './normalize';
import { iterateDocuments } from './sources';
import { bytesPerToken, dtypeForVocab, tokenizerByName, type TokenDtype } from './tokenizer';

/** Format tag of `manifest.json`. */
export const CORPUS_FORMAT = 'moelab-corpus/1';
/** Text placed between consecutive documents of a split (before tokenization). */
export const DOCUMENT_SEPARATOR = '\n\n';

/** One document's entry in the manifest. */
export interface ManifestDocument {
  id: string;
  source: string;
  /** UTF-8 bytes after normalisation. */
  bytes: number;
  /** Tokens (without separators). */
  tokens: number;
  /** sha256 (hex) of the normalised UTF-8 text. */
  sha256: string;
  split: 'train' | 'val';
}

/** Totals of one split (`train.bin` or `val.bin`). */
export interface ManifestSplit {
  /** File name inside the corpus dir. */
  file: string;
  documents: number;
  /** Bytes of normalised text, separators included. */
  bytes: number;
  /** Tokens stored in the file. */
  tokens: number;
  /** sha256 (hex) of the file. */
  sha256: string;
}

/** `data/<corpus>/manifest.json`. */
export interface CorpusManifest {
  format: typeof CORPUS_FORMAT;
  name: string;
  tokenizer: { name: string; vocabSize: number };
  dtype: TokenDtype;
  normalization: string;
  separator: string;
  valFraction: number;
  splitSeed: number;
  maxBytes: number | null;
  /** Documents read before the `maxBytes` subset and before dropping empty ones. */
  documentsRead: number;
  splits: { train: ManifestSplit; val: ManifestSplit };
  documents: ManifestDocument[];
}

/** Where `buildCorpus` writes (paths may be temp paths that the pipeline commits later). */
export interface BuildCorpusPaths {
  /** Token file of the training split. */
  trainPath: string;
  /** Token file of the validation split. */
  valPath: string;
  /** The manifest JSON. */
  manifestPath: string;
}

/** Options of `buildCorpus`. */
export interface BuildCorpusOptions {
  /** Directory that relative source paths are resolved against; default `process.cwd()`. */
  cwd?: string;
  /** Called with the fraction done (0..1) and a message. */
  onProgress?: (fraction: number, message: string) => void;
}

/** A uniform number in [0, 1) from a seeded hash of a document id. */
export function documentHashUnit(salt: string, seed: number, id: string): number {
  return crypto.createHash('sha256').update(`${salt}:${seed}:${id}`).digest().readUInt32BE(0) / 4294967296;
}

function sha256(buf: Uint8Array | string): string {
  return crypto.createHash('sha256').update(buf).digest('hex');
}

/** Appends token arrays to a file, hashing what it writes. */
class TokenWriter {
  private readonly fd: number;
  private readonly hash = crypto.createHash('sha256');
  tokens = 0;
  bytes = 0;
  documents = 0;

  constructor(
    readonly file: string,
    private readonly dtype: TokenDtype,
  ) {
    this.fd = withDiskErrors(file, () => {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      return fs.openSync(file, 'w');
    });
  }

  write(tokens: Uint8Array | Uint16Array): void {
    const buf =
      this.dtype === 'uint8'
        ? Buffer.from(tokens.buffer, tokens.byteOffset, tokens.byteLength)
        : Buffer.from(Uint16Array.from(tokens).buffer);
    withDiskErrors(this.file, () => {
      let done = 0;
      while (done < buf.length) done += fs.writeSync(this.fd, buf, done, buf.length - done);
    });
    this.hash.update(buf);
    this.tokens += buf.length / bytesPerToken(this.dtype);
  }

  close(): string {
    try {
      withDiskErrors(this.file, () => fs.fsyncSync(this.fd));
    } finally {
      fs.closeSync(this.fd);
    }
    return this.hash.digest('hex');
  }
}

/**
 * Builds a corpus: reads the sources, normalises each document, splits documents into train/val by a seeded
 * hash of their id (at least one document in each split), tokenizes, and writes the two token files and the
 * manifest. Streams: a first pass collects document ids and sizes (for the split guarantees and the
 * `maxBytes` subset), a second re-reads and writes one document at a time, so memory stays at one source
 * file plus the manifest. Deterministic: same config and source files, byte-identical outputs.
 */
export function buildCorpus(config: CorpusConfig, paths: BuildCorpusPaths, options: BuildCorpusOptions = {}): CorpusManifest {
  const cwd = options.cwd ?? process.cwd();
  const progress = options.onProgress ?? (() => {});
  const tokenizer = tokenizerByName(config.tokenizer);
  const dtype = dtypeForVocab(tokenizer.vocabSize);

  // pass 1: ids and normalised sizes
  progress(0, 'scanning sources');
  let documentsRead = 0;
  const scanned: Array<{ id: string; bytes: number }> = [];
  const ids = new Set<string>();
  for (const d of iterateDocuments(config.sources, cwd)) {
    documentsRead++;
    const bytes = Buffer.byteLength(normalizeText(d.text));
    if (bytes === 0) continue;
    if (ids.has(d.id)) throw new CorpusError(`document id '${d.id}' appears twice; a file is named by two corpus.sources entries, remove one`);
    ids.add(d.id);
    scanned.push({ id: d.id, bytes });
  }
  if (scanned.length < 2) {
    throw new CorpusError(
      `corpus '${config.name}' has ${scanned.length} non-empty document(s) after normalisation (read ${documentsRead}); corpus.sources must yield at least 2 (one per split): add text files or the embedded datasets`,
    );
  }
  let kept = scanned;
  if (config.maxBytes !== undefined) {
    const order = scanned.map((d, i) => ({ i, u: documentHashUnit('select', config.splitSeed, d.id), bytes: d.bytes })).sort((a, b) => a.u - b.u);
    const keep = new Set<number>();
    let total = 0;
    for (const o of order) {
      if (keep.size >= 2 && total + o.bytes > config.maxBytes) continue;
      keep.add(o.i);
      total += o.bytes;
    }
    kept = scanned.filter((_, i) => keep.has(i));
  }
  const score = kept.map((d) => documentHashUnit('split', config.splitSeed, d.id));
  const splitOf = new Map<string, 'train' | 'val'>(kept.map((d, i) => [d.id, score[i] < config.valFraction ? 'val' : 'train']));
  const argExtreme = (pick: (a: number, b: number) => boolean) => score.reduce((best, u, i) => (pick(u, score[best]) ? i : best), 0);
  const splits = [...splitOf.values()];
  if (!splits.includes('val')) splitOf.set(kept[argExtreme((a, b) => a < b)].id, 'val');
  if (!splits.includes('train')) splitOf.set(kept[argExtreme((a, b) => a > b)].id, 'train');

  // pass 2: tokenize and write, one document at a time
  const sep = tokenizer.encode(DOCUMENT_SEPARATOR);
  const sepBytes = Buffer.byteLength(DOCUMENT_SEPARATOR);
  const writers = { train: new TokenWriter(paths.trainPath, dtype), val: new TokenWriter(paths.valPath, dtype) };
  const documents: ManifestDocument[] = [];
  const hashes: Record<'train' | 'val', string> = { train: '', val: '' };
  let writing = true;
  try {
    for (const d of iterateDocuments(config.sources, cwd)) {
      const split = splitOf.get(d.id);
      if (!split) continue; // empty, or outside the maxBytes subset
      const text = normalizeText(d.text);
      const w = writers[split];
      if (w.documents > 0) {
        w.write(sep);
        w.bytes += sepBytes;
      }
      const encoded = tokenizer.encode(text);
      w.write(encoded);
      const docBytes = Buffer.byteLength(text);
      w.bytes += docBytes;
      w.documents++;
      documents.push({ id: d.id, source: d.source, bytes: docBytes, tokens: encoded.length, sha256: sha256(text), split });
      if (documents.length % 64 === 0) progress(0.1 + (0.85 * documents.length) / kept.length, `tokenized ${documents.length}/${kept.length} documents`);
    }
    writing = false;
  } finally {
    // close both files; while an error is on its way out (a full disk), a failing close must not mask it
    for (const split of ['train', 'val'] as const) {
      try {
        hashes[split] = writers[split].close();
      } catch (err) {
        if (!writing) throw err;
      }
    }
  }
  const summary = (s: 'train' | 'val'): ManifestSplit => ({
    file: path.basename(writers[s].file),
    documents: writers[s].documents,
    bytes: writers[s].bytes,
    tokens: writers[s].tokens,
    sha256: hashes[s],
  });
  const manifest: CorpusManifest = {
    format: CORPUS_FORMAT,
    name: config.name,
    tokenizer: { name: tokenizer.name, vocabSize: tokenizer.vocabSize },
    dtype,
    normalization: NORMALIZATION,
    separator: DOCUMENT_SEPARATOR,
    valFraction: config.valFraction,
    splitSeed: config.splitSeed,
    maxBytes: config.maxBytes ?? null,
    documentsRead,
    splits: { train: summary('train'), val: summary('val') },
    documents,
  };
  writeFileAtomic(paths.manifestPath, JSON.stringify(manifest, null, 1) + '\n');
  progress(1, `${documents.length} documents, ${manifest.splits.train.tokens + manifest.splits.val.tokens} tokens`);
  return manifest;
}

/** Reads `<dir>/manifest.json` (throws a CorpusError naming the file when missing or not a moelab corpus). */
export function readCorpusManifest(dir: string): CorpusManifest {
  const file = path.join(dir, 'manifest.json');
  if (!fs.existsSync(file)) throw new CorpusError(`${file} does not exist; build the corpus first (moelab repro corpus)`);
  let m: CorpusManifest;
  try {
    m = JSON.parse(fs.readFileSync(file, 'utf8')) as CorpusManifest;
  } catch (e) {
    throw new CorpusError(`${file} is not valid JSON (${(e as Error).message}); the corpus is damaged: rebuild it (moelab repro corpus --force corpus)`);
  }
  if (!m || typeof m !== 'object' || !m.splits?.train || !m.splits?.val || !m.tokenizer) {
    throw new CorpusError(`${file} is not a moelab corpus manifest (no splits/tokenizer); rebuild the corpus (moelab repro corpus --force corpus)`);
  }
  if (m.format !== CORPUS_FORMAT) throw new CorpusError(`${file} has format '${String(m.format)}', expected ${CORPUS_FORMAT}; rebuild the corpus`);
  return m;
}
