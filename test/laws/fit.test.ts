import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitLaw, type FitOptions, type FitResult } from '../../src/laws/fit/fit';
import { getLaw } from '../../src/laws/forms';
import { range } from '../../src/laws/forms/lse';
import { PLANTED, syntheticObservations } from '../../src/laws/synthetic';
import type { Coefficients, LawName, LawObservations } from '../../src/laws/types';

/** Test-sized grids (the defaults are the papers' full grids, exercised by `npm run bench`). */
const SMALL: Record<LawName, FitOptions> = {
  chinchilla: { initGrid: [[0, 5, 10], [0, 5, 10], [-1, 0, 1], [0.5], [0.5]], varproGrid: [range(0.05, 1, 0.05), range(0.05, 1, 0.05)] },
  // Krajewski's dense law shares c with the MoE fit (§5.3): held at the planted c here.
  dense: { initGrid: [[0, 5, 10], [0, 5, 10], [-1, 0, 1], [0.1, 0.3], [0.1, 0.3]], fixed: { c: PLANTED.dense.c }, huberDelta: 0.1 },
  // Krajewski's δ = 0.1 (at 0.5% noise every residual is in the quadratic region: a least-squares fit)
  'fine-grained': { huberDelta: 0.1, initGrid: [[0, 2.5, 5], [0.1, 0.3], [0, 2.5, 5], [0.1, 0.3], [-1], [0, 1], [0.5]] },
  clark: {},
  experts: {
    initGrid: [[2.5, 7.5], [0.3], [-1], [0.5, 1], [2.5, 7.5], [0.3], [0.3], [0], [Math.log(0.5 - 1 / 256)], [Math.log(1 / 256)]],
    varproGrid: [range(0.1, 0.7, 0.1), [0.4, 0.8, 1.2, 1.6], range(0.1, 0.7, 0.1), [-0.002, 0, 0.002], [1.5, 2, 3], [64, 256, 1024]],
  },
};

/** RMS and max |log L̂ − log L_planted| over the design (noise-free truth). */
const planted = (law: LawName): Coefficients => PLANTED[law];

function predictionError(law: LawName, fit: FitResult, obs: LawObservations): { rms: number; max: number } {
  const form = getLaw(law as string);
  const truth = form.fromCoefficients(planted(law));
  const f = new Float64Array(form.nFeatures);
  let ss = 0;
  let max = 0;
  for (const x of obs.x) {
    form.features(x, f, 0);
    const d = form.predictLog(fit.params, f, 0) - form.predictLog(truth, f, 0);
    ss += d * d;
    max = Math.max(max, Math.abs(d));
  }
  return { rms: Math.sqrt(ss / obs.x.length), max };
}

function relErr(fit: FitResult, law: LawName, name: string): number {
  return Math.abs(fit.coefficients[name]! / planted(law)[name]! - 1);
}

/**
 * Stated tolerances at 0.5% multiplicative noise on each paper's own grid. Where a paper's grid does not
 * identify a coefficient (Krajewski's b, β, c with D spanning only 16B–66B; Yun's B, β, E_start, E_max, d
 * with 80 runs), the test checks the law's predictions instead, which are identified.
 */
const TOLERANCES: Record<LawName, { coefficients: Record<string, number>; predictionRms: number }> = {
  chinchilla: { coefficients: { alpha: 0.03, beta: 0.03, E: 0.01, A: 0.15, B: 0.15 }, predictionRms: 0.0015 },
  // 24 runs over 1.4 decades of N and 0.6 of D (Krajewski's dense shapes): the fitted objective is below the planted
  // coefficients' (α comes out 0.09–0.17 for 0.126), so the design identifies the predictions, not the coefficients
  dense: { coefficients: {}, predictionRms: 0.004 }, // σ·√(p/n) = 0.005·√(4/24) ≈ 0.002 expected
  'fine-grained': { coefficients: { alpha: 0.1, a: 0.12, g: 0.25, gamma: 0.2 }, predictionRms: 0.0025 },
  clark: { coefficients: { a: 0.02, d: 0.02, b: 0.12, c: 0.12 }, predictionRms: 0.0025 },
  experts: { coefficients: {}, predictionRms: 0.003 },
};

for (const law of ['chinchilla', 'dense', 'fine-grained', 'clark', 'experts'] as const) {
  test(`fitLaw('${law}', moelab protocol) recovers planted parameters at 0.5% noise with both fitters, which agree`, () => {
    for (const seed of [1, 2, 3]) {
      const obs = syntheticObservations(law, { seed, noise: 0.005 });
      const options: FitOptions = { ...SMALL[law], protocol: 'moelab', edgePolicy: 'warn' };
      const ms = fitLaw(law as string, obs, { ...options, fitter: 'multistart' });
      // variable projection cannot hold a coefficient fixed: the dense law is checked with the multistart fitter only
      const vp = law === 'dense' ? ms : fitLaw(law as string, obs, { ...options, fitter: 'varpro' });
      for (const fit of [ms, vp]) {
        for (const [name, tol] of Object.entries(TOLERANCES[law].coefficients)) {
          assert.ok(relErr(fit, law, name) <= tol, `seed ${seed} ${fit.fitter}: ${name} = ${fit.coefficients[name]} vs planted ${planted(law)[name]} (tol ${tol})`);
        }
        const pe = predictionError(law, fit, obs);
        assert.ok(pe.rms <= TOLERANCES[law].predictionRms, `seed ${seed} ${fit.fitter}: prediction RMS ${pe.rms}`);
        assert.ok(Math.abs(fit.rmsle - 0.005) < 0.0025, `seed ${seed} ${fit.fitter}: residual RMSLE ${fit.rmsle} should be near the 0.5% noise`);
      }
      // The two independent global searches reach the same objective (to 0.5%) and the same predictions.
      assert.ok(Math.abs(ms.objective - vp.objective) <= 5e-3 * Math.max(ms.objective, vp.objective), `seed ${seed}: ${ms.objective} vs ${vp.objective}`);
      const form = getLaw(law);
      const f = new Float64Array(form.nFeatures);
      for (const x of obs.x) {
        form.features(x, f, 0);
        const d = Math.abs(form.predictLog(ms.params, f, 0) - form.predictLog(vp.params, f, 0));
        assert.ok(d < 2e-3, `seed ${seed}: fitters disagree by ${d} in log loss at ${x}`);
      }
    }
  });
}

test("fitLaw('chinchilla') on noise-free data recovers every coefficient to 1e-4 and is not on a grid edge", () => {
  const obs = syntheticObservations('chinchilla', { seed: 5, noise: 0 });
  const fit = fitLaw('chinchilla', obs, { ...SMALL.chinchilla, initGrid: [[0, 5, 10], [0, 5, 10], [-1, 0, 1], [0, 0.5, 1], [0, 0.5, 1]] });
  for (const name of Object.keys(PLANTED.chinchilla)) assert.ok(relErr(fit, 'chinchilla', name) < 1e-4, `${name}: ${fit.coefficients[name]}`);
  assert.deepEqual(fit.diagnostics.warnings, []);
});
