import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

/**
 * The house's layers, lowest first: a module imports only from its own area or a lower one, so data flows one way
 * (preset → runs → table → fits → figures → report) and nothing runs back up. Files directly in src/ other than
 * the public index (shared error base classes) sit below every area; src/index.ts re-exports the public API.
 */
const LAYERS = ['util', 'pipeline', 'backend', 'data', 'runs', 'model', 'accounting', 'train', 'laws', 'inference', 'figures', 'report', 'notebooks', 'bench', 'cli'];

const SRC = path.resolve(__dirname, '..', '..', 'src');
const IMPORT = /(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)|require\(\s*['"](\.[^'"]+)['"]\s*\)/g;

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p) : e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

function resolveImport(from: string, spec: string): string | null {
  const base = path.resolve(path.dirname(from), spec);
  for (const c of [base, `${base}.ts`, path.join(base, 'index.ts')]) if (fs.existsSync(c) && fs.statSync(c).isFile()) return c;
  return null;
}

/** Layer index of a source file: its area's, -1 for shared root files, Infinity for the public index. */
function layerOf(file: string): { area: string; level: number } {
  const rel = path.relative(SRC, file).split(path.sep);
  if (rel.length === 1) return rel[0] === 'index.ts' ? { area: 'index', level: Infinity } : { area: 'root', level: -1 };
  const area = rel[0]!;
  const level = LAYERS.indexOf(area);
  return { area, level: level < 0 ? NaN : level };
}

const files = sources(SRC);
const graph = new Map<string, string[]>();
for (const f of files) {
  const targets: string[] = [];
  for (const m of fs.readFileSync(f, 'utf8').matchAll(IMPORT)) {
    const t = resolveImport(f, (m[1] ?? m[2] ?? m[3])!);
    if (t && t.startsWith(SRC)) targets.push(t);
  }
  graph.set(f, targets);
}

test('every src/ area has a place in the layer order', () => {
  const unknown = [...new Set(files.map((f) => layerOf(f)).filter((l) => Number.isNaN(l.level)).map((l) => l.area))];
  assert.deepEqual(unknown, [], `add these areas to LAYERS: ${unknown.join(', ')}`);
});

test('no module imports one on a higher layer (data flows one way)', () => {
  const violations: string[] = [];
  for (const [from, targets] of graph) {
    const a = layerOf(from);
    for (const t of targets) {
      const b = layerOf(t);
      if (b.area !== a.area && b.level > a.level) violations.push(`${path.relative(SRC, from)} (${a.area}) imports ${path.relative(SRC, t)} (${b.area})`);
    }
  }
  assert.deepEqual(violations, []);
});

test('no import circle between modules', () => {
  const state = new Map<string, 1 | 2>();
  const cycles: string[] = [];
  const visit = (f: string, trail: string[]) => {
    if (state.get(f) === 2) return;
    if (state.get(f) === 1) {
      cycles.push([...trail.slice(trail.indexOf(f)), f].map((x) => path.relative(SRC, x)).join(' → '));
      return;
    }
    state.set(f, 1);
    for (const t of graph.get(f) ?? []) visit(t, [...trail, f]);
    state.set(f, 2);
  };
  for (const f of files) visit(f, []);
  assert.deepEqual(cycles, []);
});
