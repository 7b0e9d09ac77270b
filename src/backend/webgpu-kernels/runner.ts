/**
 * Launches this project's own WGSL compute kernels on tfjs-backend-webgpu's device, buffers and command
 * encoder, so they interleave with tfjs's programs in one queue. Unlike tfjs's program model (one output,
 * read-only inputs, a uniform buffer written per dispatch) a kernel here may write several outputs, update
 * buffers in place (the fused AdamW), and keep constant uniforms in a cached buffer (no write per dispatch).
 * Only for the webgpu backend; everything it touches is the backend's own bookkeeping, mirrored from its
 * `recordAndSubmit` (tfjs-backend-webgpu 4.22).
 */
import * as tf from '@tensorflow/tfjs';

/** The parts of tfjs-backend-webgpu's `WebGPUBackend` that the runner uses. */
interface WebGpuBackendInternals {
  device: GpuDeviceLike;
  queue: { writeBuffer(buffer: unknown, offset: number, data: ArrayBuffer, dataOffset?: number, size?: number): void };
  tensorMap: { get(id: object): { resource?: unknown; values?: unknown; dtype: string; shape: number[] } | undefined };
  bufferManager: { acquireBuffer(size: number, usage: number, mappedAtCreation?: boolean, reuse?: boolean): unknown };
  uploadToGPU(dataId: object): void;
  makeTensorInfo(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
  commandEncoder: { beginComputePass(d?: unknown): GpuComputePassLike; clearBuffer(b: unknown, offset?: number, size?: number): void } | null;
  computePassEncoder: GpuComputePassLike | null;
  dispatchCountInPass: number;
  commandQueueOwnedIds: WeakSet<object>;
  uniformPendingDisposal: unknown[];
}

interface GpuComputePassLike {
  setPipeline(p: unknown): void;
  setBindGroup(i: number, g: unknown): void;
  dispatchWorkgroups(x: number, y?: number, z?: number): void;
}

interface GpuDeviceLike {
  limits: Record<string, number>;
  features: { has(name: string): boolean };
  createShaderModule(d: { code: string; label?: string }): unknown;
  createComputePipeline(d: unknown): { getBindGroupLayout(i: number): unknown };
  createBindGroup(d: unknown): unknown;
  createBuffer(d: { size: number; usage: number; mappedAtCreation?: boolean }): { getMappedRange(): ArrayBuffer; unmap(): void };
}

/** Whether `b` is tfjs-backend-webgpu's backend (checked by the members only it has). */
function isWebGpuBackend(b: object): b is WebGpuBackendInternals {
  return 'ensureCommandEncoderReady' in b && typeof b.ensureCommandEncoderReady === 'function' && 'device' in b && !!b.device;
}

/** The active backend as webgpu internals; throws unless the webgpu backend is active. */
export function webgpuInternals(backend: tf.KernelBackend = tf.backend()): WebGpuBackendInternals {
  const b: object = backend;
  if (!isWebGpuBackend(b)) throw new Error('moelab webgpu kernels: the active tfjs backend is not webgpu');
  return b;
}

const pipelines = new WeakMap<object, Map<string, { getBindGroupLayout(i: number): unknown }>>();

function pipelineFor(b: WebGpuBackendInternals, key: string, wgsl: string) {
  let cache = pipelines.get(b.device as object);
  if (!cache) {
    cache = new Map();
    pipelines.set(b.device as object, cache);
  }
  let p = cache.get(key);
  if (!p) {
    const module = b.device.createShaderModule({ code: wgsl, label: key });
    p = b.device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' }, label: key });
    cache.set(key, p);
  }
  return p;
}

/** A uniform field: a 32-bit `u32`, `i32` or `f32` (the WGSL struct must declare them in this order). */
export type UniformValue = { u32: number } | { i32: number } | { f32: number };

/** Packs uniform fields into a 16-byte-aligned buffer image (all fields 4-byte scalars). */
export function packUniforms(fields: UniformValue[]): ArrayBuffer {
  const bytes = Math.max(16, Math.ceil((fields.length * 4) / 16) * 16);
  const buf = new ArrayBuffer(bytes);
  const dv = new DataView(buf);
  fields.forEach((f, i) => {
    if ('u32' in f) dv.setUint32(i * 4, f.u32 >>> 0, true);
    else if ('i32' in f) dv.setInt32(i * 4, f.i32 | 0, true);
    else dv.setFloat32(i * 4, f.f32, true);
  });
  return buf;
}

/** Cached uniform buffers for constant uniforms (shapes, offsets), keyed by content; never released. */
const constUniforms = new WeakMap<object, Map<string, unknown>>();
const CONST_UNIFORM_CACHE_MAX = 4096;

/** WebGPU's buffer usage flags the runner needs (a global once Dawn's constants are installed, src/backend/webgpu.ts). */
interface BufferUsageFlags {
  COPY_DST: number;
  UNIFORM: number;
}
let bufferUsage: BufferUsageFlags | undefined;

function gpuBufferUsage(): BufferUsageFlags {
  if (bufferUsage) return bufferUsage;
  const g: object = globalThis;
  const u = 'GPUBufferUsage' in g ? g.GPUBufferUsage : undefined;
  // Dawn's binding makes it a class with static flags (a function), a browser an object.
  if ((typeof u !== 'object' && typeof u !== 'function') || u === null || !('COPY_DST' in u) || !('UNIFORM' in u) || typeof u.COPY_DST !== 'number' || typeof u.UNIFORM !== 'number') {
    throw new Error('moelab webgpu kernels: GPUBufferUsage is not defined; initialise the webgpu backend first (initWebGpu)');
  }
  return (bufferUsage = { COPY_DST: u.COPY_DST, UNIFORM: u.UNIFORM });
}

function uniformBuffer(b: WebGpuBackendInternals, data: ArrayBuffer, constant: boolean): unknown {
  const GPUBufferUsage = gpuBufferUsage();
  const usage = GPUBufferUsage.COPY_DST | GPUBufferUsage.UNIFORM;
  if (constant) {
    let cache = constUniforms.get(b.device as object);
    if (!cache) {
      cache = new Map();
      constUniforms.set(b.device as object, cache);
    }
    const key = Buffer.from(data).toString('base64');
    let buf = cache.get(key);
    if (!buf && cache.size < CONST_UNIFORM_CACHE_MAX) {
      // Created mapped and filled once: no queue write per use.
      const created = b.device.createBuffer({ size: data.byteLength, usage: GPUBufferUsage.UNIFORM, mappedAtCreation: true });
      new Uint8Array(created.getMappedRange()).set(new Uint8Array(data));
      created.unmap();
      cache.set(key, created);
      buf = created;
    }
    if (buf) return buf;
  }
  const buf = b.bufferManager.acquireBuffer(data.byteLength, usage);
  b.queue.writeBuffer(buf, 0, data, 0, data.byteLength);
  b.uniformPendingDisposal.push(buf);
  return buf;
}

/** One kernel launch. */
export interface KernelLaunch {
  /** Pipeline cache key: must change whenever the WGSL text changes. */
  key: string;
  /** The shader: entry point `main`; bindings 0..n-1 are `buffers` in order, binding n the uniforms (if any). */
  wgsl: string;
  /** Tensors bound in order as storage buffers (outputs and inputs alike; the WGSL says which it writes). */
  buffers: tf.TensorInfo[];
  /** Uniform fields, bound after the buffers. */
  uniforms?: UniformValue[];
  /** Uniforms that are the same every step (shapes): kept in a cached buffer instead of written per launch. */
  constantUniforms?: boolean;
  /** Workgroups to dispatch. */
  workgroups: [number, number?, number?];
}

/** Allocates an output tensor on the GPU (contents undefined: the kernel must write every element). */
export function allocOutput(shape: number[], dtype: tf.DataType = 'float32', backend?: tf.KernelBackend): tf.TensorInfo {
  const b = webgpuInternals(backend);
  const info = b.makeTensorInfo(shape, dtype);
  b.uploadToGPU(info.dataId);
  return info;
}

/** Records one dispatch of `launch` into the backend's current compute pass (as tfjs's own programs do). */
export function launch(l: KernelLaunch, backend?: tf.KernelBackend): void {
  const b = webgpuInternals(backend);
  const maxPerDim = b.device.limits.maxComputeWorkgroupsPerDimension ?? 65535;
  const [x, y = 1, z = 1] = l.workgroups;
  if (x > maxPerDim || y > maxPerDim || z > maxPerDim) {
    throw new Error(`moelab webgpu kernel ${l.key}: dispatch [${x}, ${y}, ${z}] exceeds ${maxPerDim} workgroups per dimension`);
  }
  if (x === 0 || y === 0 || z === 0) return;
  for (const t of l.buffers) b.uploadToGPU(t.dataId);
  const pipeline = pipelineFor(b, l.key, l.wgsl);
  const entries: Array<{ binding: number; resource: unknown }> = l.buffers.map((t, i) => {
    const res = b.tensorMap.get(t.dataId)?.resource;
    if (!res) throw new Error(`moelab webgpu kernel ${l.key}: binding ${i} has no GPU buffer`);
    return { binding: i, resource: { buffer: res } };
  });
  if (l.uniforms && l.uniforms.length > 0) {
    entries.push({ binding: l.buffers.length, resource: { buffer: uniformBuffer(b, packUniforms(l.uniforms), l.constantUniforms === true) } });
  }
  const bindGroup = b.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
  for (const t of l.buffers) b.commandQueueOwnedIds.add(t.dataId);
  b.ensureCommandEncoderReady();
  if (!b.computePassEncoder) b.computePassEncoder = b.commandEncoder!.beginComputePass({});
  b.computePassEncoder.setPipeline(pipeline);
  b.computePassEncoder.setBindGroup(0, bindGroup);
  b.computePassEncoder.dispatchWorkgroups(x, y, z);
  b.dispatchCountInPass++;
  if (b.dispatchCountInPass >= (tf.env().get('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE') as number)) {
    b.endComputePassEncoder();
    b.submitQueue();
  }
}

/** Whether the webgpu device was created with `feature` (e.g. `shader-f16`, `subgroups`). */
export function deviceHasFeature(feature: string, backend?: tf.KernelBackend): boolean {
  return webgpuInternals(backend).device.features.has(feature);
}

/** A device limit, e.g. `maxStorageBuffersPerShaderStage`. */
export function deviceLimit(name: string, backend?: tf.KernelBackend): number {
  return Number(webgpuInternals(backend).device.limits[name] ?? 0);
}

/** ceil(a / b) for workgroup counts. */
export const divUp = (a: number, b: number): number => Math.ceil(a / b);

/**
 * Splits `count` workgroups over x and y so neither exceeds the per-dimension limit; kernels recover the
 * linear id as `wid.y * nwg.x + wid.x` and skip ids ≥ count.
 */
export function grid(count: number, maxPerDim = 65535): [number, number] {
  if (count <= maxPerDim) return [Math.max(1, count), 1];
  const y = Math.ceil(count / maxPerDim);
  return [Math.ceil(count / y), y];
}
