import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/backend';
import { logSumExpRows } from '../../src/model/ops';

for (const backend of ['cpu', 'wasm'] as const) {
  test(`[${backend}] logSumExpRows and its closed-form gradient equal tfjs's logSumExp autodiff within 1e-6`, async () => {
    await selectBackend(backend);
    const x = tf.variable(tf.randomNormal([37, 8], 0, 3, 'float32', 5), true, `lse_x_${backend}`);
    const w = tf.randomUniform([37], -1, 1, 'float32', 6);
    const run = (f: (t: tf.Tensor2D) => tf.Tensor) =>
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(tf.square(f(x as unknown as tf.Tensor2D)), w)) as tf.Scalar, [x]);
        return { v: value.dataSync()[0]!, g: Array.from(grads[x.name]!.dataSync()) };
      });
    const ours = run(logSumExpRows);
    const ref = run((t) => tf.logSumExp(t, 1));
    assert.ok(Math.abs(ours.v - ref.v) <= 1e-5 * Math.abs(ref.v), `${ours.v} vs ${ref.v}`);
    ours.g.forEach((g, i) => assert.ok(Math.abs(g - ref.g[i]!) <= 1e-6 * (1 + Math.abs(ref.g[i]!)), `grad[${i}] ${g} vs ${ref.g[i]}`));
    tf.dispose([x, w]);
  });
}
