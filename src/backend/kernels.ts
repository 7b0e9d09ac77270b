/**
 * Kernel replacements per backend, registered with `tf.registerKernel` (platform-notes: wasm's generic
 * Transpose for rank > 2 runs at ~15 M elements/s, far slower than a JS loop over the wasm heap).
 * The model avoids kernels missing on wasm (gathers/scatters and the embedding gradient are JS custom-gradient
 * ops in `src/model/ops.ts`), so these replacements are for speed only.
 */
import * as tf from '@tensorflow/tfjs';
import { hostMemory } from './host-memory';
import { booleanAttr, int32ArrayAttr, numberAttr, numberListAttr, numbersAttr } from './tf-interop';
import { nativeBlas, type NativeBlas } from './native-blas';
import { registerHostFusedKernels, unregisterHostFusedKernels } from './host-fused';

interface WasmModule {
  HEAPU8: Uint8Array;
  _malloc(bytes: number): number;
  _free(ptr: number): void;
  /** wasm's BatchMatMul C entry (tensor ids, pointers to int32 shapes, flags as 0/1). */
  _BatchMatMul?: (aId: number, aShape: number, aRank: number, bId: number, bShape: number, bRank: number, ta: number, tb: number, outId: number) => void;
  tfjs: { registerTensor(id: number, size: number, offset: number): void; disposeData(id: number): void };
}

interface WasmLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
  dataIdMap: { get(dataId: object): { memoryOffset: number } };
  dataIdNextNumber: number;
  wasm: WasmModule;
  disposeData(dataId: object): boolean;
}

/** The wasm backend's internals a kernel was called with; a TypeError when tfjs called it with another backend. */
function wasmBackend(b: unknown): WasmLike {
  if (!isWasmLike(b)) throw new TypeError('moelab wasm kernel: called without the wasm backend');
  return b;
}

function isWasmLike(b: unknown): b is WasmLike {
  return (
    typeof b === 'object' && b !== null &&
    'makeOutput' in b && typeof b.makeOutput === 'function' &&
    'typedArrayFromHeap' in b && typeof b.typedArrayFromHeap === 'function' &&
    'dataIdMap' in b && 'wasm' in b
  );
}

/**
 * dst[b, c, r] = src[b, r, c] for `batch` matrices of `rows`×`cols`, in square tiles so both sides stay in
 * cache (the strided generic loop below is ~4x slower on the [2048,128] activations of a matmul gradient).
 */
function transposeLastTwo(src: Float32Array | Int32Array | Uint8Array, dst: Float32Array | Int32Array | Uint8Array, batch: number, rows: number, cols: number): void {
  const T = 16;
  const mat = rows * cols;
  for (let b = 0; b < batch; b++) {
    const base = b * mat;
    for (let r0 = 0; r0 < rows; r0 += T) {
      const r1 = Math.min(rows, r0 + T);
      for (let c0 = 0; c0 < cols; c0 += T) {
        const c1 = Math.min(cols, c0 + T);
        for (let c = c0; c < c1; c++) {
          let o = base + c * rows + r0;
          for (let r = r0, i = base + r0 * cols + c; r < r1; r++, i += cols) dst[o++] = src[i]!;
        }
      }
    }
  }
}

/** Write the permutation `perm` of src (shape `shape`) into dst, row-major. */
function transposeInto(src: Float32Array | Int32Array | Uint8Array, dst: Float32Array | Int32Array | Uint8Array, shape: number[], perm: number[]): void {
  const rank = shape.length;
  if (rank >= 2 && perm[rank - 1] === rank - 2 && perm[rank - 2] === rank - 1 && perm.slice(0, rank - 2).every((p, i) => p === i)) {
    const batch = shape.slice(0, rank - 2).reduce((a, b) => a * b, 1);
    transposeLastTwo(src, dst, batch, shape[rank - 2]!, shape[rank - 1]!);
    return;
  }
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

const shapeBufs = new WeakMap<WasmModule, number>();

/**
 * Call wasm's own 2-D product on registered tensor ids: out [m,n] = a [m,k] @ b [k,n] (XNNPACK path).
 * Shapes go through a small heap buffer allocated once (cwrap's 'array' arguments cost a stack copy per call,
 * which shows on the attention's many small products).
 */
function callMatMul2d(m: WasmModule, idA: number, idB: number, idO: number, M: number, K: number, N: number): void {
  let buf = shapeBufs.get(m);
  if (buf === undefined) {
    buf = m._malloc(24) >>> 0;
    shapeBufs.set(m, buf);
  }
  const sh = new Int32Array(m.HEAPU8.buffer, buf, 6);
  sh[0] = 1;
  sh[1] = M;
  sh[2] = K;
  sh[3] = 1;
  sh[4] = K;
  sh[5] = N;
  if (m._BatchMatMul) m._BatchMatMul(idA, buf, 3, idB, buf + 12, 3, 0, 0, idO);
  else throw new Error('BatchMatMul (wasm): the wasm module exports no _BatchMatMul');
}

/**
 * Batched matmul for wasm that runs every batch entry through the XNNPACK path: that path is taken only for
 * a single [1,m,k]×[1,k,n] product without transpose flags, everything else (batch > 1 or a transpose flag)
 * runs a naive loop at 0.5-2 GFLOP/s. Transposed operands are first transposed into scratch heap memory;
 * each batch entry is then a 2-D product on views of the heap, registered under fresh tensor ids (the wasm
 * side keys its packed-weights cache by id, and disposing the id drops that cache entry). Results equal the
 * default kernel up to float32 summation order.
 */
function wasmBatchMatMul({ inputs, backend: bk, attrs }: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: unknown }): tf.TensorInfo {
  const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
  if (a.dtype !== 'float32' || b.dtype !== 'float32') throw new Error('BatchMatMul (wasm): only float32 is supported');
  const be = bk as WasmLike;
  const m = be.wasm;
  const { M, N, K, batch, strideA, strideB, outShape } = productShape(a, b, transposeA, transposeB, 'BatchMatMul (wasm)');
  const batchA = strideA === 0 ? 1 : batch;
  const batchB = strideB === 0 ? 1 : batch;
  const out = be.makeOutput(outShape, 'float32');
  if (batch * M * N === 0) return out;
  if (K === 0) {
    (be.typedArrayFromHeap(out) as Float32Array).fill(0);
    return out;
  }
  const temps: tf.TensorInfo[] = [];
  /** Heap offset of the operand laid out as [batch, rows, cols] (transposed into a temporary when flagged). */
  const operand = (t: tf.TensorInfo, batchT: number, transposed: boolean, rows: number, cols: number): number => {
    if (!transposed) return be.dataIdMap.get(t.dataId).memoryOffset;
    const x3 = { dataId: t.dataId, shape: [batchT, cols, rows], dtype: t.dtype };
    const tt = wasmTranspose(be, x3, [0, 2, 1]);
    temps.push(tt);
    return be.dataIdMap.get(tt.dataId).memoryOffset;
  };
  try {
    const offA = operand(a, batchA, transposeA, M, K);
    const offB = operand(b, batchB, transposeB, K, N);
    const offOut = be.dataIdMap.get(out.dataId).memoryOffset;
    const stepA = strideA * 4;
    const stepB = strideB * 4;
    for (let i = 0; i < batch; i++) {
      const idA = be.dataIdNextNumber++;
      const idB = be.dataIdNextNumber++;
      const idO = be.dataIdNextNumber++;
      m.tfjs.registerTensor(idA, M * K, offA + i * stepA);
      m.tfjs.registerTensor(idB, K * N, offB + i * stepB);
      m.tfjs.registerTensor(idO, M * N, offOut + i * M * N * 4);
      callMatMul2d(m, idA, idB, idO, M, K, N);
      m.tfjs.disposeData(idA);
      m.tfjs.disposeData(idB);
      m.tfjs.disposeData(idO);
    }
  } finally {
    for (const t of temps) be.disposeData(t.dataId);
  }
  return out;
}

/** JS transpose into a new wasm tensor. */
function jsTranspose(be: WasmLike, x: tf.TensorInfo, perm: number[]): tf.TensorInfo {
  const out = be.makeOutput(
    perm.map((p) => x.shape[p]!),
    x.dtype,
  );
  const size = x.shape.reduce((a, c) => a * c, 1);
  if (size > 0) transposeInto(be.typedArrayFromHeap(x), be.typedArrayFromHeap(out), x.shape, perm);
  return out;
}

/** Per (shape, perm): timings of the JS and wasm implementations so far, then the faster one's name. */
const transposeChoice = new Map<string, { js: number; wasm: number; runs: number; pick?: 'js' | 'wasm' }>();
let wasmTransposeKernel: tf.KernelConfig | undefined;

/**
 * Transpose on wasm by whichever of two exact implementations is faster for this shape and permutation:
 * wasm's own kernel is fast for some layouts (batched [b,r,c]→[b,c,r] with small r, moves of whole rows)
 * and 10x slower than a JS loop for others (rank-5, tall 2-D), with no simple rule, so the first four calls
 * of each (shape, perm) alternate between them and later calls use the faster. Both give identical values.
 */
function wasmTranspose(be: WasmLike, x: tf.TensorInfo, perm: number[]): tf.TensorInfo {
  const size = x.shape.reduce((a, c) => a * c, 1);
  if (!wasmTransposeKernel || size < 4096 || x.dtype === 'string') return jsTranspose(be, x, perm);
  const key = `${x.dtype}${x.shape.join(',')}/${perm.join(',')}`;
  let c = transposeChoice.get(key);
  if (!c) transposeChoice.set(key, (c = { js: Infinity, wasm: Infinity, runs: 0 }));
  const run = (which: 'js' | 'wasm'): tf.TensorInfo =>
    which === 'js' ? jsTranspose(be, x, perm) : (wasmTransposeKernel!.kernelFunc({ inputs: { x }, backend: be, attrs: { perm } }) as tf.TensorInfo);
  if (c.pick) return run(c.pick);
  const which = c.runs % 2 === 0 ? 'js' : 'wasm';
  const t0 = performance.now();
  const out = run(which);
  c[which] = Math.min(c[which], performance.now() - t0);
  if (++c.runs >= 4) c.pick = c.js <= c.wasm ? 'js' : 'wasm';
  return out;
}

/**
 * Sum over leading axes (e.g. axis 0 of [n,d], the LayerNorm gain/bias gradients) as a row-accumulating
 * JS loop: wasm reduces only over the last axis, so it transposes first (~10x slower). Other reductions go
 * to wasm's kernel.
 */
function wasmSumLeading(orig: tf.KernelConfig): tf.KernelFunc {
  return (args) => {
    const x = (args.inputs as { x: tf.TensorInfo }).x;
    // tf.sum(x) over every axis passes axis null: that goes to wasm's own kernel.
    if (args.attrs?.['axis'] == null) return orig.kernelFunc(args);
    const axis = numbersAttr(args.attrs, 'axis');
    const keepDims = booleanAttr(args.attrs, 'keepDims');
    const rank = x.shape.length;
    const axes = (Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? a + rank : a)).sort((a, b) => a - b);
    const leading = axes.length > 0 && axes.length < rank && axes.every((a, i) => a === i);
    if (!leading || x.dtype !== 'float32') return orig.kernelFunc(args);
    const be = wasmBackend(args.backend);
    const rows = x.shape.slice(0, axes.length).reduce((a, c) => a * c, 1);
    const inner = x.shape.slice(axes.length);
    const cols = inner.reduce((a, c) => a * c, 1);
    const outShape = keepDims ? [...x.shape.slice(0, axes.length).map(() => 1), ...inner] : inner;
    const acc = new Float64Array(cols);
    const src = be.typedArrayFromHeap(x) as Float32Array;
    for (let r = 0, o = 0; r < rows; r++, o += cols) for (let j = 0; j < cols; j++) acc[j]! += src[o + j]!;
    const out = be.makeOutput(outShape, 'float32');
    (be.typedArrayFromHeap(out) as Float32Array).set(acc);
    return out;
  };
}

/**
 * SplitV on wasm as contiguous block copies (wasm's goes through a generic Slice per output, ~10x slower on
 * the attention's q/k/v split and the gradient of the MoE's expert concat).
 */
function wasmSplitV({ inputs, backend: bk, attrs }: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: unknown }): tf.TensorInfo[] {
  const x = (inputs as { x: tf.TensorInfo }).x;
  const { numOrSizeSplits, axis } = attrs as { numOrSizeSplits: number | number[]; axis: number | number[] };
  const be = bk as WasmLike;
  const ax = tf.util.parseAxisParam(axis, x.shape)[0]!;
  const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, numOrSizeSplits, ax) as number[];
  const outer = x.shape.slice(0, ax).reduce((a, c) => a * c, 1);
  const inner = x.shape.slice(ax + 1).reduce((a, c) => a * c, 1);
  const rowLen = x.shape[ax]! * inner;
  const outs = sizes.map((sz) => be.makeOutput([...x.shape.slice(0, ax), sz, ...x.shape.slice(ax + 1)], x.dtype));
  const src = be.typedArrayFromHeap(x);
  let begin = 0;
  sizes.forEach((sz, i) => {
    const dst = be.typedArrayFromHeap(outs[i]!);
    const len = sz * inner;
    if (len > 0) for (let o = 0; o < outer; o++) dst.set(src.subarray(o * rowLen + begin, o * rowLen + begin + len), o * len);
    begin += len;
  });
  return outs;
}

/** Shapes of a (possibly batched, possibly transposed) product op(a) @ op(b) and its broadcast output. */
function productShape(a: tf.TensorInfo, b: tf.TensorInfo, transposeA: boolean, transposeB: boolean, who: string) {
  const ra = a.shape.length;
  const rb = b.shape.length;
  const M = transposeA ? a.shape[ra - 1]! : a.shape[ra - 2]!;
  const K = transposeA ? a.shape[ra - 2]! : a.shape[ra - 1]!;
  const Kb = transposeB ? b.shape[rb - 1]! : b.shape[rb - 2]!;
  const N = transposeB ? b.shape[rb - 2]! : b.shape[rb - 1]!;
  if (K !== Kb) throw new Error(`${who}: inner sizes ${K} and ${Kb} of shapes [${a.shape}] and [${b.shape}] differ`);
  const outerA = a.shape.slice(0, -2);
  const outerB = b.shape.slice(0, -2);
  const batchA = outerA.reduce((x, y) => x * y, 1);
  const batchB = outerB.reduce((x, y) => x * y, 1);
  if (batchA !== batchB && batchA !== 1 && batchB !== 1) throw new Error(`${who}: cannot broadcast batch shapes [${outerA}] and [${outerB}]`);
  const outShape = [...tf.broadcast_util.assertAndGetBroadcastShape(outerA, outerB), M, N];
  return { M, N, K, batch: Math.max(batchA, batchB), strideA: batchA === 1 ? 0 : M * K, strideB: batchB === 1 ? 0 : K * N, outShape };
}

interface BatchMatMulArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: unknown;
}

/**
 * BatchMatMul through OpenBLAS on a host backend (wasm heap or cpu arrays, via src/backend/host-memory.ts):
 * the addon reads both operands and writes the output in place, transpose flags included, so no transposes or
 * copies run. Non-float32 products go to the backend's own kernel.
 */
function nativeBatchMatMul(blas: NativeBlas, backend: string, orig: tf.KernelConfig | undefined) {
  return (args: BatchMatMulArgs): tf.TensorInfo => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    if (a.dtype !== 'float32' || b.dtype !== 'float32') {
      if (orig) return orig.kernelFunc(args as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
      throw new Error(`BatchMatMul (${backend}, OpenBLAS): only float32 is supported`);
    }
    const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
    const s = productShape(a, b, transposeA, transposeB, `BatchMatMul (${backend}, OpenBLAS)`);
    const mem = hostMemory(backend, args.backend)!;
    const out = mem.alloc(s.outShape);
    // Locate after allocating: a growing wasm heap is a new ArrayBuffer.
    blas.sgemm(...mem.locate(a), ...mem.locate(b), ...mem.locate(out), s.M, s.N, s.K, transposeA, transposeB, s.batch, s.strideA, s.strideB, s.M * s.N);
    return out;
  };
}

/** Names of moelab's own kernels, run by src/model/ops.ts with `tf.engine().runKernel` when registered. */
export const HOST_KERNELS = {
  /** y = GELU(x), exact (x·Φ(x)). Inputs {x}. */
  gelu: 'MoelabGelu',
  /** dx = dy·GELU'(x). Inputs {x, dy}. */
  geluGrad: 'MoelabGeluGrad',
  /** out[i] = x[idx[i]] (−1: zero row). Inputs {x} [rows, d]; attrs {idx: Int32Array}. */
  gatherRows: 'MoelabGatherRows',
  /** out = 0; out[idx[i]] += x[i] into `rows` rows (−1 skipped). Inputs {x}; attrs {idx: Int32Array, rows}. */
  scatterAddRows: 'MoelabScatterAddRows',
} as const;

/**
 * True when the active backend is a host backend (wasm, cpu) and moelab's kernel `name` (a HOST_KERNELS value,
 * or a fused op of src/backend/fused-ops.ts / host-fused.ts) is registered for it. The fused ops' names are
 * also webgpu kernels; this asks about the host path only.
 */
export function hasHostKernel(name: string): boolean {
  const b = tf.getBackend();
  return (b === 'wasm' || b === 'cpu') && tf.getKernel(name, b) !== undefined;
}

/**
 * Register the addon's elementwise and row kernels on a host backend (wasm, cpu): GELU and its gradient
 * in one pass each (instead of 5 and 7 tfjs kernels), and row gather / scatter-add in place on the backend's
 * memory (instead of a copy out with dataSync and a copy back in).
 */
function registerNativeHostKernels(backend: string, blas: NativeBlas): void {
  const float32 = (t: tf.TensorInfo, who: string) => {
    if (t.dtype !== 'float32') throw new Error(`${who}: only float32 is supported, got ${t.dtype}`);
  };
  const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
  const kernels: Array<[string, tf.KernelFunc]> = [
    [
      HOST_KERNELS.gelu,
      ({ inputs, backend: be }) => {
        const { x } = inputs as { x: tf.TensorInfo };
        float32(x, HOST_KERNELS.gelu);
        const mem = hostMemory(backend, be)!;
        const out = mem.alloc(x.shape);
        blas.gelu(...mem.locate(x), ...mem.locate(out), size(x.shape));
        return out;
      },
    ],
    [
      HOST_KERNELS.geluGrad,
      ({ inputs, backend: be }) => {
        const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
        float32(x, HOST_KERNELS.geluGrad);
        float32(dy, HOST_KERNELS.geluGrad);
        if (size(x.shape) !== size(dy.shape)) throw new Error(`${HOST_KERNELS.geluGrad}: x [${x.shape}] and dy [${dy.shape}] differ in size`);
        const mem = hostMemory(backend, be)!;
        const out = mem.alloc(x.shape);
        blas.geluGrad(...mem.locate(x), ...mem.locate(dy), ...mem.locate(out), size(x.shape));
        return out;
      },
    ],
    [
      HOST_KERNELS.gatherRows,
      ({ inputs, backend: be, attrs }) => {
        const { x } = inputs as { x: tf.TensorInfo };
        const idx = int32ArrayAttr(attrs, 'idx');
        float32(x, HOST_KERNELS.gatherRows);
        const [rows, d] = x.shape as [number, number];
        const mem = hostMemory(backend, be)!;
        const out = mem.alloc([idx.length, d]);
        blas.gatherRows(...mem.locate(x), rows, d, idx, ...mem.locate(out));
        return out;
      },
    ],
    [
      HOST_KERNELS.scatterAddRows,
      ({ inputs, backend: be, attrs }) => {
        const { x } = inputs as { x: tf.TensorInfo };
        const idx = int32ArrayAttr(attrs, 'idx');
        const rows = numberAttr(attrs, 'rows');
        float32(x, HOST_KERNELS.scatterAddRows);
        const d = x.shape[1]!;
        if (x.shape[0] !== idx.length) throw new Error(`${HOST_KERNELS.scatterAddRows}: ${x.shape[0]} rows but ${idx.length} indices`);
        const mem = hostMemory(backend, be)!;
        const out = mem.alloc([rows, d]);
        blas.scatterAddRows(...mem.locate(x), d, idx, ...mem.locate(out), rows);
        return out;
      },
    ],
  ];
  for (const [kernelName, kernelFunc] of kernels) {
    if (tf.getKernel(kernelName, backend)) tf.unregisterKernel(kernelName, backend);
    tf.registerKernel({ kernelName, backendName: backend, kernelFunc });
  }
}

function unregisterNativeHostKernels(backend: string): void {
  for (const name of Object.values(HOST_KERNELS)) if (tf.getKernel(name, backend)) tf.unregisterKernel(name, backend);
  unregisterHostFusedKernels(backend);
}

let hostFusedEnabled = true;

/**
 * Leave the fused layer kernels (src/backend/host-fused.ts) out of later registrations (or put them back): the
 * addon's matmul, GELU and row kernels stay, as before the fused kernels existed. The train benchmark measures
 * both this way; call `restoreDefaultKernels` and `registerFastKernels` after switching. Default on.
 */
export function setHostFusedKernelsEnabled(on: boolean): void {
  hostFusedEnabled = on;
}

/** Backends whose BatchMatMul now runs on OpenBLAS. */
const nativeMatMul = new Set<string>();

/**
 * True when `backend`'s matmul is the native OpenBLAS kernel: transpose flags are then free, so callers pass
 * them instead of transposing (src/model/ops.ts gradients).
 */
export function matMulIsNative(backend: string = tf.getBackend()): boolean {
  return nativeMatMul.has(backend);
}

/** Label for run summaries and logs: the backend's name, plus `+openblas` when its matmul is native. */
export function backendKernelLabel(label: string, tfName: string): string {
  return nativeMatMul.has(tfName) ? `${label}+openblas` : label;
}

/**
 * Put the addon's kernels on `backend` when it loads (wasm and cpu): OpenBLAS behind BatchMatMul, plus the
 * HOST_KERNELS; true when it did.
 */
function registerNativeKernels(backend: string): boolean {
  const blas = nativeBlas();
  if (!blas || (backend !== 'wasm' && backend !== 'cpu')) return false;
  const key = `${backend}/BatchMatMul`;
  const orig = tf.getKernel('BatchMatMul', backend);
  if (orig && !originals.has(key)) originals.set(key, orig);
  tf.unregisterKernel('BatchMatMul', backend);
  tf.registerKernel({ kernelName: 'BatchMatMul', backendName: backend, kernelFunc: nativeBatchMatMul(blas, backend, originals.get(key)) });
  nativeMatMul.add(backend);
  registerNativeHostKernels(backend, blas);
  if (hostFusedEnabled) registerHostFusedKernels(backend, blas);
  return true;
}

const done = new Set<string>();
const originals = new Map<string, tf.KernelConfig>();

/**
 * Register the fast kernels for `backend` once per process, with the native addon's when it loads (turn it
 * off with `setNativeBlasEnabled(false)` before registering, as the train benchmark and tests do).
 */
export function registerFastKernels(backend: string): void {
  if (done.has(backend)) return;
  done.add(backend);
  if (backend === 'wasm') {
    const orig = tf.getKernel('Transpose', 'wasm');
    if (orig) originals.set('wasm/Transpose', orig);
    wasmTransposeKernel = orig;
    tf.unregisterKernel('Transpose', 'wasm');
    tf.registerKernel({
      kernelName: 'Transpose',
      backendName: 'wasm',
      kernelFunc: ({ inputs, backend: b, attrs }) =>
        wasmTranspose(wasmBackend(b), (inputs as { x: tf.TensorInfo }).x, numberListAttr(attrs, 'perm')),
    });
    const origSplit = tf.getKernel('SplitV', 'wasm');
    if (origSplit) originals.set('wasm/SplitV', origSplit);
    tf.unregisterKernel('SplitV', 'wasm');
    tf.registerKernel({ kernelName: 'SplitV', backendName: 'wasm', kernelFunc: wasmSplitV });
    const origSum = tf.getKernel('Sum', 'wasm');
    if (origSum) {
      originals.set('wasm/Sum', origSum);
      tf.unregisterKernel('Sum', 'wasm');
      tf.registerKernel({ kernelName: 'Sum', backendName: 'wasm', kernelFunc: wasmSumLeading(origSum) });
    }
    if (!registerNativeKernels('wasm')) {
      const origMm = tf.getKernel('BatchMatMul', 'wasm');
      if (origMm) originals.set('wasm/BatchMatMul', origMm);
      tf.unregisterKernel('BatchMatMul', 'wasm');
      tf.registerKernel({ kernelName: 'BatchMatMul', backendName: 'wasm', kernelFunc: wasmBatchMatMul });
    }
    // wasm's Identity copies the data; tfjs clones (Identity) every tensor saved for the backward pass, so
    // share the buffer by reference count as the cpu backend and wasm's own Reshape do (no kernel writes
    // into its inputs, so sharing is safe).
    const origId = tf.getKernel('Identity', 'wasm');
    if (origId) originals.set('wasm/Identity', origId);
    tf.unregisterKernel('Identity', 'wasm');
    tf.registerKernel({
      kernelName: 'Identity',
      backendName: 'wasm',
      kernelFunc: ({ inputs, backend: b }) => {
        const x = (inputs as { x: tf.TensorInfo }).x;
        if (x.dtype === 'string') return origId!.kernelFunc({ inputs, backend: b, attrs: {} });
        if (!(b instanceof tf.KernelBackend)) throw new TypeError('Identity (wasm): tfjs called it without a KernelBackend');
        b.incRef(x.dataId);
        return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
      },
    });
  } else if (backend === 'cpu') {
    registerNativeKernels('cpu');
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
  nativeMatMul.delete(backend);
  unregisterNativeHostKernels(backend);
  done.delete(backend);
}

export { transposeInto };
