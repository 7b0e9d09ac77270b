/**
 * The MoE dispatch → experts → combine chain on the webgpu backend, in gather form (deterministic, no atomics):
 * - `MoelabStack`: the experts' weight matrices stacked [E, a, b] for one batched matmul, one dispatch per
 *   group of matrices that fits the storage bindings (tf.stack: a concat forward and E slices backward);
 * - `MoelabMoeGather`: expert inputs xin[s] = x[slotToken[s]] (0 for an empty slot); backward
 *   dx[t] = Σ_r dxin[tokenSlot[t, r]] over the token's kept slots (tfjs: gather + unsortedSegmentSum);
 * - `MoelabMoeCombine`: y[t] = Σ_r probs[t, e(slot)] · h[slot] over the token's kept slots, e(s) = ⌊s / cap⌋;
 *   backward dh[s] = probs[t(s), e(s)] · dy[t(s)] and dprobs[t, e] = dy[t] · h[slot of (t, e)].
 * - `MoelabMoeCombineLosses`: the combine and the router's balance, z and weighted aux losses in one op (two
 *   dispatches forward), so the backward gives dprobs (combine + balance terms) and dlse in one dispatch and the
 *   engine adds no gradient accumulation on probs;
 * - `MoelabTokenChoiceRoute`: token-choice routing in one dispatch (top-k per token, then every expert's
 *   queue in serving order: all first choices in token order, then all second choices, ...; assignments past
 *   the capacity are dropped), the policy of `routeTokenChoice` (src/model/moe/routing.ts).
 * Routing tables: slotToken [E·cap] (token row or −1), tokenSlot [T, K] (slot or −1).
 */
import * as tf from '@tensorflow/tfjs';
import { asKernelFunc, type BackendKernelFunc } from '../tf-interop';
import { LOSSES_WGSL } from './router';
import { allocOutput, deviceLimit, grid, launch } from './runner';

export const STACK = 'MoelabStack';
export const UNSTACK = 'MoelabUnstack';
export const MOE_GATHER = 'MoelabMoeGather';
export const MOE_GATHER_GRAD = 'MoelabMoeGatherGrad';
export const MOE_COMBINE = 'MoelabMoeCombine';
export const MOE_COMBINE_GRAD_H = 'MoelabMoeCombineGradH';
export const MOE_COMBINE_GRAD_P = 'MoelabMoeCombineGradP';
export const TOKEN_CHOICE_ROUTE = 'MoelabTokenChoiceRoute';
export const MOE_COMBINE_LOSSES = 'MoelabMoeCombineLosses';
export const MOE_COMBINE_LOSSES_GRAD_P = 'MoelabMoeCombineLossesGradP';
/** Storage buffers the fused combine-and-losses backward binds. */
export const COMBINE_LOSSES_BINDINGS = 11;

type Args = { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs?: tf.NamedAttrMap };

function slots(): number {
  return Math.max(8, deviceLimit('maxStorageBuffersPerShaderStage'));
}

/** out[base + k·n + i] = in_k[i] (stack) or the reverse (unstack), for `count` tensors of n elements. */
function copyWgsl(count: number, unstack: boolean): string {
  const decl = Array.from({ length: count }, (_, k) => `@group(0) @binding(${k + 1}) var<storage, ${unstack ? 'read_write' : 'read'}> t${k}: array<f32>;`).join('\n');
  const body = Array.from({ length: count }, (_, k) =>
    unstack ? `  if (k == ${k}u) { t${k}[i] = big[u.base + ${k}u * u.n + i]; }` : `  if (k == ${k}u) { big[u.base + ${k}u * u.n + i] = t${k}[i]; }`,
  ).join('\n');
  return /* wgsl */ `
struct U { n: u32, base: u32 }
@group(0) @binding(0) var<storage, ${unstack ? 'read' : 'read_write'}> big: array<f32>;
${decl}
@group(0) @binding(${count + 1}) var<uniform> u: U;
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let idx = (wid.y * nwg.x + wid.x) * 256u + lid;
  if (idx >= u.n * ${count}u) { return; }
  let k = idx / u.n;
  let i = idx - k * u.n;
${body}
}
`;
}

function stackKernel({ inputs, backend }: Args): tf.TensorInfo {
  const ts = Object.keys(inputs).sort((a, b) => Number(a.slice(1)) - Number(b.slice(1))).map((k) => inputs[k] as tf.TensorInfo);
  const n = tf.util.sizeFromShape(ts[0]!.shape);
  const out = allocOutput([ts.length, ...ts[0]!.shape], 'float32', backend);
  const group = slots() - 1;
  for (let k0 = 0; k0 < ts.length; k0 += group) {
    const g = ts.slice(k0, k0 + group);
    launch({ key: `stack-${g.length}`, wgsl: copyWgsl(g.length, false), buffers: [out, ...g], uniforms: [{ u32: n }, { u32: k0 * n }], constantUniforms: true, workgroups: grid(Math.ceil((n * g.length) / 256)) }, backend);
  }
  return out;
}

function unstackKernel({ inputs, backend }: Args): tf.TensorInfo[] {
  const { x } = inputs as { x: tf.TensorInfo };
  const [count, ...shape] = x.shape;
  const n = tf.util.sizeFromShape(shape);
  const outs = Array.from({ length: count! }, () => allocOutput(shape, 'float32', backend));
  const group = slots() - 1;
  for (let k0 = 0; k0 < outs.length; k0 += group) {
    const g = outs.slice(k0, k0 + group);
    launch({ key: `unstack-${g.length}`, wgsl: copyWgsl(g.length, true), buffers: [x, ...g], uniforms: [{ u32: n }, { u32: k0 * n }], constantUniforms: true, workgroups: grid(Math.ceil((n * g.length) / 256)) }, backend);
  }
  return outs;
}

const GATHER = /* wgsl */ `
struct U { s: u32, d: u32 }
@group(0) @binding(0) var<storage, read_write> xin: array<f32>;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> slotToken: array<i32>;
@group(0) @binding(3) var<uniform> u: U;
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.y * nwg.x + wid.x) * 256u + lid;
  if (i >= u.s * u.d) { return; }
  let s = i / u.d;
  let c = i - s * u.d;
  let t = slotToken[s];
  var v = 0.0;
  if (t >= 0) { v = x[u32(t) * u.d + c]; }
  xin[i] = v;
}
`;

const GATHER_GRAD = /* wgsl */ `
struct U { t: u32, d: u32, k: u32 }
@group(0) @binding(0) var<storage, read_write> dx: array<f32>;
@group(0) @binding(1) var<storage, read> dxin: array<f32>;
@group(0) @binding(2) var<storage, read> tokenSlot: array<i32>;
@group(0) @binding(3) var<uniform> u: U;
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.y * nwg.x + wid.x) * 256u + lid;
  if (i >= u.t * u.d) { return; }
  let t = i / u.d;
  let c = i - t * u.d;
  var v = 0.0;
  for (var r = 0u; r < u.k; r = r + 1u) {
    let s = tokenSlot[t * u.k + r];
    if (s >= 0) { v = v + dxin[u32(s) * u.d + c]; }
  }
  dx[i] = v;
}
`;

const COMBINE = /* wgsl */ `
struct U { t: u32, d: u32, k: u32, e: u32, cap: u32 }
@group(0) @binding(0) var<storage, read_write> y: array<f32>;
@group(0) @binding(1) var<storage, read> h: array<f32>;
@group(0) @binding(2) var<storage, read> probs: array<f32>;
@group(0) @binding(3) var<storage, read> tokenSlot: array<i32>;
@group(0) @binding(4) var<uniform> u: U;
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.y * nwg.x + wid.x) * 256u + lid;
  if (i >= u.t * u.d) { return; }
  let t = i / u.d;
  let c = i - t * u.d;
  var v = 0.0;
  for (var r = 0u; r < u.k; r = r + 1u) {
    let s = tokenSlot[t * u.k + r];
    if (s >= 0) { v = v + probs[t * u.e + u32(s) / u.cap] * h[u32(s) * u.d + c]; }
  }
  y[i] = v;
}
`;

const COMBINE_GRAD_H = /* wgsl */ `
struct U { s: u32, d: u32, e: u32, cap: u32 }
@group(0) @binding(0) var<storage, read_write> dh: array<f32>;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> probs: array<f32>;
@group(0) @binding(3) var<storage, read> slotToken: array<i32>;
@group(0) @binding(4) var<uniform> u: U;
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.y * nwg.x + wid.x) * 256u + lid;
  if (i >= u.s * u.d) { return; }
  let s = i / u.d;
  let c = i - s * u.d;
  let t = slotToken[s];
  var v = 0.0;
  if (t >= 0) { v = probs[u32(t) * u.e + s / u.cap] * dy[u32(t) * u.d + c]; }
  dh[i] = v;
}
`;

/** dprobs[t, e] = dy[t] · h[s] for the token's slot s in expert e (0 if none); one workgroup of 64 per (t, e). */
const COMBINE_GRAD_P = /* wgsl */ `
struct U { t: u32, d: u32, k: u32, e: u32, cap: u32 }
@group(0) @binding(0) var<storage, read_write> dp: array<f32>;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> h: array<f32>;
@group(0) @binding(3) var<storage, read> tokenSlot: array<i32>;
@group(0) @binding(4) var<uniform> u: U;
var<workgroup> red: array<f32, 64>;
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let id = wid.y * nwg.x + wid.x;
  if (id >= u.t * u.e) { return; }
  let t = id / u.e;
  let e = id - t * u.e;
  var slot = -1;
  for (var r = 0u; r < u.k; r = r + 1u) {
    let s = tokenSlot[t * u.k + r];
    if (s >= 0 && u32(s) / u.cap == e) { slot = s; }
  }
  var v = 0.0;
  if (slot >= 0) {
    for (var c = lid; c < u.d; c = c + 64u) { v = v + dy[t * u.d + c] * h[u32(slot) * u.d + c]; }
  }
  red[lid] = v;
  workgroupBarrier();
  for (var s2 = 32u; s2 > 0u; s2 = s2 >> 1u) {
    if (lid < s2) { red[lid] = red[lid] + red[lid + s2]; }
    workgroupBarrier();
  }
  if (lid == 0u) { dp[id] = red[0]; }
}
`;

/** COMBINE_GRAD_P plus the router losses' terms: dprobs += (dB + lb·dAux)·E/T·f_e, dlse = (dZ + zc·dAux)·2·lse/T. */
const COMBINE_LOSSES_GRAD_P = /* wgsl */ `
struct U { t: u32, d: u32, k: u32, e: u32, cap: u32, lb: f32, zc: f32 }
@group(0) @binding(0) var<storage, read_write> dp: array<f32>;
@group(0) @binding(1) var<storage, read_write> dlse: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read> h: array<f32>;
@group(0) @binding(4) var<storage, read> tokenSlot: array<i32>;
@group(0) @binding(5) var<storage, read> dB: array<f32>;
@group(0) @binding(6) var<storage, read> dZ: array<f32>;
@group(0) @binding(7) var<storage, read> dAux: array<f32>;
@group(0) @binding(8) var<storage, read> lse: array<f32>;
@group(0) @binding(9) var<storage, read> assigned: array<f32>;
@group(0) @binding(10) var<uniform> u: U;
var<workgroup> red: array<f32, 64>;
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let id = wid.y * nwg.x + wid.x;
  if (id >= u.t * u.e) { return; }
  let t = id / u.e;
  let e = id - t * u.e;
  var slot = -1;
  for (var r = 0u; r < u.k; r = r + 1u) {
    let s = tokenSlot[t * u.k + r];
    if (s >= 0 && u32(s) / u.cap == e) { slot = s; }
  }
  var v = 0.0;
  if (slot >= 0) {
    for (var c = lid; c < u.d; c = c + 64u) { v = v + dy[t * u.d + c] * h[u32(slot) * u.d + c]; }
  }
  red[lid] = v;
  workgroupBarrier();
  for (var s2 = 32u; s2 > 0u; s2 = s2 >> 1u) {
    if (lid < s2) { red[lid] = red[lid] + red[lid + s2]; }
    workgroupBarrier();
  }
  if (lid == 0u) {
    dp[id] = red[0] + (dB[0] + u.lb * dAux[0]) * f32(u.e) / f32(u.t) * assigned[e];
    if (e == 0u) { dlse[t] = (dZ[0] + u.zc * dAux[0]) * 2.0 * lse[t] / f32(u.t); }
  }
}
`;

/** Chunks of assignments per workgroup-local scan in the routing kernel (and the most experts it takes). */
const ROUTE_CHUNKS = 64;
export const ROUTE_MAX_EXPERTS = 64;

const ROUTE = /* wgsl */ `
struct U { t: u32, e: u32, k: u32, cap: u32 }
@group(0) @binding(0) var<storage, read_write> slotToken: array<i32>;
@group(0) @binding(1) var<storage, read_write> tokenSlot: array<i32>;
@group(0) @binding(2) var<storage, read_write> stats: array<f32>;
@group(0) @binding(3) var<storage, read_write> assigned: array<f32>;
@group(0) @binding(4) var<storage, read> probs: array<f32>;
@group(0) @binding(5) var<uniform> u: U;
var<workgroup> cnt: array<u32, ${ROUTE_CHUNKS * ROUTE_MAX_EXPERTS}>;
@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) lid: u32) {
  // 0. Empty slots; 1. top-k experts of each token (ties: lower expert index), stored as expert ids.
  for (var s = lid; s < u.e * u.cap; s = s + 256u) { slotToken[s] = -1; }
  for (var t = lid; t < u.t; t = t + 256u) {
    var taken = 0u;
    var takenHi = 0u;
    for (var r = 0u; r < u.k; r = r + 1u) {
      var best = 0u;
      var bestP = -1.0;
      for (var e = 0u; e < u.e; e = e + 1u) {
        var used = false;
        if (e < 32u) { used = ((taken >> e) & 1u) == 1u; } else { used = ((takenHi >> (e - 32u)) & 1u) == 1u; }
        let p = probs[t * u.e + e];
        if (!used && p > bestP) { bestP = p; best = e; }
      }
      if (best < 32u) { taken = taken | (1u << best); } else { takenHi = takenHi | (1u << (best - 32u)); }
      tokenSlot[t * u.k + r] = i32(best);
    }
  }
  for (var i = lid; i < ${ROUTE_CHUNKS * ROUTE_MAX_EXPERTS}u; i = i + 256u) { cnt[i] = 0u; }
  storageBarrier();
  workgroupBarrier();
  // 2. Assignment a = r·T + t in serving order; chunk c of ${ROUTE_CHUNKS} counts its assignments per expert.
  let total = u.t * u.k;
  let per = (total + ${ROUTE_CHUNKS}u - 1u) / ${ROUTE_CHUNKS}u;
  if (lid < ${ROUTE_CHUNKS}u) {
    for (var a = lid * per; a < min(total, (lid + 1u) * per); a = a + 1u) {
      let r = a / u.t;
      let t = a - r * u.t;
      let e = u32(tokenSlot[t * u.k + r]);
      cnt[lid * ${ROUTE_MAX_EXPERTS}u + e] = cnt[lid * ${ROUTE_MAX_EXPERTS}u + e] + 1u;
    }
  }
  workgroupBarrier();
  // 3. Exclusive prefix over chunks per expert; totals give the statistics.
  if (lid < u.e) {
    var run = 0u;
    for (var c = 0u; c < ${ROUTE_CHUNKS}u; c = c + 1u) {
      let v = cnt[c * ${ROUTE_MAX_EXPERTS}u + lid];
      cnt[c * ${ROUTE_MAX_EXPERTS}u + lid] = run;
      run = run + v;
    }
    stats[lid] = f32(min(run, u.cap));
    assigned[lid] = f32(run) / f32(total);
  }
  workgroupBarrier();
  // 4. Positions within each expert's queue; kept assignments get slot e·cap + position.
  if (lid < ${ROUTE_CHUNKS}u) {
    for (var a = lid * per; a < min(total, (lid + 1u) * per); a = a + 1u) {
      let r = a / u.t;
      let t = a - r * u.t;
      let e = u32(tokenSlot[t * u.k + r]);
      let pos = cnt[lid * ${ROUTE_MAX_EXPERTS}u + e];
      cnt[lid * ${ROUTE_MAX_EXPERTS}u + e] = pos + 1u;
      if (pos < u.cap) {
        let s = e * u.cap + pos;
        slotToken[s] = i32(t);
        tokenSlot[t * u.k + r] = i32(s);
      } else {
        tokenSlot[t * u.k + r] = -1;
      }
    }
  }
  storageBarrier();
  workgroupBarrier();
  if (lid == 0u) {
    var served = 0.0;
    for (var e = 0u; e < u.e; e = e + 1u) { served = served + stats[e]; }
    stats[u.e] = (f32(total) - served) / f32(total);
  }
}
`;

function gatherKernel({ inputs, backend }: Args): tf.TensorInfo {
  const { x, slotToken } = inputs as Record<string, tf.TensorInfo>;
  const s = slotToken!.shape[0]!;
  const d = x!.shape[1]!;
  const out = allocOutput([s, d], 'float32', backend);
  launch({ key: 'moe-gather', wgsl: GATHER, buffers: [out, x!, slotToken!], uniforms: [{ u32: s }, { u32: d }], constantUniforms: true, workgroups: grid(Math.ceil((s * d) / 256)) }, backend);
  return out;
}

function gatherGradKernel({ inputs, backend }: Args): tf.TensorInfo {
  const { dy, tokenSlot } = inputs as Record<string, tf.TensorInfo>;
  const [t, k] = tokenSlot!.shape as [number, number];
  const d = dy!.shape[1]!;
  const dx = allocOutput([t, d], 'float32', backend);
  launch({ key: 'moe-gather-grad', wgsl: GATHER_GRAD, buffers: [dx, dy!, tokenSlot!], uniforms: [{ u32: t }, { u32: d }, { u32: k }], constantUniforms: true, workgroups: grid(Math.ceil((t * d) / 256)) }, backend);
  return dx;
}

function combineKernel({ inputs, backend, attrs }: Args): tf.TensorInfo {
  const { h, probs, tokenSlot } = inputs as Record<string, tf.TensorInfo>;
  const [t, e] = probs!.shape as [number, number];
  const k = tokenSlot!.shape[1]!;
  const d = h!.shape[1]!;
  const cap = Number(attrs!.cap);
  const y = allocOutput([t, d], 'float32', backend);
  launch({ key: 'moe-combine', wgsl: COMBINE, buffers: [y, h!, probs!, tokenSlot!], uniforms: [{ u32: t }, { u32: d }, { u32: k }, { u32: e }, { u32: cap }], constantUniforms: true, workgroups: grid(Math.ceil((t * d) / 256)) }, backend);
  return y;
}

function combineGradHKernel({ inputs, backend, attrs }: Args): tf.TensorInfo {
  const { dy, probs, slotToken } = inputs as Record<string, tf.TensorInfo>;
  const e = probs!.shape[1]!;
  const s = slotToken!.shape[0]!;
  const d = dy!.shape[1]!;
  const dh = allocOutput([s, d], 'float32', backend);
  launch({ key: 'moe-combine-dh', wgsl: COMBINE_GRAD_H, buffers: [dh, dy!, probs!, slotToken!], uniforms: [{ u32: s }, { u32: d }, { u32: e }, { u32: Number(attrs!.cap) }], constantUniforms: true, workgroups: grid(Math.ceil((s * d) / 256)) }, backend);
  return dh;
}

function combineGradPKernel({ inputs, backend, attrs }: Args): tf.TensorInfo {
  const { dy, h, tokenSlot, probs } = inputs as Record<string, tf.TensorInfo>;
  const [t, e] = probs!.shape as [number, number];
  const k = tokenSlot!.shape[1]!;
  const d = dy!.shape[1]!;
  const dp = allocOutput([t, e], 'float32', backend);
  launch({ key: 'moe-combine-dp', wgsl: COMBINE_GRAD_P, buffers: [dp, dy!, h!, tokenSlot!], uniforms: [{ u32: t }, { u32: d }, { u32: k }, { u32: e }, { u32: Number(attrs!.cap) }], constantUniforms: true, workgroups: grid(t * e) }, backend);
  return dp;
}

function combineLossesKernel({ inputs, backend, attrs }: Args): tf.TensorInfo[] {
  const { probs, lse, assigned } = inputs as Record<string, tf.TensorInfo>;
  const y = combineKernel({ inputs, backend, attrs });
  const [t, e] = probs!.shape as [number, number];
  const outs = [allocOutput([], 'float32', backend), allocOutput([], 'float32', backend), allocOutput([], 'float32', backend)];
  const coefs = [{ f32: Number(attrs!.lbCoef) }, { f32: Number(attrs!.zCoef) }];
  launch({ key: 'router-losses', wgsl: LOSSES_WGSL, buffers: [...outs, probs!, lse!, assigned!], uniforms: [{ u32: t }, { u32: e }, ...coefs], constantUniforms: true, workgroups: [1] }, backend);
  return [y, ...outs];
}

function combineLossesGradPKernel({ inputs, backend, attrs }: Args): tf.TensorInfo[] {
  const { dy, h, tokenSlot, dB, dZ, dAux, lse, assigned } = inputs as Record<string, tf.TensorInfo>;
  const t = lse!.shape[0]!;
  const e = assigned!.shape[0]!;
  const k = tokenSlot!.shape[1]!;
  const d = dy!.shape[1]!;
  const dp = allocOutput([t, e], 'float32', backend);
  const dlse = allocOutput([t], 'float32', backend);
  const uniforms = [{ u32: t }, { u32: d }, { u32: k }, { u32: e }, { u32: Number(attrs!.cap) }, { f32: Number(attrs!.lbCoef) }, { f32: Number(attrs!.zCoef) }];
  launch({ key: 'moe-combine-losses-dp', wgsl: COMBINE_LOSSES_GRAD_P, buffers: [dp, dlse, dy!, h!, tokenSlot!, dB!, dZ!, dAux!, lse!, assigned!], uniforms, constantUniforms: true, workgroups: grid(t * e) }, backend);
  return [dp, dlse];
}

function routeKernel({ inputs, backend, attrs }: Args): tf.TensorInfo[] {
  const { probs } = inputs as { probs: tf.TensorInfo };
  const [t, e] = probs.shape as [number, number];
  const k = Number(attrs!.topK);
  const cap = Number(attrs!.cap);
  if (e > ROUTE_MAX_EXPERTS || e > 64) throw new Error(`${TOKEN_CHOICE_ROUTE}: at most ${ROUTE_MAX_EXPERTS} experts (got ${e})`);
  const slotToken = allocOutput([e * cap], 'int32', backend);
  const tokenSlot = allocOutput([t, k], 'int32', backend);
  const stats = allocOutput([e + 1], 'float32', backend);
  const assigned = allocOutput([e], 'float32', backend);
  launch({ key: 'moe-route-tc', wgsl: ROUTE, buffers: [slotToken, tokenSlot, stats, assigned, probs], uniforms: [{ u32: t }, { u32: e }, { u32: k }, { u32: cap }], constantUniforms: true, workgroups: [1] }, backend);
  return [slotToken, tokenSlot, stats, assigned];
}

export function registerMoe(): void {
  const reg = (kernelName: string, f: BackendKernelFunc) => tf.registerKernel({ kernelName, backendName: 'webgpu', kernelFunc: asKernelFunc(f) });
  reg(STACK, stackKernel);
  reg(UNSTACK, unstackKernel);
  reg(MOE_GATHER, gatherKernel);
  reg(MOE_GATHER_GRAD, gatherGradKernel);
  reg(MOE_COMBINE, combineKernel);
  reg(MOE_COMBINE_GRAD_H, combineGradHKernel);
  reg(MOE_COMBINE_GRAD_P, combineGradPKernel);
  reg(TOKEN_CHOICE_ROUTE, routeKernel);
  reg(MOE_COMBINE_LOSSES, combineLossesKernel);
  reg(MOE_COMBINE_LOSSES_GRAD_P, combineLossesGradPKernel);
  tf.registerGradient({
    kernelName: MOE_COMBINE_LOSSES,
    inputsToSave: ['h', 'probs', 'tokenSlot', 'slotToken', 'lse', 'assigned'],
    gradFunc: (dys, saved, attrs) => {
      const [h, probs, tokenSlot, slotToken, lse, assigned] = saved as tf.Tensor[];
      const [dyIn, dB, dZ, dAux] = (dys as Array<tf.Tensor | null>).map((t, i) => t ?? (i === 0 ? tf.zeros([lse!.shape[0]!, h!.shape[1]!]) : tf.zeros([])));
      const a = attrs as tf.NamedAttrMap;
      // Both outputs of one dispatch, made here (each input's thunk runs in its own tidy).
      const [dp, dlse] = tf.engine().runKernel(MOE_COMBINE_LOSSES_GRAD_P, { dy: dyIn!, h: h!, tokenSlot: tokenSlot!, dB: dB!, dZ: dZ!, dAux: dAux!, lse: lse!, assigned: assigned! }, a) as tf.Tensor[];
      return {
        h: () => tf.engine().runKernel(MOE_COMBINE_GRAD_H, { dy: dyIn!, probs: probs!, slotToken: slotToken! }, a) as tf.Tensor,
        probs: () => dp!,
        lse: () => dlse!,
        tokenSlot: () => tf.zeros([0]),
        slotToken: () => tf.zeros([0]),
        assigned: () => tf.zerosLike(assigned!),
      };
    },
  });
  tf.registerGradient({
    kernelName: STACK,
    gradFunc: (dy) => {
      const parts = tf.engine().runKernel(UNSTACK, { x: dy as tf.Tensor }, {}) as tf.Tensor[];
      const out: Record<string, () => tf.Tensor> = {};
      parts.forEach((p, i) => (out[`t${i}`] = () => p));
      return out;
    },
  });
  tf.registerGradient({
    kernelName: MOE_GATHER,
    inputsToSave: ['tokenSlot'],
    gradFunc: (dy, saved) => {
      const [tokenSlot] = saved as [tf.Tensor];
      return {
        x: () => tf.engine().runKernel(MOE_GATHER_GRAD, { dy: dy as tf.Tensor, tokenSlot }, {}) as tf.Tensor,
        slotToken: () => tf.zeros([0]),
        tokenSlot: () => tf.zeros([0]),
      };
    },
  });
  tf.registerGradient({
    kernelName: MOE_COMBINE,
    inputsToSave: ['h', 'probs', 'tokenSlot', 'slotToken'],
    gradFunc: (dy, saved, attrs) => {
      const [h, probs, tokenSlot, slotToken] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
      const a = attrs as tf.NamedAttrMap;
      return {
        h: () => tf.engine().runKernel(MOE_COMBINE_GRAD_H, { dy: dy as tf.Tensor, probs, slotToken }, a) as tf.Tensor,
        probs: () => tf.engine().runKernel(MOE_COMBINE_GRAD_P, { dy: dy as tf.Tensor, h, tokenSlot, probs }, a) as tf.Tensor,
        tokenSlot: () => tf.zeros([0]),
        slotToken: () => tf.zeros([0]),
      };
    },
  });
}
