import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bootstrapFit } from '../../src/laws/fit/bootstrap';
import { fitLaw } from '../../src/laws/fit/fit';
import { holdoutExtrapolation } from '../../src/laws/fit/holdout';
import { PLANTED, syntheticObservations } from '../../src/laws/synthetic';

const GRID = { initGrid: [[0, 5, 10], [0, 5, 10], [-1, 0, 1], [0.5], [0.5]] };

test('bootstrapFit is deterministic given its seed and differs across seeds', () => {
  const obs = syntheticObservations('chinchilla', { seed: 11 });
  const full = fitLaw('chinchilla', obs, GRID);
  const a = bootstrapFit('chinchilla', obs, { fullFit: full, scheme: { resamples: 40 }, seed: 7 });
  const b = bootstrapFit('chinchilla', obs, { fullFit: full, scheme: { resamples: 40 }, seed: 7 });
  const c = bootstrapFit('chinchilla', obs, { fullFit: full, scheme: { resamples: 40 }, seed: 8 });
  assert.deepEqual(a.coefficients, b.coefficients);
  assert.notDeepEqual(a.coefficients.alpha, c.coefficients.alpha);
  assert.equal(a.failures, 0);
  const da = a.derived.a!;
  assert.ok(da.lo < da.estimate && da.estimate < da.hi);
});

test('bootstrap 95% intervals cover the planted Chinchilla α, β, E and a = β/(α+β) in a large majority of seeds', () => {
  const planted = PLANTED.chinchilla;
  const plantedA = planted.beta / (planted.alpha + planted.beta);
  let covered = 0;
  let total = 0;
  for (const seed of [21, 22, 23, 24, 25, 26]) {
    const obs = syntheticObservations('chinchilla', { seed });
    const boot = bootstrapFit('chinchilla', obs, { fit: GRID, scheme: { resamples: 120 }, seed });
    for (const [name, truth] of [
      ['alpha', planted.alpha],
      ['beta', planted.beta],
      ['E', planted.E],
    ] as const) {
      total++;
      if (boot.coefficients[name].lo <= truth && truth <= boot.coefficients[name].hi) covered++;
    }
    total++;
    if (boot.derived.a!.lo <= plantedA && plantedA <= boot.derived.a!.hi) covered++;
  }
  assert.ok(covered / total >= 0.75, `covered ${covered}/${total}`);
});

test('holdoutExtrapolation holds out the largest-compute 20% and reports an RMSE near the noise level', () => {
  const obs = syntheticObservations('chinchilla', { seed: 31 });
  const h = holdoutExtrapolation('chinchilla', obs, { rule: { rule: 'largest-compute', fraction: 0.2 }, fit: GRID });
  assert.equal(h.nHeldOut, 48);
  assert.equal(h.nTrain, 192);
  const minHeld = Math.min(...h.heldOut.map((r) => r.compute));
  for (let i = 0; i < obs.x.length; i++) {
    const c = 6 * obs.x[i][0] * obs.x[i][1];
    if (!h.heldOut.some((r) => r.label === obs.labels![i])) assert.ok(c <= minHeld);
  }
  assert.ok(h.rmseLog > 0.002 && h.rmseLog < 0.02, `rmse ${h.rmseLog}`);
});
