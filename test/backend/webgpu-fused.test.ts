/**
 * Every fused WGSL kernel (src/backend/webgpu-kernels) against the tfjs composition it replaces, values and
 * gradients, on a real WebGPU adapter (llvmpipe in CI). References run on the cpu backend with the host ops
 * of src/model (the same functions the cpu/wasm trainer uses). Shapes are small (llvmpipe on 2 cores) but
 * cross every tile and workgroup boundary: rows not a multiple of 64, seqLen > 64, dh ≠ 64, capacity drops.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initWebGpu, webGpuCounters, diffWebGpuCounters } from '../../src/backend/webgpu';
import { adamwDevice } from '../../src/backend/webgpu-kernels';
import { TOKEN_CHOICE_ROUTE } from '../../src/backend/webgpu-kernels/moe';
import { attention } from '../../src/model/attention';
import { crossEntropy, gelu, layerNorm } from '../../src/model/ops';
import { addLayerNormDevice, addLayerNormHost, attentionDevice, crossEntropyDevice, embedDevice, geluDevice, layerNormDevice, unembedDevice } from '../../src/model/ops-webgpu';
import { gatherRows, matmul2d } from '../../src/model/ops';
import { routeTokenChoice, tokenChoiceCapacity } from '../../src/model/moe/routing';
import { AdamW } from '../../src/train/optimizer';
import { webgpuSkipReason } from './webgpu-adapter';

/** A test that needs the adapter: skipped with the reason where there is none (fails under MOELAB_REQUIRE_WEBGPU=1). */
function gpuTest(name: string, fn: () => Promise<void>): void {
  test(name, async (t) => {
    const reason = await webgpuSkipReason();
    if (reason) {
      t.skip(reason);
      return;
    }
    await initWebGpu();
    await fn();
  });
}

/** Deterministic pseudo-random values in [-1, 1). */
function vals(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

function relErr(a: Float32Array | Int32Array, b: Float32Array | Int32Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i]! - b[i]!) ** 2;
    den += b[i]! ** 2;
  }
  return Math.sqrt(num / Math.max(den, 1e-30));
}

/** Runs `f` on `backend` (value and gradients w.r.t. all inputs, against a fixed random cotangent). */
async function valueAndGrads(backend: 'webgpu' | 'cpu', f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: Array<{ shape: number[]; seed: number }>): Promise<Float32Array[]> {
  assert.ok(await tf.setBackend(backend));
  const outs = tf.tidy(() => {
    const xs = inputs.map((i) => tf.tensor(vals(i.shape.reduce((a, b) => a * b, 1), i.seed), i.shape));
    const y = f(...xs);
    const cot = tf.tensor(vals(y.size, 99), y.shape);
    const g = tf.grads((...a: tf.Tensor[]) => tf.sum(tf.mul(f(...a), cot)))(xs);
    return [y, ...g];
  });
  const res = await Promise.all(outs.map(async (t) => Float32Array.from(await t.data())));
  tf.dispose(outs);
  return res;
}

async function assertMatches(name: string, fused: (...xs: tf.Tensor[]) => tf.Tensor, ref: (...xs: tf.Tensor[]) => tf.Tensor, inputs: Array<{ shape: number[]; seed: number }>, tol = 1e-5): Promise<void> {
  const gpu = await valueAndGrads('webgpu', fused, inputs);
  const cpu = await valueAndGrads('cpu', ref, inputs);
  const what = ['value', ...inputs.map((_, i) => `gradient ${i}`)];
  for (let i = 0; i < cpu.length; i++) {
    const e = relErr(gpu[i]!, cpu[i]!);
    assert.ok(e < tol, `${name} ${what[i]}: relative error ${e.toExponential(2)} ≥ ${tol}`);
  }
}

gpuTest('fused LayerNorm (rows 70, d 100 and 256) equals the tfjs LayerNorm: values and dx, dγ, dβ within 1e-5', async () => {
  for (const d of [100, 256]) {
    await assertMatches(
      `LayerNorm d${d}`,
      (x, g, b) => layerNormDevice(x as tf.Tensor2D, g as tf.Tensor1D, b as tf.Tensor1D),
      (x, g, b) => layerNorm(x as tf.Tensor2D, g as tf.Tensor1D, b as tf.Tensor1D),
      [{ shape: [70, d], seed: 1 }, { shape: [d], seed: 2 }, { shape: [d], seed: 3 }],
    );
  }
});

gpuTest('fused residual add + LayerNorm equals tf.add then the tfjs LayerNorm: both outputs and dx, da, dγ, dβ within 1e-5', async () => {
  const both = (impl: typeof addLayerNormHost) => (x: tf.Tensor, a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
    const [s, y] = impl(x as tf.Tensor2D, a as tf.Tensor2D, g as tf.Tensor1D, b as tf.Tensor1D);
    return tf.concat([s, tf.mul(y, 3)], 1);
  };
  await assertMatches('add+LayerNorm', both(addLayerNormDevice), both(addLayerNormHost), [
    { shape: [70, 100], seed: 12 }, { shape: [70, 100], seed: 13 }, { shape: [100], seed: 14 }, { shape: [100], seed: 15 },
  ]);
});

gpuTest('fused embedding (token + position, 3 × 20 tokens with repeats) and tied unembedding equal gathers, add and matmul: values and dtok, dpos within 1e-5', async () => {
  const batch = 3;
  const seqLen = 20;
  const ids = Int32Array.from({ length: batch * seqLen }, (_, i) => (i * 7) % 11); // vocab 16: some rows unused
  const positions = Int32Array.from({ length: batch * seqLen }, (_, i) => i % seqLen);
  await assertMatches(
    'embedding',
    (tok, pos, hf) => tf.concat([embedDevice(tok as tf.Tensor2D, pos as tf.Tensor2D, ids, batch, seqLen), unembedDevice(hf as tf.Tensor2D, tok as tf.Tensor2D, true)], 1),
    (tok, pos, hf) => tf.concat([tf.add(gatherRows(tok as tf.Tensor2D, ids), gatherRows(pos as tf.Tensor2D, positions)) as tf.Tensor2D, matmul2d(hf as tf.Tensor2D, tf.transpose(tok) as tf.Tensor2D)], 1),
    [{ shape: [16, 24], seed: 16 }, { shape: [32, 24], seed: 17 }, { shape: [batch * seqLen, 24], seed: 18 }],
  );
});

gpuTest('fused GELU equals the tfjs erf GELU on 1000 values: value and gradient within 1e-5', async () => {
  await assertMatches('GELU', (x) => geluDevice(tf.mul(x, 4)), (x) => gelu(tf.mul(x, 4)), [{ shape: [10, 100], seed: 4 }]);
});

gpuTest('fused softmax cross-entropy (70 rows, vocab 300) equals the tfjs one: loss and dlogits within 1e-5', async () => {
  const targets = Int32Array.from({ length: 70 }, (_, i) => (i * 37) % 300);
  await assertMatches('xent', (l) => crossEntropyDevice(tf.mul(l, 5) as tf.Tensor2D, targets), (l) => crossEntropy(tf.mul(l, 5) as tf.Tensor2D, targets), [{ shape: [70, 300], seed: 5 }]);
});

gpuTest('fused causal attention (2 × 80 tokens; dh 16 and 64) equals the tfjs attention: output and dqkv, dWqkv, dWo within 1e-4', async () => {
  for (const [d, heads] of [[32, 2], [128, 2]] as const) {
    const batch = 2;
    const seqLen = 80;
    const mk = (impl: typeof attention) => (x: tf.Tensor, wqkv: tf.Tensor, wo: tf.Tensor) => {
      const w = new Map([['a.wqkv', wqkv], ['a.wo', wo]]) as unknown as Map<string, tf.Variable>;
      return impl(w, 'a', tf.mul(x, 2) as tf.Tensor2D, batch, seqLen, heads);
    };
    await assertMatches(`attention d${d} h${heads}`, mk(attentionDevice), mk(attention), [
      { shape: [batch * seqLen, d], seed: 6 },
      { shape: [d, 3 * d], seed: 7 },
      { shape: [d, d], seed: 8 },
    ], 1e-4);
  }
});

gpuTest('fused token-choice routing equals routeTokenChoice: slots, drops, load and assigned fractions (top-2, capacity drops)', async () => {
  assert.ok(await tf.setBackend('webgpu'));
  const tokens = 300;
  const experts = 8;
  const k = 2;
  const capacityFactor = 0.8;
  const probs = tf.tidy(() => tf.softmax(tf.mul(tf.tensor2d(vals(tokens * experts, 11), [tokens, experts]), 3)));
  const p = Float32Array.from(await probs.data());
  const cap = tokenChoiceCapacity({ tokens, experts, topK: k, capacityFactor });
  const outs = tf.engine().runKernel(TOKEN_CHOICE_ROUTE, { probs }, { topK: k, cap } as unknown as tf.NamedAttrMap) as tf.Tensor[];
  const [slotToken, tokenSlot, stats, assigned] = await Promise.all(outs.map((t) => t.data()));
  tf.dispose([probs, ...outs]);
  const ref = routeTokenChoice(p, { tokens, experts, topK: k, capacityFactor });
  assert.ok(ref.droppedFraction > 0, 'the case should drop assignments');
  for (let e = 0; e < experts; e++) {
    const got = Array.from(slotToken!.subarray(e * cap, (e + 1) * cap)).filter((t) => t >= 0);
    assert.deepEqual(got, Array.from(ref.perExpert[e]!.tokens), `expert ${e} queue`);
    assert.ok(Math.abs(assigned![e]! - ref.assignedFraction[e]!) < 1e-6, `assigned fraction of expert ${e}`);
    assert.equal(stats![e], ref.perExpert[e]!.tokens.length, `served count of expert ${e}`);
  }
  assert.ok(Math.abs(stats![experts]! - ref.droppedFraction) < 1e-6, 'dropped fraction');
  // tokenSlot is the inverse map: every kept (token, rank) points at a slot holding that token.
  for (let t = 0; t < tokens; t++) for (let r = 0; r < k; r++) {
    const s = tokenSlot![t * k + r]!;
    if (s >= 0) assert.equal(slotToken![s], t);
  }
});

gpuTest('fused AdamW (in place, norm on the device) equals the tensor-op AdamW on cpu over 3 steps, clipping active', async () => {
  const shapes = [[33, 17], [17], [5, 300], [4096 + 7], [2, 3], [64, 64], [1]];
  const run = async (backend: 'webgpu' | 'cpu') => {
    assert.ok(await tf.setBackend(backend));
    const params = new Map(shapes.map((s, i) => [`p${i}`, tf.variable(tf.tensor(vals(s.reduce((a, b) => a * b, 1), 20 + i), s), true, `adam-${backend}-${i}`)]));
    const opt = new AdamW(params, { betas: [0.9, 0.95], eps: 1e-8, weightDecay: 0.1, gradClip: 0.5 }, { fused: backend === 'webgpu' });
    const norms: number[] = [];
    for (let step = 0; step < 3; step++) {
      const grads: tf.NamedTensorMap = {};
      [...params.values()].forEach((p, i) => (grads[p.name] = tf.tensor(vals(p.size, 40 + i + 7 * step), p.shape)));
      const n = tf.tidy(() => opt.apply(grads, 1e-2));
      norms.push((await n.data())[0]!);
      tf.dispose([n, ...Object.values(grads)]);
    }
    const out = await Promise.all([...params.values(), ...opt.m.values(), ...opt.v.values()].map(async (t) => Float32Array.from(await t.data())));
    opt.dispose();
    tf.dispose([...params.values()]);
    return { out, norms };
  };
  const gpu = await run('webgpu');
  const cpu = await run('cpu');
  for (let i = 0; i < 3; i++) assert.ok(Math.abs(gpu.norms[i]! - cpu.norms[i]!) < 1e-4 * cpu.norms[i]!, `norm at step ${i}: ${gpu.norms[i]} vs ${cpu.norms[i]}`);
  assert.ok(cpu.norms[0]! > 0.5, 'clipping should be active');
  for (let i = 0; i < cpu.out.length; i++) assert.ok(relErr(gpu.out[i]!, cpu.out[i]!) < 1e-5, `tensor ${i}: ${relErr(gpu.out[i]!, cpu.out[i]!)}`);
});

gpuTest('fused AdamW leaves parameters untouched when the gradient norm is not finite', async () => {
  assert.ok(await tf.setBackend('webgpu'));
  const p = tf.variable(tf.tensor1d([1, 2, 3]), true, 'adam-nan');
  const m = tf.variable(tf.zeros([3]));
  const v = tf.variable(tf.zeros([3]));
  const g = tf.tensor1d([1, NaN, 3]);
  const n = adamwDevice([{ p, m, v, g, weightDecay: 0 }], { lr: 0.1, b1: 0.9, b2: 0.95, c1: 0.1, c2: 0.05, eps: 1e-8, gradClip: 1 });
  assert.ok(Number.isNaN((await n.data())[0]));
  assert.deepEqual(Array.from(await p.data()), [1, 2, 3]);
  assert.deepEqual(Array.from(await m.data()), [0, 0, 0]);
  tf.dispose([p, m, v, g, n]);
});

gpuTest('fused kernels count as dispatches: a LayerNorm forward is exactly one', async () => {
  assert.ok(await tf.setBackend('webgpu'));
  const x = tf.randomNormal([8, 16]);
  const g = tf.ones([16]) as tf.Tensor1D;
  const b = tf.zeros([16]) as tf.Tensor1D;
  await Promise.all([x.data(), g.data(), b.data()]);
  const c0 = webGpuCounters();
  const y = layerNormDevice(x as tf.Tensor2D, g, b);
  const c = diffWebGpuCounters(webGpuCounters(), c0);
  await y.data();
  assert.equal(c.dispatches, 1);
  tf.dispose([x, g, b, y]);
});
