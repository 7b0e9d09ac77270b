import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { CorpusError } from './errors';
import type { CorpusConfig } from './corpus-config';
import { NORMALIZATION, normalizeText } from './normalize';
import { readDocuments } from './sources';
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

function writeTokens(file: string, parts: Uint8Array[], dtype: TokenDtype): { sha256: string; tokens: number } {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const hash = crypto.createHash('sha256');
  const fd = fs.openSync(file, 'w');
  let tokens = 0;
  try {
    for (const p of parts) {
      const buf = dtype === 'uint8' ? Buffer.from(p.buffer, p.byteOffset, p.byteLength) : Buffer.from(new Uint16Array(p).buffer);
      fs.writeSync(fd, buf);
      hash.update(buf);
      tokens += buf.length / bytesPerToken(dtype);
    }
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  return { sha256: hash.digest('hex'), tokens };
}

/**
 * Builds a corpus: reads the sources, normalises each document, splits documents into train/val by a seeded
 * hash of their id (at least one document in each split), tokenizes, and writes the two token files and the
 * manifest. Deterministic: same config and source files, byte-identical outputs.
 */
export function buildCorpus(config: CorpusConfig, paths: BuildCorpusPaths, options: BuildCorpusOptions = {}): CorpusManifest {
  const cwd = options.cwd ?? process.cwd();
  const progress = options.onProgress ?? (() => {});
  const tokenizer = tokenizerByName(config.tokenizer);
  const dtype = dtypeForVocab(tokenizer.vocabSize);
  progress(0, 'reading sources');
  const raw = readDocuments(config.sources, cwd);
  let docs = raw
    .map((d) => ({ ...d, text: normalizeText(d.text) }))
    .filter((d) => d.text.length > 0);
  const ids = new Set<string>();
  for (const d of docs) {
    if (ids.has(d.id)) throw new CorpusError(`document id '${d.id}' appears twice; a file is named by two corpus.sources entries, remove one`);
    ids.add(d.id);
  }
  if (docs.length < 2) {
    throw new CorpusError(
      `corpus '${config.name}' has ${docs.length} non-empty document(s) after normalisation (read ${raw.length}); corpus.sources must yield at least 2 (one per split): add text files or the embedded datasets`,
    );
  }
  if (config.maxBytes !== undefined) {
    const order = docs
      .map((d, i) => ({ i, u: documentHashUnit('select', config.splitSeed, d.id), bytes: Buffer.byteLength(d.text) }))
      .sort((a, b) => a.u - b.u);
    const keep = new Set<number>();
    let total = 0;
    for (const o of order) {
      if (keep.size >= 2 && total + o.bytes > config.maxBytes) continue;
      keep.add(o.i);
      total += o.bytes;
    }
    docs = docs.filter((_, i) => keep.has(i));
  }
  const score = docs.map((d) => documentHashUnit('split', config.splitSeed, d.id));
  const split: Array<'train' | 'val'> = score.map((u) => (u < config.valFraction ? 'val' : 'train'));
  const argExtreme = (pick: (a: number, b: number) => boolean) => score.reduce((best, u, i) => (pick(u, score[best]) ? i : best), 0);
  if (!split.includes('val')) split[argExtreme((a, b) => a < b)] = 'val';
  if (!split.includes('train')) split[argExtreme((a, b) => a > b)] = 'train';

  const sep = tokenizer.encode(DOCUMENT_SEPARATOR);
  const parts: Record<'train' | 'val', Uint8Array[]> = { train: [], val: [] };
  const bytes = { train: 0, val: 0 };
  const documents: ManifestDocument[] = [];
  docs.forEach((d, i) => {
    const s = split[i];
    const encoded = tokenizer.encode(d.text);
    const docBytes = Buffer.byteLength(d.text);
    if (parts[s].length > 0) {
      parts[s].push(sep as Uint8Array);
      bytes[s] += Buffer.byteLength(DOCUMENT_SEPARATOR);
    }
    parts[s].push(encoded as Uint8Array);
    bytes[s] += docBytes;
    documents.push({ id: d.id, source: d.source, bytes: docBytes, tokens: encoded.length, sha256: sha256(d.text), split: s });
    if (i % 64 === 0) progress(0.1 + (0.7 * i) / docs.length, `tokenized ${i}/${docs.length} documents`);
  });
  progress(0.8, 'writing token files');
  const train = writeTokens(paths.trainPath, parts.train, dtype);
  const val = writeTokens(paths.valPath, parts.val, dtype);
  const count = (s: 'train' | 'val') => documents.filter((d) => d.split === s).length;
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
    documentsRead: raw.length,
    splits: {
      train: { file: path.basename(paths.trainPath), documents: count('train'), bytes: bytes.train, tokens: train.tokens, sha256: train.sha256 },
      val: { file: path.basename(paths.valPath), documents: count('val'), bytes: bytes.val, tokens: val.tokens, sha256: val.sha256 },
    },
    documents,
  };
  fs.mkdirSync(path.dirname(paths.manifestPath), { recursive: true });
  fs.writeFileSync(paths.manifestPath, JSON.stringify(manifest, null, 1) + '\n');
  progress(1, `${documents.length} documents, ${train.tokens + val.tokens} tokens`);
  return manifest;
}

/** Reads `<dir>/manifest.json` (throws a CorpusError naming the file when missing or not a moelab corpus). */
export function readCorpusManifest(dir: string): CorpusManifest {
  const file = path.join(dir, 'manifest.json');
  if (!fs.existsSync(file)) throw new CorpusError(`${file} does not exist; build the corpus first (moelab repro corpus)`);
  const m = JSON.parse(fs.readFileSync(file, 'utf8')) as CorpusManifest;
  if (m.format !== CORPUS_FORMAT) throw new CorpusError(`${file} has format '${String(m.format)}', expected ${CORPUS_FORMAT}; rebuild the corpus`);
  return m;
}
