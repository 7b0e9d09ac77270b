/*
 * moelab_gemm: the addon's single-precision matrix product. On one thread and an AVX-512 CPU, the products that
 * OpenBLAS runs through its blocked driver and that have rows enough to pay for a packed panel (own_takes) run on
 * our own register-blocked kernel; the rest call cblas_sgemm.
 *
 * Why our own: the training step's products are short and skinny (an expert's ~256 rows × K or N = 32–256, the
 * per-head attention products at T = 64, the weight gradients' K = 1,024–2,048 token rows). OpenBLAS packs both
 * operands on every call; this kernel packs only a 16- or 32-column panel of op(B), broadcasts op(A) straight
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
 * those cores; on other cores our kernel keeps its one fixed order, so results stay deterministic.
 */
#include <string.h>
#include "gemm.h"

#define GEMM_Q 320
#define GEMM_UNROLL_M 16
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
#define NR 32

int moelab_cpu_has_avx512f(void) {
  static int known = -1;
  if (known < 0) {
    __builtin_cpu_init();
    known = __builtin_cpu_supports("avx512f") ? 1 : 0;
  }
  return known;
}

static inline __mmask16 lanes(int64_t n) { return n >= 16 ? (__mmask16)0xffff : n <= 0 ? (__mmask16)0 : (__mmask16)((1u << n) - 1); }

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

/*
 * bp[k·nrw + c] = op(B)[k, j0 + c] for k < kl, c < nr; zero for nr ≤ c < nrw (the panel width, 16 or 32; bp is
 * 64-byte aligned). Rows of B are copied as masked vectors; a transposed B moves in 16 × 16 blocks through
 * registers. Packing only copies, so it cannot change a bit of the product.
 */
__attribute__((target("avx512f"))) static void pack_b(const float *B, int64_t ldb, int tb, int64_t kl, int64_t j0, int64_t nr,
                                                      int64_t nrw, float *bp) {
  const int nv = nrw > 16 ? 2 : 1;
  if (!tb) {
    const __mmask16 m0 = lanes(nr), m1 = lanes(nr - 16);
    for (int64_t k = 0; k < kl; k++) {
      const float *s = B + k * ldb + j0;
      _mm512_store_ps(bp + k * nrw, _mm512_maskz_loadu_ps(m0, s));
      if (nv == 2) _mm512_store_ps(bp + k * nrw + 16, _mm512_maskz_loadu_ps(m1, s + 16));
    }
    return;
  }
  for (int v = 0; v < nv; v++) {
    const int64_t c0 = 16 * v, cn = nr - c0 < 16 ? nr - c0 : 16; /* this block's columns of op(B) (rows of B) */
    for (int64_t k0 = 0; k0 < kl; k0 += 16) {
      const int64_t kn = kl - k0 < 16 ? kl - k0 : 16;
      const __mmask16 mk = lanes(kn);
      __m512 r[16];
      for (int c = 0; c < 16; c++) r[c] = c < cn ? _mm512_maskz_loadu_ps(mk, B + (j0 + c0 + c) * ldb + k0) : _mm512_setzero_ps();
      transpose16(r);
      for (int64_t kk = 0; kk < kn; kk++) _mm512_store_ps(bp + (k0 + kk) * nrw + c0, r[kk]);
    }
  }
}


/*
 * Rows i0 … i0+mr−1 (mr ≤ mrmax) and columns j0 … j0+nr−1 (nr ≤ 16·nv) of C from one K block, for a panel of
 * nv 16-float vectors: op(A)[i, k] is A[i·sai + k·sak], op(B)[k, j0 + c] is bp[k·ldbp + c] (the packed panel,
 * 64-byte aligned, zero past nr). Rows past mr repeat row i0 and are not stored. The chain runs over k in
 * [kb, ke) only: the caller drops terms whose op(A) factor is exactly zero for every row of the tile (a
 * triangular operand), which leaves each element's sum bit for bit unchanged (see moelab_gemm_tri).
 * first: store alpha·acc, else C = fma(acc, alpha, C). nv and mrmax are constants at every call site.
 */
__attribute__((target("avx512f"), always_inline)) static inline void tile(const int nv, const int mrmax, const float *A, int64_t sai,
                                                                           int64_t sak, int64_t i0, int64_t mr, int64_t kb,
                                                                           int64_t ke, const float *bp, int64_t ldbp, float *C, int64_t ldc,
                                                                           int64_t j0, int64_t nr, float alpha, int first) {
  __m512 c0[16], c1[16];
  const float *ar[16];
  for (int r = 0; r < mrmax; r++) {
    c0[r] = _mm512_setzero_ps();
    c1[r] = _mm512_setzero_ps();
    ar[r] = A + (i0 + (r < mr ? r : 0)) * sai;
  }
  const __mmask16 m0 = lanes(nr), m1 = lanes(nr - 16);
  for (int64_t k = kb; k < ke; k++) {
    const __m512 b0 = _mm512_load_ps(bp + k * ldbp);
    const __m512 b1 = nv == 2 ? _mm512_load_ps(bp + k * ldbp + 16) : b0;
    for (int r = 0; r < mrmax; r++) {
      const __m512 a = _mm512_set1_ps(ar[r][k * sak]);
      c0[r] = _mm512_fmadd_ps(a, b0, c0[r]);
      if (nv == 2) c1[r] = _mm512_fmadd_ps(a, b1, c1[r]);
    }
  }
  const __m512 al = _mm512_set1_ps(alpha);
  for (int64_t r = 0; r < mr; r++) {
    float *cr = C + (i0 + r) * ldc + j0;
    if (first) {
      _mm512_mask_storeu_ps(cr, m0, _mm512_mul_ps(c0[r], al));
      if (nv == 2) _mm512_mask_storeu_ps(cr + 16, m1, _mm512_mul_ps(c1[r], al));
    } else {
      _mm512_mask_storeu_ps(cr, m0, _mm512_fmadd_ps(c0[r], al, _mm512_maskz_loadu_ps(m0, cr)));
      if (nv == 2) _mm512_mask_storeu_ps(cr + 16, m1, _mm512_fmadd_ps(c1[r], al, _mm512_maskz_loadu_ps(m1, cr + 16)));
    }
  }
}

/* Which part of a product own_gemm computes: all of it; only C's lower triangle (a causal score matrix); or all
   of C from a square op(A) that is lower (zero for k > i) or upper (zero for k < i) triangular. */
enum { FULL = 0, LOWER_C = 1, LOWER_A = 2, UPPER_A = 3 };

/*
 * One panel of columns against all M rows, in the two access patterns of op(A) (so the compiler sees a unit
 * stride in each): 8 rows × 32 columns per tile (16 accumulators), or 16 × 16 for a panel of ≤ 16 columns.
 * LOWER_C skips the tiles wholly above the diagonal; LOWER_A and UPPER_A shorten each tile's k range to the
 * columns of op(A) that are not zero in any of its rows.
 */
#define PANEL(name, SAI, SAK)                                                                                           \
  __attribute__((target("avx512f"))) static void name(const float *A, int64_t lda, int64_t M, int64_t kl, const float *bp, \
                                                      int64_t ldbp, float *C, int64_t ldc, int64_t j0, int64_t nr, float alpha, \
                                                      int first, int mode) {                                             \
    const int64_t rows = nr > 16 ? 8 : 16;                                                                               \
    /* The triangular modes kept apart: with k known to run over [0, kl) the full products ran 3-8% faster. */       \
    if (mode == LOWER_A || mode == UPPER_A) {                                                                            \
      for (int64_t i0 = 0; i0 < M; i0 += rows) {                                                                         \
        const int64_t mr = M - i0 < rows ? M - i0 : rows;                                                                \
        const int64_t kb = mode == UPPER_A ? i0 : 0, ke = mode == LOWER_A && i0 + mr < kl ? i0 + mr : kl;                \
        if (nr > 16)                                                                                                     \
          tile(2, 8, A, SAI, SAK, i0, mr, kb, ke, bp, ldbp, C, ldc, j0, nr, alpha, first);                               \
        else                                                                                                             \
          tile(1, 16, A, SAI, SAK, i0, mr, kb, ke, bp, ldbp, C, ldc, j0, nr, alpha, first);                              \
      }                                                                                                                  \
    } else if (nr > 16) {                                                                                                \
      for (int64_t i0 = mode == LOWER_C ? j0 / 8 * 8 : 0; i0 < M; i0 += 8)                                               \
        tile(2, 8, A, SAI, SAK, i0, M - i0 < 8 ? M - i0 : 8, 0, kl, bp, ldbp, C, ldc, j0, nr, alpha, first);            \
    } else {                                                                                                             \
      for (int64_t i0 = mode == LOWER_C ? j0 / 16 * 16 : 0; i0 < M; i0 += 16)                                            \
        tile(1, 16, A, SAI, SAK, i0, M - i0 < 16 ? M - i0 : 16, 0, kl, bp, ldbp, C, ldc, j0, nr, alpha, first);         \
    }                                                                                                                    \
  }
PANEL(panel_rows, lda, 1)
PANEL(panel_cols, 1, lda)

/* K cut as OpenBLAS's level-3 driver cuts it; mode as for PANEL (LOWER_A and UPPER_A with one K block only). */
static void own_gemm(int ta, int tb, int64_t M, int64_t N, int64_t K, float alpha, const float *A, int64_t lda, const float *B,
                     int64_t ldb, float *C, int64_t ldc, int mode) {
  float bp[GEMM_Q * NR] __attribute__((aligned(64)));
  for (int64_t k0 = 0; k0 < K;) {
    const int64_t kl = k_block(K - k0);
    const float *Ak = ta ? A + k0 * lda : A + k0;
    const float *Bk = tb ? B + k0 : B + k0 * ldb;
    for (int64_t j0 = 0; j0 < N; j0 += NR) {
      const int64_t nr = N - j0 < NR ? N - j0 : NR;
      /* Packed even when B is not transposed: its rows lie ldb apart, often a power of two of bytes, and reading
         them in place thrashes a few L1 sets (2–2.5× slower at ldb = 256 floats, measured). */
      const int64_t ldp = nr > 16 ? 32 : 16;
      pack_b(Bk, ldb, tb, kl, j0, nr, ldp, bp);
      if (ta)
        panel_cols(Ak, lda, M, kl, bp, ldp, C, ldc, j0, nr, alpha, k0 == 0, mode);
      else
        panel_rows(Ak, lda, M, kl, bp, ldp, C, ldc, j0, nr, alpha, k0 == 0, mode);
    }
    k0 += kl;
  }
}
#else
#define HAVE_OWN_KERNEL 0
int moelab_cpu_has_avx512f(void) { return 0; }
#endif

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

/* Our kernel can run at all: built in, switched on, one OpenBLAS thread, an AVX-512F CPU. */
static int own_runs_here(void) { return HAVE_OWN_KERNEL && own_enabled && openblas_get_num_threads() == 1 && moelab_cpu_has_avx512f(); }

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
