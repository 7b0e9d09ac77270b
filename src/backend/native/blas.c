/*
 * moelab_blas: a Node-API addon with the native CPU kernels of src/backend/kernels.ts (OpenBLAS sgemm, GELU
 * and its gradient, row gather / scatter-add) and the fused AdamW step of src/train/optimizer.ts (JS side:
 * src/backend/native-blas.ts). It works on memory tfjs already owns (the wasm backend's heap, an ArrayBuffer,
 * or the cpu backend's Float32Arrays), so nothing is copied.
 *
 * Built by scripts/build-native.mjs (npm postinstall) against Debian's libopenblas-dev; when it is absent the
 * build is skipped and the kernels stay on tfjs's own matmul. Plain C and Node-API only (ABI-stable across
 * Node versions). Every pointer range is bounds-checked against its buffer before OpenBLAS touches it.
 */
#include <stdint.h>
#include "napi-util.h"
#include "gemm.h"

/* fused.c: the fused layer kernels (LayerNorm, attention, cross-entropy, MoE experts). */
napi_value moelab_fused_init(napi_env env, napi_value exports);

/*
 * sgemm(a, aByteOffset, b, bByteOffset, c, cByteOffset, M, N, K, transA, transB, batch, strideA, strideB,
 *       strideC): for i < batch, C_i[M,N] = op(A_i) @ op(B_i), row-major, where op transposes when its flag
 * is set (A_i stored [K,M], B_i stored [N,K]). Strides are in elements between consecutive batch entries
 * (0 broadcasts one operand). a, b, c: ArrayBuffer or Float32Array; offsets are bytes into them.
 */
static napi_value sgemm(napi_env env, napi_callback_info info) {
  size_t argc = 15;
  napi_value argv[15];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 15) {
    napi_throw_type_error(env, "MOELAB_BLAS_ARGS", "moelab_blas.sgemm: expected 15 arguments");
    return NULL;
  }
  uint8_t *pa, *pb, *pc;
  size_t na, nb, nc;
  if (!buffer_of(env, argv[0], &pa, &na) || !buffer_of(env, argv[2], &pb, &nb) || !buffer_of(env, argv[4], &pc, &nc)) {
    napi_throw_type_error(env, "MOELAB_BLAS_ARGS", "moelab_blas.sgemm: a, b and c must be ArrayBuffers or Float32Arrays");
    return NULL;
  }
  int ok = 1;
  int64_t offA = int_arg(env, argv[1], &ok), offB = int_arg(env, argv[3], &ok), offC = int_arg(env, argv[5], &ok);
  int64_t M = int_arg(env, argv[6], &ok), N = int_arg(env, argv[7], &ok), K = int_arg(env, argv[8], &ok);
  bool ta = false, tb = false;
  if (napi_get_value_bool(env, argv[9], &ta) != napi_ok || napi_get_value_bool(env, argv[10], &tb) != napi_ok) ok = 0;
  int64_t batch = int_arg(env, argv[11], &ok);
  int64_t sA = int_arg(env, argv[12], &ok), sB = int_arg(env, argv[13], &ok), sC = int_arg(env, argv[14], &ok);
  if (!ok || M < 0 || N < 0 || K < 0 || batch < 0 || sA < 0 || sB < 0 || sC < 0 || M > INT32_MAX || N > INT32_MAX || K > INT32_MAX) {
    napi_throw_range_error(env, "MOELAB_BLAS_ARGS", "moelab_blas.sgemm: sizes, strides and offsets must be non-negative integers");
    return NULL;
  }
  if (batch == 0 || M == 0 || N == 0) return NULL;
  int64_t last = batch - 1;
  if (!in_bounds(offA, last * sA + M * K, na) || !in_bounds(offB, last * sB + K * N, nb) || !in_bounds(offC, last * sC + M * N, nc)) {
    napi_throw_range_error(env, "MOELAB_BLAS_BOUNDS", "moelab_blas.sgemm: an operand extends past the end of its buffer (or is not 4-byte aligned)");
    return NULL;
  }
  const float *A = (const float *)(pa + offA);
  const float *B = (const float *)(pb + offB);
  float *C = (float *)(pc + offC);
  const int lda = ta ? (int)M : (int)K;
  const int ldb = tb ? (int)K : (int)N;
  for (int64_t i = 0; i < batch; i++) {
    moelab_gemm(ta, tb, M, N, K, 1.0f, A + i * sA, lda, B + i * sB, ldb, C + i * sC, N); /* K = 0 gives zeros */
  }
  return NULL;
}

/* sumSquares(x, xByteOffset, n): Σ x_i² accumulated in double (the global gradient norm's square). */
static napi_value sum_squares(napi_env env, napi_callback_info info) {
  napi_value argv[3], out;
  int64_t n;
  if (!counted_args(env, info, argv, 3, 2, "moelab_blas.sumSquares(x, byteOffset, n): bad arguments", &n)) return NULL;
  const float *x = floats_at(env, argv[0], argv[1], n);
  if (!x) return NULL;
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += (double)x[i] * x[i];
    s1 += (double)x[i + 1] * x[i + 1];
    s2 += (double)x[i + 2] * x[i + 2];
    s3 += (double)x[i + 3] * x[i + 3];
  }
  for (; i < n; i++) s0 += (double)x[i] * x[i];
  CHECK(env, napi_create_double(env, (s0 + s1) + (s2 + s3), &out));
  return out;
}

/*
 * The AdamW entry points' arguments: `pairs` (buffer, byteOffset) operands of n floats each, n, then the 8 numbers
 * (gradScale, lr, β1, β2, c1, c2, ε, decay) into h. Returns 0 after throwing.
 */
static int adamw_args(napi_env env, napi_callback_info info, int pairs, const char *usage, int64_t *n, double *h, float **ops) {
  napi_value argv[23];
  const size_t count = (size_t)(2 * pairs + 9);
  if (count > sizeof(argv) / sizeof(argv[0]) || !counted_args(env, info, argv, count, (size_t)(2 * pairs), usage, n)) return 0;
  int ok = 1;
  for (int k = 0; ok && k < 8; k++) h[k] = dbl_arg(env, argv[2 * pairs + 1 + k], &ok);
  if (!ok) {
    napi_throw_type_error(env, "MOELAB_BLAS_ARGS", usage);
    return 0;
  }
  for (int k = 0; k < pairs; k++)
    if (!(ops[k] = floats_at(env, argv[2 * k], argv[2 * k + 1], *n))) return 0;
  return 1;
}

/*
 * One AdamW step of element i, shared by both loops so the out-of-place and in-place updates cannot drift apart:
 *   m' = β1 m + (1−β1) g,  v' = β2 v + (1−β2) g²,  p' = p − lr (m'/c1 / (√(v'/c2) + ε) + wd p).
 * Expects the constants of ADAMW_CONSTANTS in scope.
 */
#define ADAMW_CONSTANTS(h)                                                                 \
  const float scale = (float)(h)[0], lr = (float)(h)[1], b1 = (float)(h)[2], b2 = (float)(h)[3]; \
  const float inv_c1 = (float)(1.0 / (h)[4]), inv_c2 = (float)(1.0 / (h)[5]), eps = (float)(h)[6], wd = (float)(h)[7]
#define ADAMW_ELEMENT(g, m, v, p, mo, vo, po, i)                                            \
  do {                                                                                      \
    const float gi = g[i] * scale;                                                          \
    const float mi = b1 * m[i] + (1.0f - b1) * gi;                                          \
    const float vi = b2 * v[i] + (1.0f - b2) * gi * gi;                                     \
    const float pi = p[i];                                                                  \
    mo[i] = mi;                                                                             \
    vo[i] = vi;                                                                             \
    po[i] = pi - lr * ((mi * inv_c1) / (sqrtf(vi * inv_c2) + eps) + wd * pi);               \
  } while (0)

MULTIVERSION static void adamw_loop(const float *restrict g, const float *restrict m, const float *restrict v, const float *restrict p,
                                    float *restrict mo, float *restrict vo, float *restrict po,
                                    int64_t n, const double *h) {
  ADAMW_CONSTANTS(h);
  for (int64_t i = 0; i < n; i++) ADAMW_ELEMENT(g, m, v, p, mo, vo, po, i);
}

/*
 * The same update written back into m, v and p (each read and written through its own pointer only, so `restrict`
 * holds); test/backend/wasm-kernels.test.ts checks that the two loops give identical bits.
 */
MULTIVERSION static void adamw_inplace_loop(const float *restrict g, float *restrict m, float *restrict v, float *restrict p, int64_t n, const double *h) {
  ADAMW_CONSTANTS(h);
  for (int64_t i = 0; i < n; i++) ADAMW_ELEMENT(g, m, v, p, m, v, p, i);
}

/*
 * adamwInPlace(g, gOff, m, mOff, v, vOff, p, pOff, n, gradScale, lr, beta1, beta2, biasCorr1, biasCorr2, eps,
 * weightDecay): adamw's step with m', v', p' written over m, v, p (four distinct arrays; nothing else may hold
 * them: the host training step's optimizer, whose weights no saved tensor shares).
 */
static napi_value adamw_inplace(napi_env env, napi_callback_info info) {
  static const char usage[] = "moelab_blas.adamwInPlace: expected 4 (buffer, byteOffset) pairs, n and 8 numbers";
  int64_t n;
  double h[8];
  float *ops[4];
  if (!adamw_args(env, info, 4, usage, &n, h, ops)) return NULL;
  const float *g = ops[0];
  float *m = ops[1], *v = ops[2], *p = ops[3];
  const uintptr_t at[4] = {(uintptr_t)g, (uintptr_t)m, (uintptr_t)v, (uintptr_t)p}, bytes = (uintptr_t)n * sizeof(float);
  int overlap = 0;
  for (int a = 0; a < 4; a++)
    for (int b = a + 1; b < 4; b++) overlap |= at[a] < at[b] + bytes && at[b] < at[a] + bytes;
  if (overlap) {
    napi_throw_range_error(env, "MOELAB_BLAS_ALIAS", "moelab_blas.adamwInPlace: g, m, v and p must be four different, non-overlapping arrays");
    return NULL;
  }
  adamw_inplace_loop(g, m, v, p, n, h);
  return NULL;
}

/*
 * adamw(g, gOff, m, mOff, v, vOff, p, pOff, mOut, mOutOff, vOut, vOutOff, pOut, pOutOff, n,
 *       gradScale, lr, beta1, beta2, biasCorr1, biasCorr2, eps, weightDecay): one AdamW step (Loshchilov &
 * Hutter, decoupled decay) in float32 over n elements, g scaled by gradScale (global-norm clipping):
 *   m' = β1 m + (1−β1) g,  v' = β2 v + (1−β2) g²,  p' = p − lr (m'/c1 / (√(v'/c2) + ε) + wd p).
 * Outputs must not overlap the inputs (the loop is vectorised under `restrict`).
 */
static napi_value adamw(napi_env env, napi_callback_info info) {
  static const char usage[] = "moelab_blas.adamw: expected 7 (buffer, byteOffset) pairs, n and 8 numbers";
  int64_t n;
  double h[8];
  float *ops[7];
  if (!adamw_args(env, info, 7, usage, &n, h, ops)) return NULL;
  const float *g = ops[0], *m = ops[1], *v = ops[2], *p = ops[3];
  float *mo = ops[4], *vo = ops[5], *po = ops[6];
  adamw_loop(g, m, v, p, mo, vo, po, n, h);
  return NULL;
}

/*
 * gelu(x, xOff, y, yOff, n): exact GELU y = x·Φ(x) (Hendrycks & Gimpel), Φ as in normal_cdf_pdf.
 * geluGrad(x, xOff, dy, dyOff, dx, dxOff, n): dx = dy·(Φ(x) + x·φ(x)), recomputed from x alone.
 * gelu_forward reads gelu's 5 arguments (x, y) or geluAndSlope's 7 (x, y, slope) and runs that mode's loop.
 */
static napi_value gelu_forward(napi_env env, napi_callback_info info, int mode, size_t argc, const char *usage) {
  napi_value argv[7];
  int64_t n;
  if (!counted_args(env, info, argv, argc, argc - 1, usage, &n)) return NULL;
  const float *x = floats_at(env, argv[0], argv[1], n);
  float *y = x ? floats_at(env, argv[2], argv[3], n) : NULL;
  float *slope = y && argc == 7 ? floats_at(env, argv[4], argv[5], n) : NULL;
  if (y && (argc == 5 || slope)) gelu_loop(mode, x, NULL, y, slope, n);
  return NULL;
}

static napi_value gelu(napi_env env, napi_callback_info info) {
  return gelu_forward(env, info, GELU_FORWARD, 5, "moelab_blas.gelu(x, xOff, y, yOff, n): bad arguments");
}

/*
 * geluAndSlope(x, xOff, y, yOff, slope, slopeOff, n): y = x·Φ(x) and slope = Φ(x) + x·φ(x) from one Φ, φ, so
 * that a backward pass needs dy·slope only (the bits of geluGrad: dy·(Φ + x·φ), one product). slope may alias x
 * (each vector of x is read before its slope is stored); y must not.
 */
static napi_value gelu_and_slope(napi_env env, napi_callback_info info) {
  return gelu_forward(env, info, GELU_AND_SLOPE, 7, "moelab_blas.geluAndSlope(x, xOff, y, yOff, slope, slopeOff, n): bad arguments");
}

/* Read (x, xOff, y, yOff, z, zOff, n): three float operands of n elements each (z written); 0 with a JS error thrown. */
static int three_operands(napi_env env, napi_callback_info info, const char *usage, const float **x, const float **y, float **z, int64_t *n) {
  napi_value argv[7];
  if (!counted_args(env, info, argv, 7, 6, usage, n)) return 0;
  *x = floats_at(env, argv[0], argv[1], *n);
  *y = *x ? floats_at(env, argv[2], argv[3], *n) : NULL;
  *z = *y ? floats_at(env, argv[4], argv[5], *n) : NULL;
  return *z != NULL;
}

enum { EW_ADD, EW_MUL };

/* out[i] = a[i] + b[i] or a[i]·b[i] over n floats (tfjs's Add and Mul on float32; out may alias a or b): one
   rounding each, as in JS. */
MULTIVERSION static void elementwise_loop(int op, const float *a, const float *b, float *out, int64_t n) {
  if (op == EW_ADD)
    for (int64_t i = 0; i < n; i++) out[i] = a[i] + b[i];
  else
    for (int64_t i = 0; i < n; i++) out[i] = a[i] * b[i];
}

static napi_value elementwise(napi_env env, napi_callback_info info, int op, const char *usage) {
  const float *a, *b;
  float *out;
  int64_t n;
  if (three_operands(env, info, usage, &a, &b, &out, &n)) elementwise_loop(op, a, b, out, n);
  return NULL;
}

/* add(a, aOff, b, bOff, out, outOff, n) and mul(a, aOff, b, bOff, out, outOff, n) */
static napi_value add(napi_env env, napi_callback_info info) {
  return elementwise(env, info, EW_ADD, "moelab_blas.add(a, aOff, b, bOff, out, outOff, n): bad arguments");
}

static napi_value mul(napi_env env, napi_callback_info info) {
  return elementwise(env, info, EW_MUL, "moelab_blas.mul(a, aOff, b, bOff, out, outOff, n): bad arguments");
}

static napi_value gelu_grad(napi_env env, napi_callback_info info) {
  const float *x, *dy;
  float *dx;
  int64_t n;
  if (three_operands(env, info, "moelab_blas.geluGrad(x, xOff, dy, dyOff, dx, dxOff, n): bad arguments", &x, &dy, &dx, &n))
    gelu_loop(GELU_BACKWARD, x, dy, dx, NULL, n);
  return NULL;
}

/*
 * Read the 7 arguments of a row kernel (rows, d and idx at the given positions) and check every index lies
 * in [−1, rows); throws (returning 0) before anything is written otherwise.
 */
static int row_args(napi_env env, napi_callback_info info, napi_value *argv, int rows_at, int d_at, int idx_at, const char *usage,
                    RowArgs *out) {
  size_t argc = 7;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) argc = 0;
  int ok = argc == 7;
  out->rows = ok ? int_arg(env, argv[rows_at], &ok) : 0;
  out->d = ok ? int_arg(env, argv[d_at], &ok) : 0;
  if (!ok || out->rows < 0 || out->d < 0 || !int32_array(env, argv[idx_at], &out->idx, &out->count)) {
    napi_throw_type_error(env, "MOELAB_BLAS_ARGS", usage);
    return 0;
  }
  for (size_t i = 0; i < out->count; i++) {
    if (out->idx[i] < -1 || out->idx[i] >= out->rows) {
      napi_throw_range_error(env, "MOELAB_BLAS_INDEX", "moelab_blas: a row index is outside [-1, rows)");
      return 0;
    }
  }
  return 1;
}

/*
 * gatherRows(src, srcOff, srcRows, d, idx, dst, dstOff): dst[i, :] = src[idx[i], :] for each i < idx.length,
 * a zero row where idx[i] = −1. Any other index outside [0, srcRows) is a RangeError (nothing written).
 */
static napi_value gather_rows(napi_env env, napi_callback_info info) {
  napi_value argv[7];
  RowArgs a;
  if (!row_args(env, info, argv, 2, 3, 4, "moelab_blas.gatherRows(src, srcOff, srcRows, d, idx: Int32Array, dst, dstOff): bad arguments", &a)) return NULL;
  const float *src = floats_at(env, argv[0], argv[1], a.rows * a.d);
  float *dst = src ? floats_at(env, argv[5], argv[6], (int64_t)a.count * a.d) : NULL;
  if (!dst) return NULL;
  for (size_t i = 0; i < a.count; i++) {
    float *o = dst + (int64_t)i * a.d;
    if (a.idx[i] < 0) {
      for (int64_t j = 0; j < a.d; j++) o[j] = 0.0f;
    } else {
      const float *r = src + (int64_t)a.idx[i] * a.d;
      for (int64_t j = 0; j < a.d; j++) o[j] = r[j];
    }
  }
  return NULL;
}

/*
 * scatterAddRows(src, srcOff, d, idx, dst, dstOff, dstRows): dst = 0, then dst[idx[i], :] += src[i, :] for
 * i in order (a fixed summation order: deterministic), skipping idx[i] = −1.
 */
static napi_value scatter_add_rows(napi_env env, napi_callback_info info) {
  napi_value argv[7];
  RowArgs a;
  if (!row_args(env, info, argv, 6, 2, 3, "moelab_blas.scatterAddRows(src, srcOff, d, idx: Int32Array, dst, dstOff, dstRows): bad arguments", &a)) return NULL;
  const float *src = floats_at(env, argv[0], argv[1], (int64_t)a.count * a.d);
  float *dst = src ? floats_at(env, argv[4], argv[5], a.rows * a.d) : NULL;
  if (!dst) return NULL;
  for (int64_t j = 0; j < a.rows * a.d; j++) dst[j] = 0.0f;
  for (size_t i = 0; i < a.count; i++) {
    if (a.idx[i] < 0) continue;
    float *o = dst + (int64_t)a.idx[i] * a.d;
    const float *r = src + (int64_t)i * a.d;
    for (int64_t j = 0; j < a.d; j++) o[j] += r[j];
  }
  return NULL;
}

/* setThreads(n): OpenBLAS's thread count for later calls. */
static napi_value set_threads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t n = 1;
  if (argc < 1 || napi_get_value_int32(env, argv[0], &n) != napi_ok || n < 1) {
    napi_throw_range_error(env, "MOELAB_BLAS_ARGS", "moelab_blas.setThreads: expected a positive integer");
    return NULL;
  }
  openblas_set_num_threads(n);
  return NULL;
}

/*
 * setVectorCap(bits): cap the vectors of our matrix kernel and of the GELU and exponential loops at 512, 256 or
 * 0 bits (gemm.h); returns the width now in use (the widest this CPU has up to the cap). Every width gives the
 * same bits.
 */
static napi_value set_vector_cap(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], out;
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t bits = 0;
  if (argc < 1 || napi_get_value_int32(env, argv[0], &bits) != napi_ok || (bits != 0 && bits != 256 && bits != 512)) {
    napi_throw_range_error(env, "MOELAB_BLAS_ARGS", "moelab_blas.setVectorCap: expected 512, 256 or 0 (bits)");
    return NULL;
  }
  moelab_set_vector_cap(bits);
  CHECK(env, napi_create_int32(env, moelab_vector_bits(), &out));
  return out;
}

/* setOwnGemm(on): use our own matrix kernel where it applies (gemm.c), or OpenBLAS for every product. */
static napi_value set_own_gemm(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  bool on = true;
  if (argc < 1 || napi_get_value_bool(env, argv[0], &on) != napi_ok) {
    napi_throw_type_error(env, "MOELAB_BLAS_ARGS", "moelab_blas.setOwnGemm: expected a boolean");
    return NULL;
  }
  moelab_gemm_set_own(on ? 1 : 0);
  return NULL;
}

/* gemmKernel(M, N, K, transA, transB): "own" or "openblas", whichever would compute that product now. */
static napi_value gemm_kernel(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5], out;
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int ok = argc == 5;
  int64_t M = ok ? int_arg(env, argv[0], &ok) : 0, N = ok ? int_arg(env, argv[1], &ok) : 0, K = ok ? int_arg(env, argv[2], &ok) : 0;
  bool ta = false, tb = false;
  if (!ok || M < 0 || N < 0 || K < 0 || napi_get_value_bool(env, argv[3], &ta) != napi_ok || napi_get_value_bool(env, argv[4], &tb) != napi_ok) {
    napi_throw_type_error(env, "MOELAB_BLAS_ARGS", "moelab_blas.gemmKernel(M, N, K, transA, transB): bad arguments");
    return NULL;
  }
  CHECK(env, napi_create_string_utf8(env, moelab_gemm_own(ta, tb, M, N, K) ? "own" : "openblas", NAPI_AUTO_LENGTH, &out));
  return out;
}

/*
 * info(): { config, core, threads } as OpenBLAS reports them, gemm: which kernel takes the larger products, and
 * vectorBits: the vector width of our matrix kernel and of the GELU and exponential loops (512, 256 or 0).
 */
static napi_value blas_info(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out, config, core, threads;
  CHECK(env, napi_create_object(env, &out));
  CHECK(env, napi_create_string_utf8(env, openblas_get_config(), NAPI_AUTO_LENGTH, &config));
  CHECK(env, napi_create_string_utf8(env, openblas_get_corename(), NAPI_AUTO_LENGTH, &core));
  CHECK(env, napi_create_int32(env, openblas_get_num_threads(), &threads));
  CHECK(env, napi_set_named_property(env, out, "config", config));
  CHECK(env, napi_set_named_property(env, out, "core", core));
  CHECK(env, napi_set_named_property(env, out, "threads", threads));
  napi_value vbits;
  CHECK(env, napi_create_int32(env, moelab_vector_bits(), &vbits));
  CHECK(env, napi_set_named_property(env, out, "vectorBits", vbits));
  const int nthreads = openblas_get_num_threads();
  const char *gemm = !moelab_gemm_own_enabled()    ? "OpenBLAS (own kernel switched off)"
                     : moelab_vector_bits() == 0   ? "OpenBLAS (own kernel needs AVX-512F or AVX2 + FMA)"
                     : nthreads != 1               ? "OpenBLAS (own kernel runs on 1 thread only)"
                     : moelab_vector_bits() == 512 ? "own avx512f kernel for OpenBLAS's blocked-driver products with rows enough, OpenBLAS for the rest"
                                                   : "own avx2 kernel for OpenBLAS's blocked-driver products with rows enough, OpenBLAS for the rest";
  napi_value g;
  CHECK(env, napi_create_string_utf8(env, gemm, NAPI_AUTO_LENGTH, &g));
  CHECK(env, napi_set_named_property(env, out, "gemm", g));
  return out;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"sgemm", NULL, sgemm, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setOwnGemm", NULL, set_own_gemm, NULL, NULL, NULL, napi_enumerable, NULL},
      {"gemmKernel", NULL, gemm_kernel, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sumSquares", NULL, sum_squares, NULL, NULL, NULL, napi_enumerable, NULL},
      {"adamw", NULL, adamw, NULL, NULL, NULL, napi_enumerable, NULL},
      {"adamwInPlace", NULL, adamw_inplace, NULL, NULL, NULL, napi_enumerable, NULL},
      {"add", NULL, add, NULL, NULL, NULL, napi_enumerable, NULL},
      {"gelu", NULL, gelu, NULL, NULL, NULL, napi_enumerable, NULL},
      {"geluGrad", NULL, gelu_grad, NULL, NULL, NULL, napi_enumerable, NULL},
      {"geluAndSlope", NULL, gelu_and_slope, NULL, NULL, NULL, napi_enumerable, NULL},
      {"mul", NULL, mul, NULL, NULL, NULL, napi_enumerable, NULL},
      {"gatherRows", NULL, gather_rows, NULL, NULL, NULL, napi_enumerable, NULL},
      {"scatterAddRows", NULL, scatter_add_rows, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setVectorCap", NULL, set_vector_cap, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setThreads", NULL, set_threads, NULL, NULL, NULL, napi_enumerable, NULL},
      {"info", NULL, blas_info, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  CHECK(env, napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props));
  return moelab_fused_init(env, exports);
}

NAPI_MODULE(moelab_blas, init)
