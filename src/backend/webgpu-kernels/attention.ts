/**
 * Causal multi-head attention fused for the webgpu backend, flash-style (the [T, T] score matrix never exists
 * in memory): the forward reads the fused projection qkv [B·T, 3d] (columns ordered (3, H, dh), as
 * src/model/attention.ts) and writes the merged heads [B·T, d] plus each row's log-sum-exp, in one dispatch
 * (one thread per query, keys streamed through workgroup memory with an online softmax). The backward is two
 * dispatches into one dqkv [B·T, 3d]: dq (and D_i = dO_i·O_i) per query, then dk and dv per key, recomputing
 * the probabilities from the saved log-sum-exp (FlashAttention-2's recurrences, float32 throughout).
 * tfjs composes the same from ~10 kernels forward and ~20 backward (reshapes, transposes, splits, two batched
 * matmuls, mask, softmax).
 */
import * as tf from '@tensorflow/tfjs';
import { asKernelFunc } from '../tf-interop';
import { ATTENTION, ATTENTION_GRAD } from '../fused-ops';
import { allocOutput, launch } from './runner';


/** Queries (or keys) per workgroup. */
const WG = 64;

/** Keys (or queries) per tile in workgroup memory: 2 tiles of TILE × dh floats fit 16 KiB. */
function tileFor(dh: number): number {
  return Math.max(1, Math.min(32, Math.floor(2048 / dh)));
}

const HEADER = (dh: number) => /* wgsl */ `
const DH: u32 = ${dh}u;
const TILE: u32 = ${tileFor(dh)}u;
const WG: u32 = ${WG}u;
struct U { b: u32, t: u32, h: u32, scale: f32 }
`;

// Row r = b·T + t; q of head hh at column hh·DH, k at d + hh·DH, v at 2d + hh·DH (d = H·DH).
const FWD = (dh: number) => /* wgsl */ `
${HEADER(dh)}
@group(0) @binding(0) var<storage, read_write> o: array<f32>;
@group(0) @binding(1) var<storage, read_write> lse: array<f32>;
@group(0) @binding(2) var<storage, read> qkv: array<f32>;
@group(0) @binding(3) var<uniform> u: U;
var<workgroup> kt: array<f32, ${tileFor(dh) * dh}>;
var<workgroup> vt: array<f32, ${tileFor(dh) * dh}>;
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let bh = wid.y;
  let bi = bh / u.h;
  let hh = bh - bi * u.h;
  let d = u.h * DH;
  let q0 = wid.x * WG;
  let i = q0 + lid;
  let live = i < u.t;
  var q: array<f32, ${dh}>;
  var acc: array<f32, ${dh}>;
  let qrow = (bi * u.t + min(i, u.t - 1u)) * 3u * d;
  for (var c = 0u; c < DH; c = c + 1u) { q[c] = qkv[qrow + hh * DH + c] * u.scale; acc[c] = 0.0; }
  var m = -3.4e38;
  var l = 0.0;
  let kEnd = min(q0 + WG, u.t);
  for (var k0 = 0u; k0 < kEnd; k0 = k0 + TILE) {
    workgroupBarrier();
    for (var e = lid; e < TILE * DH; e = e + WG) {
      let j = k0 + e / DH;
      let c = e % DH;
      if (j < u.t) {
        let krow = (bi * u.t + j) * 3u * d;
        kt[e] = qkv[krow + d + hh * DH + c];
        vt[e] = qkv[krow + 2u * d + hh * DH + c];
      }
    }
    workgroupBarrier();
    if (live) {
      let jEnd = min(TILE, i + 1u - min(i + 1u, k0));
      for (var jj = 0u; jj < jEnd; jj = jj + 1u) {
        var s = 0.0;
        for (var c = 0u; c < DH; c = c + 1u) { s = s + q[c] * kt[jj * DH + c]; }
        let mNew = max(m, s);
        let corr = exp(m - mNew);
        let p = exp(s - mNew);
        l = l * corr + p;
        for (var c = 0u; c < DH; c = c + 1u) { acc[c] = acc[c] * corr + p * vt[jj * DH + c]; }
        m = mNew;
      }
    }
  }
  if (live) {
    let orow = (bi * u.t + i) * d + hh * DH;
    let inv = 1.0 / l;
    for (var c = 0u; c < DH; c = c + 1u) { o[orow + c] = acc[c] * inv; }
    lse[bh * u.t + i] = m + log(l);
  }
}
`;

/** dq_i = scale · Σ_j P_ij (dP_ij − D_i) k_j with dP_ij = dO_i·v_j, D_i = dO_i·O_i; writes D for the dk/dv pass. */
const BWD_Q = (dh: number) => /* wgsl */ `
${HEADER(dh)}
@group(0) @binding(0) var<storage, read_write> dqkv: array<f32>;
@group(0) @binding(1) var<storage, read_write> dd: array<f32>;
@group(0) @binding(2) var<storage, read> qkv: array<f32>;
@group(0) @binding(3) var<storage, read> o: array<f32>;
@group(0) @binding(4) var<storage, read> dout: array<f32>;
@group(0) @binding(5) var<storage, read> lse: array<f32>;
@group(0) @binding(6) var<uniform> u: U;
var<workgroup> kt: array<f32, ${tileFor(dh) * dh}>;
var<workgroup> vt: array<f32, ${tileFor(dh) * dh}>;
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let bh = wid.y;
  let bi = bh / u.h;
  let hh = bh - bi * u.h;
  let d = u.h * DH;
  let q0 = wid.x * WG;
  let i = q0 + lid;
  let live = i < u.t;
  let ic = min(i, u.t - 1u);
  var q: array<f32, ${dh}>;
  var g: array<f32, ${dh}>;
  var dq: array<f32, ${dh}>;
  let qrow = (bi * u.t + ic) * 3u * d;
  let orow = (bi * u.t + ic) * d + hh * DH;
  var di = 0.0;
  for (var c = 0u; c < DH; c = c + 1u) {
    q[c] = qkv[qrow + hh * DH + c] * u.scale;
    g[c] = dout[orow + c];
    di = di + g[c] * o[orow + c];
    dq[c] = 0.0;
  }
  let li = lse[bh * u.t + ic];
  let kEnd = min(q0 + WG, u.t);
  for (var k0 = 0u; k0 < kEnd; k0 = k0 + TILE) {
    workgroupBarrier();
    for (var e = lid; e < TILE * DH; e = e + WG) {
      let j = k0 + e / DH;
      let c = e % DH;
      if (j < u.t) {
        let krow = (bi * u.t + j) * 3u * d;
        kt[e] = qkv[krow + d + hh * DH + c];
        vt[e] = qkv[krow + 2u * d + hh * DH + c];
      }
    }
    workgroupBarrier();
    if (live) {
      let jEnd = min(TILE, i + 1u - min(i + 1u, k0));
      for (var jj = 0u; jj < jEnd; jj = jj + 1u) {
        var s = 0.0;
        var dp = 0.0;
        for (var c = 0u; c < DH; c = c + 1u) { s = s + q[c] * kt[jj * DH + c]; dp = dp + g[c] * vt[jj * DH + c]; }
        let ds = exp(s - li) * (dp - di);
        for (var c = 0u; c < DH; c = c + 1u) { dq[c] = dq[c] + ds * kt[jj * DH + c]; }
      }
    }
  }
  if (live) {
    let qout = (bi * u.t + i) * 3u * d + hh * DH;
    for (var c = 0u; c < DH; c = c + 1u) { dqkv[qout + c] = dq[c] * u.scale; }
    dd[bh * u.t + i] = di;
  }
}
`;

/** dv_j = Σ_{i≥j} P_ij dO_i, dk_j = scale · Σ_{i≥j} P_ij (dP_ij − D_i) q_i; one thread per key. */
const BWD_KV = (dh: number) => /* wgsl */ `
${HEADER(dh)}
@group(0) @binding(0) var<storage, read_write> dqkv: array<f32>;
@group(0) @binding(1) var<storage, read> qkv: array<f32>;
@group(0) @binding(2) var<storage, read> dout: array<f32>;
@group(0) @binding(3) var<storage, read> lse: array<f32>;
@group(0) @binding(4) var<storage, read> dd: array<f32>;
@group(0) @binding(5) var<uniform> u: U;
var<workgroup> qt: array<f32, ${tileFor(dh) * dh}>;
var<workgroup> gt: array<f32, ${tileFor(dh) * dh}>;
var<workgroup> lt: array<f32, ${tileFor(dh)}>;
var<workgroup> dt: array<f32, ${tileFor(dh)}>;
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let bh = wid.y;
  let bi = bh / u.h;
  let hh = bh - bi * u.h;
  let d = u.h * DH;
  let j0 = wid.x * WG;
  let j = j0 + lid;
  let live = j < u.t;
  let jc = min(j, u.t - 1u);
  var k: array<f32, ${dh}>;
  var v: array<f32, ${dh}>;
  var dk: array<f32, ${dh}>;
  var dv: array<f32, ${dh}>;
  let krow = (bi * u.t + jc) * 3u * d;
  for (var c = 0u; c < DH; c = c + 1u) {
    k[c] = qkv[krow + d + hh * DH + c];
    v[c] = qkv[krow + 2u * d + hh * DH + c];
    dk[c] = 0.0;
    dv[c] = 0.0;
  }
  for (var i0 = j0; i0 < u.t; i0 = i0 + TILE) {
    workgroupBarrier();
    for (var e = lid; e < TILE * DH; e = e + WG) {
      let i = i0 + e / DH;
      let c = e % DH;
      if (i < u.t) {
        qt[e] = qkv[(bi * u.t + i) * 3u * d + hh * DH + c] * u.scale;
        gt[e] = dout[(bi * u.t + i) * d + hh * DH + c];
      }
    }
    for (var e = lid; e < TILE; e = e + WG) {
      let i = i0 + e;
      if (i < u.t) { lt[e] = lse[bh * u.t + i]; dt[e] = dd[bh * u.t + i]; }
    }
    workgroupBarrier();
    if (live) {
      let iEnd = min(TILE, u.t - i0);
      for (var ii = 0u; ii < iEnd; ii = ii + 1u) {
        if (i0 + ii < j) { continue; }
        var s = 0.0;
        var dp = 0.0;
        for (var c = 0u; c < DH; c = c + 1u) { s = s + qt[ii * DH + c] * k[c]; dp = dp + gt[ii * DH + c] * v[c]; }
        let p = exp(s - lt[ii]);
        let ds = p * (dp - dt[ii]);
        for (var c = 0u; c < DH; c = c + 1u) { dv[c] = dv[c] + p * gt[ii * DH + c]; dk[c] = dk[c] + ds * qt[ii * DH + c]; }
      }
    }
  }
  if (live) {
    let row = (bi * u.t + j) * 3u * d;
    for (var c = 0u; c < DH; c = c + 1u) { dqkv[row + d + hh * DH + c] = dk[c]; dqkv[row + 2u * d + hh * DH + c] = dv[c]; }
  }
}
`;

type Args = { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs?: tf.NamedAttrMap };

function dims(qkv: tf.TensorInfo, attrs: tf.NamedAttrMap | undefined) {
  const batch = Number(attrs!.batch);
  const seqLen = Number(attrs!.seqLen);
  const heads = Number(attrs!.heads);
  const d = qkv.shape[1]! / 3;
  const dh = d / heads;
  if (!Number.isInteger(dh) || batch * seqLen !== qkv.shape[0]) {
    throw new Error(`${ATTENTION}: qkv ${JSON.stringify(qkv.shape)} does not fit batch ${batch} × seqLen ${seqLen}, ${heads} heads`);
  }
  const uniforms = [{ u32: batch }, { u32: seqLen }, { u32: heads }, { f32: 1 / Math.sqrt(dh) }];
  return { batch, seqLen, heads, d, dh, uniforms, workgroups: [Math.ceil(seqLen / WG), batch * heads] as [number, number] };
}

function attentionKernel({ inputs, backend, attrs }: Args): tf.TensorInfo[] {
  const { qkv } = inputs as { qkv: tf.TensorInfo };
  const s = dims(qkv, attrs);
  const o = allocOutput([s.batch * s.seqLen, s.d], 'float32', backend);
  const lse = allocOutput([s.batch * s.heads * s.seqLen], 'float32', backend);
  launch({ key: `attn-fwd-${s.dh}`, wgsl: FWD(s.dh), buffers: [o, lse, qkv], uniforms: s.uniforms, constantUniforms: true, workgroups: s.workgroups }, backend);
  return [o, lse];
}

function attentionGradKernel({ inputs, backend, attrs }: Args): tf.TensorInfo {
  const { dy, qkv, o, lse } = inputs as Record<string, tf.TensorInfo>;
  const s = dims(qkv!, attrs);
  const dqkv = allocOutput([s.batch * s.seqLen, 3 * s.d], 'float32', backend);
  const dd = allocOutput([s.batch * s.heads * s.seqLen], 'float32', backend);
  launch({ key: `attn-bwd-q-${s.dh}`, wgsl: BWD_Q(s.dh), buffers: [dqkv, dd, qkv!, o!, dy!, lse!], uniforms: s.uniforms, constantUniforms: true, workgroups: s.workgroups }, backend);
  launch({ key: `attn-bwd-kv-${s.dh}`, wgsl: BWD_KV(s.dh), buffers: [dqkv, qkv!, dy!, lse!, dd], uniforms: s.uniforms, constantUniforms: true, workgroups: s.workgroups }, backend);
  backend.disposeData(dd.dataId);
  return dqkv;
}

export function registerAttention(): void {
  tf.registerKernel({ kernelName: ATTENTION, backendName: 'webgpu', kernelFunc: asKernelFunc(attentionKernel) });
  tf.registerKernel({ kernelName: ATTENTION_GRAD, backendName: 'webgpu', kernelFunc: asKernelFunc(attentionGradKernel) });
}
