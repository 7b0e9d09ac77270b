/**
 * Mean softmax cross-entropy of logits [n, V] against int32 targets, fused for the webgpu backend: one
 * dispatch for the per-row losses (one workgroup per row: max, log-sum-exp, target logit), one for their
 * mean, and the backward (softmax − onehot) · dy / n in one dispatch that reads dy from the device (no
 * readback). Same value and gradient as `crossEntropy` in src/model/ops.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { asKernelFunc } from '../tf-interop';
import { XENT, XENT_GRAD } from '../fused-ops';
import { allocOutput, grid, launch } from './runner';


const ROWS = /* wgsl */ `
struct U { n: u32, v: u32 }
@group(0) @binding(0) var<storage, read_write> rowLoss: array<f32>;
@group(0) @binding(1) var<storage, read_write> lse: array<f32>;
@group(0) @binding(2) var<storage, read> logits: array<f32>;
@group(0) @binding(3) var<storage, read> targets: array<i32>;
@group(0) @binding(4) var<uniform> u: U;
var<workgroup> red: array<f32, 64>;
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let row = wid.y * nwg.x + wid.x;
  if (row >= u.n) { return; }
  let base = row * u.v;
  var m = -3.4e38;
  for (var c = lid; c < u.v; c = c + 64u) { m = max(m, logits[base + c]); }
  red[lid] = m;
  workgroupBarrier();
  for (var s = 32u; s > 0u; s = s >> 1u) {
    if (lid < s) { red[lid] = max(red[lid], red[lid + s]); }
    workgroupBarrier();
  }
  let mx = red[0];
  workgroupBarrier();
  var e = 0.0;
  for (var c = lid; c < u.v; c = c + 64u) { e = e + exp(logits[base + c] - mx); }
  red[lid] = e;
  workgroupBarrier();
  for (var s = 32u; s > 0u; s = s >> 1u) {
    if (lid < s) { red[lid] = red[lid] + red[lid + s]; }
    workgroupBarrier();
  }
  if (lid == 0u) {
    let l = mx + log(red[0]);
    lse[row] = l;
    rowLoss[row] = l - logits[base + u32(targets[row])];
  }
}
`;

const MEAN = /* wgsl */ `
struct U { n: u32 }
@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<uniform> u: U;
var<workgroup> red: array<f32, 256>;
@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) lid: u32) {
  var s = 0.0;
  for (var i = lid; i < u.n; i = i + 256u) { s = s + x[i]; }
  red[lid] = s;
  workgroupBarrier();
  for (var k = 128u; k > 0u; k = k >> 1u) {
    if (lid < k) { red[lid] = red[lid] + red[lid + k]; }
    workgroupBarrier();
  }
  if (lid == 0u) { out[0] = red[0] / f32(u.n); }
}
`;

const BWD = /* wgsl */ `
struct U { n: u32, v: u32 }
@group(0) @binding(0) var<storage, read_write> dl: array<f32>;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> logits: array<f32>;
@group(0) @binding(3) var<storage, read> lse: array<f32>;
@group(0) @binding(4) var<storage, read> targets: array<i32>;
@group(0) @binding(5) var<uniform> u: U;
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.y * nwg.x + wid.x) * 256u + lid;
  if (i >= u.n * u.v) { return; }
  let row = i / u.v;
  let c = i - row * u.v;
  var p = exp(logits[i] - lse[row]);
  if (i32(c) == targets[row]) { p = p - 1.0; }
  dl[i] = p * dy[0] / f32(u.n);
}
`;

type Args = { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend };

function xentKernel({ inputs, backend }: Args): tf.TensorInfo[] {
  const { logits, targets } = inputs as { logits: tf.TensorInfo; targets: tf.TensorInfo };
  const [n, v] = logits.shape as [number, number];
  const rowLoss = allocOutput([n], 'float32', backend);
  const lse = allocOutput([n], 'float32', backend);
  const loss = allocOutput([], 'float32', backend);
  launch({ key: 'xent-rows', wgsl: ROWS, buffers: [rowLoss, lse, logits, targets], uniforms: [{ u32: n }, { u32: v }], constantUniforms: true, workgroups: grid(n) }, backend);
  launch({ key: 'xent-mean', wgsl: MEAN, buffers: [loss, rowLoss], uniforms: [{ u32: n }], constantUniforms: true, workgroups: [1] }, backend);
  backend.disposeData(rowLoss.dataId);
  return [loss, lse];
}

function xentGradKernel({ inputs, backend }: Args): tf.TensorInfo {
  const { dy, logits, lse, targets } = inputs as Record<string, tf.TensorInfo>;
  const [n, v] = logits!.shape as [number, number];
  const dl = allocOutput([n, v], 'float32', backend);
  launch({ key: 'xent-bwd', wgsl: BWD, buffers: [dl, dy!, logits!, lse!, targets!], uniforms: [{ u32: n }, { u32: v }], constantUniforms: true, workgroups: grid(Math.ceil((n * v) / 256)) }, backend);
  return dl;
}

export function registerXent(): void {
  tf.registerKernel({ kernelName: XENT, backendName: 'webgpu', kernelFunc: asKernelFunc(xentKernel) });
  tf.registerKernel({ kernelName: XENT_GRAD, backendName: 'webgpu', kernelFunc: asKernelFunc(xentGradKernel) });
}
