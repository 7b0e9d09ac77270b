/**
 * The host training step (src/model/host-step.ts) against the fused tfjs path it replaces (`tf.variableGrads`
 * over `forward` with the addon's kernels), on cpu and wasm: losses, every gradient, the gradient norm and the
 * weights after AdamW must be bit-identical step after step, or a run's results would depend on which path trained it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/backend';
import { nativeBlasStatus } from '../../src/backend/native-blas';
import { disposeWeights, forward, initWeights, parseModelConfig, type ModelConfigInput } from '../../src/model';
import { HostTrainStep, hostStepUnsupported } from '../../src/model/host-step';
import { setPlainOps } from '../../src/model/ops';
import { AdamW } from '../../src/train/optimizer';

function nativeSkip(): string | false {
  const st = nativeBlasStatus();
  if (st.loaded) return false;
  if (process.env.MOELAB_REQUIRE_NATIVE_BLAS === '1') assert.fail(`MOELAB_REQUIRE_NATIVE_BLAS=1 but the native addon did not load: ${st.detail}`);
  return `native addon not available: ${st.detail}`;
}

const BATCH = 4;
const SEQ = 16;
const ADAM = { betas: [0.9, 0.95] as [number, number], eps: 1e-8, weightDecay: 0.1, gradClip: 1 };

/** A fixed LCG over byte tokens: batch after batch of inputs and next-token targets. */
function batches(seed: number): () => { inputs: Int32Array; targets: Int32Array } {
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) >>> 0) >>> 8) & 255;
  return () => {
    const toks = Int32Array.from({ length: BATCH * SEQ + 1 }, rand);
    return { inputs: toks.slice(0, BATCH * SEQ), targets: toks.slice(1) };
  };
}

/** Index of the first value whose bits differ, or -1. */
function firstBitDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i]) return i;
  return -1;
}

function assertSameBits(what: string, a: Float32Array, b: Float32Array): void {
  const i = firstBitDiff(a, b);
  assert.equal(i, -1, `${what}: value ${i} differs (host step ${a[i]}, tfjs ${b[i]})`);
}

const CONFIGS: Array<[string, ModelConfigInput]> = [
  ['MoE token choice, 8 experts top-2, tied', { dModel: 32, layers: 2, heads: 2, contextLength: SEQ, moe: { router: 'token-choice', expansionRate: 8, topK: 2, capacityFactor: null } }],
  [
    'MoE expert choice every second block, G = 2, untied',
    { dModel: 24, layers: 2, heads: 2, contextLength: SEQ, tiedEmbeddings: false, moe: { router: 'expert-choice', expansionRate: 4, granularity: 2, topK: 1, capacityFactor: 1, groupSize: 4, every: 2 } },
  ],
  ['MoE token choice with capacity 1 (drops), lb and z losses', { dModel: 16, layers: 1, heads: 2, contextLength: SEQ, moe: { router: 'token-choice', expansionRate: 4, topK: 2, capacityFactor: 1, lbCoef: 0.05, zCoef: 0.01 } }],
  ['MoE token choice with the expert output LayerNorm, G = 4', { dModel: 16, layers: 2, heads: 2, contextLength: SEQ, moe: { router: 'token-choice', expansionRate: 2, granularity: 4, topK: 1, capacityFactor: null, outputLayerNorm: true } }],
  ['dense, 3 blocks, tied', { dModel: 32, layers: 3, heads: 4, contextLength: SEQ }],
];

for (const backend of ['cpu', 'wasm'] as const) {
  for (const [label, input] of CONFIGS) {
    test(`[${backend}] host training step equals the fused tfjs step bit for bit over 4 AdamW steps: ${label}`, { skip: nativeSkip() }, async () => {
      await selectBackend(backend);
      const cfg = parseModelConfig(input);
      assert.equal(hostStepUnsupported(cfg), null);
      const wRef = initWeights(cfg, 3);
      const wHost = initWeights(cfg, 3);
      const optRef = new AdamW(wRef, ADAM);
      const optHost = new AdamW(wHost, ADAM);
      const host = new HostTrainStep(wHost, cfg);
      const nextRef = batches(7);
      const nextHost = batches(7);
      try {
        for (let step = 0; step < 4; step++) {
          const a = nextRef();
          const b = nextHost();
          type Ref = { lm: number; aux: number; balance: number; z: number; g: Map<string, Float32Array>; norm: number };
          let ref: Ref | undefined;
          tf.tidy(() => {
            let lm = 0;
            let aux = 0;
            let balance = 0;
            let z = 0;
            const { grads } = tf.variableGrads(() => {
              const r = forward(wRef, cfg, a.inputs, a.targets, { batch: BATCH, seqLen: SEQ });
              [lm, aux, balance, z] = [r.lmLoss!, r.auxLoss, r.balanceLoss, r.zLoss].map((t) => t.dataSync()[0]!) as [number, number, number, number];
              return tf.add(r.lmLoss!, r.auxLoss) as tf.Scalar;
            }, [...wRef.values()]);
            const g = new Map([...wRef].map(([name, v]) => [name, grads[v.name]!.dataSync() as Float32Array]));
            const norm = optRef.apply(grads, 1e-2).dataSync()[0]!;
            ref = { lm, aux, balance, z, g, norm };
          });
          if (!ref) throw new Error('unreachable: tidy ran its function');
          const got = host.run(b.inputs, b.targets, BATCH, SEQ);
          for (const k of ['lm', 'aux', 'balance', 'z'] as const) assert.ok(Object.is(got[k], ref[k]), `step ${step} ${k}: host ${got[k]}, tfjs ${ref[k]}`);
          for (const [name, g] of ref.g) assertSameBits(`step ${step} gradient of ${name}`, got.grads.get(name)!, g);
          const norm = Math.fround(optHost.applyArrays(got.grads, 1e-2));
          assert.ok(Object.is(norm, ref.norm), `step ${step} gradient norm: host ${norm}, tfjs ${ref.norm}`);
          for (const [name, v] of wRef) assertSameBits(`step ${step} weight ${name} after AdamW`, wHost.get(name)!.dataSync() as Float32Array, v.dataSync() as Float32Array);
          assert.ok(got.nativeCalls > 0);
        }
      } finally {
        optRef.dispose();
        optHost.dispose();
        disposeWeights(wRef);
        disposeWeights(wHost);
      }
    });
  }

  test(`[${backend}] a step whose router routes nothing (NaN router weights) gives the experts no gradient and the rest the tfjs values`, { skip: nativeSkip() }, async () => {
    await selectBackend(backend);
    const cfg = parseModelConfig(CONFIGS[0]![1]);
    const wRef = initWeights(cfg, 3);
    const wHost = initWeights(cfg, 3);
    for (const w of [wRef, wHost]) w.get('b1.moe.router')!.assign(tf.fill(w.get('b1.moe.router')!.shape, NaN));
    const { inputs, targets } = batches(7)();
    try {
      const ref = tf.tidy(() => {
        const { grads } = tf.variableGrads(() => {
          const r = forward(wRef, cfg, inputs, targets, { batch: BATCH, seqLen: SEQ });
          return tf.add(r.lmLoss!, r.auxLoss) as tf.Scalar;
        }, [...wRef.values()]);
        return Object.fromEntries([...wRef].flatMap(([name, v]) => (grads[v.name] ? [[name, grads[v.name]!.dataSync() as Float32Array]] : [])));
      });
      const got = new HostTrainStep(wHost, cfg).run(inputs, targets, BATCH, SEQ);
      assert.ok(Number.isFinite(got.lm) && Number.isNaN(got.aux), `lm ${got.lm}, aux ${got.aux}`);
      assert.deepEqual([...got.grads.keys()].sort(), Object.keys(ref).sort());
      assert.ok(!got.grads.has('b1.moe.e0.w1') && got.grads.has('b0.moe.e0.w1'));
      for (const [name, g] of Object.entries(ref)) {
        const h = got.grads.get(name)!;
        for (let i = 0; i < g.length; i++) assert.ok(Object.is(h[i], g[i]) || (Number.isNaN(h[i]) && Number.isNaN(g[i])), `${name}[${i}]: ${h[i]} vs ${g[i]}`);
      }
    } finally {
      disposeWeights(wRef);
      disposeWeights(wHost);
    }
  });

  test(`[${backend}] host training step names why it cannot run SwiGLU, shared experts, PEER or plain tfjs ops`, { skip: nativeSkip() }, async () => {
    await selectBackend(backend);
    const base = { dModel: 16, layers: 1, heads: 2, contextLength: SEQ };
    assert.match(hostStepUnsupported(parseModelConfig({ ...base, ffn: 'swiglu' }))!, /swiglu/);
    assert.match(hostStepUnsupported(parseModelConfig({ ...base, moe: { router: 'token-choice', expansionRate: 4, granularity: 2, topK: 1, sharedExperts: 1 } }))!, /shared experts/);
    assert.match(hostStepUnsupported(parseModelConfig({ ...base, peer: { experts: 16, heads: 2, topK: 2, keyDim: 8 } }))!, /PEER/);
    setPlainOps(true);
    try {
      assert.match(hostStepUnsupported(parseModelConfig(base))!, /plain tfjs/);
    } finally {
      setPlainOps(false);
    }
    assert.throws(() => new HostTrainStep(new Map(), parseModelConfig({ ...base, ffn: 'swiglu' })), /unsupported here \(FFN swiglu/);
  });
}
