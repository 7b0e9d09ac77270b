import { test } from 'node:test';
import assert from 'node:assert/strict';
import { minimizeLbfgs } from '../../src/laws/fit/lbfgs';
import { bisectRoot, minimizeBrent } from '../../src/laws/fit/brent';
import { solveNnlsFromGram } from '../../src/laws/fit/nnls';

test('minimizeLbfgs finds the Rosenbrock minimum (1, 1) from (−1.2, 1)', () => {
  const r = minimizeLbfgs((x, g) => {
    const a = 1 - x[0];
    const b = x[1] - x[0] * x[0];
    g[0] = -2 * a - 400 * x[0] * b;
    g[1] = 200 * b;
    return a * a + 100 * b * b;
  }, [-1.2, 1]);
  assert.ok(r.converged, r.stop);
  assert.ok(Math.abs(r.x[0] - 1) < 1e-6 && Math.abs(r.x[1] - 1) < 1e-6, `${r.x}`);
});

test('minimizeLbfgs solves a 10-d ill-conditioned quadratic to 1e-8', () => {
  const n = 10;
  const r = minimizeLbfgs((x, g) => {
    let f = 0;
    for (let i = 0; i < n; i++) {
      const c = Math.pow(10, i / 3);
      f += 0.5 * c * (x[i] - i) ** 2;
      g[i] = c * (x[i] - i);
    }
    return f;
  }, new Array(n).fill(5), { gradTol: 1e-10 });
  for (let i = 0; i < n; i++) assert.ok(Math.abs(r.x[i] - i) < 1e-8, `x[${i}] = ${r.x[i]}`);
});

test('minimizeBrent finds the minimum of (x − 2)² + 1 and of cos on [3, 4]', () => {
  const r = minimizeBrent((x) => (x - 2) ** 2 + 1, -10, 10);
  assert.ok(Math.abs(r.x - 2) < 1e-7 && Math.abs(r.f - 1) < 1e-13, `${r.x} ${r.f}`);
  assert.ok(Math.abs(minimizeBrent(Math.cos, 3, 4).x - Math.PI) < 1e-7);
});

test('bisectRoot finds √2 and returns NaN without a sign change', () => {
  assert.ok(Math.abs(bisectRoot((x) => x * x - 2, 0, 2) - Math.SQRT2) < 1e-10);
  assert.ok(Number.isNaN(bisectRoot((x) => x * x + 1, 0, 2)));
});

test('solveNnlsFromGram clamps a negative least-squares coefficient to zero', () => {
  // y = 2·x1 − 1·x2 on x1 = [1,0,1], x2 = [0,1,1]: unconstrained c = (2, −1); NNLS forces c2 = 0.
  const X = [
    [1, 0],
    [0, 1],
    [1, 1],
  ];
  const y = [2, -1, 1];
  const xtx = new Float64Array(4);
  const xty = new Float64Array(2);
  let yty = 0;
  for (let i = 0; i < 3; i++) {
    for (let a = 0; a < 2; a++) {
      xty[a] += X[i][a] * y[i];
      for (let b = 0; b < 2; b++) xtx[a * 2 + b] += X[i][a] * X[i][b];
    }
    yty += y[i] * y[i];
  }
  const out = new Float64Array(2);
  solveNnlsFromGram({ xtx, xty, yty, k: 2 }, [true, true], out);
  assert.ok(Math.abs(out[0] - 1.5) < 1e-12 && out[1] === 0, `${out}`);
  solveNnlsFromGram({ xtx, xty, yty, k: 2 }, [false, false], out);
  assert.ok(Math.abs(out[0] - 2) < 1e-12 && Math.abs(out[1] + 1) < 1e-12, `${out}`);
});
