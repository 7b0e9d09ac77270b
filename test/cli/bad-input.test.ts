import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const MOELAB = path.join(REPO_ROOT, 'bin', 'moelab.js');
/** Real presets + the real corpus stage only (see fixtures/corpus-dag.ts). */
const CORPUS_DAG = path.join(__dirname, 'fixtures', 'corpus-dag.ts');

/** A temp dir with results/ and data/ holding sentinel files that no failure may delete. */
function sandbox() {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'moelab-cli-'));
  const results = path.join(root, 'results');
  const data = path.join(root, 'data');
  fs.mkdirSync(results);
  fs.mkdirSync(data);
  fs.writeFileSync(path.join(results, 'keep.txt'), 'keep');
  fs.writeFileSync(path.join(data, 'keep.txt'), 'keep');
  const run = (...args: string[]) => {
    const dag = args[0] === 'dag' ? [] : ['--dag', CORPUS_DAG];
    const r = spawnSync(process.execPath, [MOELAB, ...args, ...dag, '--results', results, '--data', data], { cwd: root, encoding: 'utf8' });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const preset = (corpus: Record<string, unknown>, extra: Record<string, unknown> = {}) => {
    const file = path.join(root, `preset-${Math.random().toString(36).slice(2)}.json`);
    fs.writeFileSync(file, JSON.stringify({ name: 'cli-test', corpus: { name: 'cli', valFraction: 0.3, splitSeed: 0, ...corpus }, ...extra }));
    return file;
  };
  const intact = () => fs.existsSync(path.join(results, 'keep.txt')) && fs.existsSync(path.join(data, 'keep.txt'));
  return { root, results, data, run, preset, intact };
}

test('moelab repro --preset nope: names the known presets, exit 2', () => {
  const sb = sandbox();
  const r = sb.run('repro', '--preset', 'nope');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /PresetError: unknown preset 'nope'; use one of smoke, tiny, small, gpu, paper, clark, shared, peer, lifelong, or a path/);
  assert.ok(sb.intact());
});

test('a preset with an unknown key names the file and the dotted key, exit 2', () => {
  const sb = sandbox();
  const file = sb.preset({ sources: [{ kind: 'embedded', dataset: 'moby-dick' }], bogus: 1 });
  const r = sb.run('repro', '--preset', file);
  assert.equal(r.status, 2);
  assert.ok(r.stderr.includes(`invalid preset ${file}`), r.stderr);
  assert.match(r.stderr, /unknown key 'corpus\.bogus' \(remove it or fix the spelling; known keys here: name, sources/);
  assert.ok(sb.intact());
});

test('a preset with a negative size names the field and the value, exit 2', () => {
  const sb = sandbox();
  const file = sb.preset({ sources: [{ kind: 'embedded', dataset: 'moby-dick' }], maxBytes: -5 });
  const r = sb.run('repro', '--preset', file);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /corpus\.maxBytes: .*\(got -5\)/);
  assert.ok(sb.intact());
});

test('a missing corpus file names the path and the preset field before anything runs, exit 2', () => {
  const sb = sandbox();
  const file = sb.preset({ sources: [{ kind: 'txt', path: 'missing/book.txt' }] });
  const r = sb.run('repro', '--preset', file);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /CorpusError: corpus\.sources\[0\]\.path: corpus file .*missing\/book\.txt does not exist; fix the path/);
  assert.ok(sb.intact());
  assert.equal(fs.existsSync(path.join(sb.results, 'moelab.lock.json')), false);
});

test('an empty corpus fails the corpus stage with the fix, exit 1, nothing deleted', () => {
  const sb = sandbox();
  fs.writeFileSync(path.join(sb.root, 'empty.txt'), '\n  \n');
  const file = sb.preset({ sources: [{ kind: 'txt', path: path.join(sb.root, 'empty.txt') }] });
  const r = sb.run('repro', 'corpus', '--preset', file);
  assert.equal(r.status, 1);
  assert.match(r.stdout, /FAILED corpus: CorpusError: corpus 'cli' has 0 non-empty document\(s\).*add text files/);
  assert.ok(sb.intact());
  assert.equal(fs.existsSync(path.join(sb.data, 'cli')), false);
});

test('repro builds a user corpus, then status reports it up to date and --json is parseable', () => {
  const sb = sandbox();
  for (let i = 0; i < 6; i++) fs.writeFileSync(path.join(sb.root, `d${i}.txt`), `document ${i} `.repeat(50));
  const file = sb.preset({ sources: [{ kind: 'txt', path: path.join(sb.root, 'd*.txt') }] });
  const r = sb.run('repro', 'corpus', '--preset', file, '--json');
  assert.equal(r.status, 0, r.stderr);
  const summary = JSON.parse(r.stdout);
  assert.deepEqual(summary.ran.map((x: { instance: string }) => x.instance), ['corpus']);
  const manifest = JSON.parse(fs.readFileSync(path.join(sb.data, 'cli', 'manifest.json'), 'utf8'));
  assert.equal(manifest.documents.length, 6);
  const st = sb.run('status', 'corpus', '--preset', file, '--json');
  assert.equal(st.status, 0, st.stderr);
  assert.deepEqual(JSON.parse(st.stdout).instances.map((i: { name: string; stale: boolean }) => [i.name, i.stale]), [['corpus', false]]);
  // a new document makes the corpus stale, and status says why
  fs.writeFileSync(path.join(sb.root, 'd9.txt'), 'late document');
  const st2 = sb.run('status', 'corpus', '--preset', file);
  assert.match(st2.stdout, /^corpus\s+1\s+0\s+1\s+input .*d9\.txt added/m);
  const all = sb.run('status', 'corpus', '--preset', file, '--all');
  assert.match(all.stdout, /corpus\s+stale: input d9\.txt added|corpus\s+stale: input .*d9\.txt added/);
});

test('moelab dag prints the project DAG as a text tree and Mermaid; every command has --help', () => {
  const sb = sandbox();
  const text = sb.run('dag');
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /^corpus/m);
  const mermaid = sb.run('dag', '--mermaid');
  assert.match(mermaid.stdout, /^flowchart LR\n {2}corpus\["corpus"\]/);
  // the repro/status commands above ran with the same presets; make sure the real DAG loads them too
  assert.equal(sb.run('dag', '--preset', 'smoke').status, 0);
  for (const cmd of ['repro', 'status', 'dag', 'bench', 'run-stage']) {
    const h = spawnSync(process.execPath, [MOELAB, cmd, '--help'], { encoding: 'utf8' });
    assert.equal(h.status, 0);
    assert.match(h.stdout, new RegExp(`Usage: moelab ${cmd}`));
  }
});

test('moelab bench --repeat rejects 0, a negative, a fraction and a word before running any suite, exit 2', () => {
  for (const bad of ['0', '-1', '1.5', 'three']) {
    const r = spawnSync(process.execPath, [MOELAB, 'bench', 'train', '--repeat', bad], { encoding: 'utf8' });
    assert.equal(r.status, 2, `--repeat ${bad}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`--repeat ${bad.replace('.', '\\.')}: expected a positive integer`));
    assert.doesNotMatch(r.stdout, /train:/, 'no suite may start');
  }
});
