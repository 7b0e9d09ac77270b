import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bootstrapFit } from '../../src/laws/fit/bootstrap';
import { fitLaw } from '../../src/laws/fit/fit';
import { minimizeLbfgs } from '../../src/laws/fit/lbfgs';
import { minimizeNewton } from '../../src/laws/fit/newton';
import { HuberObjective } from '../../src/laws/fit/objective';
import { SeededRandom } from '../../src/laws/fit/rng';
import { LAWS, chinchillaLaw } from '../../src/laws/forms';
import { PLANTED, syntheticObservations } from '../../src/laws/synthetic';
import type { Coefficients, LawForm } from '../../src/laws/types';
import { huberDeltaOf } from '../../src/laws/protocol';

const GRID = { initGrid: [[0, 5, 10], [0, 5, 10], [-1, 0, 1], [0.5], [0.5]] };

function rosenbrock(x: Float64Array, g: Float64Array, h?: Float64Array): number {
  const a = 1 - x[0];
  const b = x[1] - x[0] * x[0];
  g[0] = -2 * a - 400 * x[0] * b;
  g[1] = 200 * b;
  if (h) {
    h[0] = 2 - 400 * b + 800 * x[0] * x[0];
    h[1] = h[2] = -400 * x[0];
    h[3] = 200;
  }
  return a * a + 100 * b * b;
}

test('minimizeNewton finds the Rosenbrock minimum (1, 1) from (−1.2, 1) in far fewer iterations than L-BFGS', () => {
  const r = minimizeNewton(rosenbrock, [-1.2, 1]);
  assert.ok(r.converged && !r.fellBack, r.stop);
  assert.ok(Math.abs(r.x[0] - 1) < 1e-9 && Math.abs(r.x[1] - 1) < 1e-9, `${r.x}`);
  const l = minimizeLbfgs(rosenbrock, [-1.2, 1]);
  assert.ok(r.iterations < l.iterations, `${r.iterations} vs ${l.iterations}`);
});

test('minimizeNewton damps an indefinite Hessian and still descends to the minimum', () => {
  // f = x⁴/4 − x²/2 + y²: f'' < 0 near x = 0, minima at x = ±1.
  const fgh = (x: Float64Array, g: Float64Array, h: Float64Array) => {
    g[0] = x[0] ** 3 - x[0];
    g[1] = 2 * x[1];
    h[0] = 3 * x[0] ** 2 - 1;
    h[1] = h[2] = 0;
    h[3] = 2;
    return x[0] ** 4 / 4 - x[0] ** 2 / 2 + x[1] ** 2;
  };
  const r = minimizeNewton(fgh, [0.1, 1]);
  assert.ok(r.converged && !r.fellBack, r.stop);
  assert.ok(Math.abs(r.x[0] - 1) < 1e-9 && Math.abs(r.x[1]) < 1e-9, `${r.x}`);
});

test('minimizeNewton hands over to L-BFGS when the Hessian is unusable', () => {
  const r = minimizeNewton((x, g, h) => {
    h.fill(NaN);
    return rosenbrock(x, g);
  }, [-1.2, 1]);
  assert.ok(r.fellBack && r.converged, r.stop);
  assert.ok(Math.abs(r.x[0] - 1) < 1e-6 && Math.abs(r.x[1] - 1) < 1e-6, `${r.x}`);
});

for (const law of (Object.values(LAWS) as LawForm[]).filter((l): l is LawForm & Required<Pick<LawForm, 'hessLog'>> => l.hessLog !== undefined)) {
  const planted: Coefficients = PLANTED[law.name];
  const delta = huberDeltaOf(law.protocols.paper);
  test(`${law.name}: hessLog matches central finite differences of gradLog`, () => {
    const obs = syntheticObservations(law.name, { seed: 3 });
    const base = law.fromCoefficients(planted);
    const perturbed = base.map((v, i) => v + 0.05 * (i % 2 === 0 ? 1 : -1) * (Math.abs(v) + 0.1));
    const p = base.length;
    const f = new Float64Array(law.nFeatures);
    const g = new Float64Array(p);
    const h = new Float64Array(p * p);
    const gUp = new Float64Array(p);
    const gDn = new Float64Array(p);
    for (const params of [base, perturbed]) {
      for (const row of [obs.x[0], obs.x[Math.floor(obs.x.length / 2)], obs.x[obs.x.length - 1]]) {
        law.features(row, f, 0);
        const v = law.hessLog(params, f, 0, g, h);
        assert.ok(Math.abs(v - law.predictLog(params, f, 0)) < 1e-12, 'hessLog returns predictLog');
        for (let j = 0; j < p; j++) {
          const step = 1e-6 * Math.max(1, Math.abs(params[j]));
          const up = Float64Array.from(params);
          const dn = Float64Array.from(params);
          up[j] += step;
          dn[j] -= step;
          law.gradLog(up, f, 0, gUp);
          law.gradLog(dn, f, 0, gDn);
          for (let l = 0; l < p; l++) {
            const fd = (gUp[l] - gDn[l]) / (2 * step);
            assert.ok(Math.abs(fd - h[j * p + l]) <= 1e-6 * Math.max(1, Math.abs(fd)), `∂²/∂${law.paramNames[j]}∂${law.paramNames[l]}: ${h[j * p + l]} vs FD ${fd}`);
            assert.equal(h[j * p + l], h[l * p + j], 'symmetric');
          }
        }
      }
    }
  });

  test(`${law.name}: summed-Huber Hessian matches finite differences of the gradient, fused kernel and generic path alike`, () => {
    const obs = syntheticObservations(law.name, { seed: 4, noise: 0.02 });
    const fused = new HuberObjective(law, obs, delta);
    const generic = new HuberObjective({ ...law, huberKernel: undefined, huberHessianKernel: undefined }, obs, delta);
    const rng = new SeededRandom(9);
    const w = new Float64Array(fused.n);
    for (let i = 0; i < fused.n; i++) w[rng.int(fused.n)] += 1; // bootstrap multiplicities, zeros included
    fused.weights = w;
    generic.weights = w;
    const params = law.fromCoefficients(planted).map((v) => v * 1.01);
    const p = params.length;
    const g = new Float64Array(p);
    const h = new Float64Array(p * p);
    const g2 = new Float64Array(p);
    const h2 = new Float64Array(p * p);
    const v = fused.valueGradientHessian(params, g, h);
    const v2 = generic.valueGradientHessian(params, g2, h2);
    const gRef = new Float64Array(p);
    assert.ok(Math.abs(v - fused.valueAndGradient(params, gRef)) <= 1e-12 * Math.max(1, v));
    assert.ok(Math.abs(v - v2) <= 1e-12 * Math.max(1, v));
    for (let j = 0; j < p; j++) {
      assert.ok(Math.abs(g[j] - gRef[j]) <= 1e-10 * Math.max(1e-3, Math.abs(gRef[j])), `grad ${j}`);
      assert.ok(Math.abs(g2[j] - gRef[j]) <= 1e-10 * Math.max(1e-3, Math.abs(gRef[j])), `generic grad ${j}`);
    }
    const gUp = new Float64Array(p);
    const gDn = new Float64Array(p);
    let scale = 0;
    for (const x of h) scale = Math.max(scale, Math.abs(x));
    for (let j = 0; j < p; j++) {
      const step = 1e-8 * Math.max(1, Math.abs(params[j])); // small: residuals cross the Huber kink fast
      const up = Float64Array.from(params);
      const dn = Float64Array.from(params);
      up[j] += step;
      dn[j] -= step;
      fused.valueAndGradient(up, gUp);
      fused.valueAndGradient(dn, gDn);
      for (let l = 0; l < p; l++) {
        const fd = (gUp[l] - gDn[l]) / (2 * step);
        const name = `∂²/∂${law.paramNames[j]}∂${law.paramNames[l]}`;
        assert.ok(Math.abs(fd - h[j * p + l]) <= 1e-5 * Math.max(1e-6 * scale, Math.abs(fd)), `${name}: ${h[j * p + l]} vs FD ${fd}`);
        assert.ok(Math.abs(h2[j * p + l] - h[j * p + l]) <= 1e-10 * Math.max(1e-6 * scale, Math.abs(h[j * p + l])), `${name}: generic ${h2[j * p + l]} vs fused ${h[j * p + l]}`);
      }
    }
  });
}

test('newton refits reach the fully converged L-BFGS objective or lower on every resample', () => {
  const obs = syntheticObservations('chinchilla', { seed: 12, noise: 0.005 });
  const full = fitLaw('chinchilla', obs, GRID);
  const obj = new HuberObjective(chinchillaLaw, obs, huberDeltaOf(chinchillaLaw.protocols.paper));
  const rng = new SeededRandom(5);
  let fellBack = 0;
  for (let b = 0; b < 100; b++) {
    const w = new Float64Array(obj.n);
    for (let i = 0; i < obj.n; i++) w[rng.int(obj.n)] += 1;
    obj.weights = w;
    const nw = minimizeNewton((x, g, h) => obj.valueGradientHessian(x, g, h), full.params);
    const lb = minimizeLbfgs((x, g) => obj.valueAndGradient(x, g), full.params, { fTol: 1e-15, gradTol: 1e-12 });
    assert.ok(nw.converged, `resample ${b}: ${nw.stop}`);
    if (nw.fellBack) fellBack++;
    assert.ok(nw.f <= lb.f * (1 + 1e-13), `resample ${b}: newton ${nw.f} vs L-BFGS ${lb.f}`);
    assert.ok(nw.evaluations < 20, `resample ${b}: ${nw.evaluations} evaluations`);
  }
  assert.equal(fellBack, 0);
});

test('newton bootstrap gives the same intervals as a fully converged L-BFGS bootstrap within 1e-6', () => {
  const obs = syntheticObservations('chinchilla', { seed: 13, noise: 0.005 });
  const fullFit = fitLaw('chinchilla', obs, GRID);
  const common = { fullFit, scheme: { resamples: 200, level: 0.8 }, seed: 1 };
  const newton = bootstrapFit('chinchilla', obs, { ...common });
  const lbfgs = bootstrapFit('chinchilla', obs, { ...common, solver: 'lbfgs', fit: { lbfgs: { fTol: 1e-15, gradTol: 1e-12 } } });
  assert.equal(newton.failures, 0);
  assert.equal(lbfgs.failures, 0);
  for (const group of ['coefficients', 'derived'] as const) {
    for (const [name, iv] of Object.entries(newton[group])) {
      const ref = (lbfgs[group] as Record<string, (typeof iv)>)[name]!;
      for (const q of ['mean', 'se', 'lo', 'hi'] as const) {
        assert.ok(Math.abs(iv[q] / ref[q] - 1) <= 1e-6, `${name}.${q}: newton ${iv[q]} vs L-BFGS ${ref[q]}`);
      }
    }
  }
});
