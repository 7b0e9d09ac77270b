/** Feed-forward networks: GELU (2 matrices) and SwiGLU (3 matrices, Yun et al.), no biases. */
import * as tf from '@tensorflow/tfjs';
import { gelu, matmul2d, silu } from './ops';
import { Weights } from './weights';

/** Apply the FFN whose weights are `${prefix}.w1`, `.w2` (and `.w3` for SwiGLU) to x [n, d]. */
export function ffn(w: Weights, prefix: string, kind: 'gelu' | 'swiglu', x: tf.Tensor2D): tf.Tensor2D {
  const w1 = w.get(`${prefix}.w1`) as tf.Tensor2D;
  const w2 = w.get(`${prefix}.w2`) as tf.Tensor2D;
  if (kind === 'gelu') return matmul2d(gelu(matmul2d(x, w1)) as tf.Tensor2D, w2);
  const w3 = w.get(`${prefix}.w3`) as tf.Tensor2D;
  return matmul2d(tf.mul(silu(matmul2d(x, w1)), matmul2d(x, w3)) as tf.Tensor2D, w2);
}
