/**
 * Device-side variants of the model's host-side steps, for backends that cannot read tensors synchronously
 * (webgpu in Node: no synchronous GPU readback, see src/backend/webgpu.ts). The default path (src/model/ops.ts,
 * src/model/moe/routing.ts) gathers rows and routes tokens in plain JS after a `dataSync`; here the same
 * decisions are made with tensor ops (topk, cumsum, gather, unsortedSegmentSum) so nothing leaves the device
 * during a step. Routing statistics come back as a small tensor that the trainer reads asynchronously after
 * the step ({@link resolveMoeStats}).
 *
 * Same semantics as the JS path: token choice serves every token's first choice before any second choice,
 * then token order, and drops assignments beyond ceil(cf·k·tokens/experts); expert choice takes each expert's
 * top tokens within groups of one position across sequences. Only summation order (and ties between exactly
 * equal router probabilities) can differ.
 */
import * as tf from '@tensorflow/tfjs';
import { ADD_LAYER_NORM, ATTENTION, EMBED, GELU, LAYER_NORM, MOE_COMBINE, MOE_GATHER, ROUTER_LOSSES, ROUTER_SOFTMAX, STACK, XENT, fusedKernelsActive, tokenRowsIndex } from '../backend/webgpu-kernels';
import { COMBINE_LOSSES_BINDINGS, MOE_COMBINE_LOSSES, ROUTE_MAX_EXPERTS, TOKEN_CHOICE_ROUTE } from '../backend/webgpu-kernels/moe';
import { deviceLimit } from '../backend/webgpu-kernels/runner';
import { runKernel, type KernelAttrs } from '../backend/tf-interop';
import { attention } from './attention';
import { ConfigError } from './errors';
import { ffn } from './ffn';
import { bmm, crossEntropy, gelu, layerNorm, matmul2d, plainOps, silu } from './ops';
import { hasHostKernel } from '../backend/kernels';
import { expertChoiceCapacity, tokenChoiceCapacity } from './moe/routing';
import type { Weights } from './weights';

/** When the device-side path is used: `auto` = only on the webgpu backend; `on`/`off` force it (tests). */
export type DeviceOpsMode = 'auto' | 'on' | 'off';

let mode: DeviceOpsMode = 'auto';

/** Choose when the device-side path runs (default `auto`: webgpu only). Returns the previous mode. */
export function setDeviceOps(m: DeviceOpsMode): DeviceOpsMode {
  const prev = mode;
  mode = m;
  return prev;
}

/** Whether the model should use the device-side path now (webgpu, or forced on). */
export function deviceOpsActive(): boolean {
  if (mode === 'auto') return tf.getBackend() === 'webgpu';
  return mode === 'on';
}

/**
 * The same values as `t`, cut off the autodiff tape (tfjs has no stopGradient): a new tensor on the same data,
 * made without a kernel, so index computations derived from it (topk, cumsum, ...) are never differentiated.
 */
export function detach<T extends tf.Tensor>(t: T): T {
  return tf.engine().makeTensorFromDataId(t.dataId, t.shape, t.dtype) as T;
}

const run = (name: string, inputs: tf.NamedTensorMap, attrs: KernelAttrs = {}) => runKernel<tf.Tensor | tf.Tensor[]>(name, inputs, attrs);

/**
 * The model's building blocks on the device path. On webgpu each is one of the fused WGSL kernels of
 * src/backend/webgpu-kernels (registered tfjs kernels with registered gradients); with the device path forced
 * on another backend (tests) they are the host ops of src/model/ops.ts, so both paths give the same numbers.
 */
export function layerNormDevice(x: tf.Tensor2D, g: tf.Tensor1D, b: tf.Tensor1D): tf.Tensor2D {
  if (!fusedKernelsActive()) return layerNorm(x, g, b);
  return (run(LAYER_NORM, { x, g, b }, { eps: 1e-5 }) as tf.Tensor[])[0] as tf.Tensor2D;
}

/** The residual add and the LayerNorm after it: [s = x + a, LayerNorm(s)] (one kernel on webgpu). */
export function addLayerNormDevice(x: tf.Tensor2D, a: tf.Tensor2D, g: tf.Tensor1D, b: tf.Tensor1D): [tf.Tensor2D, tf.Tensor2D] {
  if (!fusedKernelsActive()) return addLayerNormHost(x, a, g, b);
  const [s, y] = run(ADD_LAYER_NORM, { x, a, g, b }, { eps: 1e-5 }) as tf.Tensor2D[];
  return [s!, y!];
}

/** The host path's residual add then LayerNorm (src/model/ops.ts), the reference of {@link addLayerNormDevice}. */
export function addLayerNormHost(x: tf.Tensor2D, a: tf.Tensor2D, g: tf.Tensor1D, b: tf.Tensor1D): [tf.Tensor2D, tf.Tensor2D] {
  // One native kernel each way on the host backends with the addon (src/backend/host-fused.ts).
  if (hasHostKernel(ADD_LAYER_NORM) && !plainOps()) {
    const [s, y] = runKernel<tf.Tensor[]>(ADD_LAYER_NORM, { x, a, g, b }, { eps: 1e-5 }) as tf.Tensor2D[];
    return [s!, y!];
  }
  const s = tf.add(x, a) as tf.Tensor2D;
  return [s, layerNorm(s, g, b)];
}

/** Exact GELU (see {@link layerNormDevice} for when it is fused). */
export function geluDevice(x: tf.Tensor): tf.Tensor {
  if (!fusedKernelsActive()) return gelu(x);
  return run(GELU, { x }) as tf.Tensor;
}

/** `a @ b`: on webgpu tfjs's own matmul, whose gradient takes transpose flags (no transpose kernels). */
export function matmulDevice(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  if (!fusedKernelsActive()) return matmul2d(a, b);
  return tf.matMul(a, b);
}

/** Mean cross-entropy of logits [n, V] against targets (the fused softmax cross-entropy on webgpu). */
export function crossEntropyDevice(logits: tf.Tensor2D, targets: Int32Array): tf.Scalar {
  if (!fusedKernelsActive()) return crossEntropy(logits, targets);
  return (run(XENT, { logits, targets: tf.tensor1d(targets, 'int32') }) as tf.Tensor[])[0] as tf.Scalar;
}

/** Causal self-attention of block `prefix` (as src/model/attention.ts), the score matrix fused away on webgpu. */
export function attentionDevice(w: Weights, prefix: string, x: tf.Tensor2D, batch: number, seqLen: number, heads: number): tf.Tensor2D {
  if (!fusedKernelsActive()) return attention(w, prefix, x, batch, seqLen, heads);
  const qkv = tf.matMul(x, w.get(`${prefix}.wqkv`) as tf.Tensor2D);
  const o = (run(ATTENTION, { qkv }, { batch, seqLen, heads }) as tf.Tensor[])[0] as tf.Tensor2D;
  return tf.matMul(o, w.get(`${prefix}.wo`) as tf.Tensor2D);
}

/** The FFN of src/model/ffn.ts with the device ops. */
export function ffnDevice(w: Weights, prefix: string, kind: 'gelu' | 'swiglu', x: tf.Tensor2D): tf.Tensor2D {
  if (!fusedKernelsActive()) return ffn(w, prefix, kind, x);
  const w1 = w.get(`${prefix}.w1`) as tf.Tensor2D;
  const w2 = w.get(`${prefix}.w2`) as tf.Tensor2D;
  if (kind === 'gelu') return tf.matMul(geluDevice(tf.matMul(x, w1)) as tf.Tensor2D, w2);
  const w3 = w.get(`${prefix}.w3`) as tf.Tensor2D;
  return tf.matMul(tf.mul(silu(tf.matMul(x, w1)), tf.matMul(x, w3)) as tf.Tensor2D, w2);
}

/**
 * Token + position embedding of a batch-major [batch, seqLen] token grid: tok[ids[t]] + pos[t mod seqLen]
 * (fused on webgpu; else two device gathers and an add).
 */
export function embedDevice(tok: tf.Tensor2D, pos: tf.Tensor2D, ids: Int32Array, batch: number, seqLen: number): tf.Tensor2D {
  if (!fusedKernelsActive()) {
    const positions = Int32Array.from({ length: batch * seqLen }, (_, i) => i % seqLen);
    return tf.add(gatherRowsDevice(tok, ids), gatherRowsDevice(pos, positions)) as tf.Tensor2D;
  }
  const { offsets, rows } = tokenRowsIndex(ids, tok.shape[0]);
  const i32 = (a: Int32Array) => tf.tensor1d(a, 'int32');
  return run(EMBED, { tok, pos, ids: i32(ids), offsets: i32(offsets), rows: i32(rows) }, { seqLen }) as tf.Tensor2D;
}

/** Logits `hf @ tok_embᵀ` (tied) or `hf @ unemb`; the tied product takes a transpose flag on webgpu. */
export function unembedDevice(hf: tf.Tensor2D, table: tf.Tensor2D, tied: boolean): tf.Tensor2D {
  if (!fusedKernelsActive()) return matmul2d(hf, tied ? (tf.transpose(table) as tf.Tensor2D) : table);
  return tf.matMul(hf, table, false, tied);
}

/** Differentiable row gather `out[i] = x[idx[i]]` on the device (gradient: unsortedSegmentSum). idx ≥ 0. */
export function gatherRowsDevice(x: tf.Tensor2D, idx: Int32Array): tf.Tensor2D {
  return tf.gather(x, tf.tensor1d(idx, 'int32')) as tf.Tensor2D;
}

/** What {@link routedExpertsDevice} returns. */
export interface DeviceMoeOutput {
  /** Gate-weighted sum of the routed experts' outputs, [tokens, d]. */
  y: tf.Tensor2D;
  /** Load-balancing loss (token choice; 0 for expert choice), scalar. */
  balanceLoss: tf.Scalar;
  /** Router z-loss, when the fused router computed it (else the caller computes it from the logits). */
  zLoss?: tf.Scalar;
  /** lbCoef · balance + zCoef · z, when the fused router computed it. */
  auxLoss?: tf.Scalar;
  /** [experts + 1]: tokens each expert processed, then the dropped fraction. Read it with {@link resolveMoeStats}. */
  stats: tf.Tensor1D;
}

/** Arguments of {@link routedExpertsDevice}. */
export interface DeviceMoeArgs {
  /** Weights; expert e of block prefix p has `${p}.e${e}.w1`, `.w2` (and `.w3` for SwiGLU). */
  w: Weights;
  /** Block prefix, e.g. `b1.moe`. */
  prefix: string;
  /** FFN kind of the experts. */
  ffnKind: 'gelu' | 'swiglu';
  /** Layer input [tokens, d]. */
  x: tf.Tensor2D;
  /** Router logits [tokens, experts] (the softmax is taken here: fused with the losses on webgpu). */
  logits: tf.Tensor2D;
  router: 'token-choice' | 'expert-choice';
  /** Effective experts per token (G · topK). */
  topK: number;
  /** Token-choice capacity factor (null = unlimited) or expert-choice capacity factor. */
  capacityFactor: number | null;
  /** Expert-choice group size. */
  groupSize: number;
  /** Sequences in the batch. */
  batch: number;
  /** Tokens per sequence. */
  seqLen: number;
  /** Weights of the balance loss and the z-loss in the aux loss. */
  lbCoef: number;
  zCoef: number;
}

/** An int32 scalar (a bare JS number would make int arithmetic float32). */
const int = (v: number): tf.Scalar => tf.scalar(v, 'int32');

/**
 * Expert of each slot, ⌊slot / perExpert⌋, as an int32 tensor (shape-only, built on the host: tfjs-webgpu's
 * int32 floorDiv emits a shader that Dawn rejects, "setOutputAtIndex expected f32, got i32").
 */
function slotOwners(slots: number, perExpert: number): tf.Tensor1D {
  return tf.tensor1d(Int32Array.from({ length: slots }, (_, s) => Math.floor(s / perExpert)), 'int32');
}

/** Experts applied batched: xin [E, n, d] -> [E, n, d] with the experts' weights stacked (differentiable). */
function expertsBatched(a: DeviceMoeArgs, experts: number, xin: tf.Tensor3D): tf.Tensor3D {
  const fused = fusedKernelsActive();
  const parts = (m: string) => Array.from({ length: experts }, (_, e) => a.w.get(`${a.prefix}.e${e}.${m}`)!);
  const stack = (m: string): tf.Tensor3D => {
    if (!fused) return tf.stack(parts(m)) as tf.Tensor3D;
    const inputs: tf.NamedTensorMap = {};
    parts(m).forEach((t, i) => (inputs[`t${i}`] = t));
    return run(STACK, inputs) as tf.Tensor3D;
  };
  const mm = (x: tf.Tensor3D, y: tf.Tensor3D): tf.Tensor3D => (fused ? (tf.matMul(x, y) as tf.Tensor3D) : bmm(x, y));
  if (a.ffnKind === 'gelu') return mm(geluDevice(mm(xin, stack('w1'))) as tf.Tensor3D, stack('w2'));
  return mm(tf.mul(silu(mm(xin, stack('w1'))), mm(xin, stack('w3'))) as tf.Tensor3D, stack('w2'));
}

/**
 * Token choice with the fused kernels (webgpu): one routing dispatch, the gather-form dispatch and combine,
 * the experts as batched matmuls over stacked weights. Same policy and statistics as {@link tokenChoiceDevice}.
 */
function tokenChoiceFused(a: DeviceMoeArgs): DeviceMoeOutput {
  const [probs, lse] = run(ROUTER_SOFTMAX, { logits: a.logits }) as [tf.Tensor2D, tf.Tensor1D];
  const [tokens, experts] = probs.shape;
  const d = a.x.shape[1];
  const k = a.topK;
  const cap = tokenChoiceCapacity({ tokens, experts, topK: k, capacityFactor: a.capacityFactor });
  const [slotToken, tokenSlot, stats, assigned] = run(TOKEN_CHOICE_ROUTE, { probs: detach(probs) }, { topK: k, cap }) as tf.Tensor[];
  const xin = tf.reshape(run(MOE_GATHER, { x: a.x, slotToken: slotToken!, tokenSlot: tokenSlot! }) as tf.Tensor2D, [experts, cap, d]) as tf.Tensor3D;
  const h = tf.reshape(expertsBatched(a, experts, xin), [experts * cap, d]);
  const coefs = { lbCoef: a.lbCoef, zCoef: a.zCoef };
  if (deviceLimit('maxStorageBuffersPerShaderStage') >= COMBINE_LOSSES_BINDINGS) {
    // Combine and router losses as one op: its backward gives dprobs and dlse in one dispatch.
    const [y, balanceLoss, zLoss, auxLoss] = run(MOE_COMBINE_LOSSES, { h, probs, tokenSlot: tokenSlot!, slotToken: slotToken!, lse, assigned: assigned! }, { cap, ...coefs }) as tf.Tensor[];
    return { y: y as tf.Tensor2D, balanceLoss: balanceLoss as tf.Scalar, zLoss: zLoss as tf.Scalar, auxLoss: auxLoss as tf.Scalar, stats: stats as tf.Tensor1D };
  }
  const y = run(MOE_COMBINE, { h, probs, tokenSlot: tokenSlot!, slotToken: slotToken! }, { cap }) as tf.Tensor2D;
  const [balanceLoss, zLoss, auxLoss] = run(ROUTER_LOSSES, { probs, lse, assigned: assigned! }, coefs) as tf.Scalar[];
  return { y, balanceLoss: balanceLoss!, zLoss, auxLoss, stats: stats as tf.Tensor1D };
}

/**
 * Routes, runs and combines the routed experts of one MoE layer without reading anything back to the host.
 * Call inside tf.tidy / tf.variableGrads.
 */
export function routedExpertsDevice(a: DeviceMoeArgs): DeviceMoeOutput {
  const experts = a.logits.shape[1];
  if (a.router === 'token-choice' && fusedKernelsActive() && experts <= ROUTE_MAX_EXPERTS) return tokenChoiceFused(a);
  const p: Routed = { ...a, probs: tf.softmax(a.logits) as tf.Tensor2D };
  return a.router === 'token-choice' ? tokenChoiceDevice(p) : expertChoiceDevice(p);
}

/** The arguments with the router softmax taken. */
type Routed = DeviceMoeArgs & { probs: tf.Tensor2D };

function tokenChoiceDevice(a: Routed): DeviceMoeOutput {
  const [tokens, experts] = a.probs.shape;
  const d = a.x.shape[1];
  const k = a.topK;
  const cap = tokenChoiceCapacity({ tokens, experts, topK: k, capacityFactor: a.capacityFactor });
  const slots = experts * cap;
  // Assignments in serving order: rank-major (all first choices, then all second choices), token order within.
  const choice = tf.reshape(tf.transpose(tf.topk(detach(a.probs), k).indices), [k * tokens]) as tf.Tensor1D;
  const onehot = tf.cast(tf.oneHot(choice, experts), 'float32'); // [kT, E]
  const position = tf.sum(tf.mul(tf.cumsum(onehot, 0, true), onehot), 1); // index within its expert's queue
  const kept = tf.less(position, cap);
  const expertOf = tf.cast(choice, 'float32');
  // Slot of each assignment: expert·cap + position; a dropped assignment goes to the extra slot `slots`.
  const slot = tf.cast(tf.where(kept, tf.add(tf.mul(expertOf, cap), position), tf.scalar(slots)), 'int32') as tf.Tensor1D;
  const tokenOf = tf.tile(tf.range(1, tokens + 1, 1, 'float32'), [k]); // token + 1 (0 marks an empty slot)
  const filled1 = tf.slice(tf.unsortedSegmentSum(tokenOf, slot, slots + 1), [0], [slots]); // token+1 or 0
  const filled = tf.greater(filled1, 0);
  const slotToken = tf.cast(tf.maximum(tf.sub(filled1, 1), 0), 'int32') as tf.Tensor1D; // empty -> row 0 (gate 0)
  const slotExpert = slotOwners(slots, cap);
  const gateIdx = tf.add(tf.mul(slotToken, int(experts)), slotExpert) as tf.Tensor1D;
  const gates = tf.mul(tf.gather(tf.reshape(a.probs, [tokens * experts]), gateIdx), tf.cast(filled, 'float32'));
  const xin = tf.reshape(tf.gather(a.x, slotToken), [experts, cap, d]) as tf.Tensor3D;
  const h = tf.reshape(expertsBatched(a, experts, xin), [slots, d]);
  const y = tf.unsortedSegmentSum(tf.mul(h, tf.reshape(gates, [slots, 1])), slotToken, tokens) as tf.Tensor2D;
  // f_e = fraction of top-k assignments to e before capacity (constant); balance = E · Σ f_e · mean prob_e.
  const assigned = tf.sum(onehot, 0);
  const f = tf.div(assigned, k * tokens);
  const balanceLoss = tf.mul(tf.sum(tf.mul(tf.mean(a.probs, 0), f)), experts) as tf.Scalar;
  const served = tf.minimum(assigned, cap);
  const dropped = tf.div(tf.sub(k * tokens, tf.sum(served)), k * tokens);
  const stats = tf.concat([served, tf.reshape(dropped, [1])]) as tf.Tensor1D;
  return { y, balanceLoss, stats };
}

function expertChoiceDevice(a: Routed): DeviceMoeOutput {
  const [tokens, experts] = a.probs.shape;
  const d = a.x.shape[1];
  const { batch, seqLen } = a;
  const g = Math.min(a.groupSize, batch);
  if (batch % g !== 0) {
    throw new ConfigError(
      'model.moe.groupSize',
      `expert choice on the device needs the batch size (${batch}) to be a multiple of the group size (${g}); ` +
        'pick a batch size divisible by groupSize, or a groupSize that divides it',
    );
  }
  const chunks = batch / g;
  const cap = expertChoiceCapacity(g, { experts, topK: a.topK, capacityFactor: a.capacityFactor ?? 1 });
  // Row b·S + t with b = c·g + i: [C, g, S, E] -> [C, S, E, g]; each expert's top `cap` of its group.
  const grouped = tf.transpose(tf.reshape(detach(a.probs), [chunks, g, seqLen, experts]), [0, 2, 3, 1]);
  const pick = tf.topk(grouped, cap).indices; // [C, S, E, cap], values i in [0, g)
  const base = tf.add(
    tf.reshape(tf.mul(tf.range(0, chunks, 1, 'int32'), int(g * seqLen)), [chunks, 1, 1, 1]),
    tf.reshape(tf.range(0, seqLen, 1, 'int32'), [1, seqLen, 1, 1]),
  );
  const rows = tf.add(tf.mul(pick, int(seqLen)), base); // token rows [C, S, E, cap]
  const perExpert = chunks * seqLen * cap;
  // [C, S, E, cap] -> [E, C, S, cap] by a gather with host-built indices: tfjs-webgpu's rank-4 int32
  // transpose emits a shader Dawn rejects (it reads i32 into an f32 setOutput).
  const perm = new Int32Array(experts * perExpert);
  for (let e = 0, o = 0; e < experts; e++) for (let cs = 0; cs < chunks * seqLen; cs++) for (let j = 0; j < cap; j++) perm[o++] = (cs * experts + e) * cap + j;
  const slotToken = tf.gather(tf.reshape(rows, [-1]), tf.tensor1d(perm, 'int32')) as tf.Tensor1D;
  const slotExpert = slotOwners(experts * perExpert, perExpert);
  const gates = tf.gather(tf.reshape(a.probs, [tokens * experts]), tf.add(tf.mul(slotToken, int(experts)), slotExpert) as tf.Tensor1D);
  const xin = tf.reshape(tf.gather(a.x, slotToken), [experts, perExpert, d]) as tf.Tensor3D;
  const h = tf.reshape(expertsBatched(a, experts, xin), [experts * perExpert, d]);
  const y = tf.unsortedSegmentSum(tf.mul(h, tf.reshape(gates, [experts * perExpert, 1])), slotToken, tokens) as tf.Tensor2D;
  const hits = tf.unsortedSegmentSum(tf.ones([experts * perExpert]), slotToken, tokens);
  const dropped = tf.sub(1, tf.mean(tf.cast(tf.greater(hits, 0), 'float32')));
  const stats = tf.concat([tf.fill([experts], perExpert), tf.reshape(dropped, [1])]) as tf.Tensor1D;
  return { y, balanceLoss: tf.scalar(0), stats };
}

/** A routing-statistics entry whose numbers may still sit in a device tensor. */
export interface PendingMoeStats {
  droppedFraction: number;
  load: number[];
  /** [experts + 1] counts and dropped fraction from {@link routedExpertsDevice}; must survive the step's tidy. */
  pending?: tf.Tensor1D;
}

/**
 * Reads pending routing statistics asynchronously, fills `load` / `droppedFraction` and disposes the tensors.
 * `values`: the pending tensors' values already read, concatenated in order (saves one readback per layer).
 */
export async function resolveMoeStats(stats: PendingMoeStats[], values?: Float32Array | Int32Array | Uint8Array): Promise<void> {
  let off = 0;
  for (const s of stats) {
    if (!s.pending) continue;
    const size = s.pending.size;
    const v = values ? Float32Array.from(values.subarray(off, off + size)) : ((await s.pending.data()) as Float32Array);
    off += size;
    s.pending.dispose();
    s.pending = undefined;
    const e = v.length - 1;
    let served = 0;
    for (let i = 0; i < e; i++) served += v[i]!;
    s.load = Array.from(v.subarray(0, e), (c) => (served > 0 ? c / served : 0));
    s.droppedFraction = v[e]!;
  }
}
