/**
 * Building-block ops with hand-written gradients, chosen for speed on the wasm backend and for
 * backends that lack kernels (platform-notes): every matmul is 2-D (or batched) with no transpose flags,
 * transposes are explicit, and row gathers/scatters run in plain JS (so no `UnsortedSegmentSum` is needed,
 * neither for the embedding nor for MoE dispatch/combine).
 */
import * as tf from '@tensorflow/tfjs';
import { HOST_KERNELS, hasHostKernel, matMulIsNative } from '../backend/kernels';
import { LAYER_NORM, XENT } from '../backend/fused-ops';
import { MOE_EXPERTS, MOE_EXPERTS_GRAD, moeExpertInput } from '../backend/host-fused';
import { runKernel as runTfKernel, type KernelAttrs } from '../backend/tf-interop';

type GradFn = (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor | tf.Tensor[];
type Save = (tensors: tf.Tensor[]) => void;

/** `tf.customGrad` over tensors only: the inputs are tensors, the `save` callback comes last. */
function custom(f: (...args: Array<tf.Tensor | Save>) => { value: tf.Tensor; gradFunc: GradFn }): (...xs: tf.Tensor[]) => tf.Tensor {
  return tf.customGrad(f);
}

let plain = false;

/**
 * Switch to "plain tfjs" ops (default autodiff gradients for matmul, LayerNorm and cross-entropy, as a naive
 * implementation would use). Only the `train` benchmark uses this, as its reference; default false.
 */
export function setPlainOps(on: boolean): void {
  plain = on;
}

/** Whether the "plain tfjs" ops of {@link setPlainOps} are on. */
export function plainOps(): boolean {
  return plain;
}

/**
 * op(a) @ op(b) over the last two axes, op transposing where flagged: as matmul flags when the backend's
 * matmul is native OpenBLAS (free there), else as explicit transposes so every wasm matmul hits XNNPACK's
 * fast path (it takes no flags). The matmul gradients below use it.
 */
function matMulT(a: tf.Tensor, b: tf.Tensor, transposeA: boolean, transposeB: boolean): tf.Tensor {
  if (matMulIsNative()) return tf.matMul(a, b, transposeA, transposeB);
  const t = (x: tf.Tensor) => (x.rank === 2 ? tf.transpose(x) : tf.transpose(x, [0, 2, 1]));
  return tf.matMul(transposeA ? t(a) : a, transposeB ? t(b) : b);
}

/** `a @ b` for 2-D a [m,k], b [k,n]; the gradient's transposes go through `matMulT`. */
export function matmul2d(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  if (plain) return tf.matMul(a, b);
  return custom((aa, bb, save) => {
    const A = aa as tf.Tensor2D;
    const B = bb as tf.Tensor2D;
    (save as Save)([A, B]);
    return {
      value: tf.matMul(A, B),
      gradFunc: (dy, [sa, sb]) => [matMulT(dy, sb!, false, true), matMulT(sa!, dy, true, false)],
    };
  })(a, b) as tf.Tensor2D;
}

/**
 * `a @ bᵀ` for a [m,k], b [n,k] (the tied unembedding against the [vocab, d] embedding table): one flagged
 * product and no transpose kernel when the matmul is native OpenBLAS, else `matmul2d(a, transpose(b))`.
 */
export function matmulTransB(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  if (plain || !matMulIsNative()) return matmul2d(a, tf.transpose(b) as tf.Tensor2D);
  return custom((aa, bb, save) => {
    const A = aa as tf.Tensor2D;
    const B = bb as tf.Tensor2D;
    (save as Save)([A, B]);
    return {
      value: tf.matMul(A, B, false, true),
      gradFunc: (dy, [sa, sb]) => [tf.matMul(dy, sb!), tf.matMul(dy, sa!, true, false)],
    };
  })(a, b) as tf.Tensor2D;
}

/** Batched `a @ b` for a [n,m,k], b [n,k,p] (same batch); the gradient's transposes go through `matMulT`. */
export function bmm(a: tf.Tensor3D, b: tf.Tensor3D): tf.Tensor3D {
  if (plain) return tf.matMul(a, b);
  return custom((aa, bb, save) => {
    const A = aa as tf.Tensor3D;
    const B = bb as tf.Tensor3D;
    (save as Save)([A, B]);
    return {
      value: tf.matMul(A, B),
      gradFunc: (dy, [sa, sb]) => [matMulT(dy, sb!, false, true), matMulT(sa!, dy, true, false)],
    };
  })(a, b) as tf.Tensor3D;
}

const runKernel = <T extends tf.Tensor | tf.Tensor[] = tf.Tensor>(name: string, inputs: tf.NamedTensorMap, attrs: KernelAttrs = {}) => runTfKernel<T>(name, inputs, attrs);

/** Gather of rows: out[i] = x[idx[i]] (idx −1 → a zero row); native on the backend's memory when available, else JS. */
function gatherRowsRaw(x: tf.Tensor2D, idx: Int32Array): tf.Tensor2D {
  if (hasHostKernel(HOST_KERNELS.gatherRows)) return runKernel(HOST_KERNELS.gatherRows, { x }, { idx }) as tf.Tensor2D;
  const [, d] = x.shape;
  const src = x.dataSync() as Float32Array;
  const out = new Float32Array(idx.length * d);
  for (let i = 0; i < idx.length; i++) {
    const r = idx[i]!;
    if (r >= 0) out.set(src.subarray(r * d, r * d + d), i * d);
  }
  return tf.tensor2d(out, [idx.length, d]);
}

/** Scatter-add of rows: out[idx[i]] += x[i] into `rows` rows (idx −1 is skipped), in index order; native when available. */
function scatterAddRowsRaw(x: tf.Tensor2D, idx: Int32Array, rows: number): tf.Tensor2D {
  if (hasHostKernel(HOST_KERNELS.scatterAddRows)) return runKernel(HOST_KERNELS.scatterAddRows, { x }, { idx, rows }) as tf.Tensor2D;
  const [, d] = x.shape;
  const src = x.dataSync() as Float32Array;
  const out = new Float32Array(rows * d);
  for (let i = 0; i < idx.length; i++) {
    const r = idx[i]!;
    if (r < 0) continue;
    const o = r * d;
    const s = i * d;
    for (let j = 0; j < d; j++) out[o + j]! += src[s + j]!;
  }
  return tf.tensor2d(out, [rows, d]);
}

/**
 * Differentiable row gather `out[i] = x[idx[i]]` (−1 gives a zero row); the gradient is a JS scatter-add.
 * Used for the token embedding and MoE dispatch.
 */
export function gatherRows(x: tf.Tensor2D, idx: Int32Array): tf.Tensor2D {
  const rows = x.shape[0];
  return custom((xx) => ({
    value: gatherRowsRaw(xx as tf.Tensor2D, idx),
    gradFunc: (dy) => scatterAddRowsRaw(dy as tf.Tensor2D, idx, rows),
  }))(x) as tf.Tensor2D;
}

/** Differentiable scatter-add `out[idx[i]] += x[i]` into `rows` rows; the gradient is a JS gather. MoE combine. */
export function scatterAddRows(x: tf.Tensor2D, idx: Int32Array, rows: number): tf.Tensor2D {
  return custom((xx) => ({
    value: scatterAddRowsRaw(xx as tf.Tensor2D, idx, rows),
    gradFunc: (dy) => gatherRowsRaw(dy as tf.Tensor2D, idx),
  }))(x) as tf.Tensor2D;
}

/** LayerNorm over the last axis of x [n,d] with gain g [d] and bias b [d] (eps 1e-5), hand-written gradient. */
export function layerNorm(x: tf.Tensor2D, g: tf.Tensor1D, b: tf.Tensor1D, eps = 1e-5): tf.Tensor2D {
  if (plain) {
    const { mean, variance } = tf.moments(x, 1, true);
    return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, eps))), g), b);
  }
  // One native kernel each way on the host backends (src/backend/host-fused.ts); gradient in fused-ops.ts.
  if (hasHostKernel(LAYER_NORM)) return runKernel<tf.Tensor[]>(LAYER_NORM, { x, g, b }, { eps })[0] as tf.Tensor2D;
  return custom((xx, gg, bb, save) => {
    const X = xx as tf.Tensor2D;
    const G = gg as tf.Tensor1D;
    const mean = tf.mean(X, 1, true);
    const xc = tf.sub(X, mean);
    const variance = tf.mean(tf.square(xc), 1, true);
    const rstd = tf.rsqrt(tf.add(variance, eps));
    const xhat = tf.mul(xc, rstd);
    (save as Save)([xhat, rstd, G]);
    return {
      value: tf.add(tf.mul(xhat, G), bb as tf.Tensor1D),
      gradFunc: (dy, [sxhat, srstd, sg]) => {
        const dxhat = tf.mul(dy, sg!);
        // dx = rstd · (dxhat − mean(dxhat) − xhat · mean(dxhat · xhat))
        const m1 = tf.mean(dxhat, 1, true);
        const m2 = tf.mean(tf.mul(dxhat, sxhat!), 1, true);
        const dx = tf.mul(srstd!, tf.sub(tf.sub(dxhat, m1), tf.mul(sxhat!, m2)));
        return [dx, tf.sum(tf.mul(dy, sxhat!), 0), tf.sum(dy, 0)];
      },
    };
  })(x, g, b) as tf.Tensor2D;
}

/**
 * Exact GELU, x · Φ(x), with the closed-form gradient Φ(x) + x · φ(x) (7 elementwise kernels on the
 * backward pass instead of autodiff's ~11 through erf; the expert hidden layers are the largest tensors).
 */
export function gelu(x: tf.Tensor): tf.Tensor {
  if (plain) return tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1));
  if (hasHostKernel(HOST_KERNELS.gelu)) {
    // One native pass each way (src/backend/native/blas.c); the gradient recomputes Φ and φ from x.
    return custom((xx, save) => {
      (save as Save)([xx as tf.Tensor]);
      return {
        value: runKernel(HOST_KERNELS.gelu, { x: xx as tf.Tensor }),
        gradFunc: (dy, [sx]) => runKernel(HOST_KERNELS.geluGrad, { x: sx!, dy }),
      };
    })(x);
  }
  return custom((xx, save) => {
    const X = xx as tf.Tensor;
    const cdf = tf.mul(tf.add(tf.erf(tf.mul(X, Math.SQRT1_2)), 1), 0.5);
    (save as Save)([X, cdf]);
    return {
      value: tf.mul(X, cdf),
      gradFunc: (dy, [sx, scdf]) => {
        const pdf = tf.mul(tf.exp(tf.mul(tf.square(sx!), -0.5)), 1 / Math.sqrt(2 * Math.PI));
        return tf.mul(dy, tf.add(scdf!, tf.mul(sx!, pdf)));
      },
    };
  })(x);
}

/**
 * Row-wise log-sum-exp of x [n,k] → [n], with the closed-form gradient dy·softmax(x). tfjs's autodiff goes
 * through max's gradient instead (a broadcast Equal and Cast per call, the slowest kernels of a tiny-model
 * step on wasm). Used by the router z-loss.
 */
export function logSumExpRows(x: tf.Tensor2D): tf.Tensor1D {
  if (plain) return tf.logSumExp(x, 1) as tf.Tensor1D;
  return custom((xx, save) => {
    const X = xx as tf.Tensor2D;
    (save as Save)([X]);
    return {
      value: tf.logSumExp(X, 1),
      gradFunc: (dy, [sx]) => tf.mul(tf.softmax(sx!), tf.reshape(dy, [-1, 1])),
    };
  })(x) as tf.Tensor1D;
}

/** SiLU / swish, x · sigmoid(x). */
export function silu(x: tf.Tensor): tf.Tensor {
  return tf.mul(x, tf.sigmoid(x));
}

/**
 * Mean cross-entropy (nats/token) of logits [n,V] against integer targets, with the closed-form gradient
 * (softmax − onehot)/n.
 */
export function crossEntropy(logits: tf.Tensor2D, targets: Int32Array): tf.Scalar {
  const [n, v] = logits.shape;
  if (plain) return tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d(targets, 'int32'), v), logits) as tf.Scalar;
  if (hasHostKernel(XENT)) return runKernel<tf.Tensor[]>(XENT, { logits, targets: tf.tensor1d(targets, 'int32') })[0] as tf.Scalar;
  return custom((ll, save) => {
    const L = ll as tf.Tensor2D;
    const oh = tf.oneHot(tf.tensor1d(targets, 'int32'), v);
    const lse = tf.logSumExp(L, 1);
    const picked = tf.sum(tf.mul(L, oh), 1);
    (save as Save)([L, oh]);
    return {
      value: tf.mean(tf.sub(lse, picked)),
      gradFunc: (dy, [sl, soh]) => tf.mul(tf.sub(tf.softmax(sl!), soh!), tf.div(dy, n)),
    };
  })(logits) as tf.Scalar;
}

/** Whether {@link moeExperts} runs here (a host backend with the native addon's fused kernels). */
export function moeExpertsFused(): boolean {
  return !plain && hasHostKernel(MOE_EXPERTS);
}

/**
 * The routed GELU experts of one MoE layer in one native kernel each way (src/backend/native/fused.c):
 * expert e applies GELU(x_t w1[e]) w2[e] to the token rows tokens[off_e .. off_e + counts[e]) (off_e the
 * running sum of counts: the routing's serving order), and y[t] = Σ_e probs[t, e] · expert_e(x_t), summed in
 * that order. The same values as the composed path of src/model/moe/layer.ts (gather, ffn, gate gather,
 * scatter-add) up to float32 rounding; gradients reach x, probs (the gates) and every expert's weights.
 * Only when {@link moeExpertsFused} is true.
 */
export function moeExperts(x: tf.Tensor2D, probs: tf.Tensor2D, w1: tf.Tensor2D[], w2: tf.Tensor2D[], tokens: Int32Array, counts: Int32Array): tf.Tensor2D {
  const experts = w1.length;
  if (w2.length !== experts || counts.length !== experts) throw new Error(`moeExperts: ${experts} w1, ${w2.length} w2 and ${counts.length} counts differ`);
  const weights = (ws: tf.Tensor[]): tf.NamedTensorMap => {
    const m: tf.NamedTensorMap = {};
    ws.forEach((t, i) => (m[i < experts ? moeExpertInput('w1', i) : moeExpertInput('w2', i - experts)] = t));
    return m;
  };
  const attrs = { tokens, counts };
  // The expert weights are variables (they outlive the step), so the backward reads them from here; only
  // the step's own tensors are saved (each save is a clone on the tape).
  const ws = weights([...w1, ...w2]);
  return custom((...args) => {
    const save = args[args.length - 1] as Save;
    const [xx, pp] = args as tf.Tensor[];
    const [y, act, dgelu, out] = runKernel<tf.Tensor[]>(MOE_EXPERTS, { x: xx!, probs: pp!, ...ws }, attrs);
    save([xx!, pp!, act!, dgelu!, out!]);
    return {
      value: y!,
      gradFunc: (dy, [sx, sp, sact, sdg, sout]) =>
        runKernel<tf.Tensor[]>(MOE_EXPERTS_GRAD, { dy, x: sx!, probs: sp!, act: sact!, dgelu: sdg!, out: sout!, ...ws }, attrs),
    };
  })(x, probs, ...w1, ...w2) as tf.Tensor2D;
}
