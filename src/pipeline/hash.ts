import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../util/atomic-write';
import { DiskError } from '../util/fs-errors';
import { OUTPUT_MARKER } from './output-marker';

/** sha256 hex of a string or buffer. */
export function sha256(data: string | Uint8Array): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}

interface CacheEntry {
  size: number;
  mtimeMs: number;
  ino: number;
  hash: string;
}

/**
 * Content hashes of files, cached by (size, mtime, inode) so a no-op check stats files instead of reading
 * them. Persisted as JSON (`<results>/.moelab-cache/hashes.json`).
 */
export class HashCache {
  private entries = new Map<string, CacheEntry>();
  private dirty = false;

  constructor(private readonly file?: string) {
    if (file && fs.existsSync(file)) {
      try {
        const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, CacheEntry>;
        for (const [k, v] of Object.entries(raw)) this.entries.set(k, v);
      } catch {
        // a corrupt cache is only a cache
      }
    }
  }

  /** sha256 of a file, or `null` when it does not exist. */
  fileHash(file: string): string | null {
    let st: fs.Stats;
    try {
      st = fs.statSync(file);
    } catch {
      return null;
    }
    if (st.isDirectory()) return this.dirHash(file);
    const hit = this.entries.get(file);
    if (hit && hit.size === st.size && hit.mtimeMs === st.mtimeMs && hit.ino === st.ino) return hit.hash;
    const hash = crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
    this.entries.set(file, { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino, hash });
    this.dirty = true;
    return hash;
  }

  /**
   * Hash of a directory: of its sorted relative file names and their content hashes; `null` when missing. The
   * engine's marker (`.moelab-output.json`, the list of files it wrote) is not part of it.
   */
  dirHash(dir: string): string | null {
    if (!fs.existsSync(dir)) return null;
    const files: string[] = [];
    const marker = path.join(dir, OUTPUT_MARKER);
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.isFile() && p !== marker) files.push(p);
      }
    };
    walk(dir);
    files.sort();
    const h = crypto.createHash('sha256');
    for (const f of files) h.update(`${path.relative(dir, f)}\0${this.fileHash(f)}\n`);
    return h.digest('hex');
  }

  /** Forgets a path (after it was rewritten within the same mtime tick). */
  invalidate(file: string): void {
    if (this.entries.delete(file)) this.dirty = true;
  }

  /**
   * Writes the cache back (atomically) if it changed. It is only a cache: on a read-only or full file system it
   * is not written (so `status` and `--dry-run` work on read-only results), and the next run hashes again.
   */
  save(): void {
    if (!this.file || !this.dirty) return;
    try {
      writeFileAtomic(this.file, JSON.stringify(Object.fromEntries(this.entries)));
      this.dirty = false;
    } catch (err) {
      if (!(err instanceof DiskError)) throw err;
    }
  }
}

const IMPORT_RE =
  /(?:^|[\s;}])(?:import|export)\s+(type\s+)?(?:[\w*{}\s,$]+?\s+from\s+)?['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)|\brequire\(\s*['"]([^'"]+)['"]\s*\)/g;

const EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.js', '.mjs', '.cjs', '.json'];

function resolveRelative(from: string, spec: string): string | null {
  const base = path.resolve(path.dirname(from), spec);
  const candidates = [base, ...EXTENSIONS.map((e) => base + e), ...EXTENSIONS.map((e) => path.join(base, `index${e}`))];
  if (/\.[cm]?js$/.test(spec)) candidates.unshift(base.replace(/\.([cm]?)js$/, '.$1ts'));
  for (const c of candidates) {
    try {
      if (fs.statSync(c).isFile()) return c;
    } catch {
      // next
    }
  }
  return null;
}

/** Relative runtime imports of a source text (type-only imports are skipped: they do not change behaviour). */
export function relativeImports(source: string): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(IMPORT_RE)) {
    if (m[1]) continue; // `import type … from` / `export type … from`
    const spec = m[2] ?? m[3] ?? m[4];
    if (spec && spec.startsWith('.')) out.push(spec);
  }
  return out;
}

interface ModuleInfo {
  size: number;
  mtimeMs: number;
  hash: string;
  imports: string[];
}

/**
 * Code fingerprints of stage modules: the hash of a module file plus every file it transitively imports by
 * relative path, excluding `node_modules` and the engine itself (`excludeDirs`, so editing the scheduler
 * does not invalidate results). Module facts are cached by (size, mtime).
 */
export class CodeHasher {
  private modules = new Map<string, ModuleInfo>();
  private closures = new Map<string, string>();

  constructor(
    /** Repository root (files are named relative to it in the hash). */
    private readonly root: string,
    /** Absolute directories whose files are not part of any stage's code hash. */
    private readonly excludeDirs: string[] = [],
  ) {}

  private info(file: string): ModuleInfo {
    const st = fs.statSync(file);
    const hit = this.modules.get(file);
    if (hit && hit.size === st.size && hit.mtimeMs === st.mtimeMs) return hit;
    const text = fs.readFileSync(file, 'utf8');
    const imports = /\.json$/.test(file)
      ? []
      : relativeImports(text)
          .map((s) => resolveRelative(file, s))
          .filter((f): f is string => f !== null && !f.includes(`${path.sep}node_modules${path.sep}`));
    const info = { size: st.size, mtimeMs: st.mtimeMs, hash: sha256(text), imports };
    this.modules.set(file, info);
    return info;
  }

  private excluded(file: string): boolean {
    return this.excludeDirs.some((d) => file.startsWith(d + path.sep));
  }

  /** Files in the import closure of `entry` (sorted, absolute). */
  closure(entry: string): string[] {
    const seen = new Set<string>();
    const stack = [path.resolve(entry)];
    while (stack.length) {
      const f = stack.pop()!;
      if (seen.has(f)) continue;
      seen.add(f);
      for (const dep of this.info(f).imports) if (!seen.has(dep) && !this.excluded(dep)) stack.push(dep);
    }
    return [...seen].sort();
  }

  /** The code hash of a stage module (memoized for the life of this hasher). */
  hash(entry: string): string {
    const abs = path.resolve(entry);
    const hit = this.closures.get(abs);
    if (hit) return hit;
    const parts = this.closure(abs).map((f) => `${path.relative(this.root, f)}:${this.info(f).hash}`);
    const h = sha256(parts.join('\n'));
    this.closures.set(abs, h);
    return h;
  }
}
