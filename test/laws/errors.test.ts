import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FitError } from '../../src/laws/errors';
import { fitLaw } from '../../src/laws/fit/fit';
import { syntheticObservations } from '../../src/laws/synthetic';

const small = { initGrid: [[0, 5], [0, 5], [0], [0.5], [0.5]] };

function expectFitError(fn: () => unknown, code: string, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof FitError && e.code === code && pattern.test(e.message));
}

test('fitLaw rejects a NaN loss, naming the row', () => {
  const obs = syntheticObservations('chinchilla', { seed: 1, nPoints: 20 });
  obs.loss[4] = NaN;
  expectFitError(() => fitLaw('chinchilla', obs, small), 'input', /synthetic row 5 .*loss = NaN/);
});

test('fitLaw rejects negative tokens, naming the column', () => {
  const obs = syntheticObservations('chinchilla', { seed: 1, nPoints: 20 });
  obs.x[2][1] = -5;
  expectFitError(() => fitLaw('chinchilla', obs, small), 'input', /row 3 has tokens = -5/);
});

test('fitLaw rejects too few runs for the law parameter count', () => {
  const obs = syntheticObservations('chinchilla', { seed: 1, nPoints: 5 });
  expectFitError(() => fitLaw('chinchilla', obs, small), 'too-few', /5 parameters but only 5 observations/);
});

test('fitLaw rejects an unknown law and an experts count below 1', () => {
  expectFitError(() => fitLaw('kaplan', { x: [], loss: [] }), 'unknown-law', /chinchilla, dense, fine-grained, experts, clark/);
  const obs = syntheticObservations('experts', { seed: 1 });
  obs.x[0][1] = 0.5;
  expectFitError(() => fitLaw('experts', obs), 'input', /experts = 0.5/);
});

test('fitLaw raises FitError(grid-edge) when the best exponent sits on the variable-projection grid edge', () => {
  const obs = syntheticObservations('chinchilla', { seed: 1 });
  // α, β ≈ 0.35 but the grid stops at 0.2
  expectFitError(() => fitLaw('chinchilla', obs, { fitter: 'varpro', varproGrid: [[0.1, 0.15, 0.2], [0.1, 0.15, 0.2]] }), 'grid-edge', /edge of its grid/);
  const ok = fitLaw('chinchilla', obs, { fitter: 'varpro', varproGrid: [[0.1, 0.15, 0.2], [0.1, 0.15, 0.2]], edgePolicy: 'warn' });
  assert.ok(ok.diagnostics.warnings.some((w) => /edge/.test(w)));
});

test('fitLaw raises FitError(bound) when the fitted slope leaves its plausibility range', () => {
  // Clark's log-linear law can follow any slope; a loss ∝ N^−6 puts a = −6 beyond the [−5, 5] bound.
  const obs = syntheticObservations('clark', { seed: 1, noise: 0 });
  obs.loss = obs.x.map(([n, e]) => 2 * Math.pow(n / 1e8, -6) * Math.pow(e, -0.01));
  expectFitError(() => fitLaw('clark', obs), 'bound', /fitted \w+ = .* plausibility bound/);
});
