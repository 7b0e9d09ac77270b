import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { registerFastKernels, restoreDefaultKernels, selectBackend } from '../../src/backend';

/** Run `f` with wasm's default kernels and with the fast replacements; return both outputs' values. */
async function both(f: () => tf.Tensor | tf.Tensor[]): Promise<{ fast: Float32Array[]; ref: Float32Array[]; shapes: number[][] }> {
  await selectBackend('wasm');
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

test('wasm BatchMatMul replacement equals the default kernel for batches, transpose flags and broadcast batch', async () => {
  const cases: Array<[number[], number[], boolean, boolean]> = [
    [[6, 5, 7], [6, 7, 3], false, false],
    [[6, 7, 5], [6, 7, 3], true, false],
    [[6, 5, 7], [6, 3, 7], false, true],
    [[6, 7, 5], [6, 3, 7], true, true],
    [[2, 3, 5, 7], [1, 7, 4], false, false],
    [[2, 7, 5], [7, 4], true, false],
    [[40, 30], [30, 20], false, false],
    [[30, 40], [20, 30], true, true],
    [[4, 0, 3], [4, 3, 2], false, false],
    [[4, 2, 0], [4, 0, 3], false, false],
  ];
  for (const [sa, sb, ta, tb] of cases) {
    const { fast, ref } = await both(() => tf.matMul(rnd(sa, 1), rnd(sb, 2), ta, tb));
    assertClose(fast, ref, 1e-5);
  }
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
