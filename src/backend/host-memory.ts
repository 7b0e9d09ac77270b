/**
 * Raw access to the float32 memory of the host backends, for the native addon's kernels and the fused
 * optimizer: the wasm backend keeps tensors on its heap (one ArrayBuffer; offsets in bytes), the cpu backend
 * in one Float32Array per tensor. Device backends (webgpu, tensorflow) have none: `hostMemory` returns null.
 */
import * as tf from '@tensorflow/tfjs';

export interface HostMemory {
  /** Allocate an uninitialised float32 tensor of `shape` on the backend (a kernel output). */
  alloc(shape: number[]): tf.TensorInfo;
  /**
   * Where a tensor's values live, as (buffer, byte offset) for the addon. On wasm the buffer is only valid
   * until the next allocation (a growing heap is a new ArrayBuffer): locate after allocating.
   */
  locate(t: tf.TensorInfo): [ArrayBuffer | Float32Array, number];
}

interface WasmLike {
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  dataIdMap: { get(dataId: object): { memoryOffset: number } };
  wasm: { HEAPU8: Uint8Array };
}

interface CpuLike {
  data: { get(dataId: object): { values: unknown } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: Float32Array): tf.TensorInfo;
}

const cache = new WeakMap<object, HostMemory>();

/**
 * Host memory of `backend` (a tfjs backend object) named `name`, or null for device backends. One accessor
 * per backend object (kernels call this on every invocation).
 */
export function hostMemory(name: string = tf.getBackend(), backend: unknown = tf.backend()): HostMemory | null {
  if (name !== 'wasm' && name !== 'cpu') return null;
  let mem = cache.get(backend as object);
  if (!mem) cache.set(backend as object, (mem = makeHostMemory(name, backend)));
  return mem;
}

function makeHostMemory(name: 'wasm' | 'cpu', backend: unknown): HostMemory {
  if (name === 'wasm') {
    const be = backend as WasmLike;
    return {
      alloc: (shape) => be.makeOutput(shape, 'float32'),
      locate: (t) => [be.wasm.HEAPU8.buffer as ArrayBuffer, be.dataIdMap.get(t.dataId).memoryOffset],
    };
  }
  const be = backend as CpuLike;
  return {
    alloc: (shape) => be.makeTensorInfo(shape, 'float32', new Float32Array(shape.reduce((a, b) => a * b, 1))),
    locate: (t) => {
      const v = be.data.get(t.dataId).values;
      if (!(v instanceof Float32Array)) throw new Error(`host memory: tensor of dtype ${t.dtype} has no float32 values on the cpu backend`);
      return [v, 0];
    },
  };
}

/** A tf.Tensor owning a kernel-style output allocated with `hostMemory().alloc`. */
export function tensorOf(info: tf.TensorInfo): tf.Tensor {
  return tf.engine().makeTensorFromTensorInfo(info);
}
