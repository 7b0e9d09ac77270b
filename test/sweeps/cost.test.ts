import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { validatePreset } from '../../pipeline/presets';
import tiny from '../../pipeline/presets/tiny';
import {
  CPU_CORE_TRAINING_FLOPS_PER_SECOND,
  RUN_STARTUP_SECONDS,
  WEBGPU_TRAINING_FLOPS_PER_SECOND,
  expandSweeps,
  sweepRunToTrainConfig,
  trainRunCost,
} from '../../pipeline/sweeps';
import { trainingFlops } from '../../src/accounting/model-params';
import type { CostContext, CostRecord } from '../../src/pipeline/types';
import { parseTrainConfig } from '../../src/train/config';

const preset = validatePreset(tiny, 'tiny.ts');
const runs = expandSweeps(preset.sweeps);
/** An empty repository root and results dir: no final.json to measure from. */
const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'moelab-cost-'));
const ctx = (history: CostRecord[]): CostContext => ({ history, resultsDir: path.join(empty, 'results'), repoRoot: empty });
/** A lock-file record of `run` trained under `train` at `tokensPerSecond`. */
const record = (run: (typeof runs)[number], tokensPerSecond: number, train = preset.train): CostRecord => ({
  instance: `train@${run.runId}`,
  params: { train, 'corpus.name': 'stdlib-en', '@matrix': run },
  wallSeconds: run.tokens / tokensPerSecond,
});

test('a train run of a measured shape costs its tokens over the pooled tokens/s of the lock file', () => {
  const dense = runs.filter((r) => r.sweep === 'fine-grained' && r.family === 'dense' && r.dModel === 96);
  assert.equal(dense.length, 3); // 80k, 250k, 800k tokens of one shape (no replicates at d96)
  // Two earlier runs at 20k and 30k tokens/s: pooled Σ tokens / Σ seconds.
  const history = [record(dense[0]!, 20_000), record(dense[2]!, 30_000)];
  const pooled = (dense[0]!.tokens + dense[2]!.tokens) / (dense[0]!.tokens / 20_000 + dense[2]!.tokens / 30_000);
  const est = trainRunCost(dense[1]!, preset.train, ctx(history));
  assert.equal(est.basis, 'measured');
  assert.ok(Math.abs(est.seconds - dense[1]!.tokens / pooled) < 1e-9);
  // Another shape, or the same shape under another batch size, is not measured by them.
  const other = runs.find((r) => r.family === 'dense' && r.dModel === 24)!;
  assert.equal(trainRunCost(other, preset.train, ctx(history)).basis, 'model');
  assert.equal(trainRunCost(dense[1]!, { ...preset.train, batchSize: 32 }, ctx(history)).basis, 'model');
});

test('a never-measured run costs its training and evaluation FLOPs at the measured CPU rate plus start-up', () => {
  const run = runs.find((r) => r.family === 'moe')!;
  const cfg = parseTrainConfig(sweepRunToTrainConfig(run, preset.train, '/tmp/corpus'));
  const perToken = trainingFlops(cfg.model, 1).sixNDAll;
  const flops = perToken * cfg.tokens + (perToken / 3) * preset.train.evalTokens * preset.train.evalsPerRun;
  const est = trainRunCost(run, preset.train, ctx([]));
  assert.equal(est.basis, 'model');
  assert.equal(est.device, 'cpu');
  assert.ok(Math.abs(est.seconds - (RUN_STARTUP_SECONDS + flops / CPU_CORE_TRAINING_FLOPS_PER_SECOND)) < 1e-9);
  const gpu = trainRunCost(run, { ...preset.train, backend: 'webgpu' }, ctx([]));
  assert.equal(gpu.device, 'gpu');
  assert.ok(Math.abs(gpu.seconds - (RUN_STARTUP_SECONDS + flops / WEBGPU_TRAINING_FLOPS_PER_SECOND)) < 1e-9);
});

test('finished runs (final.json) of the same model measure a run when the lock file has none', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'moelab-cost-ref-'));
  const run = runs.find((r) => r.sweep === 'experts' && r.family === 'moe')!;
  const dir = path.join(root, 'results', 'reference', 'tiny', 'runs', run.runId);
  fs.mkdirSync(dir, { recursive: true });
  const trainSeconds = 10;
  // The committed reference's summary of this run, with a known training time.
  const summary = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'results', 'reference', 'tiny', 'runs', run.runId, 'final.json'), 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(path.join(dir, 'final.json'), JSON.stringify({ ...summary, wallSeconds: trainSeconds }));
  const firstStep = (tokens: number) => fs.writeFileSync(path.join(dir, 'metrics.jsonl'), `${JSON.stringify({ kind: 'train', step: 1, tokens })}\n`);
  const reference = { history: [], resultsDir: path.join(root, 'results'), repoRoot: root };
  firstStep(preset.train.batchSize * preset.train.seqLen);
  const est = trainRunCost(run, preset.train, reference);
  assert.equal(est.basis, 'measured');
  // final.json counts whole steps (64512 tokens for a 64k budget): tokens / (its tokens / its seconds).
  assert.ok(Math.abs(est.seconds - (run.tokens * (trainSeconds + RUN_STARTUP_SECONDS)) / Number(summary['tokens'])) < 1e-9);
  // A recipe with other tokens per step is not measured by it.
  assert.equal(trainRunCost(run, { ...preset.train, batchSize: 2 * preset.train.batchSize }, reference).basis, 'model');
});
