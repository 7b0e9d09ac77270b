/*
 * Helpers shared by the addon's translation units (blas.c, fused.c): Node-API argument parsing with bounds
 * checks, and the float32 exp / normal CDF used by GELU. Every function is static (one copy per unit).
 */
#ifndef MOELAB_NAPI_UTIL_H
#define MOELAB_NAPI_UTIL_H
#define NAPI_VERSION 8
#include <node_api.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>

/* Hot loops are compiled for AVX-512, AVX2 and baseline x86-64, picked at load time (GCC ifunc). */
#if defined(__x86_64__) && defined(__linux__) && defined(__GNUC__) && !defined(__clang__)
#define MULTIVERSION __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define MULTIVERSION
#endif

#define CHECK(env, call)                                                                                   \
  do {                                                                                                     \
    if ((call) != napi_ok) {                                                                               \
      napi_throw_error((env), "MOELAB_BLAS", "moelab_blas: Node-API call failed: " #call);               \
      return NULL;                                                                                         \
    }                                                                                                      \
  } while (0)

/* Base pointer and byte length of an ArrayBuffer or a TypedArray (the view's own offset applied). */
static inline int buffer_of(napi_env env, napi_value v, uint8_t **data, size_t *bytes) {
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

static inline int64_t int_arg(napi_env env, napi_value v, int *ok) {
  int64_t x = 0;
  if (napi_get_value_int64(env, v, &x) != napi_ok) *ok = 0;
  return x;
}

/* Does [byteOffset, byteOffset + 4·(span)) lie inside a buffer of `bytes` bytes, 4-byte aligned? */
static inline int in_bounds(int64_t byte_offset, int64_t span_elems, size_t bytes) {
  if (byte_offset < 0 || span_elems < 0 || (byte_offset & 3) != 0) return 0;
  return (uint64_t)byte_offset + 4u * (uint64_t)span_elems <= (uint64_t)bytes;
}


/* Pointer to `count` floats at byte offset `off` into `buf` (ArrayBuffer/Float32Array), or NULL after throwing. */
static inline float *floats_at(napi_env env, napi_value buf, napi_value off, int64_t count) {
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

static inline double dbl_arg(napi_env env, napi_value v, int *ok) {
  double x = 0;
  if (napi_get_value_double(env, v, &x) != napi_ok) *ok = 0;
  return x;
}

/*
 * Read exactly `expected` arguments into argv and the element count n at argv[n_at] (a non-negative
 * integer); throws a TypeError naming `usage` and returns 0 otherwise.
 */
static inline int counted_args(napi_env env, napi_callback_info info, napi_value *argv, size_t expected, size_t n_at, const char *usage,
                        int64_t *n) {
  size_t argc = expected;
  int ok = napi_get_cb_info(env, info, &argc, argv, NULL, NULL) == napi_ok && argc == expected;
  *n = ok ? int_arg(env, argv[n_at], &ok) : 0;
  if (!ok || *n < 0) {
    napi_throw_type_error(env, "MOELAB_BLAS_ARGS", usage);
    return 0;
  }
  return 1;
}


/* Int32Array argument: data pointer and length, or 0. */
static inline int int32_array(napi_env env, napi_value v, const int32_t **data, size_t *length) {
  bool is_ta = false;
  if (napi_is_typedarray(env, v, &is_ta) != napi_ok || !is_ta) return 0;
  napi_typedarray_type type;
  size_t offset = 0;
  void *p = NULL;
  napi_value ab;
  if (napi_get_typedarray_info(env, v, &type, length, &p, &ab, &offset) != napi_ok || type != napi_int32_array) return 0;
  *data = (const int32_t *)p;
  return 1;
}

/* The row kernels' shared arguments: an index list and the sizes of the indexed matrix. */
typedef struct {
  const int32_t *idx;
  size_t count;
  int64_t rows; /* rows of the indexed matrix (gather: source; scatter: destination) */
  int64_t d;
} RowArgs;


/*
 * e^x for x ≤ 0 in float32, branch-free so loops vectorise: x = n·ln2 + r with |r| ≤ ln2/2 (n rounded by the
 * 1.5·2^23 trick), e^r by Cephes's degree-6 expf polynomial, 2^n assembled in the exponent bits. Relative
 * error ~1e-7; inputs below −87 give ~e^−87 instead of a denormal.
 */
static inline float exp_nonpositive(float x) {
  x = x < -87.0f ? -87.0f : x;
  const float n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  const float r = (x - n * 0.693359375f) - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  union { int32_t i; float f; } scale;
  scale.i = ((int32_t)n + 127) << 23;
  return p * scale.f;
}

/*
 * Standard normal CDF Φ(x) and density φ(x) from one exponential: with z = |x|/√2,
 * erf(z) = 1 − t(a1 + t(a2 + t(a3 + t(a4 + t a5)))) e^{−z²}, t = 1/(1 + p z) (Abramowitz & Stegun 7.1.26,
 * |error| ≤ 1.5e-7), and e^{−z²} = e^{−x²/2} = √(2π) φ(x). Φ's tail is taken as the product directly, so it
 * never cancels.
 */
static inline void normal_cdf_pdf(float x, float *cdf, float *pdf) {
  const float e = exp_nonpositive(-0.5f * x * x);
  const float z = (x < 0 ? -x : x) * 0.70710678118654752f;
  const float t = 1.0f / (1.0f + 0.3275911f * z);
  const float poly = t * (0.254829592f + t * (-0.284496736f + t * (1.421413741f + t * (-1.453152027f + t * 1.061405429f))));
  const float half_tail = 0.5f * poly * e; /* = Φ(−|x|) */
  *cdf = x < 0 ? half_tail : 1.0f - half_tail;
  *pdf = e * 0.39894228040143268f;
}


/*
 * GELU loops over n floats, one function for the three uses: GELU_FORWARD y = x·Φ(x); GELU_BACKWARD
 * dx = dy·(Φ(x) + x·φ(x)) (dx may alias dy); GELU_AND_SLOPE act = x·Φ(x) and slope = Φ(x) + x·φ(x) (the MoE
 * experts keep both). On AVX-512 CPUs 32 floats per iteration go through normal_cdf_pdf16, on AVX2 CPUs 16
 * through normal_cdf_pdf8 (vec-math.inc), which perform exactly normal_cdf_pdf's float operations in the same
 * order (no FMA contraction: ISO C mode), so every path gives the same bits for every input (the AVX-512 form
 * checked over all 2³² floats when it was written; each form by test/backend/native-kernels.test.ts against a
 * float32 emulation in JS); the plain loop is the fallback. moelab_vector_bits() picks the widest this CPU has.
 */
enum { GELU_FORWARD, GELU_BACKWARD, GELU_AND_SLOPE };

static inline void gelu_element(int mode, const float *x, const float *dy, float *out0, float *out1, int64_t i) {
  float c, d;
  normal_cdf_pdf(x[i], &c, &d);
  if (mode == GELU_FORWARD) out0[i] = x[i] * c;
  else if (mode == GELU_BACKWARD) out0[i] = dy[i] * (c + x[i] * d);
  else {
    out0[i] = x[i] * c;
    out1[i] = c + x[i] * d;
  }
}

MULTIVERSION static void gelu_scalar_loop(int mode, const float *x, const float *dy, float *out0, float *out1, int64_t n) {
  for (int64_t i = 0; i < n; i++) gelu_element(mode, x, dy, out0, out1, i);
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#include "gemm.h" /* moelab_vector_bits */

/* AVX-512F: 16 lanes, tail masks in k registers. */
#define VW 16
#define VTARGET "avx512f"
#define VNAME(f) f##16
#define VPRIM __attribute__((target("avx512f"), always_inline)) static inline
typedef __m512 vf;
typedef __mmask16 vmask;
VPRIM vf v_set1(float a) { return _mm512_set1_ps(a); }
VPRIM vf v_add(vf a, vf b) { return _mm512_add_ps(a, b); }
VPRIM vf v_sub(vf a, vf b) { return _mm512_sub_ps(a, b); }
VPRIM vf v_mul(vf a, vf b) { return _mm512_mul_ps(a, b); }
VPRIM vf v_div(vf a, vf b) { return _mm512_div_ps(a, b); }
VPRIM vf v_min_keep(vf x, vf lo) { return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x, lo, _CMP_LT_OQ), x, lo); }
VPRIM vf v_select_neg(vf x, vf a, vf b) { return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_LT_OQ), b, a); }
VPRIM vf v_negate(vf x) { return _mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(x), _mm512_set1_epi32((int)0x80000000u))); }
VPRIM vf v_pow2(vf n) { return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(_mm512_cvttps_epi32(n), _mm512_set1_epi32(127)), 23)); }
VPRIM vmask v_full(void) { return (vmask)0xffff; }
VPRIM vmask v_tail(int64_t rem) { return rem >= 16 ? (vmask)0xffff : (vmask)((1u << rem) - 1); }
VPRIM vf v_loadm(vmask m, const float *p) { return _mm512_maskz_loadu_ps(m, p); }
VPRIM void v_storem(float *p, vmask m, vf v) { _mm512_mask_storeu_ps(p, m, v); }
VPRIM vf v_loadu(const float *p) { return _mm512_loadu_ps(p); }
VPRIM void v_storeu(float *p, vf v) { _mm512_storeu_ps(p, v); }
#define V_CHEAP_MASKS 1
#include "vec-math.inc"
#undef VPRIM
#define vf vf8
#define vmask vmask8
#define v_set1 v8_set1
#define v_add v8_add
#define v_sub v8_sub
#define v_mul v8_mul
#define v_div v8_div
#define v_min_keep v8_min_keep
#define v_select_neg v8_select_neg
#define v_negate v8_negate
#define v_pow2 v8_pow2
#define v_full v8_full
#define v_tail v8_tail
#define v_loadm v8_loadm
#define v_storem v8_storem
#define v_loadu v8_loadu
#define v_storeu v8_storeu

/* AVX2: 8 lanes, tail masks as lane vectors (maskload reads 0 in the lanes it leaves out). */
#define VW 8
#define VTARGET "avx2"
#define VNAME(f) f##8
#define VPRIM __attribute__((target("avx2"), always_inline)) static inline
typedef __m256 vf;
typedef __m256i vmask;
VPRIM vf v_set1(float a) { return _mm256_set1_ps(a); }
VPRIM vf v_add(vf a, vf b) { return _mm256_add_ps(a, b); }
VPRIM vf v_sub(vf a, vf b) { return _mm256_sub_ps(a, b); }
VPRIM vf v_mul(vf a, vf b) { return _mm256_mul_ps(a, b); }
VPRIM vf v_div(vf a, vf b) { return _mm256_div_ps(a, b); }
VPRIM vf v_min_keep(vf x, vf lo) { return _mm256_blendv_ps(x, lo, _mm256_cmp_ps(x, lo, _CMP_LT_OQ)); }
VPRIM vf v_select_neg(vf x, vf a, vf b) { return _mm256_blendv_ps(b, a, _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_LT_OQ)); }
VPRIM vf v_negate(vf x) { return _mm256_castsi256_ps(_mm256_xor_si256(_mm256_castps_si256(x), _mm256_set1_epi32((int)0x80000000u))); }
VPRIM vf v_pow2(vf n) { return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(_mm256_cvttps_epi32(n), _mm256_set1_epi32(127)), 23)); }
VPRIM vmask v_full(void) { return _mm256_set1_epi32(-1); }
VPRIM vmask v_tail(int64_t rem) { return _mm256_cmpgt_epi32(_mm256_set1_epi32(rem >= 8 ? 8 : (int)rem), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)); }
VPRIM vf v_loadm(vmask m, const float *p) { return _mm256_maskload_ps(p, m); }
VPRIM void v_storem(float *p, vmask m, vf v) { _mm256_maskstore_ps(p, m, v); }
VPRIM vf v_loadu(const float *p) { return _mm256_loadu_ps(p); }
VPRIM void v_storeu(float *p, vf v) { _mm256_storeu_ps(p, v); }
#define V_CHEAP_MASKS 0
#include "vec-math.inc"
#undef VPRIM
#undef vf
#undef vmask
#undef v_set1
#undef v_add
#undef v_sub
#undef v_mul
#undef v_div
#undef v_min_keep
#undef v_select_neg
#undef v_negate
#undef v_pow2
#undef v_full
#undef v_tail
#undef v_loadm
#undef v_storem
#undef v_loadu
#undef v_storeu

#endif

static inline void gelu_loop(int mode, const float *x, const float *dy, float *out0, float *out1, int64_t n) {
#if defined(__x86_64__) && defined(__GNUC__)
  const int bits = moelab_vector_bits();
  if (bits == 512) {
    gelu_loop16(mode, x, dy, out0, out1, n);
    return;
  }
  if (bits == 256) {
    gelu_loop8(mode, x, dy, out0, out1, n);
    return;
  }
#endif
  gelu_scalar_loop(mode, x, dy, out0, out1, n);
}

#endif
