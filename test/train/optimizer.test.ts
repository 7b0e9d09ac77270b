import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/backend';
import { nativeBlasStatus } from '../../src/backend/native-blas';
import { AdamW } from '../../src/train/optimizer';

const ARGS = { betas: [0.9, 0.95] as [number, number], eps: 1e-8, weightDecay: 0.1, gradClip: 1 };

/** Parameters (a matrix, decayed, and a vector, not decayed) and 5 steps of seeded gradients. */
function run(fused: boolean, clip: number): { norms: number[]; values: Record<string, number[]> } {
  const params = new Map<string, tf.Variable>();
  tf.tidy(() => {
    params.set('w', tf.variable(tf.randomNormal([37, 19], 0, 0.5, 'float32', 1), true, 'opt_test_w'));
    params.set('b', tf.variable(tf.randomNormal([19], 0, 0.5, 'float32', 2), true, 'opt_test_b'));
  });
  const opt = new AdamW(params, { ...ARGS, gradClip: clip }, { fused });
  const norms: number[] = [];
  for (let s = 0; s < 5; s++) {
    tf.tidy(() => {
      const grads: tf.NamedTensorMap = {
        opt_test_w: tf.randomNormal([37, 19], 0, 0.3 * (s + 1), 'float32', 10 + s),
        opt_test_b: tf.randomNormal([19], 0, 0.3, 'float32', 20 + s),
      };
      norms.push(opt.apply(grads, 1e-2).dataSync()[0]!);
    });
  }
  const values: Record<string, number[]> = {};
  for (const [n, p] of params) values[n] = Array.from(p.dataSync());
  for (const [n, m] of opt.m) values[`m/${n}`] = Array.from(m.dataSync());
  for (const [n, v] of opt.v) values[`v/${n}`] = Array.from(v.dataSync());
  opt.dispose();
  tf.dispose([...params.values()]);
  return { norms, values };
}

/** CI requires the addon (MOELAB_REQUIRE_NATIVE_BLAS=1); elsewhere the fused tests skip with the reason. */
function nativeSkip(): string | false {
  const st = nativeBlasStatus();
  if (st.loaded) return false;
  if (process.env.MOELAB_REQUIRE_NATIVE_BLAS === '1') assert.fail(`MOELAB_REQUIRE_NATIVE_BLAS=1 but the native addon did not load: ${st.detail}`);
  return `native addon not available: ${st.detail}`;
}

for (const backend of ['cpu', 'wasm'] as const) {
  test(`[${backend}] fused AdamW equals the tensor-op AdamW within 1e-6 over 5 steps, with and without clipping`, { skip: nativeSkip() }, async () => {
    await selectBackend(backend);
    for (const clip of [1, 0]) {
      const before = tf.memory().numTensors;
      const fused = run(true, clip);
      assert.equal(tf.memory().numTensors, before, 'the fused update leaks no tensors');
      const ops = run(false, clip);
      for (let i = 0; i < 5; i++) assert.ok(Math.abs(fused.norms[i]! - ops.norms[i]!) <= 1e-5 * ops.norms[i]!, `norm ${i}: ${fused.norms[i]} vs ${ops.norms[i]}`);
      for (const k of Object.keys(ops.values)) {
        const a = fused.values[k]!;
        const b = ops.values[k]!;
        for (let i = 0; i < b.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= 1e-6 * (1 + Math.abs(b[i]!)), `${k}[${i}] clip ${clip}: ${a[i]} vs ${b[i]}`);
      }
    }
  });
}

test('fused AdamW with a non-finite gradient norm leaves the weights and moments untouched', { skip: nativeSkip() }, async () => {
  await selectBackend('wasm');
  const w = tf.variable(tf.ones([4, 3]), true, 'opt_nan_w');
  const opt = new AdamW(new Map([['w', w]]), ARGS);
  const norm = tf.tidy(() => opt.apply({ opt_nan_w: tf.fill([4, 3], NaN) }, 1e-2).dataSync()[0]!);
  assert.ok(Number.isNaN(norm));
  assert.deepEqual(Array.from(w.dataSync()), new Array(12).fill(1));
  assert.deepEqual(Array.from(opt.m.get('w')!.dataSync()), new Array(12).fill(0));
  assert.equal(opt.step, 0);
  opt.dispose();
  w.dispose();
});
