/**
 * Exact GELU, x · Φ(x), on the webgpu backend in one dispatch each way (tfjs composes it from 4 kernels
 * forward and 7 backward). Φ uses erf by Abramowitz & Stegun 7.1.26 (|error| ≤ 1.5e-7, the approximation
 * tfjs's own erf kernels use); the gradient is Φ(x) + x · φ(x), as `gelu` in src/model/ops.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { asKernelFunc } from '../tf-interop';
import { allocOutput, grid, launch } from './runner';

export const GELU = 'MoelabGelu';
export const GELU_GRAD = 'MoelabGeluGrad';

const ERF = /* wgsl */ `
fn erfAS(x: f32) -> f32 {
  let ax = abs(x);
  let t = 1.0 / (1.0 + 0.3275911 * ax);
  let poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return sign(x) * (1.0 - poly * exp(-ax * ax));
}
fn cdf(x: f32) -> f32 { return 0.5 * (1.0 + erfAS(x * 0.7071067811865476)); }
`;

const FWD = /* wgsl */ `
struct U { n: u32 }
@group(0) @binding(0) var<storage, read_write> y: array<f32>;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<uniform> u: U;
${ERF}
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.y * nwg.x + wid.x) * 256u + lid;
  if (i >= u.n) { return; }
  let v = x[i];
  y[i] = v * cdf(v);
}
`;

const BWD = /* wgsl */ `
struct U { n: u32 }
@group(0) @binding(0) var<storage, read_write> dx: array<f32>;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<uniform> u: U;
${ERF}
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.y * nwg.x + wid.x) * 256u + lid;
  if (i >= u.n) { return; }
  let v = x[i];
  let pdf = exp(-0.5 * v * v) * 0.3989422804014327;
  dx[i] = dy[i] * (cdf(v) + v * pdf);
}
`;

function geluKernel({ inputs, backend }: { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend }): tf.TensorInfo {
  const { x } = inputs as { x: tf.TensorInfo };
  const n = tf.util.sizeFromShape(x.shape);
  const y = allocOutput(x.shape, 'float32', backend);
  launch({ key: 'gelu-fwd', wgsl: FWD, buffers: [y, x], uniforms: [{ u32: n }], constantUniforms: true, workgroups: grid(Math.ceil(n / 256)) }, backend);
  return y;
}

function geluGradKernel({ inputs, backend }: { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend }): tf.TensorInfo {
  const { dy, x } = inputs as { dy: tf.TensorInfo; x: tf.TensorInfo };
  const n = tf.util.sizeFromShape(x.shape);
  const dx = allocOutput(x.shape, 'float32', backend);
  launch({ key: 'gelu-bwd', wgsl: BWD, buffers: [dx, dy, x], uniforms: [{ u32: n }], constantUniforms: true, workgroups: grid(Math.ceil(n / 256)) }, backend);
  return dx;
}

export function registerGelu(): void {
  tf.registerKernel({ kernelName: GELU, backendName: 'webgpu', kernelFunc: asKernelFunc(geluKernel) });
  tf.registerKernel({ kernelName: GELU_GRAD, backendName: 'webgpu', kernelFunc: asKernelFunc(geluGradKernel) });
  tf.registerGradient({
    kernelName: GELU,
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => {
      const [x] = saved as [tf.Tensor];
      return { x: () => tf.engine().runKernel(GELU_GRAD, { dy: dy as tf.Tensor, x }, {}) as tf.Tensor };
    },
  });
}
