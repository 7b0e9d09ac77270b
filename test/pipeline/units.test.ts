import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  CodeHasher,
  DagError,
  Fingerprinter,
  HashCache,
  decide,
  dagMermaid,
  defineStage,
  diffParams,
  expandDag,
  instanceParams,
  relativeImports,
  selectInstances,
  stableStringify,
  type AnyStage,
} from '../../src/pipeline';

const roots = { repoRoot: '/repo', resultsDir: '/repo/results', dataDir: '/repo/data' };
type Cfg = { grid: number[]; x: { y: number } };
const stage = defineStage<Cfg>();
const noop = () => {};
const mk = (name: string, extra: Partial<AnyStage> = {}): AnyStage => ({ name, module: __filename, params: [], outputs: [`${name}.txt`], run: noop, ...extra });

test('expandDag names matrix instances <stage>@<name> in grid order and expands stage deps to all instances', () => {
  const train = stage({
    name: 'train',
    module: __filename,
    params: ['grid'],
    gridParams: ['grid'],
    matrix: (p) => p.grid.map((g) => ({ name: `moe-e${g}`, params: { experts: g } })),
    outputs: (_p, m) => [`runs/e${m.experts}/`],
    run: noop,
  });
  const dag = expandDag([mk('corpus'), { ...train, deps: ['corpus'] } as AnyStage, mk('runs', { deps: ['train'] })], { grid: [8, 2, 4], x: { y: 1 } }, roots);
  assert.deepEqual(dag.groups.get('train'), ['train@moe-e8', 'train@moe-e2', 'train@moe-e4']);
  assert.deepEqual(dag.byName.get('runs')!.deps, ['train@moe-e2', 'train@moe-e4', 'train@moe-e8']);
  assert.deepEqual(dag.byName.get('train@moe-e2')!.matrix, { experts: 2 });
  assert.equal(dag.byName.get('train@moe-e2')!.outputs[0].abs, '/repo/results/runs/e2');
  assert.deepEqual(selectInstances(dag, ['train@moe-e4']).map((i) => i.name), ['corpus', 'train@moe-e4']);
  assert.equal(selectInstances(dag, ['train@moe-*']).length, 4);
  assert.match(dagMermaid(dag), /train\["train@… ×3"\]\n[\s\S]*corpus --> train\n {2}train --> runs/);
});

test('expandDag: a stage whose `when` is false has no instances, is never checked or asked for outputs, and its dependants lose the edge', () => {
  const calls: string[] = [];
  type Src = { source: { kind: 'train' | 'released' }; grid: number[] };
  const st = defineStage<Src>();
  const trains = (p: { source: Src['source'] }) => p.source.kind === 'train';
  const corpus = st({
    name: 'corpus',
    module: __filename,
    params: ['source'],
    gridParams: ['source'],
    when: trains,
    check: () => void calls.push('check corpus'),
    outputs: () => (calls.push('outputs corpus'), ['corpus.txt']),
    run: noop,
  });
  const imp = st({ name: 'import', module: __filename, params: ['source'], when: (p) => p.source.kind === 'released', outputs: ['released/'], run: noop });
  const report = st({ name: 'report', module: __filename, params: ['grid'], deps: ['corpus', 'import'], outputs: ['report.md'], run: noop });
  const stages = [corpus, imp, report] as AnyStage[];
  const released = expandDag(stages, { source: { kind: 'released' }, grid: [] }, roots);
  assert.deepEqual(released.instances.map((i) => i.name), ['import', 'report']);
  assert.deepEqual(released.groups.get('corpus'), []);
  assert.deepEqual(released.byName.get('report')!.deps, ['import']);
  assert.deepEqual(calls, []);
  assert.throws(() => selectInstances(released, ['corpus']), /stage 'corpus' has no instances with this preset \(it does not apply here/);
  const trained = expandDag(stages, { source: { kind: 'train' }, grid: [] }, roots);
  assert.deepEqual(trained.instances.map((i) => i.name), ['corpus', 'report']);
  assert.deepEqual(calls, ['check corpus', 'outputs corpus']);
  // `source` is read only to decide whether the stage exists, so it stays out of the instance's fingerprint.
  assert.deepEqual(trained.byName.get('corpus')!.params, { source: { kind: 'train' } });
  assert.equal(stableStringify(instanceParams(trained.byName.get('corpus')!)), '{}');
});

test('expandDag rejects cycles, unknown deps, shared outputs, duplicate instance names and unknown param sections', () => {
  const cfg = { grid: [1], x: { y: 1 } };
  assert.throws(() => expandDag([mk('a', { deps: ['b'] }), mk('b', { deps: ['a'] })], cfg, roots), /dependency cycle: a → b → a/);
  assert.throws(() => expandDag([mk('a', { deps: ['zz'] })], cfg, roots), (e: Error) => e instanceof DagError && /depends on 'zz'.*known stages: a/.test(e.message));
  assert.throws(() => expandDag([mk('a'), mk('b', { outputs: ['a.txt'] })], cfg, roots), /output a\.txt is declared by both a and b/);
  assert.throws(() => expandDag([mk('a', { matrix: () => [{ name: 'x', params: 1 }, { name: 'x', params: 2 }] })], cfg, roots), /yields the instance name 'a@x' twice/);
  assert.throws(() => expandDag([mk('a', { params: ['zz.y'] })], cfg, roots), /reads parameter 'zz\.y', but the preset has no section 'zz'/);
  assert.equal(expandDag([mk('a', { params: ['x.z'] })], cfg, roots).byName.get('a')!.params['x.z'], undefined); // optional key left out
  assert.throws(() => expandDag([mk('a', { outputs: ['../escape.txt'] })], cfg, roots), /must be a relative path inside the results dir/);
  assert.throws(() => expandDag([mk('Bad')], cfg, roots), /stage name 'Bad'/);
});

test('selectInstances accepts instance globs and names unknown targets', () => {
  const dag = expandDag([mk('s', { matrix: () => ['a1', 'a2', 'b1'].map((n) => ({ name: n, params: n })), outputs: (_p: unknown, m: string) => [`${m}.txt`] })], {}, roots);
  assert.deepEqual(selectInstances(dag, ['s@a*']).map((i) => i.name), ['s@a1', 's@a2']);
  assert.throws(() => selectInstances(dag, ['t']), /target 't' matches no stage or instance; stages: s/);
});

test('relativeImports finds runtime relative imports and skips type-only ones and packages', () => {
  const src = `import { a,\n  b } from './lib';\nimport type { T } from './types';\nexport * from "../x";\nimport fs from 'node:fs';\nconst y = require('./y');\nimport './side';\nexport type { U } from './u';`;
  assert.deepEqual(relativeImports(src), ['./lib', '../x', './y', './side']);
});

test('CodeHasher: editing an imported file changes the stage hash; type-only imports and excluded dirs do not', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moelab-code-'));
  fs.mkdirSync(path.join(dir, 'engine'));
  fs.writeFileSync(path.join(dir, 'stage.ts'), `import { f } from './lib';\nimport type { T } from './types';\nimport { defineStage } from './engine/api';\n`);
  fs.writeFileSync(path.join(dir, 'lib.ts'), `export const f = 1;\n`);
  fs.writeFileSync(path.join(dir, 'types.ts'), `export type T = number;\n`);
  fs.writeFileSync(path.join(dir, 'engine', 'api.ts'), `export const defineStage = 1;\n`);
  const hashOf = () => new CodeHasher(dir, [path.join(dir, 'engine')]).hash(path.join(dir, 'stage.ts'));
  const h0 = hashOf();
  assert.deepEqual(new CodeHasher(dir, [path.join(dir, 'engine')]).closure(path.join(dir, 'stage.ts')).map((f) => path.basename(f)), ['lib.ts', 'stage.ts']);
  fs.writeFileSync(path.join(dir, 'types.ts'), `export type T = string;\n`);
  fs.writeFileSync(path.join(dir, 'engine', 'api.ts'), `export const defineStage = 2;\n`);
  assert.equal(hashOf(), h0);
  fs.writeFileSync(path.join(dir, 'lib.ts'), `export const f = 2;\n`);
  assert.notEqual(hashOf(), h0);
});

test('HashCache re-hashes a file only when size, mtime or inode change, and persists', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moelab-hash-'));
  const f = path.join(dir, 'x.bin');
  fs.writeFileSync(f, 'hello');
  const cacheFile = path.join(dir, 'cache.json');
  const c = new HashCache(cacheFile);
  const h = c.fileHash(f);
  c.save();
  assert.equal(new HashCache(cacheFile).fileHash(f), h);
  fs.writeFileSync(f, 'HELLO');
  fs.utimesSync(f, new Date(), new Date(Date.now() + 5000));
  assert.notEqual(new HashCache(cacheFile).fileHash(f), h);
  assert.equal(c.fileHash(path.join(dir, 'missing')), null);
});

test('stableStringify ignores key order; diffParams names changed dotted keys', () => {
  assert.equal(stableStringify({ b: 1, a: { d: [1, { z: 0, y: 1 }], c: 2 } }), stableStringify({ a: { c: 2, d: [1, { y: 1, z: 0 }] }, b: 1 }));
  assert.deepEqual(diffParams({ corpus: { name: 'a', seed: 1 } }, { corpus: { name: 'a', seed: 2 } }), ['param corpus.seed changed (1 → 2)']);
  assert.deepEqual(diffParams({ a: 1 }, { a: 1 }), []);
});

test('decide: forced, upstream not built, will run, never run, output missing/modified, up to date', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moelab-decide-'));
  const r = { repoRoot: dir, resultsDir: path.join(dir, 'results'), dataDir: path.join(dir, 'data') };
  const dag = expandDag([mk('a'), mk('b', { deps: ['a'], inputs: ['results:a.txt'] })], { grid: [] }, r);
  const fp = new Fingerprinter(r, dag, []);
  const [a, b] = [dag.byName.get('a')!, dag.byName.get('b')!];
  assert.deepEqual(decide(fp, a, {}, undefined, false).reasons, ['never run']);
  assert.deepEqual(decide(fp, a, {}, undefined, true).reasons, ['forced (--force)', 'never run']);
  assert.deepEqual(decide(fp, b, { a: null }, undefined, false).reasons, ['upstream a not built yet']);
  // a has a key but its output is not there yet: b cannot be fingerprinted, and says who builds the input
  const pending = decide(fp, b, { a: { key: 'k', willRun: true } }, undefined, false);
  assert.equal(pending.key, null);
  assert.deepEqual(pending.reasons, ['input results:a.txt is built by a, which has not run', 'upstream a will run']);
  fs.mkdirSync(r.resultsDir);
  fs.writeFileSync(path.join(r.resultsDir, 'a.txt'), 'x');
  const d = decide(fp, a, {}, undefined, false);
  const entry = { key: d.key!, stage: 'a', params: d.fingerprint!.params, code: d.fingerprint!.code, inputs: {}, deps: {}, outputs: fp.outputHashes(a) as Record<string, string>, started: '', finished: '', wallSeconds: 0, executor: { kind: 'local' }, preset: 'p' };
  assert.deepEqual(decide(fp, a, {}, entry, false).reasons, []);
  fs.writeFileSync(path.join(r.resultsDir, 'a.txt'), 'y');
  fp.hashes.invalidate(path.join(r.resultsDir, 'a.txt'));
  assert.deepEqual(decide(fp, a, {}, entry, false).reasons, ['output a.txt modified']);
  fs.rmSync(path.join(r.resultsDir, 'a.txt'));
  assert.deepEqual(decide(fp, a, {}, entry, false).reasons, ['output a.txt missing']);
});
