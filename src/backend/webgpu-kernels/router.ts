/**
 * The MoE router's softmax and its two losses, fused for the webgpu backend:
 * - `MoelabRouterSoftmax`: logits [T, E] -> probs [T, E] and lse [T] (row log-sum-exp), one dispatch; backward
 *   dlogits = p ⊙ (dprobs − Σ_e p·dprobs) + dlse · p, one dispatch;
 * - `MoelabRouterLosses`: balance = E · Σ_e f_e · mean_t p[t, e] (f = assigned fractions, constant),
 *   z = mean_t lse_t² (Zoph et al. 2022) and the weighted aux lbCoef · balance + zCoef · z, three scalars in one
 *   dispatch; backward one dispatch.
 * Same values as src/model/moe/layer.ts `balanceLoss` and `routerZLoss` (tfjs composes ~30 kernels for them
 * and their gradients per layer).
 */
import * as tf from '@tensorflow/tfjs';
import { asKernelFunc, type BackendKernelFunc } from '../tf-interop';
import { ROUTER_LOSSES, ROUTER_LOSSES_GRAD, ROUTER_SOFTMAX, ROUTER_SOFTMAX_GRAD } from '../fused-ops';
import { allocOutput, grid, launch } from './runner';


const SOFTMAX = /* wgsl */ `
struct U { t: u32, e: u32 }
@group(0) @binding(0) var<storage, read_write> probs: array<f32>;
@group(0) @binding(1) var<storage, read_write> lse: array<f32>;
@group(0) @binding(2) var<storage, read> logits: array<f32>;
@group(0) @binding(3) var<uniform> u: U;
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let t = (wid.y * nwg.x + wid.x) * 64u + lid;
  if (t >= u.t) { return; }
  let b = t * u.e;
  var m = -3.4e38;
  for (var e = 0u; e < u.e; e = e + 1u) { m = max(m, logits[b + e]); }
  var s = 0.0;
  for (var e = 0u; e < u.e; e = e + 1u) { s = s + exp(logits[b + e] - m); }
  for (var e = 0u; e < u.e; e = e + 1u) { probs[b + e] = exp(logits[b + e] - m) / s; }
  lse[t] = m + log(s);
}
`;

const SOFTMAX_GRAD = /* wgsl */ `
struct U { t: u32, e: u32 }
@group(0) @binding(0) var<storage, read_write> dl: array<f32>;
@group(0) @binding(1) var<storage, read> dprobs: array<f32>;
@group(0) @binding(2) var<storage, read> dlse: array<f32>;
@group(0) @binding(3) var<storage, read> probs: array<f32>;
@group(0) @binding(4) var<uniform> u: U;
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let t = (wid.y * nwg.x + wid.x) * 64u + lid;
  if (t >= u.t) { return; }
  let b = t * u.e;
  var dot = 0.0;
  for (var e = 0u; e < u.e; e = e + 1u) { dot = dot + probs[b + e] * dprobs[b + e]; }
  for (var e = 0u; e < u.e; e = e + 1u) { let p = probs[b + e]; dl[b + e] = p * (dprobs[b + e] - dot) + dlse[t] * p; }
}
`;

export const LOSSES_WGSL = /* wgsl */ `
struct U { t: u32, e: u32, lb: f32, zc: f32 }
@group(0) @binding(0) var<storage, read_write> outB: array<f32>;
@group(0) @binding(1) var<storage, read_write> outZ: array<f32>;
@group(0) @binding(2) var<storage, read_write> outAux: array<f32>;
@group(0) @binding(3) var<storage, read> probs: array<f32>;
@group(0) @binding(4) var<storage, read> lse: array<f32>;
@group(0) @binding(5) var<storage, read> assigned: array<f32>;
@group(0) @binding(6) var<uniform> u: U;
var<workgroup> rb: array<f32, 256>;
var<workgroup> rz: array<f32, 256>;
@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) lid: u32) {
  var b = 0.0;
  var z = 0.0;
  for (var t = lid; t < u.t; t = t + 256u) {
    for (var e = 0u; e < u.e; e = e + 1u) { b = b + probs[t * u.e + e] * assigned[e]; }
    z = z + lse[t] * lse[t];
  }
  rb[lid] = b;
  rz[lid] = z;
  workgroupBarrier();
  for (var k = 128u; k > 0u; k = k >> 1u) {
    if (lid < k) { rb[lid] = rb[lid] + rb[lid + k]; rz[lid] = rz[lid] + rz[lid + k]; }
    workgroupBarrier();
  }
  if (lid == 0u) {
    let bal = rb[0] * f32(u.e) / f32(u.t);
    let z = rz[0] / f32(u.t);
    outB[0] = bal;
    outZ[0] = z;
    outAux[0] = u.lb * bal + u.zc * z;
  }
}
`;

const LOSSES_GRAD = /* wgsl */ `
struct U { t: u32, e: u32, lb: f32, zc: f32 }
@group(0) @binding(0) var<storage, read_write> dprobs: array<f32>;
@group(0) @binding(1) var<storage, read_write> dlse: array<f32>;
@group(0) @binding(2) var<storage, read> dB: array<f32>;
@group(0) @binding(3) var<storage, read> dZ: array<f32>;
@group(0) @binding(4) var<storage, read> dAux: array<f32>;
@group(0) @binding(5) var<storage, read> lse: array<f32>;
@group(0) @binding(6) var<storage, read> assigned: array<f32>;
@group(0) @binding(7) var<uniform> u: U;
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let t = (wid.y * nwg.x + wid.x) * 64u + lid;
  if (t >= u.t) { return; }
  let cb = (dB[0] + u.lb * dAux[0]) * f32(u.e) / f32(u.t);
  for (var e = 0u; e < u.e; e = e + 1u) { dprobs[t * u.e + e] = cb * assigned[e]; }
  dlse[t] = (dZ[0] + u.zc * dAux[0]) * 2.0 * lse[t] / f32(u.t);
}
`;

type Args = { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs?: tf.NamedAttrMap };
const coefs = (attrs?: tf.NamedAttrMap) => [{ f32: Number(attrs?.lbCoef ?? 0) }, { f32: Number(attrs?.zCoef ?? 0) }];
const rowsGrid = (t: number) => grid(Math.ceil(t / 64));

function softmaxKernel({ inputs, backend }: Args): tf.TensorInfo[] {
  const { logits } = inputs as { logits: tf.TensorInfo };
  const [t, e] = logits.shape as [number, number];
  const probs = allocOutput([t, e], 'float32', backend);
  const lse = allocOutput([t], 'float32', backend);
  launch({ key: 'router-softmax', wgsl: SOFTMAX, buffers: [probs, lse, logits], uniforms: [{ u32: t }, { u32: e }], constantUniforms: true, workgroups: rowsGrid(t) }, backend);
  return [probs, lse];
}

function softmaxGradKernel({ inputs, backend }: Args): tf.TensorInfo {
  const { dprobs, dlse, probs } = inputs as Record<string, tf.TensorInfo>;
  const [t, e] = probs!.shape as [number, number];
  const dl = allocOutput([t, e], 'float32', backend);
  launch({ key: 'router-softmax-grad', wgsl: SOFTMAX_GRAD, buffers: [dl, dprobs!, dlse!, probs!], uniforms: [{ u32: t }, { u32: e }], constantUniforms: true, workgroups: rowsGrid(t) }, backend);
  return dl;
}

function lossesKernel({ inputs, backend, attrs }: Args): tf.TensorInfo[] {
  const { probs, lse, assigned } = inputs as Record<string, tf.TensorInfo>;
  const [t, e] = probs!.shape as [number, number];
  const outs = [allocOutput([], 'float32', backend), allocOutput([], 'float32', backend), allocOutput([], 'float32', backend)];
  launch({ key: 'router-losses', wgsl: LOSSES_WGSL, buffers: [...outs, probs!, lse!, assigned!], uniforms: [{ u32: t }, { u32: e }, ...coefs(attrs)], constantUniforms: true, workgroups: [1] }, backend);
  return outs;
}

function lossesGradKernel({ inputs, backend, attrs }: Args): tf.TensorInfo[] {
  const { dB, dZ, dAux, lse, assigned } = inputs as Record<string, tf.TensorInfo>;
  const t = lse!.shape[0]!;
  const e = assigned!.shape[0]!;
  const dprobs = allocOutput([t, e], 'float32', backend);
  const dlse = allocOutput([t], 'float32', backend);
  launch({ key: 'router-losses-grad', wgsl: LOSSES_GRAD, buffers: [dprobs, dlse, dB!, dZ!, dAux!, lse!, assigned!], uniforms: [{ u32: t }, { u32: e }, ...coefs(attrs)], constantUniforms: true, workgroups: rowsGrid(t) }, backend);
  return [dprobs, dlse];
}

export function registerRouter(): void {
  const reg = (kernelName: string, f: BackendKernelFunc) => tf.registerKernel({ kernelName, backendName: 'webgpu', kernelFunc: asKernelFunc(f) });
  reg(ROUTER_SOFTMAX, softmaxKernel);
  reg(ROUTER_SOFTMAX_GRAD, softmaxGradKernel);
  reg(ROUTER_LOSSES, lossesKernel);
  reg(ROUTER_LOSSES_GRAD, lossesGradKernel);
}
