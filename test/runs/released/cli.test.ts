import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';

const REPO = path.resolve(__dirname, '..', '..', '..');
const MOELAB = path.join(REPO, 'bin', 'moelab.js');
const FIXTURE = path.join(__dirname, 'fixtures', 'clark-mini.csv');
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'moelab-import-cli-'));
const moelab = (args: string[], cwd = REPO) => {
  const r = spawnSync(process.execPath, [MOELAB, ...args], { cwd, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
};

describe('moelab import', () => {
  test('--source clark writes runs.csv, curves.csv.gz and import.json and prints the counts, the selection and the notes', () => {
    const out = path.join(tmp(), 'clark');
    const r = moelab(['import', '--source', 'clark', '--out', out]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^clark-routing \(clark format, data\/released\/clark-routing\/curves\.csv\.gz, sha256 c03e7531add8…\): 223 runs from 5799 rows \(Dense 13, S-Base 87, Hash 69, RL-R 54\); target loss_validation/);
    assert.match(r.stdout, /selection for the paper's fits \(the authors' notebook: .*\): 163 runs \(Dense 5, S-Base 53, Hash 51, RL-R 54\)/);
    assert.match(r.stdout, /221 of 223 runs end at step 249000/);
    for (const f of ['runs.csv', 'curves.csv.gz', 'import.json']) assert.ok(fs.existsSync(path.join(out, f)), f);
    assert.equal(fs.readFileSync(path.join(out, 'runs.csv'), 'utf8').trimEnd().split('\n').length, 224);
  });

  test('--json prints import.json and the files written', () => {
    const out = tmp();
    const r = moelab(['import', '--source', FIXTURE, '--out', out, '--json']);
    assert.equal(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout) as { runs: number; source: { format: string; file: string }; selection: unknown; written: string[]; notes: Array<{ kind: string }> };
    assert.equal(j.runs, 6);
    assert.equal(j.source.format, 'clark');
    assert.equal(j.source.file, path.relative(REPO, FIXTURE));
    assert.equal(j.selection, null, 'a user file has no paper selection');
    assert.equal(j.written.length, 3);
    assert.ok(j.notes.some((n) => n.kind === 'repeated-configuration'));
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(out, 'import.json'), 'utf8')), (({ written: _w, ...rest }) => rest)(j));
  });

  test('a malformed row exits 2 naming the file, line and column, and writes nothing', () => {
    const dir = tmp();
    const bad = path.join(dir, 'bad.csv');
    const lines = fs.readFileSync(FIXTURE, 'utf8').split('\n');
    lines[3] = lines[3].replace(/^0,100000,3\.380952/, '0,100000,oops');
    assert.match(lines[3], /oops/);
    fs.writeFileSync(bad, lines.join('\n'));
    const out = path.join(dir, 'out');
    const r = moelab(['import', '--source', bad, '--out', out]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^moelab: ReleasedTableError: .*bad\.csv, line 4, column "loss_c4": "oops" is not a number > 0; leave the cell empty when this loss was not evaluated at this step\n$/);
    assert.equal(fs.existsSync(out), false);
  });

  test('a missing file, an --out that is a file, a bad tolerance and an unknown format are input errors (exit 2)', () => {
    const dir = tmp();
    let r = moelab(['import', '--source', path.join(dir, 'nope.csv'), '--out', dir]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /ReleasedTableError: released table .*nope\.csv does not exist; pass one of the vendored sources \(clark\) or an existing/);
    const file = path.join(dir, 'f.txt');
    fs.writeFileSync(file, 'x');
    r = moelab(['import', '--source', FIXTURE, '--out', file]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--out .*f\.txt is a file; name a folder/);
    assert.equal(fs.readFileSync(file, 'utf8'), 'x');
    r = moelab(['import', '--source', FIXTURE, '--out', dir, '--final-step-tolerance', '2']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--final-step-tolerance must be a fraction in \[0, 1\), got "2"/);
    r = moelab(['import', '--source', FIXTURE, '--out', dir, '--format', 'moelab']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /ReleasedTableError: .*clark-mini\.csv, line 1: no column "run_id"/);
  });

  test('--help documents the released format', () => {
    const r = moelab(['import', '--help']);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /run_id, step, router, experts, top_k, routing_frequency, params_dense, params_total, flops_per_step, seed,/);
  });
});

describe('moelab repro --preset clark', () => {
  test('imports the released table into results/released/, fits Eq. 1 per router, tests the experts claims per router and writes the report, with no corpus and no training; a second repro does nothing', () => {
    const root = tmp();
    const results = path.join(root, 'results');
    const data = path.join(root, 'data');
    const r = moelab(['repro', '--preset', 'clark', '--results', results, '--data', data, '--json']);
    assert.equal(r.status, 0, r.stderr);
    const summary = JSON.parse(r.stdout) as { total: number; ran: Array<{ instance: string }> };
    assert.equal(summary.total, 6);
    assert.deepEqual(summary.ran.map((x) => x.instance).sort(), ['import', 'released-claims', 'released-fit@hash', 'released-fit@rl-r', 'released-fit@s-base', 'released-report']);
    const report = fs.readFileSync(path.join(results, 'REPORT.md'), 'utf8');
    for (const router of ['S-Base', 'RL-R', 'Hash']) assert.match(report, new RegExp(`^### ${router}$`, 'm'));
    assert.match(report, /^\| yun\.moe-beats-dense \| \*\*holds\*\* \| \*\*holds\*\* \| \*\*holds\*\* \|$/m);
    assert.match(report, /^\| krajewski\.moe-beats-dense \| inconclusive \| inconclusive \| inconclusive \|$/m);
    // Eq. 1 against the runs, drawn from the fit records (a PNG when Chromium is installed, else the reason)
    assert.match(report, /^### Eq\. 1 against the runs$/m);
    for (const id of ['clark.loss-vs-params', 'clark.loss-vs-experts']) {
      assert.ok(fs.existsSync(path.join(results, 'figures', 'released', `${id}.json`)), `${id}.json`);
      assert.ok(report.includes(`![${id}](figures/released/${id}.png)`) || new RegExp(`\\*\\*${id.replace('.', '\\.')}\\*\\* not drawn: Chromium`).test(report), id);
    }
    for (const set of ['s-base', 'rl-r', 'hash']) {
      const record = JSON.parse(fs.readFileSync(path.join(results, 'fits', 'released', 'clark', `${set}.json`), 'utf8')) as { status: string; law: string; bootstrap: { scheme: { resamples: number } } };
      assert.deepEqual([record.law, record.status, record.bootstrap.scheme.resamples], ['clark', 'ok', 1000], set);
    }
    const manifest = JSON.parse(fs.readFileSync(path.join(results, 'released', 'import.json'), 'utf8')) as { runs: number; source: { file: string } };
    assert.equal(manifest.runs, 223);
    assert.equal(manifest.source.file, 'data/released/clark-routing/curves.csv.gz');
    assert.equal(fs.existsSync(data), false, 'no corpus is built');
    const again = moelab(['repro', '--preset', 'clark', '--results', results, '--data', data, '--json']);
    assert.equal(again.status, 0, again.stderr);
    assert.deepEqual((JSON.parse(again.stdout) as { ran: unknown[] }).ran, []);
    const dag = moelab(['dag', '--preset', 'clark']);
    assert.match(dag.stdout, /^import {2}# released run table/);
    assert.doesNotMatch(dag.stdout, /^(corpus|train|runs|fit|report)/m);
    assert.match(dag.stdout, /^released-report ← import, released-claims, released-fit {2}#/m);
  });

  test("a preset on a user's released table fits one set of every run; a fit it cannot make is reported as failed, and claims that need tokens the table lacks say so", () => {
    const root = tmp();
    const preset = path.join(root, 'mine.json');
    fs.writeFileSync(preset, JSON.stringify({ name: 'mine', source: { kind: 'released', table: path.relative(REPO, FIXTURE) } }));
    const results = path.join(root, 'results');
    const r = moelab(['repro', '--preset', preset, '--results', results, '--json']);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual((JSON.parse(r.stdout) as { ran: Array<{ instance: string }> }).ran.map((x) => x.instance).sort(), ['import', 'released-claims', 'released-fit@all', 'released-report']);
    const record = JSON.parse(fs.readFileSync(path.join(results, 'fits', 'released', 'clark', 'all.json'), 'utf8')) as { status: string; error: string };
    assert.equal(record.status, 'failed');
    assert.match(record.error, /clark has 6 parameters but only 6 observations/);
    const report = fs.readFileSync(path.join(results, 'REPORT.md'), 'utf8');
    assert.match(report, /^all: \*\*the fit failed\*\* \(6 runs\): FitError: clark has 6 parameters/m);
    assert.match(report, /its code reads tokens, which clark-mini does not give \(the table records no tokens and no training tokens are stated for its runs\)/);
  });

  test('presets that mix sources, lack a corpus, reuse the released folder name or name a missing table are refused before anything runs (exit 2)', () => {
    const root = tmp();
    const results = path.join(root, 'results');
    const write = (name: string, preset: unknown) => {
      const f = path.join(root, `${name}.json`);
      fs.writeFileSync(f, JSON.stringify(preset));
      return f;
    };
    const corpus = { name: 'c', sources: [{ kind: 'embedded', dataset: 'moby-dick' }], valFraction: 0.1, splitSeed: 0 };
    const cases: Array<[unknown, RegExp]> = [
      [{ name: 'x', source: { kind: 'released', table: 'clark' }, sweeps: { experts: { shapes: [{ dModel: 16, layers: 1, heads: 2 }], experts: [1, 4], tokens: [1000] } } }, /sweeps: a preset whose runs come from a released table trains nothing; remove its sweeps/],
      [{ name: 'x' }, /corpus: a preset that trains its runs needs a corpus section/],
      [{ name: 'x', corpus: { ...corpus, name: 'released' } }, /corpus\.name: corpus name 'released' is reserved for the vendored released tables/],
      [{ name: 'x', source: { kind: 'released', table: 'no/such.csv.gz' } }, /PresetError: source\.table: released table .*no\/such\.csv\.gz does not exist/],
      [{ name: 'x', source: { kind: 'released', table: 'clark', finalStepTolerance: 1.5 } }, /source\.finalStepTolerance/],
    ];
    cases.forEach(([preset, re], i) => {
      const r = moelab(['repro', '--preset', write(`p${i}`, preset), '--results', results, '--data', path.join(root, 'data')]);
      assert.equal(r.status, 2, `${JSON.stringify(preset)}: ${r.stderr}`);
      assert.match(r.stderr, re);
    });
    assert.equal(fs.existsSync(path.join(results, 'released')), false);
  });
});
