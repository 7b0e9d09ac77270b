/*
 * moelab_gemm: the addon's single-precision matrix product. On one thread and an AVX-512F or AVX2 + FMA CPU (the
 * kernel is written once, gemm-kernel.inc, for 16- and 8-lane vectors, with the same sums), the products that
 * OpenBLAS runs through its blocked driver and that have rows enough to pay for a packed panel (own_takes) run on
 * our own register-blocked kernel; the rest call cblas_sgemm.
 *
 * Why our own: the training step's products are short and skinny (an expert's ~256 rows × K or N = 32–256, the
 * per-head attention products at T = 64, the weight gradients' K = 1,024–2,048 token rows). OpenBLAS packs both
 * operands on every call; this kernel packs only a panel of 2 or 1 vectors' width of op(B) (32 or 16 columns on
 * AVX-512F, 16 or 8 on AVX2), broadcasts op(A) straight
 * from memory, skips the score tiles above a causal diagonal (moelab_gemm_lower) and the zero terms of a triangular
 * operand (moelab_gemm_tri: causal attention's P and dS). `npm run bench -- train`
 * times both on the step's products.
 *
 * Why its numbers equal OpenBLAS's, bit for bit, on the products it takes (OpenBLAS 0.3, SkylakeX, Cooperlake or
 * SapphireRapids core): each element of C is one FMA chain over k in increasing order from +0, as in OpenBLAS's
 * micro-kernels, and K is cut as OpenBLAS cuts it. Its blocked driver (M·N·K > 10⁶, and some smaller products:
 * openblas_blocked) splits K into blocks of GEMM_Q = 320 (halves rounded up to GEMM_UNROLL_M = 16 between 320 and
 * 640), stores the first block as alpha·acc and adds each later one as fma(acc, alpha, C); its small-matrix
 * kernels run one chain over all of K and store alpha·acc. Products OpenBLAS sums dot-wise stay on OpenBLAS.
 * test/backend/gemm.test.ts checks the equality on 312 random and edge products whenever OpenBLAS runs one of
 * those cores, and against a JS emulation of the chain at each vector width the CPU runs; on other cores our
 * kernel keeps its one fixed order, the same at both widths, so results stay deterministic.
 */
#include <string.h>
#include "gemm.h"

#define GEMM_Q 320
#define GEMM_UNROLL_M 16
/* The most floats of op(A) the AVX2 kernel reads per K block, over all its 16-column panels (1 MB: own_takes). */
#define AVX2_A_SWEEP_FLOATS 262144.0
/* The product size M·N·K at or below which OpenBLAS 0.3's small-matrix kernels may take over. */
#define SMALL_MNK 1000000.0

static int own_enabled = 1;

void moelab_gemm_set_own(int enabled) { own_enabled = enabled; }

int moelab_gemm_own_enabled(void) { return own_enabled; }

/* Length of the K block starting with `left` elements still to go (OpenBLAS driver/level3/level3.c's rule). */
static int64_t k_block(int64_t left) {
  if (left >= 2 * GEMM_Q) return GEMM_Q;
  if (left > GEMM_Q) return ((left / 2 + GEMM_UNROLL_M - 1) / GEMM_UNROLL_M) * GEMM_UNROLL_M;
  return left;
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define HAVE_OWN_KERNEL 1

/* The widest vectors this CPU runs our code on: 512 (AVX-512F), 256 (AVX2 + FMA) or 0; asked once. */
static int cpu_vector_bits(void) {
  static int known = -1;
  if (known < 0) {
    __builtin_cpu_init();
    known = __builtin_cpu_supports("avx512f") ? 512 : __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? 256 : 0;
  }
  return known;
}

/* Which part of a product own_gemm computes: all of it; only C's lower triangle (a causal score matrix); or all
   of C from a square op(A) that is lower (zero for k > i) or upper (zero for k < i) triangular. */
enum { FULL = 0, LOWER_C = 1, LOWER_A = 2, UPPER_A = 3 };

/*
 * r[0..15] ← its transpose: afterwards r[i][j] is the old r[j][i]. Pairs of rows interleave (32-bit, then 64-bit
 * elements within each 128-bit lane, leaving a 4 × 4 transposed block per lane), then the lanes move in two
 * 128-bit shuffles. 64 shuffles for 256 floats, where the scalar copy it replaced moved one float per store.
 */
__attribute__((target("avx512f"), always_inline)) static inline void transpose16(__m512 r[16]) {
  __m512 t[16], u[16];
  for (int i = 0; i < 8; i++) {
    t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  for (int i = 0; i < 4; i++) { /* u[4i + j], lane L: rows 4i … 4i+3 of column 4L + j */
    const __m512d a = _mm512_castps_pd(t[4 * i]), b = _mm512_castps_pd(t[4 * i + 1]);
    const __m512d c = _mm512_castps_pd(t[4 * i + 2]), d = _mm512_castps_pd(t[4 * i + 3]);
    u[4 * i] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, c));
    u[4 * i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, c));
    u[4 * i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(b, d));
    u[4 * i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(b, d));
  }
  for (int j = 0; j < 4; j++) {
    const __m512 v0 = _mm512_shuffle_f32x4(u[j], u[4 + j], 0x44), v1 = _mm512_shuffle_f32x4(u[j], u[4 + j], 0xEE);
    const __m512 w0 = _mm512_shuffle_f32x4(u[8 + j], u[12 + j], 0x44), w1 = _mm512_shuffle_f32x4(u[8 + j], u[12 + j], 0xEE);
    r[j] = _mm512_shuffle_f32x4(v0, w0, 0x88);
    r[4 + j] = _mm512_shuffle_f32x4(v0, w0, 0xDD);
    r[8 + j] = _mm512_shuffle_f32x4(v1, w1, 0x88);
    r[12 + j] = _mm512_shuffle_f32x4(v1, w1, 0xDD);
  }
}

/* AVX-512F: 16 lanes, masks in k registers; tiles of 8 × 32 (16 accumulators) or 16 × 16. */
#define GW 16
#define GTARGET "avx512f"
#define GNAME(f) f##16
#define GROWS_WIDE 8
#define GROWS_NARROW 16
#define GPRIM __attribute__((target("avx512f"), always_inline)) static inline
typedef __m512 gv;
typedef __mmask16 gmask;
GPRIM gmask g_lanes(int64_t n) { return n >= 16 ? (gmask)0xffff : n <= 0 ? (gmask)0 : (gmask)((1u << n) - 1); }
GPRIM gv g_zero(void) { return _mm512_setzero_ps(); }
GPRIM gv g_set1(float a) { return _mm512_set1_ps(a); }
GPRIM gv g_load(const float *p) { return _mm512_load_ps(p); }
GPRIM void g_store(float *p, gv v) { _mm512_store_ps(p, v); }
GPRIM gv g_loadu(const float *p) { return _mm512_loadu_ps(p); }
GPRIM void g_storeu(float *p, gv v) { _mm512_storeu_ps(p, v); }
#define G_CHEAP_MASKS 1
GPRIM gv g_loadm(gmask m, const float *p) { return _mm512_maskz_loadu_ps(m, p); }
GPRIM void g_storem(float *p, gmask m, gv v) { _mm512_mask_storeu_ps(p, m, v); }
GPRIM gv g_fmadd(gv a, gv b, gv c) { return _mm512_fmadd_ps(a, b, c); }
GPRIM gv g_mul(gv a, gv b) { return _mm512_mul_ps(a, b); }
GPRIM void g_transpose(gv r[16]) { transpose16(r); }
#include "gemm-kernel.inc"
#undef GPRIM

/*
 * r[0..7] ← its transpose (AVX2): pairs of rows interleave (32-bit, then 64-bit elements within each 128-bit
 * lane, leaving a 4 × 4 transposed block per lane), then the lanes swap halves in one 128-bit permute per row.
 */
__attribute__((target("avx2,fma"), always_inline)) static inline void transpose8(__m256 r[8]) {
  __m256 t[8], u[8];
  for (int i = 0; i < 4; i++) {
    t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  for (int i = 0; i < 2; i++) { /* u[4i + j], lane L: rows 4i … 4i+3 of column 4L + j */
    u[4 * i] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], 0x44);
    u[4 * i + 1] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], 0xEE);
    u[4 * i + 2] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0x44);
    u[4 * i + 3] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0xEE);
  }
  for (int j = 0; j < 4; j++) {
    r[j] = _mm256_permute2f128_ps(u[j], u[4 + j], 0x20);
    r[4 + j] = _mm256_permute2f128_ps(u[j], u[4 + j], 0x31);
  }
}

/* AVX2 + FMA: 8 lanes, masks as lane vectors; tiles of 6 × 16 (12 accumulators) or 12 × 8. */
#define gv gv8
#define gmask gmask8
#define g_lanes g8_lanes
#define g_zero g8_zero
#define g_set1 g8_set1
#define g_load g8_load
#define g_store g8_store
#define g_loadu g8_loadu
#define g_storeu g8_storeu
#define g_loadm g8_loadm
#define g_storem g8_storem
#define g_fmadd g8_fmadd
#define g_mul g8_mul
#define g_transpose g8_transpose
#define GW 8
#define GTARGET "avx2,fma"
#define GNAME(f) f##8
#define GROWS_WIDE 6
#define GROWS_NARROW 12
#define GPRIM __attribute__((target("avx2,fma"), always_inline)) static inline
typedef __m256 gv;
typedef __m256i gmask;
GPRIM gmask g_lanes(int64_t n) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(n >= 8 ? 8 : n <= 0 ? 0 : (int)n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
GPRIM gv g_zero(void) { return _mm256_setzero_ps(); }
GPRIM gv g_set1(float a) { return _mm256_set1_ps(a); }
GPRIM gv g_load(const float *p) { return _mm256_load_ps(p); }
GPRIM void g_store(float *p, gv v) { _mm256_store_ps(p, v); }
GPRIM gv g_loadu(const float *p) { return _mm256_loadu_ps(p); }
GPRIM void g_storeu(float *p, gv v) { _mm256_storeu_ps(p, v); }
#define G_CHEAP_MASKS 0
GPRIM gv g_loadm(gmask m, const float *p) { return _mm256_maskload_ps(p, m); }
GPRIM void g_storem(float *p, gmask m, gv v) { _mm256_maskstore_ps(p, m, v); }
GPRIM gv g_fmadd(gv a, gv b, gv c) { return _mm256_fmadd_ps(a, b, c); }
GPRIM gv g_mul(gv a, gv b) { return _mm256_mul_ps(a, b); }
GPRIM void g_transpose(gv r[8]) { transpose8(r); }
#include "gemm-kernel.inc"
#undef GPRIM
#undef gv
#undef gmask
#undef g_lanes
#undef g_zero
#undef g_set1
#undef g_load
#undef g_store
#undef g_loadu
#undef g_storeu
#undef g_loadm
#undef g_storem
#undef g_fmadd
#undef g_mul
#undef g_transpose

/* The own kernel at the vector width in use (moelab_vector_bits: 512 or 256; own_runs_here rules out 0). */
static void own_gemm(int ta, int tb, int64_t M, int64_t N, int64_t K, float alpha, const float *A, int64_t lda, const float *B,
                     int64_t ldb, float *C, int64_t ldc, int mode) {
  if (moelab_vector_bits() == 512)
    own_gemm16(ta, tb, M, N, K, alpha, A, lda, B, ldb, C, ldc, mode);
  else
    own_gemm8(ta, tb, M, N, K, alpha, A, lda, B, ldb, C, ldc, mode);
}
#else
#define HAVE_OWN_KERNEL 0
static int cpu_vector_bits(void) { return 0; }
#endif

static int vector_cap_bits = 512;

void moelab_set_vector_cap(int bits) { vector_cap_bits = bits; }

/* Every AVX-512F CPU also runs AVX2 + FMA, so any cap up to the CPU's width runs here. */
int moelab_vector_bits(void) {
  const int cpu = cpu_vector_bits();
  return cpu < vector_cap_bits ? cpu : vector_cap_bits;
}

/*
 * Whether OpenBLAS 0.3 (SkylakeX-family cores, small-matrix kernels built in) runs this row-major product through
 * its blocked driver. CBLAS hands it on as the column-major product with M' = N, N' = M, transA' = tb,
 * transB' = ta, and interface/gemm.c then takes a small-matrix kernel when sgemm_small_kernel_permit allows it:
 * M·N·K ≤ 10⁶, and for transA' without transB' only when M·N ≤ 1200 and K ≥ 32. Those small kernels sum in other
 * orders or run faster than ours (one chain over all of K for NN, NT and TT, except the NN kernel's last M' mod 16
 * ≤ 8 rows, which it sums dot-wise when K ≥ 32, as the TN kernel always does), so they stay on OpenBLAS. Read
 * from OpenBLAS's kernel/x86_64/sgemm_small_kernel_*_skylakex.c and checked against 0.3.21 by
 * test/backend/gemm.test.ts (0.3.21's TT kernel, which the current permit no longer allows, sums one chain).
 */
static int openblas_blocked(int ta, int tb, int64_t M, int64_t N, int64_t K) {
  if ((double)M * (double)N * (double)K > SMALL_MNK) return 1;
  return tb && !ta && ((double)M * (double)N > 1200.0 || K < 32);
}

/* Our kernel can run at all: built in, switched on, one OpenBLAS thread, vectors of AVX-512F or AVX2 + FMA. */
static int own_runs_here(void) { return HAVE_OWN_KERNEL && own_enabled && openblas_get_num_threads() == 1 && moelab_vector_bits() != 0; }

/*
 * Ours takes products of OpenBLAS's blocked driver only: its small-matrix kernels need no packing and beat ours
 * on the chain-ordered small products (64×32×64: ~100 vs ~85 GFLOP/s, measured), with the same bits. And only
 * where its one packed op(B) panel is reused by enough rows: M ≥ 128, or M ≥ 64 with one K block and B not
 * transposed. Below that OpenBLAS's packing wins (24×72×1024 Aᵀ, a d_model-24 weight gradient: 51–63 vs 74–82
 * GFLOP/s). A causal score product (lower) skips a quarter to half of its tiles, so it takes ours at any M.
 */
static int own_takes(int ta, int tb, int64_t M, int64_t N, int64_t K, int lower) {
  if (!(own_runs_here() && K > 0)) return 0;
  if (!openblas_blocked(ta, tb, M, N, K)) return 0;
  /* On AVX2 ours reads all of op(A)'s K block once per 16-column panel (twice AVX-512's passes) and packs none
     of it, so where K and N both exceed 64 it takes only products that read at most 1 MB of op(A) per K block
     that way: in the training step on a Zen 3 core (512 KB L2), ours on every blocked product ran the MoE d128
     and d256 steps at 0.72× and 0.71× OpenBLAS's speed, the tiny d32 step at 1.07×; alone, d128 experts' products
     of 150-600 rows ran at 0.96-1.06× with 1.5-9 MB read. With K or N ≤ 64 (the d_model-64 products) ours wins at
     any size measured (1.04-1.28× OpenBLAS: 150-600-row d64 experts, the 1,024- and 2,048-row QKV, LM-head and
     input-gradient products, 11 interleaved timings each), where OpenBLAS's packing of both operands and its
     separate pass zeroing C weigh most. And a weight gradient over the batch's tokens (op(A) = Aᵀ, K beyond one
     block) reads op(A) a row of A per k, M floats apart: OpenBLAS wins (512×128×2048 Aᵀ: ~58 vs ~32 GFLOP/s). */
  if (moelab_vector_bits() == 256 && !lower &&
      ((ta && K > GEMM_Q) ||
       (K > 64 && N > 64 && (double)M * (double)(K < GEMM_Q ? K : GEMM_Q) * (double)((N + 15) / 16) > AVX2_A_SWEEP_FLOATS)))
    return 0;
  return lower || M >= 128 || (M >= 64 && K <= GEMM_Q && !tb);
}

int moelab_gemm_own(int ta, int tb, int64_t M, int64_t N, int64_t K) { return own_takes(ta, tb, M, N, K, 0); }

static void gemm(int ta, int tb, int64_t M, int64_t N, int64_t K, float alpha, const float *A, int64_t lda, const float *B, int64_t ldb,
                 float *C, int64_t ldc, int lower) {
  if (M == 0 || N == 0) return;
  if (K == 0) {
    for (int64_t i = 0; i < M; i++) memset(C + i * ldc, 0, (size_t)N * sizeof(float));
    return;
  }
#if HAVE_OWN_KERNEL
  if (own_takes(ta, tb, M, N, K, lower)) {
    own_gemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, C, ldc, lower ? LOWER_C : FULL);
    return;
  }
#endif
  cblas_sgemm(CBLAS_ROW_MAJOR, ta ? CBLAS_TRANS : CBLAS_NO_TRANS, tb ? CBLAS_TRANS : CBLAS_NO_TRANS, (int)M, (int)N, (int)K, alpha, A,
              (int)lda, B, (int)ldb, 0.0f, C, (int)ldc);
}

void moelab_gemm(int ta, int tb, int64_t M, int64_t N, int64_t K, float alpha, const float *A, int64_t lda, const float *B,
                 int64_t ldb, float *C, int64_t ldc) {
  gemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, C, ldc, 0);
}

void moelab_gemm_lower(int ta, int tb, int64_t T, int64_t K, float alpha, const float *A, int64_t lda, const float *B, int64_t ldb,
                       float *C, int64_t ldc) {
  gemm(ta, tb, T, T, K, alpha, A, lda, B, ldb, C, ldc, 1);
}

/*
 * Whether OpenBLAS sums every element of this product as one FMA chain over k in increasing order from +0 and
 * stores alpha·acc, as own_gemm does on one K block: its blocked driver with K ≤ GEMM_Q, and its small-matrix
 * kernels except the dot-wise ones (see openblas_blocked): the column-major NN kernel's tail of N mod 16 ≤ 8
 * columns when K ≥ 32, and the TN kernel.
 */
static int openblas_one_chain(int ta, int tb, int64_t M, int64_t N, int64_t K) {
  if (K > GEMM_Q) return 0;
  if (openblas_blocked(ta, tb, M, N, K)) return 1;
  if (tb && !ta) return 0;
  if (!ta && !tb) return N % 16 == 0 || N % 16 > 8 || K < 32;
  return 1;
}

void moelab_gemm_tri(int ta, int tb, int64_t M, int64_t N, float alpha, const float *A, int64_t lda, const float *B, int64_t ldb,
                     float *C, int64_t ldc, int upper) {
#if HAVE_OWN_KERNEL
  if (M > 0 && N > 0 && own_runs_here() && openblas_one_chain(ta, tb, M, N, M)) {
    own_gemm(ta, tb, M, N, M, alpha, A, lda, B, ldb, C, ldc, upper ? UPPER_A : LOWER_A);
    return;
  }
#endif
  gemm(ta, tb, M, N, M, alpha, A, lda, B, ldb, C, ldc, 0);
}
