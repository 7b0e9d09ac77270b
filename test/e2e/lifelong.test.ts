/**
 * End to end: a miniature lifelong preset through the real CLI (lifelong-corpora → lifelong@s<seed> → runs → claims):
 * the per-seed records, the run table rows and the claim, and that a second repro runs nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ReproSummary } from '../../src/pipeline/repro';
import { readLifelongRecords } from '../../src/runs/lifelong';

const ROOT = path.resolve(__dirname, '..', '..');
const BIN = path.join(ROOT, 'bin', 'moelab.js');

function moelab(args: string[]): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CI: '1' } });
  return { status: r.status, out: `${r.stdout}\n${r.stderr}` };
}

const corpus = (name: string, dataset: string, maxBytes: number) => ({ name, sources: [{ kind: 'embedded', dataset }], valFraction: 0.2, splitSeed: 0, tokenizer: 'byte', maxBytes });

test('repro of a miniature lifelong preset writes a record per seed, the arms in the run table and the claim; a second repro runs nothing', { timeout: 10 * 60_000 }, () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'moelab-lifelong-'));
  const results = path.join(root, 'results');
  const data = path.join(root, 'data');
  const preset = path.join(root, 'lifelong-mini.json');
  fs.writeFileSync(
    preset,
    JSON.stringify({
      name: 'lifelong-mini',
      corpus: corpus('mini-mixed', 'moby-dick', 200_000),
      sweeps: {
        lifelong: {
          shape: { dModel: 16, layers: 2, heads: 2 },
          moe: { expansionRate: 2, granularity: 1, topK: 1 },
          corpora: { old: corpus('mini-moby', 'moby-dick', 150_000), new: corpus('mini-sotu', 'sotu', 150_000) },
          tokens: { old: 4096, new: 2048 },
          grow: { expansionRate: 4 },
          seeds: [0, 1],
        },
      },
      train: { seqLen: 16, batchSize: 8, lr: 3e-3, evalsPerRun: 1, evalTokens: 1024, checkpointsPerRun: 2, capacityFactor: null },
      fit: { laws: [], sensitivity: false },
    }),
  );
  const first = moelab(['repro', 'claims', '--preset', preset, '--results', results, '--data', data, '-j', '2']);
  assert.equal(first.status, 0, first.out.slice(-4000));
  const records = readLifelongRecords(path.join(results, 'lifelong'));
  assert.deepEqual(records.map((r) => r.seed), [0, 1]);
  for (const r of records) {
    assert.deepEqual(r.arms.map((a) => a.arm), ['finetune', 'grow-frozen', 'grow']);
    assert.deepEqual([r.base.experts, ...r.arms.map((a) => a.experts)], [2, 2, 4, 4]);
    // every arm starts from the base's weights, so its old-corpus loss before training is the base's final one
    for (const a of r.arms.filter((x) => x.arm === 'finetune')) assert.equal(a.old.before, r.base.oldLoss);
    assert.deepEqual(r.arms.find((a) => a.arm === 'grow-frozen')!.freeze, ['old-experts', 'old-router']);
  }
  const table = fs.readFileSync(path.join(results, 'runs.csv'), 'utf8').trim().split('\n');
  assert.equal(table.length - 1, 8, 'base and three arms per seed');
  assert.ok(table.slice(1).every((l) => l.includes(',lifelong,')));
  const claims = JSON.parse(fs.readFileSync(path.join(results, 'tables', 'claims.json'), 'utf8')) as { claims: Array<{ id: string; verdict: string; evidence: string }> };
  const claim = claims.claims.find((c) => c.id === 'chen.lifelong-less-forgetting');
  assert.ok(claim, 'the lifelong claim is computed');
  assert.match(claim.evidence, /^2 seeds; base E·G = 2, grown 4/);
  const second = moelab(['repro', 'claims', '--preset', preset, '--results', results, '--data', data, '--json']);
  assert.equal(second.status, 0, second.out);
  const summary = JSON.parse(second.out.slice(second.out.indexOf('{'), second.out.lastIndexOf('}') + 1)) as ReproSummary;
  assert.deepEqual(summary.ran, [], 'a second repro runs nothing');
  assert.ok(summary.upToDate.includes('lifelong@s1'), summary.upToDate.join(', '));
});
