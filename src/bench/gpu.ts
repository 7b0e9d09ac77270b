/**
 * GPU step benchmark: one forward+backward of a pre-LN transformer block stack (dense, or MoE with 8 experts,
 * top-2, capacity factor 1.25), built from the model's own device-side ops (`matmul2d`, `bmm`, `layerNorm`,
 * `gelu`, `crossEntropy`), with routing fixed ahead of time (routing needs a host read, which Node's webgpu
 * cannot do synchronously; see src/backend/webgpu.ts). Dispatch/combine run on the device (gather,
 * unsortedSegmentSum). Reports tokens/s and model FLOP/s, counted as 6 · active non-embedding params · tokens
 * plus attention's 12 · layers · seqLen · dModel per token (the convention of scripts/gpu/torch_step.py).
 */
import * as tf from '@tensorflow/tfjs';
import { bmm, crossEntropy, gelu, layerNorm, matmul2d } from '../model/ops';
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
  return 6 * s.layers * perLayer * tokens + 12 * s.layers * s.seqLen * d * tokens;
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

export const gpuSuite: BenchSuite = {
  name: 'gpu',
  description: 'webgpu training step (dense and 8-expert top-2 MoE, d_model 256-768): tokens/s and model FLOP/s',
  async run(opts): Promise<BenchResult[]> {
    const { initWebGpu } = await import('../backend/webgpu');
    const info = await initWebGpu();
    const out: BenchResult[] = [];
    for (const s of opts.quick ? GPU_BENCH_SHAPES.slice(0, 2) : GPU_BENCH_SHAPES) {
      const { seconds } = await timeGpuStep(s, opts.quick ? 3 : 10);
      const tokens = s.batch * s.seqLen;
      const name = `d${s.dModel} ${s.experts ? `MoE ${s.experts}x top-2` : 'dense'}`;
      opts.log(`${name}: ${(tokens / seconds).toFixed(0)} tokens/s`);
      out.push({ label: `${name} tokens/s`, value: tokens / seconds, unit: 'tokens/s', notes: info.device });
      out.push({ label: `${name} model GFLOP/s`, value: stepFlops(s) / seconds / 1e9, unit: 'GFLOP/s', notes: info.device });
    }
    return out;
  },
};
