import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LAWS } from '../../src/laws/forms';
import { huberDeltaOf } from '../../src/laws/protocol';
import type { Coefficients, LawForm } from '../../src/laws/types';
import { HuberObjective } from '../../src/laws/fit/objective';
import { PLANTED, syntheticObservations } from '../../src/laws/synthetic';

for (const law of Object.values(LAWS) as LawForm[]) {
  const planted: Coefficients = PLANTED[law.name];
  test(`${law.name}: gradLog matches central finite differences at the planted point and a perturbed one`, () => {
    const obs = syntheticObservations(law.name, { seed: 3 });
    const base = law.fromCoefficients(planted);
    const perturbed = base.map((v, i) => v + 0.05 * (i % 2 === 0 ? 1 : -1) * (Math.abs(v) + 0.1));
    for (const p of [base, perturbed]) {
      const f = new Float64Array(law.nFeatures);
      const g = new Float64Array(p.length);
      for (const row of [obs.x[0], obs.x[Math.floor(obs.x.length / 2)], obs.x[obs.x.length - 1]]) {
        law.features(row, f, 0);
        const v = law.gradLog(p, f, 0, g);
        assert.ok(Math.abs(v - law.predictLog(p, f, 0)) < 1e-12, 'gradLog returns predictLog');
        for (let j = 0; j < p.length; j++) {
          const h = 1e-6 * Math.max(1, Math.abs(p[j]));
          const up = Float64Array.from(p);
          const dn = Float64Array.from(p);
          up[j] += h;
          dn[j] -= h;
          const fd = (law.predictLog(up, f, 0) - law.predictLog(dn, f, 0)) / (2 * h);
          assert.ok(Math.abs(fd - g[j]) <= 1e-6 * Math.max(1, Math.abs(fd)), `${law.paramNames[j]}: analytic ${g[j]} vs FD ${fd}`);
        }
      }
    }
  });

  test(`${law.name}: summed-Huber objective gradient matches finite differences (fused kernel included)`, () => {
    const obs = syntheticObservations(law.name, { seed: 4, noise: 0.02 });
    const obj = new HuberObjective(law, obs, Math.min(1, huberDeltaOf(law.protocols.paper)));
    const p = law.fromCoefficients(planted).map((v) => v * 1.01);
    const g = new Float64Array(p.length);
    const v = obj.valueAndGradient(p, g);
    assert.ok(Math.abs(v - obj.value(p)) <= 1e-12 * Math.max(1, v));
    for (let j = 0; j < p.length; j++) {
      const h = 1e-8 * Math.max(1, Math.abs(p[j])); // small: d·lnN·lnÊ moves residuals across the Huber kink fast
      const up = Float64Array.from(p);
      const dn = Float64Array.from(p);
      up[j] += h;
      dn[j] -= h;
      const fd = (obj.value(up) - obj.value(dn)) / (2 * h);
      assert.ok(Math.abs(fd - g[j]) <= 1e-5 * Math.max(1e-3, Math.abs(fd)), `${law.paramNames[j]}: ${g[j]} vs ${fd}`);
    }
  });
}
