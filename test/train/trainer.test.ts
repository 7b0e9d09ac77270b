import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { backendKernelLabel, selectBackend } from '../../src/backend';
import { ConfigError, NonFiniteLossError, parseModelConfig } from '../../src/model';
import { hostStepUnsupported, setHostStepEnabled } from '../../src/model/host-step';
import { MetricsRow, trainRun, learningRate } from '../../src/train';
import { loadCheckpoint } from '../../src/train/checkpoint';
import { RUN_COLUMNS } from '../../src/runs/types';
import { tempDir, tinyTrainConfig } from './fixtures';

function readMetrics(dir: string): MetricsRow[] {
  return fs
    .readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as MetricsRow);
}
const trainLosses = (rows: MetricsRow[]) => rows.flatMap((r) => (r.kind === 'train' ? [r.loss] : []));
const valLosses = (rows: MetricsRow[]) => rows.flatMap((r) => (r.kind === 'eval' ? [r.valLoss] : []));

test('learningRate warms up linearly over 1% then decays by cosine to 10% of the peak', () => {
  const a = { lr: 1, totalSteps: 1000, warmupFraction: 0.01, finalLrFraction: 0.1 };
  assert.ok(Math.abs(learningRate(0, a) - 0.1) < 1e-12);
  assert.ok(Math.abs(learningRate(9, a) - 1) < 1e-12);
  assert.ok(Math.abs(learningRate(999, a) - 0.1) < 1e-12);
  const mid = learningRate(10 + Math.round(989 / 2), a);
  assert.ok(Math.abs(mid - 0.55) < 2e-3, `mid ${mid}`);
});

for (const backend of ['cpu', 'wasm'] as const) {
  test(`[${backend}] trainRun writes metrics and a final.json RunSummary; same seed gives identical losses`, async () => {
    const a = tempDir();
    const b = tempDir();
    const progress: number[] = [];
    const s1 = await trainRun(tinyTrainConfig({}, backend), { outDir: a, onProgress: (p) => progress.push(p.step) });
    await trainRun(tinyTrainConfig({}, backend), { outDir: b });
    assert.deepEqual(progress, [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(trainLosses(readMetrics(a)), trainLosses(readMetrics(b)));
    assert.deepEqual(valLosses(readMetrics(a)), valLosses(readMetrics(b)));
    const final = JSON.parse(fs.readFileSync(path.join(a, 'final.json'), 'utf8'));
    for (const [key] of RUN_COLUMNS) assert.ok(key in final, `final.json lacks ${key}`);
    assert.equal(final.backend, backendKernelLabel(backend, backend)); // `wasm+openblas` when the addon is built
    assert.equal(s1.tokens, 6 * 64);
    assert.ok(Number.isFinite(s1.valLoss) && s1.valLoss < Math.log(256) + 0.5);
    const row = readMetrics(a)[0]!;
    assert.equal(row.kind, 'train');
    if (row.kind === 'train') assert.equal(row.expertLoad.length, 1);
  });

  test(`[${backend}] trainRun with the host step writes the metrics and checkpoint the tfjs step writes, bit for bit (dense + expert-choice MoE blocks)`, async () => {
    await selectBackend(backend);
    const cfg = tinyTrainConfig({ model: { dModel: 16, layers: 2, heads: 2, moe: { router: 'expert-choice', expansionRate: 4, granularity: 2, topK: 1, every: 2, groupSize: 4 } } }, backend);
    if (hostStepUnsupported(parseModelConfig({ ...cfg.model, contextLength: 16 })) !== null) return; // no native addon here: nothing to compare
    const host = tempDir();
    const lines: string[] = [];
    await trainRun(cfg, { outDir: host, log: (l) => lines.push(l) });
    assert.ok(lines.some((l) => l.startsWith('training step: host step')), lines.join('\n'));
    const viaTfjs = tempDir();
    setHostStepEnabled(false);
    try {
      await trainRun(cfg, { outDir: viaTfjs });
    } finally {
      setHostStepEnabled(true);
    }
    const strip = (rows: MetricsRow[]) => rows.map((r) => (r.kind === 'train' ? { ...r, tokensPerSecond: 0 } : r));
    assert.deepEqual(strip(readMetrics(host)), strip(readMetrics(viaTfjs)));
    // Weights and AdamW moments of the last checkpoint (its header also holds wall time, which differs).
    const [ca, cb] = [loadCheckpoint(host)!, loadCheckpoint(viaTfjs)!];
    assert.deepEqual([...ca.values.keys()], [...cb.values.keys()]);
    for (const [name, v] of ca.values) assert.ok(Buffer.from(v.data.buffer, v.data.byteOffset, v.data.byteLength).equals(Buffer.from(cb.values.get(name)!.data.buffer, cb.values.get(name)!.data.byteOffset, cb.values.get(name)!.data.byteLength)), `checkpoint ${name} differs`);
  });

  test(`[${backend}] tensor count is constant across 50 training steps`, async () => {
    await selectBackend(backend);
    const counts: number[] = [];
    await trainRun(tinyTrainConfig({ tokens: 50 * 64, evalEveryTokens: 10 * 64, checkpointEverySteps: 25 }, backend), {
      outDir: tempDir(),
      onProgress: () => counts.push(tf.memory().numTensors),
    });
    assert.equal(counts.length, 50);
    assert.ok(counts.slice(1).every((c) => c === counts[1]), `tensor counts vary: ${[...new Set(counts)].join(',')}`);
  });
}

test('the reported LM loss excludes aux losses (large lbCoef/zCoef leave it at the LM scale)', async () => {
  const dir = tempDir();
  const cfg = tinyTrainConfig({
    tokens: 64,
    model: { dModel: 16, layers: 2, heads: 2, moe: { router: 'token-choice', expansionRate: 4, topK: 2, lbCoef: 100, zCoef: 100 } },
  });
  await trainRun(cfg, { outDir: dir });
  const row = readMetrics(dir)[0]!;
  assert.equal(row.kind, 'train');
  if (row.kind !== 'train') return;
  // Untrained byte model: LM loss ≈ ln 256 = 5.55; the weighted aux loss alone is ≥ 100 · 1 (balance ≥ 1 on average).
  assert.ok(Math.abs(row.loss - Math.log(256)) < 0.3, `LM loss ${row.loss}`);
  assert.ok(row.auxLoss > 50, `aux loss ${row.auxLoss}`);
  assert.ok(row.balanceLoss >= 0.99, `balance loss ${row.balanceLoss}`);
});

test('a readEverySteps that is not a whole number ≥ 1 is a ConfigError naming it, before the out folder is created', async () => {
  for (const bad of [0, -2, 1.5, Number.NaN]) {
    const dir = path.join(tempDir(), 'run');
    await assert.rejects(trainRun(tinyTrainConfig(), { outDir: dir, readEverySteps: bad }), (e: unknown) => e instanceof ConfigError && /readEverySteps/.test(e.message));
    assert.ok(!fs.existsSync(dir), `${bad}: nothing written`);
  }
});

test('a NaN/Inf loss stops the run with NonFiniteLossError and keeps the last good checkpoint', async () => {
  const dir = tempDir();
  const cfg = tinyTrainConfig({ tokens: 64 * 8, optimizer: { lr: 1e30, gradClip: 0 }, schedule: { warmupFraction: 0, finalLrFraction: 1 }, checkpointEverySteps: 1 });
  await assert.rejects(trainRun(cfg, { outDir: dir }), (e: unknown) => e instanceof NonFiniteLossError);
  assert.ok(fs.existsSync(path.join(dir, 'checkpoint.bin')), 'checkpoint of the last good step is kept');
  assert.ok(!fs.existsSync(path.join(dir, 'final.json')));
});

test('a run killed with SIGKILL and restarted with resume ends with exactly the losses of an uninterrupted run', async () => {
  // 60 steps, killed after step 7: a millisecond step (the host training step) must not finish before the kill lands
  const cfgInput = tinyTrainConfig({ tokens: 64 * 60, checkpointEverySteps: 3, evalEveryTokens: 64 * 8 }, 'wasm');
  const ref = tempDir();
  await trainRun(cfgInput, { outDir: ref });
  const dir = tempDir();
  const cfgFile = path.join(dir, 'config.json');
  const out = path.join(dir, 'run');
  fs.writeFileSync(cfgFile, JSON.stringify(cfgInput));
  const child = path.join(__dirname, 'child-train.ts');
  // First process: kill it with SIGKILL once it has passed step 7 (checkpoint at step 6 exists).
  await new Promise<void>((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', child, cfgFile, out], { stdio: ['ignore', 'pipe', 'inherit'] });
    let killed = false;
    p.stdout.on('data', (buf: Buffer) => {
      if (!killed && /step 7\b/.test(buf.toString())) {
        killed = true;
        p.kill('SIGKILL');
      }
    });
    p.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`child exited ${code} before the kill`))));
  });
  assert.ok(!fs.existsSync(path.join(out, 'final.json')));
  await trainRun(cfgInput, { outDir: out, resume: true });
  assert.deepEqual(trainLosses(readMetrics(out)), trainLosses(readMetrics(ref)));
  assert.deepEqual(valLosses(readMetrics(out)), valLosses(readMetrics(ref)));
  const a = JSON.parse(fs.readFileSync(path.join(out, 'final.json'), 'utf8'));
  const b = JSON.parse(fs.readFileSync(path.join(ref, 'final.json'), 'utf8'));
  assert.equal(a.valLoss, b.valLoss);
  assert.equal(a.trainLossSmoothed, b.trainLossSmoothed);
});

test('an existing checkpoint without resume is refused (no silent overwrite)', async () => {
  const dir = tempDir();
  await trainRun(tinyTrainConfig({ tokens: 128 }), { outDir: dir });
  await assert.rejects(trainRun(tinyTrainConfig({ tokens: 128 }), { outDir: dir }), /checkpoint exists/);
});
