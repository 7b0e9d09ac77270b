import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HuberObjective } from '../../src/laws/fit/objective';
import { SeededRandom } from '../../src/laws/fit/rng';
import { chinchillaLaw } from '../../src/laws/forms';
import { huberDeltaOf } from '../../src/laws/protocol';

const DELTA = huberDeltaOf(chinchillaLaw.protocols.paper);
import { cartesian } from '../../src/laws/forms/lse';
import { syntheticObservations } from '../../src/laws/synthetic';

/** The same objective through the generic per-observation path (`gradLog`), no fused kernel. */
function genericObjective(obs: ReturnType<typeof syntheticObservations>): HuberObjective {
  return new HuberObjective({ ...chinchillaLaw, huberKernel: undefined, huberHessianKernel: undefined }, obs, DELTA);
}

test("chinchilla's fused Huber kernel equals the generic per-observation objective over the whole App. D.2 grid, unit and bootstrap weights", () => {
  const obs = syntheticObservations('chinchilla', { seed: 2024, noise: 0.005 });
  const fused = new HuberObjective(chinchillaLaw, obs, DELTA);
  const generic = genericObjective(obs);
  const rng = new SeededRandom(3);
  const boot = new Float64Array(fused.n);
  for (let i = 0; i < fused.n; i++) boot[rng.int(fused.n)] += 1;
  const g1 = new Float64Array(5);
  const g2 = new Float64Array(5);
  // the grid, its optimum neighbourhood (residuals on both sides of the Huber kink) and extreme line-search
  // trials whose terms overflow e^±345 (the kernel's stable fallback)
  const points = [...cartesian(chinchillaLaw.initGrid), [6.18, 7.64, 0.597, 0.348, 0.366], [800, 7, 0.5, 0.3, 0.3], [-500, -400, -400, 0, 0], [5, 5, 0.5, -40, 0.3]];
  for (const weights of [new Float64Array(fused.n).fill(1), boot]) {
    fused.weights = weights;
    generic.weights = weights;
    for (const p of points) {
      const v1 = fused.valueAndGradient(p, g1);
      const v2 = generic.valueAndGradient(p, g2);
      assert.ok(Math.abs(v1 - v2) <= 1e-13 * Math.abs(v2), `f at ${p}: ${v1} vs ${v2}`);
      let gScale = 0;
      for (const v of g2) gScale = Math.max(gScale, Math.abs(v));
      for (let j = 0; j < 5; j++) assert.ok(Math.abs(g1[j] - g2[j]) <= 1e-12 * gScale, `∂f/∂${chinchillaLaw.paramNames[j]} at ${p}: ${g1[j]} vs ${g2[j]}`);
    }
  }
});
