/**
 * The MoE router's softmax and auxiliary losses as plain loops over float32 arrays (contracts of ROUTER_SOFTMAX
 * and ROUTER_LOSSES in src/backend/fused-ops.ts). [tokens, experts] is small (a few thousand values), so one JS
 * loop beats the ~30 tfjs kernels it replaces. Sums run in float64, in a fixed order. The host backends' fused
 * kernels (src/backend/host-fused.ts) and the host training step (src/model/host-step.ts) both call these, so the
 * two paths round identically.
 */

/** probs[r, :] = softmax(logits[r, :]), lse[r] = log Σ_j exp(logits[r, j]), for t rows of e experts. */
export function routerSoftmaxLoop(logits: Float32Array, probs: Float32Array, lse: Float32Array, t: number, e: number): void {
  const ex = new Float64Array(e);
  for (let r = 0, o = 0; r < t; r++, o += e) {
    let mx = logits[o]!;
    for (let j = 1; j < e; j++) mx = Math.max(mx, logits[o + j]!);
    let sum = 0;
    for (let j = 0; j < e; j++) sum += ex[j] = Math.exp(logits[o + j]! - mx);
    for (let j = 0; j < e; j++) probs[o + j] = ex[j]! / sum;
    lse[r] = mx + Math.log(sum);
  }
}

/** dlogits = p ⊙ (dprobs − Σ_e p·dprobs) + dlse·p, row by row (the softmax's and the lse's gradients together). */
export function routerSoftmaxGradLoop(probs: Float32Array, dprobs: Float32Array, dlse: Float32Array, dlogits: Float32Array, t: number, e: number): void {
  for (let r = 0, o = 0; r < t; r++, o += e) {
    let dot = 0;
    for (let j = 0; j < e; j++) dot += probs[o + j]! * dprobs[o + j]!;
    for (let j = 0; j < e; j++) dlogits[o + j] = probs[o + j]! * (dprobs[o + j]! - dot) + dlse[r]! * probs[o + j]!;
  }
}

/** The router's losses as float64 values: balance = E·Σ_e f_e·mean_t p, z = mean_t lse², aux = lbCoef·balance + zCoef·z. */
export interface RouterLossValues {
  balance: number;
  z: number;
  aux: number;
}

/** Balance, z and weighted aux losses of t rows of probs [t, e] with their lse [t] and the constant assigned fractions f [e]. */
export function routerLossesLoop(probs: Float32Array, lse: Float32Array, assigned: Float32Array, t: number, e: number, lbCoef: number, zCoef: number): RouterLossValues {
  let b = 0;
  let z = 0;
  for (let r = 0, o = 0; r < t; r++, o += e) {
    for (let j = 0; j < e; j++) b += probs[o + j]! * assigned[j]!;
    z += lse[r]! * lse[r]!;
  }
  const balance = t > 0 ? (b * e) / t : 0;
  const zl = t > 0 ? z / t : 0;
  return { balance, z: zl, aux: lbCoef * balance + zCoef * zl };
}

/** Gradients of the losses with cotangents dB, dZ, dAux: dprobs [t, e] (= cb·f_e per row) and dlse [t] (= cz·lse). */
export function routerLossesGradLoop(
  lse: Float32Array, assigned: Float32Array, dprobs: Float32Array, dlse: Float32Array, t: number, e: number,
  cot: { dB: number; dZ: number; dAux: number }, lbCoef: number, zCoef: number,
): void {
  const cb = t > 0 ? ((cot.dB + lbCoef * cot.dAux) * e) / t : 0;
  const cz = t > 0 ? ((cot.dZ + zCoef * cot.dAux) * 2) / t : 0;
  for (let r = 0, o = 0; r < t; r++, o += e) {
    for (let j = 0; j < e; j++) dprobs[o + j] = cb * assigned[j]!;
    dlse[r] = cz * lse[r]!;
  }
}
