/**
 * GPU step benchmark on webgpu, two implementations of the same shapes (pre-LN blocks, 32 × 256 tokens, dense
 * FFN of width 4·d or 8 experts of width 4·d top-2 at capacity factor 1.25):
 * - the model's own training step (`modelStep`): src/model's forward (device path: the fused WGSL kernels of
 *   src/backend/webgpu-kernels, token-choice routing on the device), autodiff, and the trainer's AdamW (fused,
 *   in place); optionally with the fused kernels switched off, i.e. the tfjs-op composition they replace;
 * - the plain tfjs-ops step (`buildGpuStep`, the first GPU bench): the same block stack from tfjs ops with
 *   routing fixed ahead of time and tf.train.adam, as measured on an H100 on 2026-11-23.
 * Besides tokens/s and model FLOP/s it counts, per step, what the step asks of the GPU at Dawn's API
 * (src/backend/webgpu.ts `webGpuCounters`): dispatches, buffer creations and pool acquisitions, tensor
 * uploads, queue writes, readbacks. FLOPs: 6 · active non-embedding params · tokens plus attention's
 * 12 · layers · seqLen · dModel per token (the convention of scripts/gpu/torch_step.py).
 */
import * as tf from '@tensorflow/tfjs';
import { bmm, crossEntropy, gelu, layerNorm, matmul2d } from '../model/ops';
import { diffWebGpuCounters, webGpuCounters, type WebGpuCounters } from '../backend/webgpu';
import { setFusedKernels } from '../backend/webgpu-kernels';
import { parseModelConfig } from '../model/config';
import { forward } from '../model/transformer';
import { disposeWeights, initWeights } from '../model/weights';
import { chinchillaTrainingFlops } from '../accounting/formulas';
import { AdamW } from '../train/optimizer';
import type { BenchSuite, BenchResult } from './types';
import { mulberry32 } from '../data/random';

/** One benchmarked shape. */
export interface GpuStepShape {
  /** Hidden size d_model. */
  dModel: number;
  /** Transformer blocks. */
  layers: number;
  /** 0 = dense FFN (width 4·d_model); else experts of width 4·d_model, top-2, capacity factor 1.25. */
  experts: number;
  /** Sequences per step. */
  batch: number;
  /** Tokens per sequence. */
  seqLen: number;
}

/** Model FLOPs of one training step (see file doc): 6·N_active·T + 12·L·S·d·T. */
export function stepFlops(s: GpuStepShape): number {
  const d = s.dModel;
  const ffn = 8 * d * d * (s.experts > 0 ? 2 : 1);
  const perLayer = 4 * d * d + ffn + (s.experts > 0 ? d * s.experts : 0);
  const tokens = s.batch * s.seqLen;
  return chinchillaTrainingFlops(s.layers * perLayer, tokens) + 12 * s.layers * s.seqLen * d * tokens;
}


/** Builds variables and a step closure; returns the step (loss after backward) and a disposer. */
export function buildGpuStep(s: GpuStepShape, seed = 0): { step: () => tf.Scalar; dispose: () => void } {
  const d = s.dModel;
  const heads = Math.max(1, d / 64);
  const hd = d / heads;
  const T = s.batch * s.seqLen;
  const vars: tf.Variable[] = [];
  const v = (shape: number[], std: number) => {
    const x = tf.variable(tf.randomNormal(shape, 0, std, 'float32', seed + vars.length));
    vars.push(x);
    return x;
  };
  const emb = v([256, d], 0.02);
  const layers = Array.from({ length: s.layers }, () => ({
    ln1g: v([d], 0), ln1b: v([d], 0), ln2g: v([d], 0), ln2b: v([d], 0),
    qkv: v([d, 3 * d], 0.02), proj: v([d, d], 0.02),
    w1: s.experts ? v([s.experts, d, 4 * d], 0.02) : v([d, 4 * d], 0.02),
    w2: s.experts ? v([s.experts, 4 * d, d], 0.02) : v([4 * d, d], 0.02),
    router: s.experts ? v([d, s.experts], 0.02) : null,
  }));
  for (const l of layers) {
    l.ln1g.assign(tf.onesLike(l.ln1g));
    l.ln2g.assign(tf.onesLike(l.ln2g));
  }
  const rand = mulberry32(seed + 17);
  const tokens = tf.tensor1d(Int32Array.from({ length: T }, () => Math.floor(rand() * 256)), 'int32');
  const targets = Int32Array.from({ length: T }, () => Math.floor(rand() * 256));
  const mask = tf.linalg.bandPart(tf.ones([s.seqLen, s.seqLen]), -1, 0).sub(1).mul(1e9);
  // Fixed routing: each expert takes `cap` token slots (2 per token in total, capacity factor 1.25 of that).
  const cap = s.experts ? Math.ceil((1.25 * 2 * T) / s.experts) : 0;
  const slots = Int32Array.from({ length: s.experts * cap }, () => Math.floor(rand() * T));
  const dispatch = s.experts ? tf.tensor1d(slots, 'int32') : null;
  // Index of (token, expert) in the flattened [T, E] gate matrix for each slot (expert e owns slots e·cap...).
  const gateIdx = s.experts ? tf.tensor1d(slots.map((t, i) => t * s.experts + Math.floor(i / cap)), 'int32') : null;
  const attention = (x: tf.Tensor2D, l: (typeof layers)[number]) => {
    const qkv = matmul2d(x, l.qkv as tf.Variable<tf.Rank.R2>);
    const split = (i: number) =>
      tf.reshape(tf.transpose(tf.reshape(tf.slice(qkv, [0, i * d], [T, d]), [s.batch, s.seqLen, heads, hd]), [0, 2, 1, 3]), [s.batch * heads, s.seqLen, hd]) as tf.Tensor3D;
    const q = split(0);
    const k = split(1);
    const vv = split(2);
    const scores = tf.add(tf.mul(bmm(q, tf.transpose(k, [0, 2, 1]) as tf.Tensor3D), 1 / Math.sqrt(hd)), mask);
    const ctx = bmm(tf.softmax(scores) as tf.Tensor3D, vv);
    const merged = tf.reshape(tf.transpose(tf.reshape(ctx, [s.batch, heads, s.seqLen, hd]), [0, 2, 1, 3]), [T, d]) as tf.Tensor2D;
    return matmul2d(merged, l.proj as tf.Variable<tf.Rank.R2>);
  };
  const ffn = (x: tf.Tensor2D, l: (typeof layers)[number]) => {
    if (!s.experts) return matmul2d(gelu(matmul2d(x, l.w1 as tf.Variable<tf.Rank.R2>)) as tf.Tensor2D, l.w2 as tf.Variable<tf.Rank.R2>);
    const gate = tf.softmax(matmul2d(x, l.router as tf.Variable<tf.Rank.R2>)); // [T, E]
    const xin = tf.reshape(tf.gather(x, dispatch!), [s.experts, cap, d]) as tf.Tensor3D;
    const h = bmm(gelu(bmm(xin, l.w1 as tf.Variable<tf.Rank.R3>)) as tf.Tensor3D, l.w2 as tf.Variable<tf.Rank.R3>);
    const g = tf.reshape(tf.gather(tf.reshape(gate, [T * s.experts]), gateIdx!), [s.experts * cap, 1]);
    return tf.unsortedSegmentSum(tf.mul(tf.reshape(h, [s.experts * cap, d]), g), dispatch!, T) as tf.Tensor2D;
  };
  const loss = () => {
    let x = tf.gather(emb, tokens) as tf.Tensor2D;
    for (const l of layers) {
      x = tf.add(x, attention(layerNorm(x, l.ln1g as tf.Variable<tf.Rank.R1>, l.ln1b as tf.Variable<tf.Rank.R1>), l)) as tf.Tensor2D;
      x = tf.add(x, ffn(layerNorm(x, l.ln2g as tf.Variable<tf.Rank.R1>, l.ln2b as tf.Variable<tf.Rank.R1>), l)) as tf.Tensor2D;
    }
    return crossEntropy(matmul2d(x, tf.transpose(emb) as tf.Tensor2D), targets);
  };
  const opt = tf.train.adam(3e-3);
  return {
    step: () => tf.tidy(() => opt.minimize(loss, true, vars) as tf.Scalar),
    dispose: () => tf.dispose([...vars, tokens, mask, ...(dispatch ? [dispatch, gateIdx!] : [])]),
  };
}

/** The model config of a bench shape: vocab 256, heads of 64, dFF 4·d, MoE 8 experts of width 4·d top-2 cf 1.25 in every block. */
export function benchModelConfig(s: GpuStepShape) {
  return parseModelConfig({
    vocab: 256,
    dModel: s.dModel,
    layers: s.layers,
    heads: Math.max(1, s.dModel / 64),
    dFF: 4 * s.dModel,
    contextLength: s.seqLen,
    ...(s.experts ? { moe: { router: 'token-choice', expansionRate: s.experts, topK: 2, capacityFactor: 1.25, every: 1 } } : {}),
  });
}

/**
 * The model's training step for a bench shape: forward, backward and AdamW on the device, nothing read back
 * (the step returns the loss tensor; the caller reads it when it wants). `fused: false` runs the device path
 * without the fused kernels (the tfjs-op composition they replace).
 */
export function buildModelStep(s: GpuStepShape, opts: { fused?: boolean; seed?: number } = {}): { step: () => tf.Scalar; dispose: () => void } {
  const cfg = benchModelConfig(s);
  const w = initWeights(cfg, opts.seed ?? 0);
  const opt = new AdamW(w, { betas: [0.9, 0.95], eps: 1e-8, weightDecay: 0.1, gradClip: 1 });
  const rand = mulberry32((opts.seed ?? 0) + 17);
  const T = s.batch * s.seqLen;
  const inputs = Int32Array.from({ length: T }, () => Math.floor(rand() * 256));
  const targets = Int32Array.from({ length: T }, () => Math.floor(rand() * 256));
  const vars = [...w.values()];
  const fused = opts.fused !== false;
  const step = () => {
    const prev = setFusedKernels(fused);
    try {
      const { value, grads } = tf.variableGrads(() => {
        const r = forward(w, cfg, inputs, targets, { batch: s.batch, seqLen: s.seqLen });
        for (const st of r.moeStats) st.pending?.dispose();
        return tf.add(r.lmLoss!, r.auxLoss) as tf.Scalar;
      }, vars);
      tf.tidy(() => opt.apply(grads, 1e-3)).dispose();
      tf.dispose(Object.values(grads));
      return value;
    } finally {
      setFusedKernels(prev);
    }
  };
  return { step, dispose: () => { opt.dispose(); disposeWeights(w); } };
}

/** What one step asks of the GPU (counter differences over one step after `warmup` steps). */
export async function countStep(build: () => { step: () => tf.Scalar; dispose: () => void }, warmup = 1): Promise<WebGpuCounters> {
  const { step, dispose } = build();
  try {
    for (let i = 0; i < warmup; i++) {
      const l = step();
      await l.data();
      l.dispose();
    }
    const c0 = webGpuCounters();
    const l = step();
    const c = diffWebGpuCounters(webGpuCounters(), c0);
    await l.data();
    l.dispose();
    return c;
  } finally {
    dispose();
  }
}

/** Mean step seconds of `build`'s step over `reps` back-to-back steps after `warmup` (one async read at the end). */
export async function timeStep(build: () => { step: () => tf.Scalar; dispose: () => void }, reps: number, warmup = 2): Promise<{ seconds: number; loss: number }> {
  const { step, dispose } = build();
  let loss = NaN;
  try {
    for (let i = 0; i < warmup; i++) {
      const l = step();
      loss = (await l.data())[0]!;
      l.dispose();
    }
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) {
      const l = step();
      if (i === reps - 1) loss = (await l.data())[0]!;
      l.dispose();
    }
    return { seconds: (performance.now() - t0) / 1000 / reps, loss };
  } finally {
    dispose();
  }
}

/** Mean step seconds over `reps` back-to-back steps after `warmup` (one async read at the end). */
export async function timeGpuStep(s: GpuStepShape, reps: number, warmup = 2): Promise<{ seconds: number; loss: number }> {
  const { step, dispose } = buildGpuStep(s);
  let loss = NaN;
  for (let i = 0; i < warmup; i++) {
    const l = step();
    loss = (await l.data())[0]!;
    l.dispose();
  }
  // Steps are queued back to back and only the last loss is read: a GPU readback in Node's WebGPU costs a
  // round trip of ~0.3-0.4 s (measured on an H100, 2026-11-23), which would otherwise dominate every step.
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) {
    const l = step();
    if (i === reps - 1) loss = (await l.data())[0]!;
    l.dispose();
  }
  const seconds = (performance.now() - t0) / 1000 / reps;
  dispose();
  return { seconds, loss };
}

/** Shapes of the GPU bench: d_model 256/512/768, 4 layers, 32 × 256 tokens per step, dense and 8-expert MoE. */
export const GPU_BENCH_SHAPES: GpuStepShape[] = [256, 512, 768].flatMap((dModel) =>
  [0, 8].map((experts) => ({ dModel, layers: 4, experts, batch: 32, seqLen: 256 })),
);

/** Per-step counts of one shape: the fused model step, the same step unfused, and the plain tfjs-ops step. */
export interface GpuStepCounts {
  shape: GpuStepShape;
  fused: WebGpuCounters;
  unfused: WebGpuCounters;
  tfjsOps: WebGpuCounters;
}

/** Counts all three steps of `s`. Dispatch counts do not depend on the batch (only on the model's structure). */
export async function countGpuStep(s: GpuStepShape): Promise<GpuStepCounts> {
  return {
    shape: s,
    fused: await countStep(() => buildModelStep(s)),
    unfused: await countStep(() => buildModelStep(s, { fused: false })),
    tfjsOps: await countStep(() => buildGpuStep(s)),
  };
}

/**
 * The bench's batch: MOELAB_GPU_BENCH_BATCH, else 32 sequences on a GPU and 1 on a software adapter (which cannot
 * run 32 × 256 tokens in minutes; it only counts, and the counts do not depend on the batch).
 */
function benchBatch(software: boolean): number {
  const env = process.env.MOELAB_GPU_BENCH_BATCH;
  if (env === undefined || env === '') return software ? 1 : 32;
  const b = Number(env);
  if (!Number.isInteger(b) || b < 1) throw new Error(`MOELAB_GPU_BENCH_BATCH=${env}: expected a positive integer (sequences per step)`);
  return b;
}

export const gpuSuite: BenchSuite = {
  name: 'gpu',
  description: 'webgpu training step (dense and 8-expert top-2 MoE, d_model 256-768): dispatches, buffers, uploads, readbacks per step; tokens/s and model FLOP/s',
  async run(opts): Promise<BenchResult[]> {
    const { initWebGpu, isSoftwareAdapter, WebGpuUnavailableError } = await import('../backend/webgpu');
    let info;
    try {
      info = await initWebGpu();
    } catch (err) {
      if (!(err instanceof WebGpuUnavailableError)) throw err;
      // `npm run bench` runs every suite: without an adapter this one has nothing to measure, and says so.
      opts.log(`skipped, nothing measured: ${err.message}`);
      return [];
    }
    const soft = isSoftwareAdapter(info);
    const batch = benchBatch(soft);
    const shapes = (opts.quick ? GPU_BENCH_SHAPES.slice(0, 2) : GPU_BENCH_SHAPES).map((s) => ({ ...s, batch }));
    const out: BenchResult[] = [];
    for (const s of shapes) {
      const name = `d${s.dModel} ${s.experts ? `MoE ${s.experts}x top-2` : 'dense'}`;
      const c = await countGpuStep(s);
      const note = `${info.device}; per step of ${s.batch}x${s.seqLen} tokens`;
      opts.log(`${name}: dispatches/step fused ${c.fused.dispatches}, unfused ${c.unfused.dispatches}, plain tfjs ops ${c.tfjsOps.dispatches}`);
      out.push({ label: `${name} dispatches/step (fused vs unfused model step)`, value: c.fused.dispatches, unit: 'dispatches', reference: c.unfused.dispatches, referenceLabel: 'same model step without the fused kernels', lowerIsBetter: true, goal: Math.floor(c.unfused.dispatches / 5), notes: note });
      out.push({ label: `${name} dispatches/step (fused vs plain tfjs-ops bench step)`, value: c.fused.dispatches, unit: 'dispatches', reference: c.tfjsOps.dispatches, referenceLabel: 'plain tfjs ops + tf.train.adam (first GPU bench)', lowerIsBetter: true, goal: Math.floor(c.tfjsOps.dispatches / 5), notes: note });
      for (const [k, label] of [['bufferCreates', 'buffer creations'], ['bufferAcquires', 'buffer pool acquisitions'], ['tensorUploads', 'tensor uploads'], ['queueWrites', 'queue writes'], ['readbacks', 'readbacks']] as const) {
        out.push({ label: `${name} ${label}/step (fused vs unfused)`, value: c.fused[k], unit: 'per step', reference: c.unfused[k], referenceLabel: 'without the fused kernels', lowerIsBetter: true, notes: note });
      }
      if (soft && process.env.MOELAB_GPU_BENCH_TIME !== '1') {
        opts.log(`${name}: not timed on a software adapter (its speed says nothing about a GPU's; MOELAB_GPU_BENCH_TIME=1 times it anyway)`);
        continue;
      }
      const reps = opts.quick ? 3 : 10;
      const tokens = s.batch * s.seqLen;
      const fused = await timeStep(() => buildModelStep(s), reps);
      const plain = await timeStep(() => buildGpuStep(s), reps);
      opts.log(`${name}: model step ${(tokens / fused.seconds).toFixed(0)} tokens/s, plain tfjs ops ${(tokens / plain.seconds).toFixed(0)} tokens/s`);
      out.push({ label: `${name} tokens/s (fused model step vs plain tfjs ops)`, value: tokens / fused.seconds, unit: 'tokens/s', reference: tokens / plain.seconds, referenceLabel: 'plain tfjs-ops step', notes: info.device });
      out.push({ label: `${name} model GFLOP/s`, value: stepFlops(s) / fused.seconds / 1e9, unit: 'GFLOP/s', notes: info.device });
    }
    return out;
  },
};

/** The name `moelab bench` discovers suites by (src/cli/bench.ts). */
export const suite = gpuSuite;
