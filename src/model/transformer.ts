/**
 * Decoder-only transformer: token + learned position embeddings, pre-LayerNorm blocks (causal attention,
 * dense FFN or MoE), final LayerNorm, tied or untied unembedding. `forward` must run inside a tf.tidy (or
 * tf.variableGrads); routing statistics come back as plain numbers.
 */
import * as tf from '@tensorflow/tfjs';
import { attention } from './attention';
import { ModelConfig, isMoeLayer } from './config';
import { ffn } from './ffn';
import { MoeLayerStats, moeLayer } from './moe/layer';
import { crossEntropy, gatherRows, layerNorm, matmul2d } from './ops';
import { attentionDevice, crossEntropyDevice, deviceOpsActive, ffnDevice, gatherRowsDevice, layerNormDevice, matmulDevice } from './ops-webgpu';
import { Weights } from './weights';

export interface ForwardOptions {
  /** Sequences in the batch. */
  batch: number;
  /** Tokens per sequence (≤ contextLength). */
  seqLen: number;
  /** Keep each block's output (for cross-backend checks). Default false. */
  collectBlockOutputs?: boolean;
}

export interface ForwardResult {
  /** Logits [batch·seqLen, vocab]. */
  logits: tf.Tensor2D;
  /** Mean LM cross-entropy (nats/token), present when targets were given. Excludes aux losses. */
  lmLoss?: tf.Scalar;
  /** Weighted aux loss Σ_layers (lbCoef · balance + zCoef · z). */
  auxLoss: tf.Scalar;
  /** Mean over MoE layers of the (unweighted) balance loss; 0 for dense. */
  balanceLoss: tf.Scalar;
  /** Mean over MoE layers of the (unweighted) z-loss; 0 for dense. */
  zLoss: tf.Scalar;
  moeStats: MoeLayerStats[];
  /** Residual stream after each block, when requested. */
  blockOutputs?: tf.Tensor2D[];
}

/** Flat [batch·seqLen] position ids of a batch-major token grid. */
function positionRows(batch: number, seqLen: number): Int32Array {
  const out = new Int32Array(batch * seqLen);
  for (let b = 0; b < batch; b++) for (let t = 0; t < seqLen; t++) out[b * seqLen + t] = t;
  return out;
}

/** Run the model on `inputs` (Int32Array, row-major [batch, seqLen]); with `targets`, also the LM loss. */
export function forward(w: Weights, cfg: ModelConfig, inputs: Int32Array, targets: Int32Array | null, o: ForwardOptions): ForwardResult {
  const { batch, seqLen } = o;
  const W = (name: string) => w.get(name)!;
  // The device path (webgpu: no synchronous reads; fused WGSL kernels) or the host path, chosen once.
  const dev = deviceOpsActive();
  const rows = dev ? gatherRowsDevice : gatherRows;
  const ln = dev ? layerNormDevice : layerNorm;
  const attn = dev ? attentionDevice : attention;
  const ff = dev ? ffnDevice : ffn;
  const mm = dev ? matmulDevice : matmul2d;
  const xent = dev ? crossEntropyDevice : crossEntropy;
  let x = tf.add(rows(W('tok_emb') as tf.Tensor2D, inputs), rows(W('pos_emb') as tf.Tensor2D, positionRows(batch, seqLen))) as tf.Tensor2D;
  const blockOutputs: tf.Tensor2D[] = [];
  const moeStats: MoeLayerStats[] = [];
  let aux: tf.Scalar = tf.scalar(0);
  let bal: tf.Scalar = tf.scalar(0);
  let z: tf.Scalar = tf.scalar(0);
  let moeLayers = 0;
  for (let l = 0; l < cfg.layers; l++) {
    const p = `b${l}`;
    const h1 = ln(x, W(`${p}.ln1.g`) as tf.Tensor1D, W(`${p}.ln1.b`) as tf.Tensor1D);
    x = tf.add(x, attn(w, `${p}.attn`, h1, batch, seqLen, cfg.heads)) as tf.Tensor2D;
    const h2 = ln(x, W(`${p}.ln2.g`) as tf.Tensor1D, W(`${p}.ln2.b`) as tf.Tensor1D);
    if (isMoeLayer(cfg, l)) {
      const out = moeLayer(w, `${p}.moe`, cfg, h2, batch, seqLen);
      x = tf.add(x, out.y) as tf.Tensor2D;
      const moe = cfg.moe!;
      aux = tf.add(aux, tf.add(tf.mul(out.balanceLoss, moe.lbCoef), tf.mul(out.zLoss, moe.zCoef)));
      bal = tf.add(bal, out.balanceLoss);
      z = tf.add(z, out.zLoss);
      moeLayers++;
      moeStats.push({ layer: l, droppedFraction: out.routing.droppedFraction, load: out.routing.load, ...(out.pendingStats ? { pending: out.pendingStats } : {}) });
    } else {
      x = tf.add(x, ff(w, `${p}.ffn`, cfg.ffn, h2)) as tf.Tensor2D;
    }
    if (o.collectBlockOutputs) blockOutputs.push(x);
  }
  const hf = ln(x, W('ln_f.g') as tf.Tensor1D, W('ln_f.b') as tf.Tensor1D);
  const unemb = cfg.tiedEmbeddings ? (tf.transpose(W('tok_emb')) as tf.Tensor2D) : (W('unemb') as tf.Tensor2D);
  const logits = mm(hf, unemb);
  const res: ForwardResult = {
    logits,
    auxLoss: aux,
    balanceLoss: moeLayers > 0 ? tf.div(bal, moeLayers) : bal,
    zLoss: moeLayers > 0 ? tf.div(z, moeLayers) : z,
    moeStats,
  };
  if (targets) res.lmLoss = xent(logits, targets);
  if (o.collectBlockOutputs) res.blockOutputs = blockOutputs;
  return res;
}
