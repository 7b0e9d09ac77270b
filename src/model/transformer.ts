/**
 * Decoder-only transformer: token + learned position embeddings, pre-LayerNorm blocks (causal attention,
 * dense FFN or MoE), final LayerNorm, tied or untied unembedding. `forward` must run inside a tf.tidy (or
 * tf.variableGrads); routing statistics come back as plain numbers.
 */
import * as tf from '@tensorflow/tfjs';
import { attention } from './attention';
import { ModelConfig, isMoeLayer, isPeerLayer } from './config';
import { ffn } from './ffn';
import { MoeLayerStats, moeLayer } from './moe/layer';
import { peerLayer } from './peer';
import { crossEntropy, gatherRows, layerNorm, matmul2d, matmulTransB } from './ops';
import { addLayerNormDevice, addLayerNormHost, attentionDevice, crossEntropyDevice, deviceOpsActive, embedDevice, ffnDevice, layerNormDevice, unembedDevice } from './ops-webgpu';
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
  const ln = dev ? layerNormDevice : layerNorm;
  const attn = dev ? attentionDevice : attention;
  const ff = dev ? ffnDevice : ffn;
  const xent = dev ? crossEntropyDevice : crossEntropy;
  let x = dev
    ? embedDevice(W('tok_emb') as tf.Tensor2D, W('pos_emb') as tf.Tensor2D, inputs, batch, seqLen)
    : (tf.add(gatherRows(W('tok_emb') as tf.Tensor2D, inputs), gatherRows(W('pos_emb') as tf.Tensor2D, positionRows(batch, seqLen))) as tf.Tensor2D);
  const blockOutputs: tf.Tensor2D[] = [];
  const moeStats: MoeLayerStats[] = [];
  const auxTerms: tf.Scalar[] = [];
  const balTerms: tf.Scalar[] = [];
  const zTerms: tf.Scalar[] = [];
  // Host: running sums from 0 in layer order (as always); device: one addN per sum (each kernel counts there).
  const total = (terms: tf.Scalar[]): tf.Scalar =>
    dev && terms.length > 0
      ? (terms.length === 1 ? terms[0]! : (tf.addN(terms) as tf.Scalar))
      : terms.reduce<tf.Scalar>((acc, t) => tf.add(acc, t), tf.scalar(0));
  let moeLayers = 0;
  // Every residual add is followed by a LayerNorm (the next sublayer's, or the final one): one fused kernel
  // on webgpu (addLayerNormDevice), the add then layerNorm on the host (the same ops as always).
  const addLn = dev ? addLayerNormDevice : addLayerNormHost;
  const lnW = (name: string) => [W(`${name}.g`) as tf.Tensor1D, W(`${name}.b`) as tf.Tensor1D] as const;
  let h = ln(x, ...lnW('b0.ln1'));
  for (let l = 0; l < cfg.layers; l++) {
    const p = `b${l}`;
    let h2: tf.Tensor2D;
    [x, h2] = addLn(x, attn(w, `${p}.attn`, h, batch, seqLen, cfg.heads), ...lnW(`${p}.ln2`));
    const next = l + 1 < cfg.layers ? `b${l + 1}.ln1` : 'ln_f';
    if (isMoeLayer(cfg, l)) {
      const out = moeLayer(w, `${p}.moe`, cfg, h2, batch, seqLen);
      [x, h] = addLn(x, out.y, ...lnW(next));
      const moe = cfg.moe!;
      auxTerms.push(out.auxLoss ?? tf.add(tf.mul(out.balanceLoss, moe.lbCoef), tf.mul(out.zLoss, moe.zCoef)));
      balTerms.push(out.balanceLoss);
      zTerms.push(out.zLoss);
      moeLayers++;
      moeStats.push({ layer: l, droppedFraction: out.routing.droppedFraction, load: out.routing.load, ...(out.pendingStats ? { pending: out.pendingStats } : {}) });
    } else if (isPeerLayer(cfg, l)) {
      const out = peerLayer(w, `${p}.peer`, cfg, h2);
      [x, h] = addLn(x, out.y, ...lnW(next));
      moeStats.push({ layer: l, droppedFraction: 0, load: [], expertsUsedFraction: out.expertsUsedFraction });
    } else {
      [x, h] = addLn(x, ff(w, `${p}.ffn`, cfg.ffn, h2), ...lnW(next));
    }
    if (o.collectBlockOutputs) blockOutputs.push(x);
  }
  const hf = h;
  const logits = dev
    ? unembedDevice(hf, W(cfg.tiedEmbeddings ? 'tok_emb' : 'unemb') as tf.Tensor2D, cfg.tiedEmbeddings)
    : cfg.tiedEmbeddings ? matmulTransB(hf, W('tok_emb') as tf.Tensor2D) : matmul2d(hf, W('unemb') as tf.Tensor2D);
  const aux = total(auxTerms);
  const bal = total(balTerms);
  const z = total(zTerms);
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
