/**
 * Token + position embedding on the webgpu backend: x[t] = tok[ids[t]] + pos[t mod S] in one dispatch; the
 * backward in gather form (deterministic, no atomics): dtok[v] = Σ dy[t] over the rows t whose token is v, read
 * from a CSR index (offsets [V + 1], rows [T]) the host builds from the token ids it already holds, and
 * dpos[p] = Σ_b dy[b·S + p] (rows p ≥ S of the table get 0). tfjs composes two gathers, an add, and per table an
 * unsortedSegmentSum with two transposes and a zero fill.
 */
import * as tf from '@tensorflow/tfjs';
import { asKernelFunc } from '../tf-interop';
import { allocOutput, grid, launch } from './runner';

export const EMBED = 'MoelabEmbedding';
export const EMBED_GRAD = 'MoelabEmbeddingGrad';

const FWD = /* wgsl */ `
struct U { t: u32, d: u32, s: u32 }
@group(0) @binding(0) var<storage, read_write> x: array<f32>;
@group(0) @binding(1) var<storage, read> tok: array<f32>;
@group(0) @binding(2) var<storage, read> pos: array<f32>;
@group(0) @binding(3) var<storage, read> ids: array<i32>;
@group(0) @binding(4) var<uniform> u: U;
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.y * nwg.x + wid.x) * 256u + lid;
  if (i >= u.t * u.d) { return; }
  let t = i / u.d;
  let c = i - t * u.d;
  x[i] = tok[u32(ids[t]) * u.d + c] + pos[(t % u.s) * u.d + c];
}
`;

const DTOK = /* wgsl */ `
struct U { v: u32, d: u32 }
@group(0) @binding(0) var<storage, read_write> dtok: array<f32>;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> offsets: array<i32>;
@group(0) @binding(3) var<storage, read> rows: array<i32>;
@group(0) @binding(4) var<uniform> u: U;
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.y * nwg.x + wid.x) * 256u + lid;
  if (i >= u.v * u.d) { return; }
  let v = i / u.d;
  let c = i - v * u.d;
  var s = 0.0;
  for (var k = offsets[v]; k < offsets[v + 1u]; k = k + 1) { s = s + dy[u32(rows[k]) * u.d + c]; }
  dtok[i] = s;
}
`;

const DPOS = /* wgsl */ `
struct U { p: u32, d: u32, s: u32, b: u32 }
@group(0) @binding(0) var<storage, read_write> dpos: array<f32>;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<uniform> u: U;
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.y * nwg.x + wid.x) * 256u + lid;
  if (i >= u.p * u.d) { return; }
  let p = i / u.d;
  let c = i - p * u.d;
  var s = 0.0;
  if (p < u.s) {
    for (var b = 0u; b < u.b; b = b + 1u) { s = s + dy[(b * u.s + p) * u.d + c]; }
  }
  dpos[i] = s;
}
`;

type Args = { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs?: tf.NamedAttrMap };

function embedKernel({ inputs, backend, attrs }: Args): tf.TensorInfo {
  const { tok, pos, ids } = inputs as Record<string, tf.TensorInfo>;
  const t = ids!.shape[0]!;
  const d = tok!.shape[1]!;
  const s = Number(attrs!.seqLen);
  const x = allocOutput([t, d], 'float32', backend);
  launch({ key: 'embed-fwd', wgsl: FWD, buffers: [x, tok!, pos!, ids!], uniforms: [{ u32: t }, { u32: d }, { u32: s }], constantUniforms: true, workgroups: grid(Math.ceil((t * d) / 256)) }, backend);
  return x;
}

function embedGradKernel({ inputs, backend, attrs }: Args): tf.TensorInfo[] {
  const { dy, offsets, rows } = inputs as Record<string, tf.TensorInfo>;
  const v = Number(attrs!.vocab);
  const p = Number(attrs!.positions);
  const s = Number(attrs!.seqLen);
  const [t, d] = dy!.shape as [number, number];
  const dtok = allocOutput([v, d], 'float32', backend);
  const dpos = allocOutput([p, d], 'float32', backend);
  launch({ key: 'embed-dtok', wgsl: DTOK, buffers: [dtok, dy!, offsets!, rows!], uniforms: [{ u32: v }, { u32: d }], constantUniforms: true, workgroups: grid(Math.ceil((v * d) / 256)) }, backend);
  launch({ key: 'embed-dpos', wgsl: DPOS, buffers: [dpos, dy!], uniforms: [{ u32: p }, { u32: d }, { u32: s }, { u32: t / s }], constantUniforms: true, workgroups: grid(Math.ceil((p * d) / 256)) }, backend);
  return [dtok, dpos];
}

/** CSR index of the rows holding each token id: offsets [vocab + 1], rows [T] (ascending within a token). */
export function tokenRowsIndex(ids: Int32Array, vocab: number): { offsets: Int32Array; rows: Int32Array } {
  const offsets = new Int32Array(vocab + 1);
  for (const v of ids) {
    if (v < 0 || v >= vocab) throw new RangeError(`token id ${v} outside the embedding table's ${vocab} rows`);
    offsets[v + 1]!++;
  }
  for (let v = 0; v < vocab; v++) offsets[v + 1]! += offsets[v]!;
  const fill = offsets.slice(0, vocab);
  const rows = new Int32Array(ids.length);
  ids.forEach((v, t) => (rows[fill[v]!++] = t));
  return { offsets, rows };
}

export function registerEmbedding(): void {
  tf.registerKernel({ kernelName: EMBED, backendName: 'webgpu', kernelFunc: asKernelFunc(embedKernel) });
  tf.registerKernel({ kernelName: EMBED_GRAD, backendName: 'webgpu', kernelFunc: asKernelFunc(embedGradKernel) });
  tf.registerGradient({
    kernelName: EMBED,
    inputsToSave: ['tok', 'pos', 'offsets', 'rows'],
    gradFunc: (dy, saved, attrs) => {
      const [tok, pos, offsets, rows] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
      const a: tf.NamedAttrMap = { ...attrs, vocab: tok.shape[0]!, positions: pos.shape[0]! };
      const [dtok, dpos] = tf.engine().runKernel<tf.Tensor[]>(EMBED_GRAD, { dy: dy as tf.Tensor, offsets, rows }, a);
      return { tok: () => dtok!, pos: () => dpos!, ids: () => tf.zeros([0]), offsets: () => tf.zeros([0]), rows: () => tf.zeros([0]) };
    },
  });
}
