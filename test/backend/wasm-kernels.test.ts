import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { matMulIsNative, registerFastKernels, restoreDefaultKernels, selectBackend } from '../../src/backend';
import { nativeBlas, nativeBlasStatus, setNativeBlasEnabled } from '../../src/backend/native-blas';

/**
 * Run `f` with wasm's default kernels and with the fast replacements (matmul on OpenBLAS when `native` and
 * the addon loads, else the XNNPACK path); return both outputs' values.
 */
async function both(f: () => tf.Tensor | tf.Tensor[], native = true): Promise<{ fast: Float32Array[]; ref: Float32Array[]; shapes: number[][] }> {
  await selectBackend('wasm');
  setNativeBlasEnabled(native);
  restoreDefaultKernels('wasm');
  registerFastKernels('wasm');
  setNativeBlasEnabled(true);
  const grab = () =>
    tf.tidy(() => {
      const r = f();
      return (Array.isArray(r) ? r : [r]).map((t) => ({ v: t.dataSync() as Float32Array, s: t.shape }));
    });
  registerFastKernels('wasm');
  const fastOut = grab();
  grab(); // the adaptive Transpose times both implementations on its first calls
  grab();
  const fast2 = grab();
  restoreDefaultKernels('wasm');
  const ref = grab();
  registerFastKernels('wasm');
  assert.deepEqual(
    fast2.map((o) => Array.from(o.v)),
    fastOut.map((o) => Array.from(o.v)),
    'repeated calls (either Transpose implementation) give identical values',
  );
  assert.deepEqual(
    fastOut.map((o) => o.s),
    ref.map((o) => o.s),
  );
  return { fast: fastOut.map((o) => o.v), ref: ref.map((o) => o.v), shapes: ref.map((o) => o.s) };
}

function assertClose(a: Float32Array[], b: Float32Array[], tol: number): void {
  assert.equal(a.length, b.length);
  for (let k = 0; k < a.length; k++) {
    assert.equal(a[k]!.length, b[k]!.length);
    for (let i = 0; i < a[k]!.length; i++) assert.ok(Math.abs(a[k]![i]! - b[k]![i]!) <= tol * (1 + Math.abs(b[k]![i]!)), `output ${k}[${i}]: ${a[k]![i]} vs ${b[k]![i]}`);
  }
}

const rnd = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 1, 'float32', seed);

const MATMUL_CASES: Array<[number[], number[], boolean, boolean]> = [
  [[6, 5, 7], [6, 7, 3], false, false],
  [[6, 7, 5], [6, 7, 3], true, false],
  [[6, 5, 7], [6, 3, 7], false, true],
  [[6, 7, 5], [6, 3, 7], true, true],
  [[2, 3, 5, 7], [1, 7, 4], false, false],
  [[2, 7, 5], [7, 4], true, false],
  [[3, 7], [2, 7, 4], false, false],
  [[40, 30], [30, 20], false, false],
  [[30, 40], [20, 30], true, true],
  [[130, 70], [50, 70], false, true],
  [[4, 0, 3], [4, 3, 2], false, false],
  [[4, 2, 0], [4, 0, 3], false, false],
];

/**
 * CI sets MOELAB_REQUIRE_NATIVE_BLAS=1 after installing libopenblas-dev, so a broken addon build fails there
 * instead of skipping; elsewhere the native tests skip with the reason.
 */
function nativeSkip(): string | false {
  const st = nativeBlasStatus();
  if (st.loaded) return false;
  if (process.env.MOELAB_REQUIRE_NATIVE_BLAS === '1') assert.fail(`MOELAB_REQUIRE_NATIVE_BLAS=1 but the OpenBLAS addon did not load: ${st.detail}`);
  return `OpenBLAS addon not available: ${st.detail}`;
}

test('wasm BatchMatMul replacement (XNNPACK path) equals the default kernel for batches, transpose flags and broadcast batch', async () => {
  for (const [sa, sb, ta, tb] of MATMUL_CASES) {
    const { fast, ref } = await both(() => tf.matMul(rnd(sa, 1), rnd(sb, 2), ta, tb), false);
    assertClose(fast, ref, 1e-5);
  }
});

test('wasm BatchMatMul on OpenBLAS equals the default kernel for batches, transpose flags and broadcast batch', { skip: nativeSkip() }, async () => {
  for (const [sa, sb, ta, tb] of MATMUL_CASES) {
    const { fast, ref } = await both(() => tf.matMul(rnd(sa, 1), rnd(sb, 2), ta, tb), true);
    assert.ok(matMulIsNative('wasm'));
    assertClose(fast, ref, 1e-5);
  }
});

test('wasm BatchMatMul on OpenBLAS reads the heap after allocating its output (an allocation that grows the heap)', { skip: nativeSkip() }, async () => {
  await selectBackend('wasm');
  restoreDefaultKernels('wasm');
  registerFastKernels('wasm');
  const heapBytes = () => ((tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.buffer.byteLength);
  const before = heapBytes();
  const K = 16;
  const N = 1024;
  const M = Math.ceil((before / 4 + (1 << 20)) / N); // output alone is larger than the whole heap now
  const a = tf.randomUniform([M, K], -1, 1, 'float32', 7);
  const b = tf.randomUniform([K, N], -1, 1, 'float32', 8);
  const av = a.dataSync();
  const bv = b.dataSync();
  const c = tf.matMul(a, b);
  assert.ok(heapBytes() > before, 'the heap grew');
  const cv = c.dataSync();
  for (const [i, j] of [[0, 0], [M - 1, N - 1], [Math.floor(M / 2), 17], [3, N - 2]] as const) {
    let ref = 0;
    for (let k = 0; k < K; k++) ref += av[i * K + k]! * bv[k * N + j]!;
    assert.ok(Math.abs(cv[i * N + j]! - ref) < 1e-5, `c[${i},${j}] = ${cv[i * N + j]} vs ${ref}`);
  }
  tf.dispose([a, b, c]);
});

test('cpu BatchMatMul on OpenBLAS equals tfjs\'s cpu kernel, and selectBackend labels the backend cpu+openblas', { skip: nativeSkip() }, async () => {
  const sel = await selectBackend('cpu');
  assert.equal(sel.label, 'cpu+openblas');
  const run = () => tf.tidy(() => MATMUL_CASES.map(([sa, sb, ta, tb]) => tf.matMul(rnd(sa, 1), rnd(sb, 2), ta, tb).dataSync() as Float32Array));
  const fast = run();
  restoreDefaultKernels('cpu');
  assert.ok(!matMulIsNative('cpu'));
  const ref = run();
  registerFastKernels('cpu');
  assert.ok(matMulIsNative('cpu'));
  assertClose(fast, ref, 1e-5);
});

test('the native addon (sgemm, adamw, sumSquares) refuses operands that run past their buffer instead of reading out of bounds', { skip: nativeSkip() }, () => {
  const blas = nativeBlas()!;
  const a = new Float32Array(6);
  const b = new Float32Array(6);
  const c = new Float32Array(4);
  blas.sgemm(a, 0, b, 0, c, 0, 2, 2, 3, false, false, 1, 0, 0, 4);
  assert.throws(() => blas.sgemm(a, 0, b, 0, c, 0, 2, 2, 3, false, false, 2, 6, 6, 4), /past the end/);
  assert.throws(() => blas.sgemm(a, 4, b, 0, c, 0, 2, 2, 3, false, false, 1, 0, 0, 4), /past the end/);
  assert.throws(() => blas.sgemm(a, 2, b, 0, c, 0, 1, 1, 1, false, false, 1, 0, 0, 1), /aligned/);
  assert.throws(() => blas.sgemm(new Int32Array(6) as unknown as Float32Array, 0, b, 0, c, 0, 2, 2, 3, false, false, 1, 0, 0, 4), /Float32Array/);
  const x = Float32Array.from([1, 2, 3, 4, 5, 6]); // [2,3]
  const y = Float32Array.from([1, 0, 0, 1, 1, 1]); // [3,2]
  blas.sgemm(x, 0, y, 0, c, 0, 2, 2, 3, false, false, 1, 0, 0, 4);
  assert.deepEqual(Array.from(c), [4, 5, 10, 11]);
  const f = new Float32Array(8);
  assert.throws(() => blas.adamw(f, 0, f, 0, f, 0, f, 0, f, 0, f, 0, f, 4, 8, 1, 1e-3, 0.9, 0.95, 0.1, 0.05, 1e-8, 0), /past the end/);
  assert.throws(() => blas.sumSquares(f, 0, 9), /past the end/);
  assert.equal(blas.sumSquares(Float32Array.from([3, 4]), 0, 2), 25);
});

test('the addon\'s in-place AdamW writes exactly the bits of its out-of-place AdamW (vector body and scalar tail), and refuses aliased or short arrays', { skip: nativeSkip() }, () => {
  const blas = nativeBlas()!;
  let s = 12345;
  const rnd = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  for (const n of [1, 7, 15, 16, 17, 63, 1000, 4099]) {
    for (const [scale, wd] of [[1, 0], [0.37, 0.1]] as const) {
      const g = Float32Array.from({ length: n }, rnd);
      const m = Float32Array.from({ length: n }, () => rnd() * 0.1);
      const v = Float32Array.from({ length: n }, () => Math.abs(rnd()) * 0.01);
      const p = Float32Array.from({ length: n }, rnd);
      const [mo, vo, po] = [new Float32Array(n), new Float32Array(n), new Float32Array(n)];
      const hp = [scale, 3e-3, 0.9, 0.95, 1 - 0.9 ** 5, 1 - 0.95 ** 5, 1e-8, wd] as const;
      blas.adamw(g, 0, m, 0, v, 0, p, 0, mo, 0, vo, 0, po, 0, n, ...hp);
      blas.adamwInPlace(g, 0, m, 0, v, 0, p, 0, n, ...hp);
      for (const [name, a, b] of [['m', m, mo], ['v', v, vo], ['p', p, po]] as const) {
        assert.ok(Buffer.from(a.buffer).equals(Buffer.from(b.buffer)), `n ${n}, scale ${scale}: ${name} differs`);
      }
    }
  }
  const f = new Float32Array(8);
  const h = [1, 1e-3, 0.9, 0.95, 0.1, 0.05, 1e-8, 0] as const;
  assert.throws(() => blas.adamwInPlace(new Float32Array(8), 0, f, 0, f, 0, new Float32Array(8), 0, 8, ...h), /four different, non-overlapping arrays/);
  assert.throws(() => blas.adamwInPlace(new Float32Array(8), 0, new Float32Array(8), 0, new Float32Array(4), 0, new Float32Array(8), 0, 8, ...h), /past the end/);
  const heap = new Float32Array(32);
  assert.throws(() => blas.adamwInPlace(heap, 0, heap, 32, heap, 64, heap, 80, 8, ...h), /non-overlapping/); // v and p share 4 floats
  blas.adamwInPlace(heap, 0, heap, 32, heap, 64, heap, 96, 8, ...h); // adjacent, not overlapping
});

test('wasm Transpose, SplitV and leading-axis Sum replacements equal the default kernels', async () => {
  const x5 = () => rnd([4, 6, 3, 2, 5], 3);
  const big = () => rnd([80, 70], 4);
  const r = await both(() => [
    tf.transpose(x5(), [2, 0, 3, 1, 4]),
    tf.transpose(tf.reshape(x5(), [4, 6, 6, 5]), [0, 2, 1, 3]),
    tf.transpose(big(), [1, 0]),
    tf.transpose(tf.reshape(big(), [8, 10, 70]), [0, 2, 1]),
    ...tf.split(tf.reshape(x5(), [4, 3, 60]), 3, 1),
    ...tf.split(big(), [10, 0, 45, 25], 0),
    ...tf.split(big(), [7, 63], 1),
    tf.sum(big(), 0),
    tf.sum(tf.reshape(x5(), [4, 6, 30]), [0, 1], true),
    tf.sum(big(), 1),
  ]);
  assertClose(r.fast, r.ref, 1e-5);
});

test('wasm Identity replacement shares the buffer and survives disposal of the source', async () => {
  await selectBackend('wasm');
  const x = tf.tensor1d([1, 2, 3]);
  const y = tf.clone(x);
  x.dispose();
  assert.deepEqual(Array.from(y.dataSync()), [1, 2, 3]);
  y.dispose();
});
