/** Causal multi-head self-attention with a fused QKV projection, no biases. */
import * as tf from '@tensorflow/tfjs';
import { ATTENTION } from '../backend/fused-ops';
import { hasHostKernel } from '../backend/kernels';
import { runKernel } from '../backend/tf-interop';
import { bmm, matmul2d } from './ops';
import { Weights } from './weights';

const maskCache = new Map<number, Float32Array>();

/** Additive causal mask [T, T]: 0 on and below the diagonal, −1e9 above. */
function causalMask(seqLen: number): tf.Tensor2D {
  let m = maskCache.get(seqLen);
  if (!m) {
    m = new Float32Array(seqLen * seqLen);
    for (let i = 0; i < seqLen; i++) for (let j = i + 1; j < seqLen; j++) m[i * seqLen + j] = -1e9;
    maskCache.set(seqLen, m);
  }
  return tf.tensor2d(m, [seqLen, seqLen]);
}

/** Attention of block `prefix` on x [batch·seqLen, d] (rows batch-major); returns [batch·seqLen, d]. */
export function attention(w: Weights, prefix: string, x: tf.Tensor2D, batch: number, seqLen: number, heads: number): tf.Tensor2D {
  const d = x.shape[1];
  const dh = d / heads;
  const qkv = matmul2d(x, w.get(`${prefix}.wqkv`) as tf.Tensor2D); // [BT, 3d]
  if (hasHostKernel(ATTENTION)) {
    // All heads in one native kernel each way (src/backend/native/fused.c); gradient in src/backend/fused-ops.ts.
    const o = runKernel<tf.Tensor[]>(ATTENTION, { qkv }, { batch, seqLen, heads })[0] as tf.Tensor2D;
    return matmul2d(o, w.get(`${prefix}.wo`) as tf.Tensor2D);
  }
  // Columns are ordered (3, H, dh). [B, T, 3H, dh] -> [B, 3H, T, dh] keeps dh rows contiguous (a rank-4
  // transpose wasm moves fast; the rank-5 [2,0,3,1,4] one it does not), then q, k, v are contiguous
  // H·T·dh chunks of each batch row.
  const byHead = tf.transpose(tf.reshape(qkv, [batch, seqLen, 3 * heads, dh]), [0, 2, 1, 3]);
  const [q, k, v] = tf.split(tf.reshape(byHead, [batch, 3, heads * seqLen * dh]), 3, 1).map(
    (t) => tf.reshape(t, [batch * heads, seqLen, dh]) as tf.Tensor3D,
  ) as [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D];
  const kT = tf.transpose(k, [0, 2, 1]);
  const scores = tf.add(tf.mul(bmm(q, kT), 1 / Math.sqrt(dh)), causalMask(seqLen));
  const probs = tf.softmax(scores) as tf.Tensor3D;
  const out = bmm(probs, v); // [BH, T, dh]
  const merged = tf.reshape(tf.transpose(tf.reshape(out, [batch, heads, seqLen, dh]), [0, 2, 1, 3]), [batch * seqLen, d]) as tf.Tensor2D;
  return matmul2d(merged, w.get(`${prefix}.wo`) as tf.Tensor2D);
}
