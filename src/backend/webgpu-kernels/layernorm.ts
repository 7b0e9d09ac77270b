/**
 * Fused LayerNorm for the webgpu backend: the forward in one dispatch (one workgroup per row: mean, variance,
 * normalise, gain and bias; the row statistics are kept for the backward), the backward in two (dx per row;
 * dγ, dβ as column sums). tfjs composes the same from ~6 kernels forward and ~10 backward.
 * Same formula as `layerNorm` in src/model/ops.ts: y = (x − mean) · rsqrt(mean((x − mean)²) + eps) · γ + β.
 * The residual variant also does the add before the norm (s = x + a written once, one dispatch) and its
 * backward adds the residual stream's own gradient (ds + LayerNorm's dx in one pass), which removes the add
 * and the gradient accumulation at every residual junction.
 */
import * as tf from '@tensorflow/tfjs';
import { asKernelFunc } from '../tf-interop';
import { LAYER_NORM, LAYER_NORM_GRAD, ADD_LAYER_NORM, ADD_LAYER_NORM_GRAD } from '../fused-ops';
import { allocOutput, grid, launch } from './runner';


const ROW_REDUCE = /* wgsl */ `
var<workgroup> red: array<f32, 64>;
fn wgSum(v: f32, lid: u32) -> f32 {
  red[lid] = v;
  workgroupBarrier();
  for (var s = 32u; s > 0u; s = s >> 1u) {
    if (lid < s) { red[lid] = red[lid] + red[lid + s]; }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}
`;

const FWD = /* wgsl */ `
struct U { n: u32, d: u32, eps: f32 }
@group(0) @binding(0) var<storage, read_write> y: array<f32>;
@group(0) @binding(1) var<storage, read_write> stats: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read> g: array<f32>;
@group(0) @binding(4) var<storage, read> b: array<f32>;
@group(0) @binding(5) var<uniform> u: U;
${ROW_REDUCE}
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let row = wid.y * nwg.x + wid.x;
  if (row >= u.n) { return; }
  let base = row * u.d;
  var s = 0.0;
  for (var c = lid; c < u.d; c = c + 64u) { s = s + x[base + c]; }
  let mean = wgSum(s, lid) / f32(u.d);
  var q = 0.0;
  for (var c = lid; c < u.d; c = c + 64u) { let t = x[base + c] - mean; q = q + t * t; }
  let rstd = inverseSqrt(wgSum(q, lid) / f32(u.d) + u.eps);
  for (var c = lid; c < u.d; c = c + 64u) { y[base + c] = (x[base + c] - mean) * rstd * g[c] + b[c]; }
  if (lid == 0u) { stats[2u * row] = mean; stats[2u * row + 1u] = rstd; }
}
`;

/** s = x + a, then the LayerNorm of s (one workgroup per row). */
const ADD_FWD = /* wgsl */ `
struct U { n: u32, d: u32, eps: f32 }
@group(0) @binding(0) var<storage, read_write> sOut: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<storage, read_write> stats: array<f32>;
@group(0) @binding(3) var<storage, read> x: array<f32>;
@group(0) @binding(4) var<storage, read> a: array<f32>;
@group(0) @binding(5) var<storage, read> g: array<f32>;
@group(0) @binding(6) var<storage, read> b: array<f32>;
@group(0) @binding(7) var<uniform> u: U;
${ROW_REDUCE}
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let row = wid.y * nwg.x + wid.x;
  if (row >= u.n) { return; }
  let base = row * u.d;
  var s = 0.0;
  for (var c = lid; c < u.d; c = c + 64u) { let v = x[base + c] + a[base + c]; sOut[base + c] = v; s = s + v; }
  let mean = wgSum(s, lid) / f32(u.d);
  var q = 0.0;
  for (var c = lid; c < u.d; c = c + 64u) { let t = x[base + c] + a[base + c] - mean; q = q + t * t; }
  let rstd = inverseSqrt(wgSum(q, lid) / f32(u.d) + u.eps);
  for (var c = lid; c < u.d; c = c + 64u) { y[base + c] = (x[base + c] + a[base + c] - mean) * rstd * g[c] + b[c]; }
  if (lid == 0u) { stats[2u * row] = mean; stats[2u * row + 1u] = rstd; }
}
`;

/** dx = rstd · (dxhat − mean(dxhat) − xhat · mean(dxhat · xhat)), dxhat = dy · γ; one workgroup per row. */
const BWD_DX = /* wgsl */ `
struct U { n: u32, d: u32 }
@group(0) @binding(0) var<storage, read_write> dx: array<f32>;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read> stats: array<f32>;
@group(0) @binding(4) var<storage, read> g: array<f32>;
@group(0) @binding(5) var<uniform> u: U;
${ROW_REDUCE}
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let row = wid.y * nwg.x + wid.x;
  if (row >= u.n) { return; }
  let base = row * u.d;
  let mean = stats[2u * row];
  let rstd = stats[2u * row + 1u];
  var s1 = 0.0;
  var s2 = 0.0;
  for (var c = lid; c < u.d; c = c + 64u) {
    let dxh = dy[base + c] * g[c];
    s1 = s1 + dxh;
    s2 = s2 + dxh * (x[base + c] - mean) * rstd;
  }
  let m1 = wgSum(s1, lid) / f32(u.d);
  let m2 = wgSum(s2, lid) / f32(u.d);
  for (var c = lid; c < u.d; c = c + 64u) {
    let xh = (x[base + c] - mean) * rstd;
    dx[base + c] = rstd * (dy[base + c] * g[c] - m1 - xh * m2);
  }
}
`;

/** The same with the residual stream's gradient ds added: dx = ds + LayerNorm's dx. */
const BWD_DX_RES = BWD_DX.replace(
  '@group(0) @binding(5) var<uniform> u: U;',
  '@group(0) @binding(5) var<storage, read> ds: array<f32>;\n@group(0) @binding(6) var<uniform> u: U;',
).replace('dx[base + c] = rstd *', 'dx[base + c] = ds[base + c] + rstd *');

/** dγ = Σ_rows dy · xhat, dβ = Σ_rows dy: workgroups of 16 columns × 16 row lanes. */
const BWD_DGB = /* wgsl */ `
struct U { n: u32, d: u32 }
@group(0) @binding(0) var<storage, read_write> dg: array<f32>;
@group(0) @binding(1) var<storage, read_write> db: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read> x: array<f32>;
@group(0) @binding(4) var<storage, read> stats: array<f32>;
@group(0) @binding(5) var<uniform> u: U;
var<workgroup> rg: array<f32, 256>;
var<workgroup> rb: array<f32, 256>;
@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let c = wid.x * 16u + lid.x;
  var sg = 0.0;
  var sb = 0.0;
  if (c < u.d) {
    for (var r = lid.y; r < u.n; r = r + 16u) {
      let v = dy[r * u.d + c];
      sg = sg + v * (x[r * u.d + c] - stats[2u * r]) * stats[2u * r + 1u];
      sb = sb + v;
    }
  }
  let i = lid.y * 16u + lid.x;
  rg[i] = sg;
  rb[i] = sb;
  workgroupBarrier();
  for (var s = 8u; s > 0u; s = s >> 1u) {
    if (lid.y < s) { rg[i] = rg[i] + rg[i + s * 16u]; rb[i] = rb[i] + rb[i + s * 16u]; }
    workgroupBarrier();
  }
  if (lid.y == 0u && c < u.d) { dg[c] = rg[lid.x]; db[c] = rb[lid.x]; }
}
`;

function layerNormKernel({ inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs?: tf.NamedAttrMap }): tf.TensorInfo[] {
  const { x, g, b } = inputs as { x: tf.TensorInfo; g: tf.TensorInfo; b: tf.TensorInfo };
  const [n, d] = x.shape as [number, number];
  const eps = Number(attrs?.eps ?? 1e-5);
  const y = allocOutput([n, d], 'float32', backend);
  const stats = allocOutput([n, 2], 'float32', backend);
  launch({ key: 'ln-fwd', wgsl: FWD, buffers: [y, stats, x, g, b], uniforms: [{ u32: n }, { u32: d }, { f32: eps }], constantUniforms: true, workgroups: grid(n) }, backend);
  return [y, stats];
}

function layerNormGradKernel({ inputs, backend }: { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend }): tf.TensorInfo[] {
  const { dy, x, stats, g } = inputs as { dy: tf.TensorInfo; x: tf.TensorInfo; stats: tf.TensorInfo; g: tf.TensorInfo };
  const [n, d] = x.shape as [number, number];
  const dx = allocOutput([n, d], 'float32', backend);
  const dg = allocOutput([d], 'float32', backend);
  const db = allocOutput([d], 'float32', backend);
  const uniforms = [{ u32: n }, { u32: d }];
  launch({ key: 'ln-bwd-dx', wgsl: BWD_DX, buffers: [dx, dy, x, stats, g], uniforms, constantUniforms: true, workgroups: grid(n) }, backend);
  launch({ key: 'ln-bwd-dgb', wgsl: BWD_DGB, buffers: [dg, db, dy, x, stats], uniforms, constantUniforms: true, workgroups: [Math.ceil(d / 16)] }, backend);
  return [dx, dg, db];
}

function addLayerNormKernel({ inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs?: tf.NamedAttrMap }): tf.TensorInfo[] {
  const { x, a, g, b } = inputs as Record<string, tf.TensorInfo>;
  const [n, d] = x!.shape as [number, number];
  const eps = Number(attrs?.eps ?? 1e-5);
  const sOut = allocOutput([n, d], 'float32', backend);
  const y = allocOutput([n, d], 'float32', backend);
  const stats = allocOutput([n, 2], 'float32', backend);
  launch({ key: 'add-ln-fwd', wgsl: ADD_FWD, buffers: [sOut, y, stats, x!, a!, g!, b!], uniforms: [{ u32: n }, { u32: d }, { f32: eps }], constantUniforms: true, workgroups: grid(n) }, backend);
  return [sOut, y, stats];
}

function addLayerNormGradKernel({ inputs, backend }: { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend }): tf.TensorInfo[] {
  const { ds, dy, s: sIn, stats, g } = inputs as Record<string, tf.TensorInfo>;
  const [n, d] = sIn!.shape as [number, number];
  const dx = allocOutput([n, d], 'float32', backend);
  const dg = allocOutput([d], 'float32', backend);
  const db = allocOutput([d], 'float32', backend);
  const uniforms = [{ u32: n }, { u32: d }];
  launch({ key: 'ln-bwd-dx-res', wgsl: BWD_DX_RES, buffers: [dx, dy!, sIn!, stats!, g!, ds!], uniforms, constantUniforms: true, workgroups: grid(n) }, backend);
  launch({ key: 'ln-bwd-dgb', wgsl: BWD_DGB, buffers: [dg, db, dy!, sIn!, stats!], uniforms, constantUniforms: true, workgroups: [Math.ceil(d / 16)] }, backend);
  return [dx, dg, db];
}

/** Registers the LayerNorm kernels for the webgpu backend (their gradients: src/backend/fused-ops.ts). */
export function registerLayerNorm(): void {
  tf.registerKernel({ kernelName: ADD_LAYER_NORM, backendName: 'webgpu', kernelFunc: asKernelFunc(addLayerNormKernel) });
  tf.registerKernel({ kernelName: ADD_LAYER_NORM_GRAD, backendName: 'webgpu', kernelFunc: asKernelFunc(addLayerNormGradKernel) });
  tf.registerKernel({ kernelName: LAYER_NORM, backendName: 'webgpu', kernelFunc: asKernelFunc(layerNormKernel) });
  tf.registerKernel({ kernelName: LAYER_NORM_GRAD, backendName: 'webgpu', kernelFunc: asKernelFunc(layerNormGradKernel) });
}
