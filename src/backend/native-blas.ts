/**
 * The optional native kernels: OpenBLAS's sgemm (and a fused AdamW step) through a Node-API addon (src/backend/native/blas.c, built by
 * `scripts/build-native.mjs` at npm install into build/native/). It reads and writes tfjs's own memory (the
 * wasm heap or the cpu backend's Float32Arrays), so a product costs no copies, and it takes transpose flags
 * natively. When the addon is missing or fails to load, `nativeBlas()` returns null with the reason in
 * `nativeBlasStatus()`, and the kernels keep tfjs's matmul. Set MOELAB_NATIVE_BLAS=0 to turn it off.
 * OpenBLAS runs single-threaded unless MOELAB_BLAS_THREADS says otherwise: the pipeline parallelises over
 * training processes, and a fixed thread count keeps summation order, hence losses, reproducible.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { packageRoot } from '../util/package-root';

/** A float32 operand's memory: the wasm heap or one cpu-backend array. */
type Buf = ArrayBuffer | Float32Array;

/** The addon's functions (see blas.c and fused.c for the contracts). */
export interface NativeBlas {
  /**
   * For i < batch: C_i[M,N] = op(A_i) @ op(B_i), row-major; op transposes when the flag is set (A_i stored
   * [K,M], B_i stored [N,K]). Offsets in bytes into the buffers, strides in elements (0 broadcasts).
   */
  sgemm(
    a: ArrayBuffer | Float32Array,
    aByteOffset: number,
    b: ArrayBuffer | Float32Array,
    bByteOffset: number,
    c: ArrayBuffer | Float32Array,
    cByteOffset: number,
    M: number,
    N: number,
    K: number,
    transA: boolean,
    transB: boolean,
    batch: number,
    strideA: number,
    strideB: number,
    strideC: number,
  ): void;
  /** Σ x_i² over n floats at a byte offset, accumulated in float64. */
  sumSquares(x: ArrayBuffer | Float32Array, xByteOffset: number, n: number): number;
  /**
   * One fused AdamW step over n float32 elements (see blas.c): reads g, m, v, p, writes m', v', p'; each
   * operand a (buffer, byte offset) pair, then n, gradScale, lr, β1, β2, bias corrections c1 and c2, ε, decay.
   */
  adamw(
    g: ArrayBuffer | Float32Array, gOff: number,
    m: ArrayBuffer | Float32Array, mOff: number,
    v: ArrayBuffer | Float32Array, vOff: number,
    p: ArrayBuffer | Float32Array, pOff: number,
    mOut: ArrayBuffer | Float32Array, mOutOff: number,
    vOut: ArrayBuffer | Float32Array, vOutOff: number,
    pOut: ArrayBuffer | Float32Array, pOutOff: number,
    n: number, gradScale: number, lr: number, beta1: number, beta2: number, biasCorrection1: number, biasCorrection2: number, eps: number, weightDecay: number,
  ): void;
  /**
   * adamw's step written back over m, v and p (four different arrays, which nothing else may share): the same
   * bits as adamw out of place, without output arrays. Then n and the same 8 numbers.
   */
  adamwInPlace(
    g: ArrayBuffer | Float32Array, gOff: number,
    m: ArrayBuffer | Float32Array, mOff: number,
    v: ArrayBuffer | Float32Array, vOff: number,
    p: ArrayBuffer | Float32Array, pOff: number,
    n: number, gradScale: number, lr: number, beta1: number, beta2: number, biasCorrection1: number, biasCorrection2: number, eps: number, weightDecay: number,
  ): void;
  /** out = a + b over n float32 values (one rounding, as JS's and tfjs's Add; out may be a or b). */
  add(a: ArrayBuffer | Float32Array, aOff: number, b: ArrayBuffer | Float32Array, bOff: number, out: ArrayBuffer | Float32Array, outOff: number, n: number): void;
  /** y = x·Φ(x) over n floats (Φ by Abramowitz & Stegun 7.1.26, |error| ≤ 1.5e-7). */
  gelu(x: ArrayBuffer | Float32Array, xOff: number, y: ArrayBuffer | Float32Array, yOff: number, n: number): void;
  /** dx = dy·(Φ(x) + x·φ(x)) over n floats. */
  geluGrad(x: ArrayBuffer | Float32Array, xOff: number, dy: ArrayBuffer | Float32Array, dyOff: number, dx: ArrayBuffer | Float32Array, dxOff: number, n: number): void;
  /**
   * y = x·Φ(x) and slope = Φ(x) + x·φ(x) over n floats, from one Φ and φ: a backward pass then multiplies
   * (`mul(dy, slope)` has geluGrad's bits). slope may be x (overwritten in place); y may not.
   */
  geluAndSlope(x: ArrayBuffer | Float32Array, xOff: number, y: ArrayBuffer | Float32Array, yOff: number, slope: ArrayBuffer | Float32Array, slopeOff: number, n: number): void;
  /** out = a · b over n float32 values (one rounding, as JS's and tfjs's Mul; out may be a or b). */
  mul(a: ArrayBuffer | Float32Array, aOff: number, b: ArrayBuffer | Float32Array, bOff: number, out: ArrayBuffer | Float32Array, outOff: number, n: number): void;
  /** dst[i,:] = src[idx[i],:] (idx −1: zeros); src is [srcRows, d]. */
  gatherRows(src: ArrayBuffer | Float32Array, srcOff: number, srcRows: number, d: number, idx: Int32Array, dst: ArrayBuffer | Float32Array, dstOff: number): void;
  /** dst = 0, then dst[idx[i],:] += src[i,:] in order (idx −1 skipped); dst is [dstRows, d]. */
  scatterAddRows(src: ArrayBuffer | Float32Array, srcOff: number, d: number, idx: Int32Array, dst: ArrayBuffer | Float32Array, dstOff: number, dstRows: number): void;
  /** The fused layer kernels of src/backend/native/fused.c (contracts there and in src/backend/host-fused.ts). */
  layerNorm(x: Buf, xOff: number, a: Buf | null, aOff: number, g: Buf, gOff: number, b: Buf, bOff: number, s: Buf | null, sOff: number, y: Buf, yOff: number, stats: Buf, statsOff: number, n: number, d: number, eps: number): void;
  layerNormGrad(dy: Buf, dyOff: number, s: Buf, sOff: number, stats: Buf, statsOff: number, g: Buf, gOff: number, ds: Buf | null, dsOff: number, dx: Buf, dxOff: number, dg: Buf, dgOff: number, db: Buf, dbOff: number, n: number, d: number): void;
  attention(qkv: Buf, qkvOff: number, o: Buf, oOff: number, lse: Buf, lseOff: number, batch: number, seqLen: number, heads: number, d: number): void;
  attentionGrad(dy: Buf, dyOff: number, qkv: Buf, qkvOff: number, lse: Buf, lseOff: number, dqkv: Buf, dqkvOff: number, batch: number, seqLen: number, heads: number, d: number): void;
  xent(logits: Buf, lOff: number, targets: Int32Array, lse: Buf, lseOff: number, loss: Buf, lossOff: number, n: number, vocab: number): void;
  xentGrad(dy: Buf, dyOff: number, logits: Buf, lOff: number, lse: Buf, lseOff: number, targets: Int32Array, dl: Buf, dlOff: number, n: number, vocab: number): void;
  moeExperts(x: Buf, xOff: number, probs: Buf, pOff: number, w1Bufs: Buf[], w1Offs: number[], w2Bufs: Buf[], w2Offs: number[], tokens: Int32Array, counts: Int32Array, y: Buf, yOff: number, act: Buf, actOff: number, dgelu: Buf, dgeluOff: number, out: Buf, outOff: number, n: number, d: number, experts: number, dff: number): void;
  moeExpertsGrad(
    dy: Buf, dyOff: number, x: Buf, xOff: number, probs: Buf, pOff: number, act: Buf, actOff: number, dgelu: Buf, dgeluOff: number, out: Buf, outOff: number,
    w1Bufs: Buf[], w1Offs: number[], w2Bufs: Buf[], w2Offs: number[], tokens: Int32Array, counts: Int32Array,
    dx: Buf, dxOff: number, dprobs: Buf, dpOff: number, dw1Bufs: Buf[], dw1Offs: number[], dw2Bufs: Buf[], dw2Offs: number[],
    n: number, d: number, experts: number, dff: number,
  ): void;
  setThreads(n: number): void;
  /**
   * Use the addon's own matrix kernel where it applies (src/backend/native/gemm.c: 1 thread, AVX-512F or AVX2 + FMA, a product
   * OpenBLAS would run through its blocked driver, with rows enough to reuse a packed panel; its bits equal
   * OpenBLAS's on its SkylakeX-family cores), or OpenBLAS for every product.
   */
  setOwnGemm(on: boolean): void;
  /** Which kernel would compute this product now: the addon's own or OpenBLAS. */
  gemmKernel(M: number, N: number, K: number, transA: boolean, transB: boolean): 'own' | 'openblas';
  /**
   * Cap the vectors of the addon's own matrix kernel (src/backend/native/gemm-kernel.inc) and of its GELU and
   * exponential loops (vec-math.inc) at 512 bits (AVX-512F, the default), 256 (AVX2 + FMA) or 0 (OpenBLAS and
   * plain loops); returns the width now in use, the widest this CPU has up to the cap. Every width gives the same
   * bits: the tests run each one this CPU can.
   */
  setVectorCap(bits: 0 | 256 | 512): 0 | 256 | 512;
  /**
   * OpenBLAS's build and core, its threads, `gemm`: which kernel takes the larger products, and why, and
   * `vectorBits`: the vector width of the own matrix kernel and of the GELU and exponential loops.
   */
  info(): { config: string; core: string; threads: number; gemm: string; vectorBits: 0 | 256 | 512 };
}

export interface NativeBlasStatus {
  loaded: boolean;
  /** Path of the addon file tried (or that would be). */
  path: string;
  /** OpenBLAS's core and build config when loaded; why not otherwise. */
  detail: string;
  /** OpenBLAS threads in use when loaded. */
  threads?: number;
}

/**
 * OpenBLAS cores whose sgemm micro-kernel and K blocking the addon's own kernel reproduces (gemm.c), so that on
 * them its products equal OpenBLAS's bit for bit; on other cores it keeps one fixed order of its own.
 */
export const OWN_GEMM_SAME_ORDER_CORES = /^(SkylakeX|Cooperlake|SapphireRapids)$/i;

let cached: { blas: NativeBlas | null; status: NativeBlasStatus } | undefined;
let enabled = true;

/**
 * Turn the addon off (or back on) for this process: `nativeBlas()` then returns null, so kernels registered
 * afterwards and the optimizer use the pure-tfjs paths. The train benchmark measures both this way.
 */
export function setNativeBlasEnabled(on: boolean): void {
  enabled = on;
}

/** Path of the built addon. */
export function nativeBlasPath(): string {
  return path.join(packageRoot(), 'build', 'native', 'moelab_blas.node');
}

function load(): { blas: NativeBlas | null; status: NativeBlasStatus } {
  const file = nativeBlasPath();
  if (process.env.MOELAB_NATIVE_BLAS === '0') return { blas: null, status: { loaded: false, path: file, detail: 'disabled by MOELAB_NATIVE_BLAS=0' } };
  if (!fs.existsSync(file)) {
    return { blas: null, status: { loaded: false, path: file, detail: 'not built (apt-get install -y libopenblas-dev, then node scripts/build-native.mjs)' } };
  }
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const blas = require(file) as NativeBlas;
    const threads = Number(process.env.MOELAB_BLAS_THREADS ?? '1');
    if (!Number.isInteger(threads) || threads < 1) throw new Error(`MOELAB_BLAS_THREADS=${process.env.MOELAB_BLAS_THREADS} must be a positive integer`);
    blas.setThreads(threads);
    const own = process.env.MOELAB_OWN_GEMM;
    if (own !== undefined && own !== '0' && own !== '1') throw new Error(`MOELAB_OWN_GEMM=${own} must be 0 (OpenBLAS for every product) or 1`);
    blas.setOwnGemm(own !== '0');
    const i = blas.info();
    return { blas, status: { loaded: true, path: file, detail: `OpenBLAS ${i.core} (${i.config}); products: ${i.gemm}`, threads: i.threads } };
  } catch (e) {
    return { blas: null, status: { loaded: false, path: file, detail: `failed to load: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}` } };
  }
}

/** The loaded addon, or null (see `nativeBlasStatus()` for why). Loaded once per process. */
export function nativeBlas(): NativeBlas | null {
  cached ??= load();
  return enabled ? cached.blas : null;
}

export function nativeBlasStatus(): NativeBlasStatus {
  cached ??= load();
  return cached.status;
}
