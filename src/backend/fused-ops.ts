/**
 * The fused layer ops' contracts, shared by every backend that implements them: kernel names and their
 * gradients (`tf.registerGradient` is global, per kernel name). The webgpu backend implements them in WGSL
 * (src/backend/webgpu-kernels), the host backends (wasm, cpu) in the native addon (src/backend/host-fused.ts,
 * src/backend/native/fused.c); the model calls them only where the active backend registers them.
 *
 * - LAYER_NORM {x [n,d], g [d], b [d]}, attrs {eps} -> [y [n,d], stats [n,2] (mean, rstd)];
 *   LAYER_NORM_GRAD {dy, x, stats, g} -> [dx, dg, db].
 * - ADD_LAYER_NORM {x, a, g, b}, attrs {eps} -> [s = x + a, y = LayerNorm(s), stats];
 *   ADD_LAYER_NORM_GRAD {ds, dy, s, stats, g} -> [dx (= ds + LayerNorm's dx), dg, db].
 * - ATTENTION {qkv [B·T, 3d] (columns (3, H, dh))}, attrs {batch, seqLen, heads} -> [o [B·T, d],
 *   lse [B·H·T]] (causal, scaled by 1/√dh); ATTENTION_GRAD {dy, qkv, o, lse} -> dqkv.
 * - XENT {logits [n,V], targets int32 [n]} -> [mean loss [], lse [n]]; XENT_GRAD {dy, logits, lse, targets} -> dlogits.
 * - ROUTER_SOFTMAX {logits [T,E]} -> [probs [T,E], lse [T]]; ROUTER_SOFTMAX_GRAD {dprobs, dlse, probs} -> dlogits
 *   = p ⊙ (dprobs − Σ_e p·dprobs) + dlse·p.
 * - ROUTER_LOSSES {probs, lse, assigned [E] (f_e, constant)}, attrs {lbCoef, zCoef} -> [balance = E·Σ_e f_e·mean_t p,
 *   z = mean_t lse², aux = lbCoef·balance + zCoef·z]; ROUTER_LOSSES_GRAD {dB, dZ, dAux, lse, assigned} -> [dprobs, dlse].
 */
import * as tf from '@tensorflow/tfjs';

export const LAYER_NORM = 'MoelabLayerNorm';
export const LAYER_NORM_GRAD = 'MoelabLayerNormGrad';
/** The residual add before a LayerNorm fused with it: s = x + a, y = LayerNorm(s); outputs [s, y, stats]. */
export const ADD_LAYER_NORM = 'MoelabAddLayerNorm';
export const ADD_LAYER_NORM_GRAD = 'MoelabAddLayerNormGrad';
export const ATTENTION = 'MoelabCausalAttention';
export const ATTENTION_GRAD = 'MoelabCausalAttentionGrad';
export const XENT = 'MoelabSoftmaxXent';
export const XENT_GRAD = 'MoelabSoftmaxXentGrad';
export const ROUTER_SOFTMAX = 'MoelabRouterSoftmax';
export const ROUTER_SOFTMAX_GRAD = 'MoelabRouterSoftmaxGrad';
export const ROUTER_LOSSES = 'MoelabRouterLosses';
export const ROUTER_LOSSES_GRAD = 'MoelabRouterLossesGrad';

let registered = false;

/** Registers the gradients of the fused ops (idempotent); each backend registers its kernels separately. */
export function registerFusedGradients(): void {
  if (registered) return;
  registered = true;
  tf.registerGradient({
    kernelName: ADD_LAYER_NORM,
    inputsToSave: ['g'],
    outputsToSave: [true, false, true],
    gradFunc: (dy, saved) => {
      const [g, sSaved, stats] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
      const [dsIn, dyIn] = dy as Array<tf.Tensor | null>;
      // s off the loss's path (the last block's output when not collected) has no cotangent: zero.
      const ds = dsIn ?? tf.zerosLike(sSaved);
      const dyY = dyIn ?? tf.zerosLike(sSaved);
      const [dx, dg, db] = tf.engine().runKernel(ADD_LAYER_NORM_GRAD, { ds, dy: dyY, s: sSaved, stats, g }, {}) as tf.Tensor[];
      // ∂s/∂x = ∂s/∂a = I: both inputs get dx (a clone shares the buffer, no copy).
      return { x: () => dx!, a: () => dx!.clone(), g: () => dg!, b: () => db! };
    },
  });

  tf.registerGradient({
    kernelName: LAYER_NORM,
    inputsToSave: ['x', 'g'],
    outputsToSave: [false, true],
    gradFunc: (dy, saved) => {
      const [x, g, stats] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
      const dyY = (Array.isArray(dy) ? dy[0] : dy) as tf.Tensor;
      const [dx, dg, db] = tf.engine().runKernel(LAYER_NORM_GRAD, { dy: dyY, x, stats, g }, {}) as tf.Tensor[];
      return { x: () => dx!, g: () => dg!, b: () => db! };
    },
  });

  tf.registerGradient({
    kernelName: ATTENTION,
    inputsToSave: ['qkv'],
    outputsToSave: [true, true],
    gradFunc: (dy, saved, attrs) => {
      const [qkv, o, lse] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
      const dyO = (Array.isArray(dy) ? dy[0] : dy) as tf.Tensor;
      return { qkv: () => tf.engine().runKernel(ATTENTION_GRAD, { dy: dyO, qkv, o, lse }, attrs as tf.NamedAttrMap) as tf.Tensor };
    },
  });

  tf.registerGradient({
    kernelName: XENT,
    inputsToSave: ['logits', 'targets'],
    outputsToSave: [false, true],
    gradFunc: (dy, saved) => {
      const [logits, targets, lse] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
      const dyLoss = (Array.isArray(dy) ? dy[0] : dy) as tf.Tensor;
      return {
        logits: () => tf.engine().runKernel(XENT_GRAD, { dy: dyLoss, logits, lse, targets }, {}) as tf.Tensor,
        targets: () => tf.zerosLike(targets).toFloat(),
      };
    },
  });
  tf.registerGradient({
    kernelName: ROUTER_SOFTMAX,
    outputsToSave: [true, false],
    gradFunc: (dy, saved) => {
      const [probs] = saved as [tf.Tensor];
      const [dp, dl] = (Array.isArray(dy) ? dy : [dy, null]) as [tf.Tensor | null, tf.Tensor | null];
      return {
        logits: () =>
          tf.engine().runKernel(ROUTER_SOFTMAX_GRAD, { dprobs: dp ?? tf.zerosLike(probs), dlse: dl ?? tf.zeros([probs.shape[0]!]), probs }, {}) as tf.Tensor,
      };
    },
  });

  tf.registerGradient({
    kernelName: ROUTER_LOSSES,
    inputsToSave: ['lse', 'assigned'],
    gradFunc: (dy, saved, attrs) => {
      const [lse, assigned] = saved as [tf.Tensor, tf.Tensor];
      // Outputs off the loss's path (balance and z are only reported) have no cotangent: zero.
      const [dB, dZ, dAux] = (dy as Array<tf.Tensor | null>).map((t) => t ?? tf.zeros([]));
      const [dprobs, dlse] = tf.engine().runKernel(ROUTER_LOSSES_GRAD, { dB: dB!, dZ: dZ!, dAux: dAux!, lse, assigned }, attrs as tf.NamedAttrMap) as tf.Tensor[];
      return { probs: () => dprobs!, lse: () => dlse!, assigned: () => tf.zerosLike(assigned) };
    },
  });
}
