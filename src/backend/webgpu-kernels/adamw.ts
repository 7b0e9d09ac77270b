/**
 * AdamW with global-norm clipping on the webgpu backend, updating parameters and moments in place, with the
 * norm and the clipping factor computed on the device (nothing is read back):
 *   1. sum-of-squares partials over all gradients (one dispatch per group of gradients that fits the
 *      device's storage-buffer bindings),
 *   2. one dispatch that sums the partials into [norm, scale],
 *   3. the update, as many parameters per dispatch as the bindings allow (4 buffers per parameter: p, m, v, g).
 * WebGPU binds whole buffers per binding slot, so "one dispatch for all parameters" needs them in one buffer;
 * the model keeps one tf.Variable per weight (checkpoints name them), so the dispatch count here is
 * ⌈params / ⌊(maxStorageBuffersPerShaderStage − 2) / 4⌋⌉ + ⌈params / (limit − 1)⌉ + 1 (16 bindings on
 * llvmpipe: 3 parameters per update dispatch).
 * Same arithmetic as `AdamW.applyTensorOps` (src/train/optimizer.ts): g ← g · min(1, clip / (‖g‖ + 1e-6)),
 * m ← β1 m + (1 − β1) g, v ← β2 v + (1 − β2) g², p ← p − lr · (m / c1 / (√(v / c2) + ε) + wd · p).
 * A non-finite norm leaves every parameter and moment untouched (the trainer reports it).
 */
import * as tf from '@tensorflow/tfjs';
import { allocOutput, deviceLimit, grid, launch, webgpuInternals } from './runner';

/** Elements per workgroup of the sum-of-squares pass. */
const SQ_CHUNK = 4096;

function sumSquaresWgsl(count: number): string {
  const decl = Array.from({ length: count }, (_, i) => `@group(0) @binding(${i + 1}) var<storage, read> g${i}: array<f32>;`).join('\n');
  // Workgroup w of the dispatch belongs to gradient k when firstWg[k] <= w < firstWg[k + 1].
  const pick = Array.from({ length: count }, (_, i) => `  if (k == ${i}u) { for (var e = lo + lid; e < hi; e = e + 256u) { let x = g${i}[e]; s = s + x * x; } }`).join('\n');
  return /* wgsl */ `
struct U { base: u32, ${Array.from({ length: count + 1 }, (_, i) => `w${i}: u32, n${i}: u32`).join(', ')} }
@group(0) @binding(0) var<storage, read_write> partials: array<f32>;
${decl}
@group(0) @binding(${count + 1}) var<uniform> u: U;
var<workgroup> red: array<f32, 256>;
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let w = wid.y * nwg.x + wid.x;
  if (w >= u.w${count}) { return; }
  var k = 0u;
  var first = 0u;
  var n = u.n0;
${Array.from({ length: count - 1 }, (_, i) => `  if (w >= u.w${i + 1}) { k = ${i + 1}u; first = u.w${i + 1}; n = u.n${i + 1}; }`).join('\n')}
  let lo = (w - first) * ${SQ_CHUNK}u;
  let hi = min(lo + ${SQ_CHUNK}u, n);
  var s = 0.0;
${pick}
  red[lid] = s;
  workgroupBarrier();
  for (var t = 128u; t > 0u; t = t >> 1u) {
    if (lid < t) { red[lid] = red[lid] + red[lid + t]; }
    workgroupBarrier();
  }
  if (lid == 0u) { partials[u.base + w] = red[0]; }
}
`;
}

const NORM = /* wgsl */ `
struct U { n: u32, clip: f32 }
@group(0) @binding(0) var<storage, read_write> normOut: array<f32>;
@group(0) @binding(1) var<storage, read_write> scaleOut: array<f32>;
@group(0) @binding(2) var<storage, read> partials: array<f32>;
@group(0) @binding(3) var<uniform> u: U;
var<workgroup> red: array<f32, 256>;
@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) lid: u32) {
  var s = 0.0;
  for (var i = lid; i < u.n; i = i + 256u) { s = s + partials[i]; }
  red[lid] = s;
  workgroupBarrier();
  for (var t = 128u; t > 0u; t = t >> 1u) {
    if (lid < t) { red[lid] = red[lid] + red[lid + t]; }
    workgroupBarrier();
  }
  if (lid == 0u) {
    let norm = sqrt(red[0]);
    normOut[0] = norm;
    var scale = 1.0;
    if (u.clip > 0.0) { scale = min(1.0, u.clip / (norm + 1e-6)); }
    scaleOut[0] = scale;
  }
}
`;

function updateWgsl(count: number): string {
  const decl = Array.from({ length: count }, (_, i) => {
    const b = 2 + 4 * i;
    return `@group(0) @binding(${b}) var<storage, read_write> p${i}: array<f32>;
@group(0) @binding(${b + 1}) var<storage, read_write> m${i}: array<f32>;
@group(0) @binding(${b + 2}) var<storage, read_write> v${i}: array<f32>;
@group(0) @binding(${b + 3}) var<storage, read> g${i}: array<f32>;`;
  }).join('\n');
  const body = Array.from({ length: count }, (_, i) => `  if (k == ${i}u) {
    let gg = g${i}[e] * scale;
    let mNew = m${i}[e] * u.b1 + gg * (1.0 - u.b1);
    let vNew = v${i}[e] * u.b2 + gg * gg * (1.0 - u.b2);
    m${i}[e] = mNew;
    v${i}[e] = vNew;
    let pv = p${i}[e];
    p${i}[e] = pv - u.lr * (mNew / u.c1 / (sqrt(vNew / u.c2) + u.eps) + wd * pv);
  }`).join('\n');
  return /* wgsl */ `
struct U { lr: f32, b1: f32, b2: f32, c1: f32, c2: f32, eps: f32, ${Array.from({ length: count + 1 }, (_, i) => `w${i}: u32, n${i}: u32, wd${i}: f32`).join(', ')} }
@group(0) @binding(0) var<storage, read> norm: array<f32>;
@group(0) @binding(1) var<storage, read> clipScale: array<f32>;
${decl}
@group(0) @binding(${2 + 4 * count}) var<uniform> u: U;
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let w = wid.y * nwg.x + wid.x;
  if (w >= u.w${count}) { return; }
  let nrm = norm[0];
  // Not finite (NaN or ±inf) by its bits: shader compilers may fold x != x away.
  if ((bitcast<u32>(nrm) & 0x7fffffffu) >= 0x7f800000u) { return; }
  let scale = clipScale[0];
  var k = 0u;
  var first = 0u;
  var n = u.n0;
  var wd = u.wd0;
${Array.from({ length: count - 1 }, (_, i) => `  if (w >= u.w${i + 1}) { k = ${i + 1}u; first = u.w${i + 1}; n = u.n${i + 1}; wd = u.wd${i + 1}; }`).join('\n')}
  let e = (w - first) * 256u + lid;
  if (e >= n) { return; }
${body}
}
`;
}

/** One parameter's tensors for {@link adamwDevice}. */
export interface AdamWDeviceParam {
  p: tf.Variable;
  m: tf.Variable;
  v: tf.Variable;
  g: tf.Tensor;
  /** Decoupled weight decay for this parameter (0 for gains and biases). */
  weightDecay: number;
}

/** Hyper-parameters of one update; c1, c2 are the bias corrections 1 − β^t. */
export interface AdamWDeviceStep {
  lr: number;
  b1: number;
  b2: number;
  c1: number;
  c2: number;
  eps: number;
  /** Global-norm clip; 0 disables. */
  gradClip: number;
}

/** Storage buffers one dispatch may bind (the device's limit, at least WebGPU's default 8). */
function storageSlots(): number {
  return Math.max(8, deviceLimit('maxStorageBuffersPerShaderStage'));
}

/**
 * Updates every parameter in place on the webgpu backend; returns the global gradient norm before clipping
 * as a scalar tensor on the device (read it when convenient: it does not stall the queue).
 */
export function adamwDevice(params: AdamWDeviceParam[], s: AdamWDeviceStep): tf.Scalar {
  const backend = tf.backend();
  const b = webgpuInternals(backend);
  const slots = storageSlots();
  const all = params.filter((x) => x.g.size > 0);
  // 1. Sum-of-squares partials, `slots - 1` gradients per dispatch.
  const sqGroup = slots - 1;
  const wgCounts = all.map((x) => Math.ceil(x.g.size / SQ_CHUNK));
  const totalWg = wgCounts.reduce((a, c) => a + c, 0);
  const partials = allocOutput([Math.max(1, totalWg)], 'float32', backend);
  let base = 0;
  for (let i0 = 0; i0 < all.length; i0 += sqGroup) {
    const group = all.slice(i0, i0 + sqGroup);
    const counts = wgCounts.slice(i0, i0 + sqGroup);
    const uniforms: Array<{ u32: number }> = [{ u32: base }];
    let w = 0;
    group.forEach((x, k) => {
      uniforms.push({ u32: w }, { u32: x.g.size });
      w += counts[k]!;
    });
    uniforms.push({ u32: w }, { u32: 0 });
    launch({ key: `adamw-sq-${group.length}`, wgsl: sumSquaresWgsl(group.length), buffers: [partials, ...group.map((x) => x.g)], uniforms, constantUniforms: true, workgroups: grid(w) }, backend);
    base += w;
  }
  // 2. Norm and clipping factor.
  const norm = allocOutput([], 'float32', backend);
  const scale = allocOutput([1], 'float32', backend);
  launch({ key: 'adamw-norm', wgsl: NORM, buffers: [norm, scale, partials], uniforms: [{ u32: totalWg }, { f32: s.gradClip }], constantUniforms: true, workgroups: [1] }, backend);
  // 3. Updates, ⌊(slots − 2) / 4⌋ parameters per dispatch.
  const upGroup = Math.max(1, Math.floor((slots - 2) / 4));
  for (let i0 = 0; i0 < all.length; i0 += upGroup) {
    const group = all.slice(i0, i0 + upGroup);
    const uniforms: Array<{ f32: number } | { u32: number }> = [{ f32: s.lr }, { f32: s.b1 }, { f32: s.b2 }, { f32: s.c1 }, { f32: s.c2 }, { f32: s.eps }];
    let w = 0;
    for (const x of group) {
      uniforms.push({ u32: w }, { u32: x.g.size }, { f32: x.weightDecay });
      w += Math.ceil(x.g.size / 256);
    }
    uniforms.push({ u32: w }, { u32: 0 }, { f32: 0 });
    launch({ key: `adamw-up-${group.length}`, wgsl: updateWgsl(group.length), buffers: [norm, scale, ...group.flatMap((x) => [x.p, x.m, x.v, x.g])], uniforms, workgroups: grid(w) }, backend);
  }
  // The parameters and moments changed on the GPU: drop any host copy a previous read left (a checkpoint's).
  for (const x of all) for (const t of [x.p, x.m, x.v]) {
    const entry = b.tensorMap.get(t.dataId);
    if (entry) entry.values = null;
  }
  const dispose = (id: object) => backend.disposeData(id);
  dispose(partials.dataId);
  dispose(scale.dataId);
  return tf.engine().makeTensorFromTensorInfo(norm) as tf.Scalar;
}
