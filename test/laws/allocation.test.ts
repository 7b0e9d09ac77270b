import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  chinchillaFlopsForLoss,
  chinchillaOptimal,
  computeOverhead,
  expertsOptimal,
  expertsAtSize,
  reproduceTable2,
  yunTrainingFlops,
} from '../../src/laws/allocation';
import { PUBLISHED } from '../../src/laws/published';
import { PLANTED } from '../../src/laws/synthetic';
import type { ExpertsCoefficients } from '../../src/laws/published';

test('chinchillaOptimal: a = β/(α+β), 6·N·D = C and the closed form beats nearby allocations', () => {
  const c = PUBLISHED.chinchilla.approach3Rounded.values;
  const r = chinchillaOptimal(c, 5.88e23);
  assert.ok(Math.abs(r.a - 0.28 / 0.62) < 1e-15 && Math.abs(r.a + r.b - 1) < 1e-15);
  assert.ok(Math.abs((6 * r.params * r.tokens) / 5.88e23 - 1) < 1e-12);
  for (const k of [0.9, 1.1]) {
    const n = r.params * k;
    const d = 5.88e23 / (6 * n);
    assert.ok(c.E + c.A / n ** c.alpha + c.B / d ** c.beta > r.loss);
  }
  // papers.md, own computation: tokens/param at Chinchilla compute ≈ 93 (rounded), ≈ 59 (unrounded), ≈ 18.4 (Epoch)
  assert.ok(Math.abs(r.tokensPerParam - 93) < 2, `${r.tokensPerParam}`);
  assert.ok(Math.abs(chinchillaOptimal(PUBLISHED.chinchilla.approach3Unrounded.values, 5.88e23).tokensPerParam - 59) < 2);
  assert.ok(Math.abs(chinchillaOptimal(PUBLISHED.chinchilla.epochRefit.values, 5.88e23).tokensPerParam - 18.4) < 1);
  // inverse
  assert.ok(Math.abs(chinchillaFlopsForLoss(c, r.loss) / 5.88e23 - 1) < 1e-9);
});

test('reproduceTable2 (Krajewski Table 1 coefficients): same G in all 7 rows, FLOPs within 1%, loss within 0.03', () => {
  const rows = reproduceTable2();
  assert.equal(rows.length, 7);
  for (const r of rows) {
    assert.ok(r.sameGranularity, `${r.label}: G ${r.ours.granularity} vs paper ${r.paper.granularity}`);
    assert.ok(r.flopsRelativeError < 0.01, `${r.label}: FLOPs error ${r.flopsRelativeError}`);
    assert.ok(Math.abs(r.ours.paramsActive / r.paper.paramsActive - 1) < 0.05, `${r.label}: N_act ${r.ours.paramsActive}`);
    assert.ok(Math.abs(r.ours.tokens / r.paper.tokens - 1) < 0.05, `${r.label}: D ${r.ours.tokens}`);
    // rounding of the published coefficients: ours is 0.011–0.024 lower
    assert.ok(r.lossDifference < 0 && r.lossDifference > -0.03, `${r.label}: loss difference ${r.lossDifference}`);
  }
});

test('computeOverhead (Krajewski Fig. 1b): dense needs ≈20x at 1e20 and >30x at 1e25; G = 1 MoE needs more than 1x', () => {
  const at20 = computeOverhead(1e20);
  const at25 = computeOverhead(1e25);
  assert.ok(at20.denseOverhead > 18 && at20.denseOverhead < 24, `${at20.denseOverhead}`);
  assert.ok(at25.denseOverhead > 30 && at25.denseOverhead < 45, `${at25.denseOverhead}`);
  assert.ok(at25.denseOverhead > at20.denseOverhead);
  assert.ok(at20.g1Overhead > 1 && at25.g1Overhead > at20.g1Overhead);
});

test('yunTrainingFlops counts top-2 experts in every other layer: 6·(4/3)N·D for MoE, 6ND for dense', () => {
  assert.equal(yunTrainingFlops(1e9, 1, 1e10), 6e19);
  assert.ok(Math.abs(yunTrainingFlops(1e9, 8, 1e10) / (6 * (4 / 3) * 1e19) - 1) < 1e-12);
});

test('expertsOptimal is a minimum of the loss along the budget line, and 4 experts beat dense', () => {
  const c: ExpertsCoefficients = PLANTED.experts;
  const flops = 5e21;
  const losses: number[] = [];
  for (const e of [1, 4, 8, 16, 32]) {
    const r = expertsOptimal(c, flops, e);
    assert.ok(Math.abs(yunTrainingFlops(r.paramsDense, e, r.tokens) / flops - 1) < 1e-9);
    for (const k of [0.8, 1.25]) assert.ok(expertsAtSize(c, flops, e, r.paramsDense * k).loss > r.loss);
    losses.push(r.loss);
  }
  assert.ok(losses[1] < losses[0], `${losses}`);
});

test('optimalAllocationDerived gives Table 2 G values from the published coefficients', async () => {
  const { optimalAllocationDerived } = await import('../../src/laws/fit/derived');
  const d = optimalAllocationDerived([2.95e18, 6.46e21], 64)(PUBLISHED.krajewski.table1MoE.values);
  assert.equal(d['G@2.95e+18'], 8);
  assert.equal(d['G@6.46e+21'], 32);
});
