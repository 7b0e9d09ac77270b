/**
 * The tfjs kernels an MoE training step uses, on webgpu against the cpu backend. Needs a real WebGPU adapter:
 * in CI the llvmpipe software adapter (Mesa >= 25 from bookworm-backports, installed by
 * scripts/setup-system.sh; Debian 12's own Mesa 22.3 is refused by Dawn, and Dawn's null backend runs no
 * shaders); elsewhere the test skips with the reason unless MOELAB_REQUIRE_WEBGPU=1 (./webgpu-adapter.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { WebGpuSyncReadError, initWebGpu } from '../../src/backend/webgpu';
import { webgpuSkipReason as skipReason } from './webgpu-adapter';

/** Runs `fn` on `backend` and returns the flattened values of its outputs. */
async function on(backend: string, fn: () => tf.Tensor[]): Promise<Float32Array[]> {
  assert.ok(await tf.setBackend(backend));
  const outs = tf.tidy(fn);
  const values = await Promise.all(outs.map(async (t) => Float32Array.from(await t.data())));
  tf.dispose(outs);
  return values;
}

function relErr(a: Float32Array, b: Float32Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / Math.max(den, 1e-30));
}

test('webgpu forward and gradients of the MoE step ops match the cpu backend within 1e-4', async (t) => {
  const reason = await skipReason();
  if (reason) {
    t.skip(reason);
    return;
  }
  await initWebGpu();
  const x = Array.from({ length: 32 * 16 }, (_, i) => Math.sin(i * 0.37));
  const w = Array.from({ length: 16 * 8 }, (_, i) => Math.cos(i * 0.11));
  const ids = [3, 1, 4, 1, 5, 9, 2, 6];
  const step = () => {
    const xs = tf.tensor2d(x, [32, 16]);
    const ws = tf.tensor2d(w, [16, 8]);
    const f = (a: tf.Tensor, b: tf.Tensor) => {
      const logits = tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D);
      const probs = tf.softmax(logits);
      const top = tf.gather(probs, tf.tensor1d(ids, 'int32'));
      return tf.logSoftmax(top).mul(tf.tanh(top)).sum();
    };
    const [ga, gb] = tf.grads(f)([xs, ws]);
    return [f(xs, ws), ga, gb];
  };
  const gpu = await on('webgpu', step);
  const cpu = await on('cpu', step);
  for (let i = 0; i < cpu.length; i++) assert.ok(relErr(gpu[i], cpu[i]) < 1e-4, `output ${i}: ${relErr(gpu[i], cpu[i])}`);
});

test(
  'dataSync of a GPU-resident tensor on webgpu is a WebGpuSyncReadError that says to await data()',
  { skip: (() => { try { require('webgpu'); return false; } catch { return 'optional dependency `webgpu` is not installed'; } })() },
  async () => {
    // Dawn's null backend: a real adapter and device that run no shaders, enough to hold GPU buffers.
    await initWebGpu({ dawnFlags: ['backend=null'] });
    tf.env().set('WEBGPU_CPU_FORWARD', false);
    const a = tf.randomNormal([64, 64]);
    const c = tf.matMul(a, a);
    assert.throws(() => c.dataSync(), (err: unknown) => err instanceof WebGpuSyncReadError && /await tensor\.data\(\)/.test(err.message));
    assert.equal((await c.data()).length, 64 * 64);
    tf.dispose([a, c]);
  },
);
