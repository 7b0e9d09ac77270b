import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs';
import { HOST_KERNELS, hasHostKernel, registerFastKernels, restoreDefaultKernels, selectBackend } from '../../src/backend';
import { nativeBlas, nativeBlasStatus } from '../../src/backend/native-blas';
import { gatherRows, gelu, scatterAddRows } from '../../src/model/ops';

/** CI requires the addon (MOELAB_REQUIRE_NATIVE_BLAS=1); elsewhere these tests skip with the reason. */
function nativeSkip(): string | false {
  const st = nativeBlasStatus();
  if (st.loaded) return false;
  if (process.env.MOELAB_REQUIRE_NATIVE_BLAS === '1') assert.fail(`MOELAB_REQUIRE_NATIVE_BLAS=1 but the native addon did not load: ${st.detail}`);
  return `native addon not available: ${st.detail}`;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

for (const backend of ['cpu', 'wasm'] as const) {
  test(`[${backend}] native GELU and its gradient equal tfjs's erf-based GELU within 1e-6 from -9 to 9`, { skip: nativeSkip() }, async () => {
    await selectBackend(backend);
    assert.ok(hasHostKernel(HOST_KERNELS.gelu));
    // A grid through the tails and the centre, plus random values.
    const grid = Float32Array.from({ length: 3601 }, (_, i) => -9 + i * 0.005);
    const x = tf.concat([tf.tensor1d(grid), tf.randomNormal([4000], 0, 2, 'float32', 3)]).reshape([7601, 1]);
    const xv = tf.variable(x, true, `gelu_x_${backend}`);
    const run = () =>
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(gelu(xv), tf.range(0, 7601).reshape([7601, 1]).div(7601))) as tf.Scalar, [xv]);
        value.dispose();
        return { y: gelu(xv).dataSync() as Float32Array, dx: grads[xv.name]!.dataSync() as Float32Array };
      });
    const fast = run();
    restoreDefaultKernels(backend);
    assert.ok(!hasHostKernel(HOST_KERNELS.gelu));
    const ref = run();
    registerFastKernels(backend);
    assert.ok(maxAbsDiff(fast.y, ref.y) <= 1e-6, `GELU max |diff| ${maxAbsDiff(fast.y, ref.y)}`);
    assert.ok(maxAbsDiff(fast.dx, ref.dx) <= 1e-6, `GELU' max |diff| ${maxAbsDiff(fast.dx, ref.dx)}`);
    tf.dispose([x, xv]);
  });

  test(`[${backend}] native row gather and scatter-add (values and gradients) equal the JS versions exactly`, { skip: nativeSkip() }, async () => {
    await selectBackend(backend);
    assert.ok(hasHostKernel(HOST_KERNELS.gatherRows));
    const idx = Int32Array.from([3, -1, 0, 3, 7, 2, -1, 5, 5, 1]);
    const run = () =>
      tf.tidy(() => {
        const x = tf.variable(tf.randomNormal([8, 5], 0, 1, 'float32', 4), true) as unknown as tf.Variable<tf.Rank.R2> & tf.Tensor2D;
        const y = tf.variable(tf.randomNormal([idx.length, 5], 0, 1, 'float32', 5), true) as unknown as tf.Variable<tf.Rank.R2> & tf.Tensor2D;
        const w1 = tf.randomNormal([idx.length, 5], 0, 1, 'float32', 6);
        const w2 = tf.randomNormal([9, 5], 0, 1, 'float32', 7);
        const loss = () => tf.add(tf.sum(tf.mul(gatherRows(x, idx), w1)), tf.sum(tf.mul(scatterAddRows(y, idx, 9), w2))) as tf.Scalar;
        const { grads } = tf.variableGrads(loss, [x, y]);
        const out = [gatherRows(x, idx), scatterAddRows(y, idx, 9), grads[x.name]!, grads[y.name]!].map((t) => Array.from(t.dataSync()));
        x.dispose();
        y.dispose();
        return out;
      });
    const fast = run();
    restoreDefaultKernels(backend);
    const ref = run();
    registerFastKernels(backend);
    assert.deepEqual(fast, ref);
  });
}

/** napi-util.h's exp_nonpositive in JS, one Math.fround per C operation (exact: every step is one IEEE op). */
function expNonpositive(v: number): number {
  const f = Math.fround;
  const bits = new Int32Array(1);
  const asFloat = new Float32Array(bits.buffer);
  const u = v < -87 ? -87 : v;
  const n = f(f(f(u * f(1.44269504088896341)) + 12582912) - 12582912);
  const r = f(f(u - f(n * 0.693359375)) - f(n * f(-2.1219444e-4)));
  let p = f(1.98756915e-4);
  for (const c of [1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1]) p = f(f(p * r) + f(c));
  p = f(f(f(f(p * r) * r) + r) + 1);
  bits[0] = ((Math.trunc(n) | 0) + 127) << 23;
  return f(p * asFloat[0]!);
}

/** napi-util.h's float32 GELU formula in JS, one Math.fround per C operation. */
function geluReference(x: number): { cdf: number; pdf: number } {
  const f = Math.fround;
  const e = expNonpositive(f(f(-0.5 * x) * x));
  const z = f((x < 0 ? -x : x) * f(0.70710678118654752));
  const t = f(1 / f(1 + f(f(0.3275911) * z)));
  let q = f(t * f(1.061405429));
  for (const c of [-1.453152027, 1.421413741, -0.284496736]) q = f(t * f(f(c) + q));
  const poly = f(t * f(f(0.254829592) + q));
  const half = f(f(0.5 * poly) * e);
  return { cdf: x < 0 ? half : f(1 - half), pdf: f(e * f(0.39894228040143268)) };
}

/**
 * The vector widths of the addon's GELU and exponential loops this CPU runs, widest first (512: AVX-512F, 256:
 * AVX2, 0: the plain loops), so each form is checked against the formula wherever the tests run.
 */
function vectorWidthsHere(): (0 | 256 | 512)[] {
  const blas = nativeBlas();
  if (!blas) return [0];
  const widest = blas.setVectorCap(512);
  return ([512, 256, 0] as const).filter((b) => b <= widest);
}
const widthName = (bits: number) => (bits === 512 ? 'AVX-512F loops' : bits === 256 ? 'AVX2 loops' : 'plain loops');

for (const bits of vectorWidthsHere()) test(`native GELU and GELU' equal their float32 formula bit for bit (JS emulation), full vectors and the masked tail alike, ${widthName(bits)}`, { skip: nativeSkip() }, () => {
  const blas = nativeBlas()!;
  assert.equal(blas.setVectorCap(bits), bits);
  // ±0, ±∞, NaN, the −87 clamp of exp, the tails, a dense grid, random float bit patterns; 100_003 is odd so the
  // masked tail of the vector loop runs too.
  const n = 100_003;
  const x = new Float32Array(n);
  const specials = [0, -0, Infinity, -Infinity, NaN, 13.19, -13.19, 13.2, -13.2, 1e-30, -1e-30, 3.4e38, -3.4e38, 1.17549435e-38];
  x.set(specials);
  for (let i = specials.length; i < 60_000; i++) x[i] = -12 + (24 * i) / 60_000;
  const u = new Uint32Array(x.buffer);
  let s = 12345;
  for (let i = 60_000; i < n; i++) u[i] = s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
  const dy = Float32Array.from({ length: n }, (_, i) => Math.sin(i) * 3);
  const y = new Float32Array(n), dx = new Float32Array(n);
  // geluAndSlope in place, as the dense FFN calls it: the slope overwrites a copy of x; dy·slope is geluGrad's dx.
  const y2 = new Float32Array(n), slope = x.slice(), dx2 = new Float32Array(n);
  try {
    blas.gelu(x, 0, y, 0, n);
    blas.geluGrad(x, 0, dy, 0, dx, 0, n);
    blas.geluAndSlope(slope, 0, y2, 0, slope, 0, n);
    blas.mul(dy, 0, slope, 0, dx2, 0, n);
  } finally {
    blas.setVectorCap(512);
  }
  const same = (a: number, b: number) => Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));
  let bad = 0;
  for (let i = 0; i < n; i++) {
    const { cdf, pdf } = geluReference(x[i]!);
    const yRef = Math.fround(x[i]! * cdf);
    const dxRef = Math.fround(dy[i]! * Math.fround(cdf + Math.fround(x[i]! * pdf)));
    if (!same(y[i]!, yRef) || !same(dx[i]!, dxRef) || !same(y2[i]!, yRef) || !same(dx2[i]!, dxRef)) {
      if (bad++ < 5) assert.fail(`x = ${x[i]} (bits ${u[i]!.toString(16)}): y ${y[i]} / ${y2[i]} vs ${yRef}, dx ${dx[i]} / dy·slope ${dx2[i]} vs ${dxRef}`);
    }
  }
  assert.equal(bad, 0);
});

test('native mul rounds each product once as JS does, in place over either operand too', { skip: nativeSkip() }, () => {
  const blas = nativeBlas()!;
  const n = 1001;
  const a = Float32Array.from({ length: n }, (_, i) => Math.sin(i) * 1e3), b = Float32Array.from({ length: n }, (_, i) => Math.cos(i * 0.7) / 3);
  a.set([Infinity, 0, NaN, 3.4e38, 1e-30]);
  b.set([0, -0, 1, 2, 1e-20]);
  const ref = a.map((v, i) => Math.fround(v * b[i]!));
  const out = new Float32Array(n);
  blas.mul(a, 0, b, 0, out, 0, n);
  assert.deepEqual(out, ref);
  const inPlace = b.slice();
  blas.mul(a, 0, inPlace, 0, inPlace, 0, n);
  assert.deepEqual(inPlace, ref);
  assert.throws(() => blas.mul(a, 0, b, 0, out, 0, n + 1), /extends past the end of its buffer/);
});

test('native setVectorCap takes 512, 256 or 0 bits, reports the width in use in info(), and rejects any other width', { skip: nativeSkip() }, () => {
  const blas = nativeBlas()!;
  try {
    for (const bits of vectorWidthsHere()) {
      assert.equal(blas.setVectorCap(bits), bits);
      assert.equal(blas.info().vectorBits, bits);
    }
    assert.throws(() => blas.setVectorCap(128 as 0), /expected 512, 256 or 0/);
  } finally {
    blas.setVectorCap(512);
  }
});

test('native gatherRows and scatterAddRows reject indices outside [-1, rows) before writing', { skip: nativeSkip() }, () => {
  const blas = nativeBlas()!;
  const src = new Float32Array(6);
  const dst = Float32Array.from([7, 7, 7, 7]);
  assert.throws(() => blas.gatherRows(src, 0, 3, 2, Int32Array.from([0, 3]), dst, 0), /outside/);
  assert.throws(() => blas.gatherRows(src, 0, 3, 2, Int32Array.from([-2, 0]), dst, 0), /outside/);
  assert.throws(() => blas.scatterAddRows(src, 0, 2, Int32Array.from([0, 2, 1]), dst, 0, 2), /outside/);
  assert.deepEqual(Array.from(dst), [7, 7, 7, 7]);
  assert.throws(() => blas.gatherRows(src, 0, 3, 2, [0, 1] as unknown as Int32Array, dst, 0), /Int32Array/);
});

test('MOELAB_OWN_GEMM: 0 hands every product to OpenBLAS; anything but 0 or 1 leaves the addon unloaded, naming the variable', { skip: nativeSkip() }, () => {
  // The addon loads once per process, so ask a fresh one.
  const code = "const s = require('./src/backend/native-blas'); const b = s.nativeBlas(); console.log(JSON.stringify({ ...s.nativeBlasStatus(), gemm: b ? b.info().gemm : null }));";
  const ask = (value: string) => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', code], { encoding: 'utf8', env: { ...process.env, MOELAB_OWN_GEMM: value } });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as { loaded: boolean; detail: string; gemm: string | null };
  };
  const off = ask('0');
  assert.equal(off.loaded, true);
  assert.equal(off.gemm, 'OpenBLAS (own kernel switched off)');
  assert.match(off.detail, /products: OpenBLAS \(own kernel switched off\)/);
  for (const bad of ['2', 'yes', '', 'true']) {
    const status = ask(bad);
    assert.equal(status.loaded, false);
    assert.match(status.detail, new RegExp(`MOELAB_OWN_GEMM=${bad} must be 0 \\(OpenBLAS for every product\\) or 1`));
  }
});

test('a malformed MOELAB_BLAS_THREADS leaves the addon unloaded with a status that names the variable', { skip: nativeSkip() }, () => {
  // The addon loads once per process, so ask a fresh one.
  const code = "const s = require('./src/backend/native-blas').nativeBlasStatus(); console.log(JSON.stringify(s));";
  for (const bad of ['0', '-2', 'two', '1.5']) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', code], { encoding: 'utf8', env: { ...process.env, MOELAB_BLAS_THREADS: bad } });
    assert.equal(r.status, 0, r.stderr);
    const status = JSON.parse(r.stdout.trim().split('\n').pop()!) as { loaded: boolean; detail: string };
    assert.equal(status.loaded, false);
    assert.match(status.detail, new RegExp(`MOELAB_BLAS_THREADS=${bad.replace('.', '\\.')} must be a positive integer`));
  }
});

test('native add equals the float32 sum JS stores, bit for bit, for every length up to 67, in place and at byte offsets', { skip: nativeSkip() }, () => {
  const blas = nativeBlas()!;
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32 - 0.5) * 2 ** ((seed >>> 20) % 40 - 20);
  const specials = [0, -0, Infinity, -Infinity, NaN, 1e-45, -1e-45, 3.4e38, -3.4e38, 1.1754942e-38];
  for (let n = 0; n <= 67; n++) {
    const a = Float32Array.from({ length: n + 3 }, (_, i) => (i % 11 === 5 ? specials[i % specials.length]! : rnd()));
    const b = Float32Array.from({ length: n + 3 }, (_, i) => (i % 7 === 2 ? specials[(i + 3) % specials.length]! : rnd()));
    const want = new Float32Array(n);
    for (let i = 0; i < n; i++) want[i] = a[i + 1]! + b[i + 2]!;
    const out = new Float32Array(n + 1).fill(9);
    blas.add(a.buffer, 4, b.buffer, 8, out.buffer, 4, n);
    assert.equal(out[0], 9, 'wrote before the offset');
    assert.deepEqual(new Uint32Array(out.buffer, 4, n), new Uint32Array(want.buffer), `n = ${n}`);
    blas.add(a, 1 * 4, b, 2 * 4, a, 1 * 4, n); // out aliases a
    assert.deepEqual(new Uint32Array(a.buffer, 4, n), new Uint32Array(want.buffer), `in place, n = ${n}`);
  }
  assert.throws(() => blas.add(new Float32Array(4), 0, new Float32Array(3), 0, new Float32Array(4), 0, 4), /past the end of its buffer/);
});

for (const bits of vectorWidthsHere()) test(`native attention: every row log-sum-exp equals its float32 formula bit for bit (JS emulation), rows of 1 to 67 scores, ${widthName(bits)}`, { skip: nativeSkip() }, () => {
  // d = 1, one head: the scores are s_ij = fl(q_i·k_j) exactly (one product, scale 1/√1), so lse_i = m + fl(log l)
  // with m = max_j≤i s_ij and l the double sum, in fused.c's order (8 interleaved partial sums), of
  // exp_nonpositive(s_ij − m): every exponential of the row, the full vectors and the masked last one.
  const blas = nativeBlas()!;
  const T = 67;
  const r = (() => {
    let s = 99;
    return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296) * 6 - 3;
  })();
  const qkv = Float32Array.from({ length: T * 3 }, r);
  const o = new Float32Array(T), lse = new Float32Array(T);
  assert.equal(blas.setVectorCap(bits), bits);
  try {
    blas.attention(qkv, 0, o, 0, lse, 0, 1, T, 1, 1);
  } finally {
    blas.setVectorCap(512);
  }
  const f = Math.fround;
  for (let i = 0; i < T; i++) {
    const row = Array.from({ length: i + 1 }, (_, j) => f(qkv[3 * i]! * qkv[3 * j + 1]!));
    const m = row.reduce((a, b) => (b > a ? b : a));
    const part = new Float64Array(8);
    let j = 0;
    for (; j + 8 <= row.length; j += 8) for (let k = 0; k < 8; k++) part[k]! += expNonpositive(f(row[j + k]! - m));
    for (; j < row.length; j++) part[0]! += expNonpositive(f(row[j]! - m));
    const l = ((part[0]! + part[1]!) + (part[2]! + part[3]!)) + ((part[4]! + part[5]!) + (part[6]! + part[7]!));
    assert.ok(Object.is(lse[i], f(m + f(Math.log(l)))), `row ${i}: lse ${lse[i]} vs ${f(m + f(Math.log(l)))}`);
  }
});
