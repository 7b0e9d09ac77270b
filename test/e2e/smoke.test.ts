/**
 * End to end: the `smoke` preset through the real CLI (corpus → train@… → runs → fit@… → analysis → figures →
 * notebooks → report), a no-op second run, and a SIGKILLed sweep that resumes to the same run table.
 * Slow (minutes): it is the CI proof that `npm run repro` works; run alone with `npm test -- e2e`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { jupyterUnavailable } from '../../src/notebooks/execute';
import { findChromium } from '../../src/figures/render';
import type { ReproSummary } from '../../src/pipeline/repro';

const ROOT = path.resolve(__dirname, '..', '..');
const BIN = path.join(ROOT, 'bin', 'moelab.js');

function moelab(args: string[]): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CI: '1' } });
  return { status: r.status, out: `${r.stdout}\n${r.stderr}` };
}

/** The run table without the column that legitimately differs between two identical runs (wall time). */
function runTableWithoutTiming(file: string): string {
  const [header, ...rows] = fs.readFileSync(file, 'utf8').trim().split('\n');
  const cols = header!.split(',');
  const wall = cols.indexOf('wall_seconds');
  assert.ok(wall >= 0, 'runs.csv has a wall_seconds column');
  const drop = (line: string) => line.split(',').filter((_, i) => i !== wall).join(',');
  return [drop(header!), ...rows.map(drop).sort()].join('\n');
}

const missing = jupyterUnavailable(ROOT) ?? (findChromium() ? undefined : 'Chromium not found (run scripts/setup-system.sh)');

test('repro --preset smoke runs every stage from corpus to report, then a second repro runs nothing', { skip: missing, timeout: 30 * 60_000 }, () => {
  const results = fs.mkdtempSync(path.join(os.tmpdir(), 'moelab-e2e-'));
  const first = moelab(['repro', '--preset', 'smoke', '--results', results, '-j', '2']);
  assert.equal(first.status, 0, first.out.slice(-4000));
  for (const f of ['runs.csv', 'fits/chinchilla.json', 'fits/fine-grained.json', 'fits/experts.json', 'tables/compute-optimal.json', 'figures/index.html', 'REPORT.md', 'REPORT.html']) {
    assert.ok(fs.existsSync(path.join(results, f)), `${f} written`);
  }
  const rows = fs.readFileSync(path.join(results, 'runs.csv'), 'utf8').trim().split('\n').length - 1;
  assert.equal(rows, 30, 'one row per smoke run');
  assert.ok(fs.readdirSync(path.join(results, 'notebooks')).some((f) => f.endsWith('.ipynb')), 'executed notebooks written');
  const report = fs.readFileSync(path.join(results, 'REPORT.md'), 'utf8');
  assert.match(report, /Claims of the papers, tested/);
  assert.match(report, /The same claims at real scale: clark-routing's released runs/);
  for (const f of ['tables/claims.json', 'tables/claims-at-scale.json']) assert.ok(fs.existsSync(path.join(results, f)), `${f} written`);
  assert.match(report, /!\[krajewski\.fig1a\]\(figures\/krajewski\/fig1a\.png\)/);
  const second = moelab(['repro', '--preset', 'smoke', '--results', results, '--json']);
  assert.equal(second.status, 0, second.out);
  const summary = JSON.parse(second.out.slice(second.out.indexOf('{'), second.out.lastIndexOf('}') + 1)) as ReproSummary;
  assert.deepEqual(summary.ran, [], 'a second repro runs nothing');
  assert.equal(summary.upToDate.length, summary.total);
});

test('a training sweep killed with SIGKILL resumes to the same run table as an uninterrupted one', { timeout: 30 * 60_000 }, async () => {
  const clean = fs.mkdtempSync(path.join(os.tmpdir(), 'moelab-e2e-clean-'));
  const killed = fs.mkdtempSync(path.join(os.tmpdir(), 'moelab-e2e-killed-'));
  const reference = moelab(['repro', 'runs', '--preset', 'smoke', '--results', clean, '-j', '2']);
  assert.equal(reference.status, 0, reference.out.slice(-4000));

  // Start the same sweep and SIGKILL the repro process once some runs have finished and others are mid-way.
  const child = spawn(process.execPath, [BIN, 'repro', 'runs', '--preset', 'smoke', '--results', killed, '-j', '2'], { cwd: ROOT, stdio: 'ignore' });
  const finishedRuns = () => (fs.existsSync(path.join(killed, 'runs')) ? fs.readdirSync(path.join(killed, 'runs')).length : 0);
  const deadline = Date.now() + 10 * 60_000;
  while (finishedRuns() < 6 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  assert.ok(finishedRuns() >= 6, 'the sweep made progress before the kill');
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  assert.ok(!fs.existsSync(path.join(killed, 'runs.csv')), 'no run table was written by the killed sweep');

  const resumed = moelab(['repro', 'runs', '--preset', 'smoke', '--results', killed, '-j', '2']);
  assert.equal(resumed.status, 0, resumed.out.slice(-4000));
  assert.equal(runTableWithoutTiming(path.join(killed, 'runs.csv')), runTableWithoutTiming(path.join(clean, 'runs.csv')));
});
