/**
 * The fused host kernels (src/backend/host-fused.ts, src/backend/native/fused.c) against the pure-tfjs
 * composition they replace (the same model code with the native addon's kernels removed), on cpu and wasm:
 * each op's values and gradients, and a whole model's loss and every weight's gradient.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { hasHostKernel, registerFastKernels, restoreDefaultKernels, selectBackend } from '../../src/backend';
import { ADD_LAYER_NORM, ATTENTION, LAYER_NORM, ROUTER_SOFTMAX, XENT } from '../../src/backend/fused-ops';
import { MOE_EXPERTS } from '../../src/backend/host-fused';
import { nativeBlas, nativeBlasStatus } from '../../src/backend/native-blas';
import { disposeWeights, forward, initWeights, parseModelConfig, type ModelConfigInput } from '../../src/model';
import { attention } from '../../src/model/attention';
import { crossEntropy, gatherRows, layerNorm, moeExperts, moeExpertsFused, scatterAddRows } from '../../src/model/ops';
import { addLayerNormHost } from '../../src/model/ops-webgpu';
import type { Weights } from '../../src/model/weights';

function nativeSkip(): string | false {
  const st = nativeBlasStatus();
  if (st.loaded) return false;
  if (process.env.MOELAB_REQUIRE_NATIVE_BLAS === '1') assert.fail(`MOELAB_REQUIRE_NATIVE_BLAS=1 but the native addon did not load: ${st.detail}`);
  return `native addon not available: ${st.detail}`;
}

type Outputs = Record<string, Float32Array>;

/** Run `f` with the fused kernels, then with the backend's own kernels (the reference), and restore. */
async function fusedAndReference(backend: 'cpu' | 'wasm', f: () => Outputs): Promise<{ fused: Outputs; ref: Outputs }> {
  await selectBackend(backend);
  const fused = f();
  restoreDefaultKernels(backend);
  try {
    return { fused, ref: f() };
  } finally {
    registerFastKernels(backend);
  }
}

/** max |a − b| / (1 + max |b|): float32 rounding of different summation orders stays ~1e-6. */
function relErr(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    m = Math.max(m, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return m / (1 + scale);
}

function assertClose(fused: Outputs, ref: Outputs, tol: number): void {
  assert.deepEqual(Object.keys(fused).sort(), Object.keys(ref).sort());
  for (const k of Object.keys(ref)) {
    const e = relErr(fused[k]!, ref[k]!);
    assert.ok(Number.isFinite(e) && e <= tol, `${k}: relative error ${e.toExponential(2)} > ${tol}`);
  }
}

/** Values and gradients of a loss Σ out ⊙ r (r fixed random weights) with respect to each named variable. */
function valueAndGrads(vars: Record<string, tf.Variable>, f: () => tf.Tensor): Outputs {
  return tf.tidy(() => {
    const y = f();
    const r = tf.randomNormal(y.shape, 0, 1, 'float32', 17);
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(f(), r)) as tf.Scalar, Object.values(vars));
    const out: Outputs = { value: y.dataSync() as Float32Array, loss: value.dataSync() as Float32Array };
    // A variable off the loss's path has no gradient in tfjs: recorded as an empty array.
    for (const [k, v] of Object.entries(vars)) out[`d${k}`] = (grads[v.name]?.dataSync() as Float32Array | undefined) ?? new Float32Array(0);
    return out;
  });
}

let varId = 0;
const variable = (shape: number[], seed: number, scale = 1) => tf.variable(tf.mul(tf.randomNormal(shape, 0, 1, 'float32', seed), scale), true, `hostfused${varId++}`);

for (const backend of ['cpu', 'wasm'] as const) {
  test(`[${backend}] fused LayerNorm and residual add + LayerNorm equal the tfjs composition (values, dx, dg, db) within 1e-5`, { skip: nativeSkip() }, async () => {
    const x = variable([37, 48], 1, 3);
    const a = variable([37, 48], 2);
    const g = variable([48], 3);
    const b = variable([48], 4);
    const { fused, ref } = await fusedAndReference(backend, () => {
      const ln = valueAndGrads({ x, g, b }, () => layerNorm(x as tf.Tensor as tf.Tensor2D, g as tf.Tensor as tf.Tensor1D, b as tf.Tensor as tf.Tensor1D));
      // Both outputs on the loss: s through a second LayerNorm-free path, y directly.
      const add = valueAndGrads({ x, a, g, b }, () => {
        const [s, y] = addLayerNormHost(x as tf.Tensor as tf.Tensor2D, a as tf.Tensor as tf.Tensor2D, g as tf.Tensor as tf.Tensor1D, b as tf.Tensor as tf.Tensor1D);
        return tf.concat([tf.mul(s, 0.5), y], 1);
      });
      return Object.fromEntries([...Object.entries(ln).map(([k, v]) => [`ln.${k}`, v]), ...Object.entries(add).map(([k, v]) => [`add.${k}`, v])]);
    });
    assert.ok(hasHostKernel(LAYER_NORM) && hasHostKernel(ADD_LAYER_NORM));
    assertClose(fused, ref, 1e-5);
    tf.dispose([x, a, g, b]);
  });

  test(`[${backend}] fused causal attention equals the tfjs composition (output and dq, dk, dv through wqkv, wo) within 1e-5`, { skip: nativeSkip() }, async () => {
    const [batch, seqLen, heads, d] = [3, 13, 4, 32];
    const x = variable([batch * seqLen, d], 5);
    const w: Weights = new Map([
      ['a.wqkv', variable([d, 3 * d], 6, 0.3)],
      ['a.wo', variable([d, d], 7, 0.2)],
    ]);
    const { fused, ref } = await fusedAndReference(backend, () =>
      valueAndGrads({ x, wqkv: w.get('a.wqkv')!, wo: w.get('a.wo')! }, () => attention(w, 'a', x as tf.Tensor as tf.Tensor2D, batch, seqLen, heads)),
    );
    assert.ok(hasHostKernel(ATTENTION));
    assertClose(fused, ref, 1e-5);
    tf.dispose([x, ...w.values()]);
  });

  test(`[${backend}] fused softmax cross-entropy equals the tfjs composition (loss and dlogits) within 1e-6`, { skip: nativeSkip() }, async () => {
    const logits = variable([50, 256], 8, 4);
    const targets = Int32Array.from({ length: 50 }, (_, i) => (i * 97 + 3) % 256);
    const { fused, ref } = await fusedAndReference(backend, () => valueAndGrads({ logits }, () => crossEntropy(logits as tf.Tensor as tf.Tensor2D, targets)));
    assert.ok(hasHostKernel(XENT));
    assertClose(fused, ref, 1e-6);
    tf.dispose(logits);
  });

  test(`[${backend}] fused MoE experts equal gather → GELU FFN → gated scatter-add (y, dx, dprobs, every dw1, dw2) within 1e-5`, { skip: nativeSkip() }, async () => {
    const [n, d, f, E] = [40, 16, 24, 5];
    const x = variable([n, d], 9);
    const logits = variable([n, E], 10);
    const w1 = Array.from({ length: E }, (_, e) => variable([d, f], 20 + e, 0.3));
    const w2 = Array.from({ length: E }, (_, e) => variable([f, d], 30 + e, 0.3));
    // Uneven loads, tokens served by several experts, an idle expert (e = 3).
    const lists = [[0, 5, 7, 39, 2], [1, 2, 3], [4, 8, 9, 10, 11, 12, 0], [], Array.from({ length: 30 }, (_, i) => i + 5)];
    const tokens = Int32Array.from(lists.flat());
    const counts = Int32Array.from(lists.map((l) => l.length));
    const vars: Record<string, tf.Variable> = { x, logits };
    w1.forEach((v, e) => (vars[`w1_${e}`] = v));
    w2.forEach((v, e) => (vars[`w2_${e}`] = v));
    const composed = (xx: tf.Tensor2D, probs: tf.Tensor2D) => {
      const outs = lists.flatMap((l, e) => (l.length ? [tf.matMul(gelu(tf.matMul(gatherRows(xx, Int32Array.from(l)), w1[e]!)), w2[e]!)] : []));
      const gates = gatherRows(tf.reshape(probs, [-1, 1]) as tf.Tensor2D, Int32Array.from(lists.flatMap((l, e) => l.map((t) => t * E + e))));
      return scatterAddRows(tf.mul(tf.concat(outs, 0), gates) as tf.Tensor2D, tokens, n);
    };
    await selectBackend(backend);
    assert.ok(moeExpertsFused() && hasHostKernel(MOE_EXPERTS));
    const run = (useFused: boolean) =>
      valueAndGrads(vars, () => {
        const probs = tf.softmax(logits) as tf.Tensor2D;
        return useFused ? moeExperts(x as tf.Tensor as tf.Tensor2D, probs, w1 as tf.Tensor[] as tf.Tensor2D[], w2 as tf.Tensor[] as tf.Tensor2D[], tokens, counts) : composed(x as tf.Tensor as tf.Tensor2D, probs);
      });
    const fused = run(true);
    const ref = run(false);
    // The idle expert (off the composed loss's path) gets an exactly zero gradient from the fused kernel.
    for (const k of ['dw1_3', 'dw2_3']) {
      assert.equal(ref[k]!.length, 0);
      assert.ok(fused[k]!.length > 0 && fused[k]!.every((v) => v === 0), `${k} is not zero`);
      delete fused[k];
      delete ref[k];
    }
    assertClose(fused, ref, 1e-5);
    tf.dispose(Object.values(vars));
  });

  for (const [name, input] of [
    ['token choice with capacity drops', { dModel: 32, layers: 2, heads: 2, contextLength: 16, moe: { router: 'token-choice', expansionRate: 8, topK: 2, capacityFactor: 1 } }],
    ['expert choice G=2, output LayerNorm', { dModel: 24, layers: 2, heads: 2, contextLength: 16, moe: { router: 'expert-choice', expansionRate: 4, granularity: 2, outputLayerNorm: true } }],
    ['dense', { dModel: 32, layers: 2, heads: 4, contextLength: 16 }],
    // The survey presets' layers: a shared expert beside the routed ones (`shared`), PEER retrieval (`peer`).
    ['token choice G=4 with 1 shared expert', { dModel: 24, layers: 2, heads: 2, contextLength: 16, moe: { router: 'token-choice', expansionRate: 4, granularity: 4, topK: 1, sharedExperts: 1, capacityFactor: null, outputLayerNorm: true } }],
    ['PEER N=256, 2 heads × top-4', { dModel: 24, layers: 2, heads: 2, contextLength: 16, peer: { experts: 256, heads: 2, topK: 4, keyDim: 8 } }],
  ] as Array<[string, ModelConfigInput]>) {
    test(`[${backend}] ${name}: loss, aux loss and every weight's gradient with fused kernels equal pure tfjs within 1e-4`, { skip: nativeSkip() }, async () => {
      const cfg = parseModelConfig(input);
      const [batch, seqLen] = [4, 16];
      const ids = Int32Array.from({ length: batch * seqLen + 1 }, (_, i) => (i * 131 + 7) % 256);
      const w = initWeights(cfg, 3);
      const step = (): Outputs =>
        tf.tidy(() => {
          const { value, grads } = tf.variableGrads(() => {
            const r = forward(w, cfg, ids.subarray(0, batch * seqLen), ids.subarray(1), { batch, seqLen });
            return tf.add(r.lmLoss!, r.auxLoss) as tf.Scalar;
          }, [...w.values()]);
          const out: Outputs = { loss: value.dataSync() as Float32Array };
          for (const [k, v] of w) out[k] = grads[v.name]!.dataSync() as Float32Array;
          return out;
        });
      const { fused, ref } = await fusedAndReference(backend, step);
      assertClose(fused, ref, 1e-4);
      // Same inputs, same kernels: the same bits.
      const again = step();
      for (const k of Object.keys(fused)) assert.deepEqual(again[k], fused[k], `${k} differs between two identical fused steps`);
      disposeWeights(w);
    });
  }
}

test('fused kernels reject out-of-range token rows, targets and inconsistent counts before writing', { skip: nativeSkip() }, () => {
  const b = nativeBlas()!;
  const f = (n: number) => new Float32Array(n);
  const [n, d, E, ff] = [4, 2, 2, 3];
  const w1 = [f(d * ff), f(d * ff)];
  const w2 = [f(ff * d), f(ff * d)];
  const z = [0, 0];
  const y = Float32Array.from({ length: n * d }, () => 7);
  const call = (tokens: number[], counts: number[]) =>
    b.moeExperts(f(n * d), 0, f(n * E), 0, w1, z, w2, z, Int32Array.from(tokens), Int32Array.from(counts), y, 0, f(8 * ff), 0, f(8 * ff), 0, f(8 * d), 0, n, d, E, ff);
  assert.throws(() => call([0, 4], [1, 1]), /token row is outside/);
  assert.throws(() => call([0, 1], [1, 2]), /do not sum/);
  assert.throws(() => call([0, 1], [1]), TypeError);
  assert.ok(y.every((v) => v === 7), 'nothing written before the error');
  assert.throws(() => b.xent(f(2 * 5), 0, Int32Array.from([1, 5]), f(2), 0, f(1), 0, 2, 5), /target is outside/);
  assert.throws(() => b.attention(f(10), 0, f(10), 0, f(10), 0, 1, 4, 2, 6), /extends past the end/);
  assert.throws(() => b.layerNorm(f(6), 0, f(6), 0, f(3), 0, f(3), 0, null, 0, f(6), 0, f(4), 0, 2, 3, 1e-5), TypeError);
});

function gelu(t: tf.Tensor): tf.Tensor {
  return tf.mul(tf.mul(t, 0.5), tf.add(tf.erf(tf.mul(t, Math.SQRT1_2)), 1));
}
