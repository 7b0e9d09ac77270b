/**
 * The MoE feed-forward layer (Krajewski et al. 2024 parametrisation): E·G experts of width d_ff/G, a softmax
 * router, token-choice or expert-choice routing decided off the tape, dispatch by a differentiable row gather,
 * combine by a gate-weighted differentiable scatter-add, optional shared experts (DeepSeekMoE's isolation: s of the
 * E·G experts always on, the router choosing G·topK − s of the other E·G − s) and output LayerNorm.
 */
import * as tf from '@tensorflow/tfjs';
import { ROUTER_LOSSES, ROUTER_SOFTMAX } from '../../backend/fused-ops';
import { hasHostKernel } from '../../backend/kernels';
import { runKernel } from '../../backend/tf-interop';
import { ModelConfig, routedExpertCount, routedTopK } from '../config';
import { ffn } from '../ffn';
import { gatherRows, layerNorm, logSumExpRows, matmul2d, moeExperts, moeExpertsFused, plainOps, scatterAddRows } from '../ops';
import { deviceOpsActive, ffnDevice, layerNormDevice, matmulDevice, routedExpertsDevice } from '../ops-webgpu';
import { Weights } from '../weights';
import { Routing, routeExpertChoice, routeTokenChoice } from './routing';

/** Per-layer routing statistics, plain numbers. */
export interface MoeLayerStats {
  /** Block index. */
  layer: number;
  droppedFraction: number;
  /** Fraction of routed slots per expert (empty for a PEER layer, whose N experts are summarised below). */
  load: number[];
  /** PEER layers only: fraction of the N experts some (token, head) of the batch retrieved. */
  expertsUsedFraction?: number;
  /** Device path only (webgpu): the numbers above still on the device; read with `resolveMoeStats` (ops-webgpu). */
  pending?: tf.Tensor1D;
}

export interface MoeLayerOutput {
  y: tf.Tensor2D;
  /** Load-balancing loss (1 = perfectly balanced; token choice only, else 0), scalar tensor. */
  balanceLoss: tf.Scalar;
  /** Router z-loss mean(logsumexp(logits)²), scalar tensor. */
  zLoss: tf.Scalar;
  /** lbCoef · balance + zCoef · z when the device path computed it in one kernel (webgpu); else absent. */
  auxLoss?: tf.Scalar;
  routing: Routing;
  /** Device path only: [experts + 1] served counts and dropped fraction, for `resolveMoeStats`. */
  pendingStats?: tf.Tensor1D;
}

/**
 * Switch-style load-balancing loss normalised so balanced routing gives 1 for any k:
 * `experts · Σ_e f_e · P_e`, f_e = fraction of top-k assignments to e (constant), P_e = mean router prob.
 */
export function balanceLoss(probs: tf.Tensor2D, assignedFraction: number[]): tf.Scalar {
  const experts = probs.shape[1];
  return tf.mul(tf.sum(tf.mul(tf.mean(probs, 0), tf.tensor1d(assignedFraction))), experts) as tf.Scalar;
}

/** Router z-loss (Zoph et al. 2022): mean over tokens of logsumexp(logits)². */
export function routerZLoss(logits: tf.Tensor2D): tf.Scalar {
  return tf.mean(tf.square(logSumExpRows(logits))) as tf.Scalar;
}

/** The routing of router probabilities p [batch·seqLen, routed experts] under the config's router. */
export function routeMoe(cfg: ModelConfig, p: Float32Array, batch: number, seqLen: number): Routing {
  const moe = cfg.moe!;
  const experts = routedExpertCount(moe);
  const k = routedTopK(moe);
  return moe.router === 'token-choice'
    ? routeTokenChoice(p, { tokens: batch * seqLen, experts, topK: k, capacityFactor: moe.capacityFactor })
    : routeExpertChoice(p, { batch, seqLen, experts, topK: k, capacityFactor: moe.capacityFactor ?? 1, groupSize: moe.groupSize });
}

/** A routing's assignments in serving order (expert 0's token rows first): rows, flat gate indices, rows per expert. */
export function servingOrder(routing: Routing): { tokens: Int32Array; gates: Int32Array; counts: Int32Array } {
  const counts = Int32Array.from(routing.perExpert, (a) => a.tokens.length);
  const total = counts.reduce((a, b) => a + b, 0);
  const tokens = new Int32Array(total);
  const gates = new Int32Array(total);
  let off = 0;
  for (const a of routing.perExpert) {
    tokens.set(a.tokens, off);
    gates.set(a.gateIndex, off);
    off += a.tokens.length;
  }
  return { tokens, gates, counts };
}

/** Apply MoE block `prefix` (e.g. `b1.moe`) to x [batch·seqLen, d]. */
export function moeLayer(w: Weights, prefix: string, cfg: ModelConfig, x: tf.Tensor2D, batch: number, seqLen: number): MoeLayerOutput {
  const moe = cfg.moe!;
  // the router chooses among the routed experts only; shared ones (DeepSeekMoE isolation) are added in finishMoe
  const experts = routedExpertCount(moe);
  const k = routedTopK(moe);
  const tokens = x.shape[0];
  const dev = deviceOpsActive();
  const logits = (dev ? matmulDevice : matmul2d)(x, w.get(`${prefix}.router`) as tf.Tensor2D);
  if (dev) {
    // No synchronous readback (webgpu): softmax, route, dispatch and combine on the device (src/model/ops-webgpu.ts).
    const out = routedExpertsDevice({
      w, prefix, ffnKind: cfg.ffn, x, logits, router: moe.router, topK: k, capacityFactor: moe.capacityFactor,
      groupSize: moe.groupSize, batch, seqLen, lbCoef: moe.lbCoef, zCoef: moe.zCoef,
    });
    const routing: Routing = { perExpert: [], load: [], droppedFraction: NaN, assignedFraction: [] };
    return { y: finishMoe(w, prefix, cfg, x, out.y), balanceLoss: out.balanceLoss, zLoss: out.zLoss ?? routerZLoss(logits), ...(out.auxLoss ? { auxLoss: out.auxLoss } : {}), routing, pendingStats: out.stats };
  }
  // Softmax (and the losses below) in one host kernel each way when the native addon is in (src/backend/host-fused.ts).
  const fusedRouter = !plainOps() && hasHostKernel(ROUTER_SOFTMAX);
  const [probs, lse] = fusedRouter ? (runKernel<tf.Tensor[]>(ROUTER_SOFTMAX, { logits }) as [tf.Tensor2D, tf.Tensor1D]) : [tf.softmax(logits) as tf.Tensor2D, null];
  const p = probs.dataSync() as Float32Array;
  const routing = routeMoe(cfg, p, batch, seqLen);
  const { counts, tokens: allTokens, gates: allGates } = servingOrder(routing);
  const total = allTokens.length;
  let y: tf.Tensor2D;
  if (total > 0 && cfg.ffn === 'gelu' && moeExpertsFused()) {
    // Gather, experts, gates and combine in one native kernel each way (src/backend/native/fused.c).
    const ws = (m: 'w1' | 'w2') => Array.from({ length: experts }, (_, e) => w.get(`${prefix}.e${e}.${m}`) as tf.Tensor2D);
    y = moeExperts(x, probs, ws('w1'), ws('w2'), allTokens, counts);
  } else if (total > 0) {
    // One gather per expert (no SplitV: wasm's split was a hotspot), one gate gather and one scatter-add.
    const outs: tf.Tensor2D[] = [];
    for (let e = 0; e < experts; e++) {
      const a = routing.perExpert[e]!;
      if (a.tokens.length > 0) outs.push(ffn(w, `${prefix}.e${e}`, cfg.ffn, gatherRows(x, a.tokens)));
    }
    const h = outs.length === 1 ? outs[0]! : (tf.concat(outs, 0) as tf.Tensor2D);
    const gates = gatherRows(tf.reshape(probs, [tokens * experts, 1]) as tf.Tensor2D, allGates);
    y = scatterAddRows(tf.mul(h, gates) as tf.Tensor2D, allTokens, tokens);
  } else {
    y = tf.zeros([tokens, x.shape[1]]);
  }
  y = finishMoe(w, prefix, cfg, x, y);
  if (lse) {
    // Expert choice has no balance loss: f = 0 makes it (and its gradient) exactly 0.
    const assigned = tf.tensor1d(moe.router === 'token-choice' ? routing.assignedFraction : new Array<number>(experts).fill(0));
    const [balance, z, aux] = runKernel<tf.Tensor[]>(ROUTER_LOSSES, { probs, lse, assigned }, { lbCoef: moe.lbCoef, zCoef: moe.zCoef }) as tf.Scalar[];
    return { y, balanceLoss: balance!, zLoss: z!, auxLoss: aux!, routing };
  }
  const bl = moe.router === 'token-choice' ? balanceLoss(probs, routing.assignedFraction) : tf.scalar(0);
  return { y, balanceLoss: bl, zLoss: routerZLoss(logits), routing };
}

/** Adds the shared experts and the optional output LayerNorm to the routed experts' output y. */
function finishMoe(w: Weights, prefix: string, cfg: ModelConfig, x: tf.Tensor2D, routed: tf.Tensor2D): tf.Tensor2D {
  const moe = cfg.moe!;
  let y = routed;
  const dev = deviceOpsActive();
  for (let s = 0; s < moe.sharedExperts; s++) y = tf.add(y, (dev ? ffnDevice : ffn)(w, `${prefix}.s${s}`, cfg.ffn, x)) as tf.Tensor2D;
  if (moe.outputLayerNorm) {
    y = (dev ? layerNormDevice : layerNorm)(y, w.get(`${prefix}.ln.g`) as tf.Tensor1D, w.get(`${prefix}.ln.b`) as tf.Tensor1D);
  }
  return y;
}
