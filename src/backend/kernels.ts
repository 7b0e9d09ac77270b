/**
 * Kernel replacements per backend, registered with `tf.registerKernel` (platform-notes: wasm's generic
 * Transpose for rank > 2 runs at ~15 M elements/s, far slower than a JS loop over the wasm heap).
 * The model avoids kernels missing on wasm (gathers/scatters and the embedding gradient are JS custom-gradient
 * ops in `src/model/ops.ts`), so these replacements are for speed only.
 */
import * as tf from '@tensorflow/tfjs';

interface WasmLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

/** Output shape and strides of a permutation. */
function transposeInto(src: ArrayLike<number>, dst: { [i: number]: number }, shape: number[], perm: number[]): void {
  const rank = shape.length;
  const inStrides = new Array<number>(rank);
  inStrides[rank - 1] = 1;
  for (let i = rank - 2; i >= 0; i--) inStrides[i] = inStrides[i + 1]! * shape[i + 1]!;
  const outShape = perm.map((p) => shape[p]!);
  const strideOfOut = perm.map((p) => inStrides[p]!);
  // Iterate output in order; innermost output axis loops with a fixed input stride.
  const inner = outShape[rank - 1]!;
  const innerStride = strideOfOut[rank - 1]!;
  const outer = outShape.slice(0, rank - 1);
  const outerCount = outer.reduce((a, b) => a * b, 1);
  const idx = new Array<number>(rank - 1).fill(0);
  let o = 0;
  for (let c = 0; c < outerCount; c++) {
    let base = 0;
    for (let a = 0; a < rank - 1; a++) base += idx[a]! * strideOfOut[a]!;
    if (innerStride === 1) {
      for (let j = 0; j < inner; j++) dst[o++] = src[base + j]!;
    } else {
      for (let j = 0, s = base; j < inner; j++, s += innerStride) dst[o++] = src[s]!;
    }
    for (let a = rank - 2; a >= 0; a--) {
      if (++idx[a]! < outer[a]!) break;
      idx[a] = 0;
    }
  }
}

const done = new Set<string>();
const originals = new Map<string, tf.KernelConfig>();

/** Register the fast kernels for `backend` once per process. */
export function registerFastKernels(backend: string): void {
  if (done.has(backend)) return;
  done.add(backend);
  if (backend === 'wasm') {
    const orig = tf.getKernel('Transpose', 'wasm');
    if (orig) originals.set('wasm/Transpose', orig);
    tf.unregisterKernel('Transpose', 'wasm');
    tf.registerKernel({
      kernelName: 'Transpose',
      backendName: 'wasm',
      kernelFunc: ({ inputs, backend: b, attrs }) => {
        const x = (inputs as { x: tf.TensorInfo }).x;
        const perm = (attrs as unknown as { perm: number[] }).perm;
        const wasm = b as unknown as WasmLike;
        const out = wasm.makeOutput(
          perm.map((p) => x.shape[p]!),
          x.dtype,
        );
        const size = x.shape.reduce((a, c) => a * c, 1);
        if (size > 0) transposeInto(wasm.typedArrayFromHeap(x), wasm.typedArrayFromHeap(out), x.shape, perm);
        return out;
      },
    });
  }
}

/**
 * Put the backend's own kernels back (the `train` benchmark's plain-tfjs reference uses this); a later
 * `registerFastKernels` call registers the fast ones again.
 */
export function restoreDefaultKernels(backend: string): void {
  for (const [key, k] of originals) {
    if (!key.startsWith(`${backend}/`)) continue;
    tf.unregisterKernel(k.kernelName, backend);
    tf.registerKernel(k);
    originals.delete(key);
  }
  done.delete(backend);
}

export { transposeInto };
