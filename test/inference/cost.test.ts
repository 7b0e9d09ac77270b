import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maxBatch, servingCost, servingPoint } from '../../src/inference/cost';
import { GPU_PRESETS, type GpuSpec } from '../../src/inference/gpus';
import { measuredLatency, rooflineLatency } from '../../src/inference/latency';
import { fitHiddenLayers, yunServedModel, type ServedModel } from '../../src/inference/model';
import { minCostForBoundedLoss, minLossForBoundedCost } from '../../src/inference/overtrain';
import { PLANTED } from '../../src/laws/synthetic';
import type { ExpertsCoefficients } from '../../src/laws/published';

const close = (a: number, b: number, rel = 1e-12) => assert.ok(Math.abs(a - b) <= rel * Math.abs(b), `${a} vs ${b}`);

// A toy GPU and model with round numbers, so every quantity is computable by hand.
const gpu: GpuSpec = {
  name: 'toy',
  memoryBytes: 10e9,
  memoryBandwidthBytesPerSecond: 1e12,
  peakFlopsPerSecond: 1e14,
  interconnectBytesPerSecond: 1e11,
  interconnectLatencySeconds: 0,
  costPerSecond: 1,
};
const model: ServedModel = { paramsTotal: 1e9, paramsActive: 1e9, hiddenLayers: 1e5, layers: 100, bytesPerValue: 2 };

test('maxBatch: (G·M0 − N·bytes) / ((2p + n)·h·l·bytes), floored — hand-computed 133 and 300', () => {
  // (10e9 − 2e9) / (300 · 1e5 · 2) = 133.3
  assert.equal(maxBatch(model, gpu, 1, 100, 100), 133);
  // (20e9 − 2e9) / 6e7 = 300
  assert.equal(maxBatch(model, gpu, 2, 100, 100), 300);
  assert.equal(maxBatch({ ...model, paramsTotal: 6e9 }, gpu, 1, 100, 100), 0);
});

test('servingPoint on 1 GPU matches a hand-computed roofline: latency 12.64 ms, 10,522 tokens/s', () => {
  const p = servingPoint(model, 1, { gpu, latency: rooflineLatency(gpu), promptTokens: 100, outputTokens: 100 });
  // prompt: 1.33 prompts × 100 tokens = 133 tokens → 2·1e9·133 / 1e14 = 2.66 ms (compute) vs 2e9 B / 1e12 = 2 ms → 2.66 ms
  // decode: weights 2e9 B + KV 133 seqs × 150 ctx × 2·1e5·2 B = 7.98e9 B → 9.98e9 / 1e12 = 9.98 ms (vs 2.66 ms compute)
  close(p.latencySeconds, 2.66e-3 + 9.98e-3);
  close(p.throughputTokensPerSecond, 133 / 12.64e-3);
  close(p.costPerToken, 1 / (133 / 12.64e-3));
});

test('servingPoint on 2 GPUs adds the tensor-parallel all-reduce term', () => {
  const p = servingPoint(model, 2, { gpu, latency: rooflineLatency(gpu), promptTokens: 100, outputTokens: 100 });
  // batch 300; prompt tokens 300: compute 6e11/2e14 = 3 ms, memory 2e9/2e12 = 1 ms → 3 ms;
  // comm per phase: 2 layers-allreduces × 100 layers × (2·1/2·tokens·h·2 B)/1e11, h = 1000
  const comm = (tokens: number) => 2 * 100 * ((2 * 1 * tokens * 1000 * 2) / 2 / 1e11);
  const decodeBytes = 2e9 + 300 * 150 * 4e5;
  const expected = 3e-3 + comm(300) + decodeBytes / 2e12 + comm(300);
  close(p.latencySeconds, expected);
});

test('servingCost picks the cheapest GPU count and marks counts whose weights do not fit as infeasible', () => {
  const big: ServedModel = { ...model, paramsTotal: 6e9 };
  const r = servingCost(big, { gpu, latency: rooflineLatency(gpu), promptTokens: 100, outputTokens: 100, gpuCounts: [1, 2, 4] });
  assert.equal(r.perGpuCount[0].feasible, false);
  assert.ok(r.best.gpus >= 2 && r.best.costPerToken === Math.min(...r.perGpuCount.map((x) => x.costPerToken)));
});

test('measuredLatency interpolates linearly in batch and model size', () => {
  const lat = measuredLatency([
    { paramsTotal: 1e9, gpus: 1, batch: 1, promptSeconds: 0.01, decodeSeconds: 0.02 },
    { paramsTotal: 1e9, gpus: 1, batch: 11, promptSeconds: 0.03, decodeSeconds: 0.04 },
    { paramsTotal: 3e9, gpus: 1, batch: 1, promptSeconds: 0.03, decodeSeconds: 0.06 },
    { paramsTotal: 3e9, gpus: 1, batch: 11, promptSeconds: 0.05, decodeSeconds: 0.08 },
  ]);
  const m = { ...model, paramsTotal: 2e9 };
  close(lat.decode(m, 6, 0, 1), 0.05); // mid batch (0.03 / 0.07), mid size → 0.05
  close(lat.prompt(m, 6, 0, 1), 0.03);
  assert.ok(Number.isNaN(lat.decode(m, 6, 0, 4)));
});

test('fitHiddenLayers on Yun Table 1 gives μ ≈ 0.039 (hand: geometric mean of h·l / N^(2/3)) and fits h·l within 30%', () => {
  const f = fitHiddenLayers();
  assert.ok(Math.abs(f.mu - 0.0388) < 0.0005, `${f.mu}`);
  for (const p of f.points) assert.ok(Math.abs(p.fitted / p.hiddenLayers - 1) < 0.3);
});

test('Yun Algorithms 1 and 2: over-trained models reach the base loss at lower cost, or lower loss at the base cost', () => {
  const c = PLANTED.experts as unknown as ExpertsCoefficients;
  const o = { serving: { gpu: GPU_PRESETS['A100-40GB'], latency: rooflineLatency(GPU_PRESETS['A100-40GB']) } };
  const a1 = minCostForBoundedLoss(c, 5e21, 4, [4, 8, 16], o);
  const same = a1.rows.find((r) => r.experts === 4)!;
  close(same.chosen!.loss, a1.base.allocation.loss, 1e-9);
  for (const r of a1.rows) {
    if (!r.chosen) continue;
    close(r.chosen.loss, a1.base.allocation.loss, 1e-8);
    assert.ok(r.sizeRatioToOwnOptimal <= 1 + 1e-9, 'the chosen model is smaller than its loss-optimal size');
  }
  const a2 = minLossForBoundedCost(c, 5e21, 4, [4, 8, 16], o);
  for (const r of a2.rows) {
    if (!r.chosen) continue;
    assert.ok(r.serving!.costPerToken <= a2.base.serving.costPerToken * (1 + 1e-12));
    assert.ok(r.sizeRatioToOwnOptimal <= 1 + 1e-9);
  }
  // the base itself is feasible at its own cost, with its own loss
  close(a2.rows[0].chosen!.loss, a2.base.allocation.loss, 1e-9);
  assert.ok(yunServedModel(1e9, 8).paramsTotal > yunServedModel(1e9, 4).paramsTotal);
});
