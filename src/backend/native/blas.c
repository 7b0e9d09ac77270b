/*
 * moelab_blas: a Node-API addon exposing OpenBLAS's single-precision GEMM to the tfjs kernels in
 * src/backend/kernels.ts, and a fused AdamW step to src/train/optimizer.ts (see src/backend/native-blas.ts). It works on memory tfjs already owns (the wasm backend's heap, an ArrayBuffer,
 * or the cpu backend's Float32Arrays), so a matmul costs no copies.
 *
 * Built by scripts/build-native.mjs (npm postinstall) against Debian's libopenblas-dev; when it is absent the
 * build is skipped and the kernels stay on tfjs's own matmul. Plain C and Node-API only (ABI-stable across
 * Node versions). Every pointer range is bounds-checked against its buffer before OpenBLAS touches it.
 */
#define NAPI_VERSION 8
#include <node_api.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>

/* CBLAS and OpenBLAS entry points (declared here so only the shared library, not cblas.h, is needed). */
enum { CBLAS_ROW_MAJOR = 101, CBLAS_NO_TRANS = 111, CBLAS_TRANS = 112 };
extern void cblas_sgemm(int order, int transA, int transB, int M, int N, int K, float alpha, const float *A,
                        int lda, const float *B, int ldb, float beta, float *C, int ldc);
extern void openblas_set_num_threads(int n);
extern int openblas_get_num_threads(void);
extern char *openblas_get_config(void);
extern char *openblas_get_corename(void);

#define CHECK(env, call)                                                                                   \
  do {                                                                                                     \
    if ((call) != napi_ok) {                                                                               \
      napi_throw_error((env), "MOELAB_BLAS", "moelab_blas: Node-API call failed: " #call);               \
      return NULL;                                                                                         \
    }                                                                                                      \
  } while (0)

/* Base pointer and byte length of an ArrayBuffer or a TypedArray (the view's own offset applied). */
static int buffer_of(napi_env env, napi_value v, uint8_t **data, size_t *bytes) {
  bool is_ab = false, is_ta = false;
  if (napi_is_arraybuffer(env, v, &is_ab) != napi_ok) return 0;
  if (is_ab) {
    void *p = NULL;
    if (napi_get_arraybuffer_info(env, v, &p, bytes) != napi_ok) return 0;
    *data = (uint8_t *)p;
    return 1;
  }
  if (napi_is_typedarray(env, v, &is_ta) != napi_ok || !is_ta) return 0;
  napi_typedarray_type type;
  size_t length = 0, offset = 0;
  void *p = NULL;
  napi_value ab;
  if (napi_get_typedarray_info(env, v, &type, &length, &p, &ab, &offset) != napi_ok) return 0;
  if (type != napi_float32_array) return 0;
  *data = (uint8_t *)p;
  *bytes = length * 4;
  return 1;
}

static int64_t int_arg(napi_env env, napi_value v, int *ok) {
  int64_t x = 0;
  if (napi_get_value_int64(env, v, &x) != napi_ok) *ok = 0;
  return x;
}

/* Does [byteOffset, byteOffset + 4·(span)) lie inside a buffer of `bytes` bytes, 4-byte aligned? */
static int in_bounds(int64_t byte_offset, int64_t span_elems, size_t bytes) {
  if (byte_offset < 0 || span_elems < 0 || (byte_offset & 3) != 0) return 0;
  return (uint64_t)byte_offset + 4u * (uint64_t)span_elems <= (uint64_t)bytes;
}

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
    float *Ci = C + i * sC;
    if (K == 0) {
      for (int64_t j = 0; j < M * N; j++) Ci[j] = 0.0f;
      continue;
    }
    cblas_sgemm(CBLAS_ROW_MAJOR, ta ? CBLAS_TRANS : CBLAS_NO_TRANS, tb ? CBLAS_TRANS : CBLAS_NO_TRANS, (int)M, (int)N,
                (int)K, 1.0f, A + i * sA, lda, B + i * sB, ldb, 0.0f, Ci, (int)N);
  }
  return NULL;
}

/* Pointer to `count` floats at `byte_offset` into argv[i] (ArrayBuffer/Float32Array), or NULL after throwing. */
static float *floats_at(napi_env env, napi_value buf, napi_value off, int64_t count) {
  uint8_t *p;
  size_t bytes;
  int ok = 1;
  if (!buffer_of(env, buf, &p, &bytes)) {
    napi_throw_type_error(env, "MOELAB_BLAS_ARGS", "moelab_blas: buffers must be ArrayBuffers or Float32Arrays");
    return NULL;
  }
  int64_t o = int_arg(env, off, &ok);
  if (!ok || !in_bounds(o, count, bytes)) {
    napi_throw_range_error(env, "MOELAB_BLAS_BOUNDS", "moelab_blas: an operand extends past the end of its buffer (or is not 4-byte aligned)");
    return NULL;
  }
  return (float *)(p + o);
}

static double dbl_arg(napi_env env, napi_value v, int *ok) {
  double x = 0;
  if (napi_get_value_double(env, v, &x) != napi_ok) *ok = 0;
  return x;
}

/* sumSquares(x, xByteOffset, n): Σ x_i² accumulated in double (the global gradient norm's square). */
static napi_value sum_squares(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3], out;
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int ok = argc == 3;
  int64_t n = ok ? int_arg(env, argv[2], &ok) : 0;
  if (!ok || n < 0) {
    napi_throw_type_error(env, "MOELAB_BLAS_ARGS", "moelab_blas.sumSquares(x, byteOffset, n): bad arguments");
    return NULL;
  }
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
 * adamw(g, gOff, m, mOff, v, vOff, p, pOff, mOut, mOutOff, vOut, vOutOff, pOut, pOutOff, n,
 *       gradScale, lr, beta1, beta2, biasCorr1, biasCorr2, eps, weightDecay): one AdamW step (Loshchilov &
 * Hutter, decoupled decay) in float32 over n elements, g scaled by gradScale (global-norm clipping):
 *   m' = β1 m + (1−β1) g,  v' = β2 v + (1−β2) g²,  p' = p − lr (m'/c1 / (√(v'/c2) + ε) + wd p).
 * Outputs may alias inputs element-wise.
 */
static napi_value adamw(napi_env env, napi_callback_info info) {
  size_t argc = 23;
  napi_value argv[23];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int ok = argc == 23;
  int64_t n = ok ? int_arg(env, argv[14], &ok) : 0;
  double h[8];
  for (int k = 0; ok && k < 8; k++) h[k] = dbl_arg(env, argv[15 + k], &ok);
  if (!ok || n < 0) {
    napi_throw_type_error(env, "MOELAB_BLAS_ARGS", "moelab_blas.adamw: expected 7 (buffer, byteOffset) pairs, n and 8 numbers");
    return NULL;
  }
  const float *g = floats_at(env, argv[0], argv[1], n);
  const float *m = g ? floats_at(env, argv[2], argv[3], n) : NULL;
  const float *v = m ? floats_at(env, argv[4], argv[5], n) : NULL;
  const float *p = v ? floats_at(env, argv[6], argv[7], n) : NULL;
  float *mo = p ? floats_at(env, argv[8], argv[9], n) : NULL;
  float *vo = mo ? floats_at(env, argv[10], argv[11], n) : NULL;
  float *po = vo ? floats_at(env, argv[12], argv[13], n) : NULL;
  if (!po) return NULL;
  const float scale = (float)h[0], lr = (float)h[1], b1 = (float)h[2], b2 = (float)h[3];
  const float inv_c1 = (float)(1.0 / h[4]), inv_c2 = (float)(1.0 / h[5]), eps = (float)h[6], wd = (float)h[7];
  for (int64_t i = 0; i < n; i++) {
    const float gi = g[i] * scale;
    const float mi = b1 * m[i] + (1.0f - b1) * gi;
    const float vi = b2 * v[i] + (1.0f - b2) * gi * gi;
    const float pi = p[i];
    mo[i] = mi;
    vo[i] = vi;
    po[i] = pi - lr * ((mi * inv_c1) / (sqrtf(vi * inv_c2) + eps) + wd * pi);
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

/* info(): { config, core, threads } as OpenBLAS reports them. */
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
  return out;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"sgemm", NULL, sgemm, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sumSquares", NULL, sum_squares, NULL, NULL, NULL, napi_enumerable, NULL},
      {"adamw", NULL, adamw, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setThreads", NULL, set_threads, NULL, NULL, NULL, napi_enumerable, NULL},
      {"info", NULL, blas_info, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  CHECK(env, napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props));
  return exports;
}

NAPI_MODULE(moelab_blas, init)
