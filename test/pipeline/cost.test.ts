import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { estimateCost, formatCostEstimate, formatDeviceHours, openPipeline, planStatus, repro, writeLock, type LockEntry } from '../../src/pipeline';
import { MOELAB, REPO_ROOT } from './helpers';
import type { CostFixtureConfig } from './fixtures/cost-dag';

const COST_DAG = path.join(__dirname, 'fixtures', 'cost-dag.ts');

/** A lock-file entry of a finished run of `shape` that trained `tokens` in `wallSeconds`. */
function finished(shape: string, tokens: number, wallSeconds: number): LockEntry {
  return {
    key: 'k',
    stage: 'train',
    params: { '@matrix': { id: 'old', shape, tokens } },
    code: 'c',
    inputs: {},
    deps: {},
    outputs: {},
    started: '2026-12-02T00:00:00.000Z',
    finished: '2026-12-02T00:00:01.000Z',
    wallSeconds,
    executor: { kind: 'local' },
    preset: 'fixture',
  };
}

/** A workspace whose lock file holds runs of known tokens/s: shape a 500 tokens/s (two runs), shape b 100 tokens/s. */
function costWorkspace(config: Omit<CostFixtureConfig, 'name'>) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'moelab-cost-'));
  const results = path.join(root, 'results');
  const data = path.join(root, 'data');
  const preset = path.join(root, 'preset.json');
  fs.mkdirSync(results, { recursive: true });
  fs.writeFileSync(preset, JSON.stringify({ name: 'fixture', ...config }));
  writeLock(results, {
    version: 1,
    instances: { 'train@old-a1': finished('a', 1000, 3), 'train@old-a2': finished('a', 1500, 2), 'train@old-b': finished('b', 100, 1) },
  });
  return { root, results, data, preset };
}

const RUNS = [
  { id: 'r1', shape: 'a', tokens: 1000 },
  { id: 'r2', shape: 'a', tokens: 3000 },
  { id: 'r3', shape: 'b', tokens: 500 },
];

test('the dry-run estimate of N runs of known tokens/s is the sum of tokens / (tokens/s), in core-hours', async () => {
  const ws = costWorkspace({ runs: RUNS, wide: [{ id: 'w1', shape: 'x', tokens: 3600 }] });
  const s = await repro({ pipelineModule: COST_DAG, preset: ws.preset, repoRoot: REPO_ROOT, resultsDir: ws.results, dataDir: ws.data, dryRun: true });
  assert.ok(s.cost);
  // shape a: (1000 + 1500) tokens / (3 + 2) s = 500 tokens/s; shape b: 100 tokens/s.
  const trainSeconds = 1000 / 500 + 3000 / 500 + 500 / 100;
  const train = s.cost.stages.find((x) => x.stage === 'train')!;
  assert.equal(train.instances, 3);
  assert.equal(train.measured, 3);
  assert.ok(Math.abs(train.coreHours - trainSeconds / 3600) < 1e-12, `${train.coreHours}`);
  // A 2-slot instance of 36 s costs 72 core-seconds.
  const wide = s.cost.stages.find((x) => x.stage === 'wide')!;
  assert.equal(wide.modelled, 1);
  assert.ok(Math.abs(wide.coreHours - 72 / 3600) < 1e-12);
  assert.ok(Math.abs(s.cost.totalCoreHours - (trainSeconds + 72) / 3600) < 1e-12);
  // The stage without a cost model is not listed.
  assert.deepEqual(
    s.cost.stages.map((x) => x.stage),
    ['train', 'wide'],
  );
});

test('a shape never measured is counted without an estimate, and up-to-date instances cost nothing', () => {
  const ws = costWorkspace({ runs: [...RUNS, { id: 'r4', shape: 'new', tokens: 10 }], wide: [] });
  const session = openPipeline({ pipelineModule: COST_DAG, preset: ws.preset, repoRoot: REPO_ROOT, resultsDir: ws.results, dataDir: ws.data });
  const planned = planStatus(session, session.dag.instances).map((p) => ({ name: p.name, stale: p.name !== 'train@r2' && p.stale }));
  const c = estimateCost(session.dag.instances, planned, session.roots);
  const train = c.stages[0]!;
  assert.deepEqual([train.instances, train.measured, train.unknown], [3, 2, 1]);
  assert.ok(Math.abs(c.totalCoreHours - (1000 / 500 + 500 / 100) / 3600) < 1e-12);
  assert.match(formatCostEstimate(c).join('\n'), /1 without an estimate/);
});

test('moelab repro --dry-run and moelab status print the estimated total, and --json carries it', () => {
  const ws = costWorkspace({ runs: RUNS, wide: [] });
  const args = ['--dag', COST_DAG, '--preset', ws.preset, '--results', ws.results, '--data', ws.data];
  const dry = spawnSync(process.execPath, [MOELAB, 'repro', '--dry-run', '-j', '1', ...args], { cwd: REPO_ROOT, encoding: 'utf8' });
  assert.equal(dry.status, 0, dry.stderr);
  assert.match(dry.stdout, /estimated cost of train: 3 instance\(s\), 0\.0036 core-h \(13 core-s\) \(3 from measured runs of the same shape, 0 from the FLOPs model\)/);
  assert.match(dry.stdout, /estimated total: 0\.0036 core-h \(13 core-s\) of training/);
  const status = spawnSync(process.execPath, [MOELAB, 'status', ...args], { cwd: REPO_ROOT, encoding: 'utf8' });
  assert.equal(status.status, 0, status.stderr);
  assert.match(status.stdout, /estimated total: 0\.0036 core-h/);
  const json = spawnSync(process.execPath, [MOELAB, 'repro', '--dry-run', '--json', ...args], { cwd: REPO_ROOT, encoding: 'utf8' });
  assert.equal(json.status, 0, json.stderr);
  const parsed = JSON.parse(json.stdout) as { cost: { totalCoreHours: number } };
  assert.ok(Math.abs(parsed.cost.totalCoreHours * 3600 - 13) < 1e-9);
});

test('core-hours read well from seconds to millions', () => {
  assert.equal(formatDeviceHours(13 / 3600), '0.0036 core-h (13 core-s)');
  assert.equal(formatDeviceHours(2.4), '2.40 core-h');
  assert.equal(formatDeviceHours(123.4), '123 core-h');
  assert.equal(formatDeviceHours(1.234e6), '1.23M core-h');
  assert.equal(formatDeviceHours(3.5, 'GPU'), '3.50 GPU-h');
});
