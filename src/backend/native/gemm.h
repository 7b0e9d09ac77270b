/*
 * The addon's one matrix-product entry point (gemm.c): C[M,N] = alpha · op(A) @ op(B), row-major, beta = 0.
 * Every product of blas.c and fused.c goes through moelab_gemm, so the choice between our own kernel and
 * OpenBLAS is made in one place.
 */
#ifndef MOELAB_GEMM_H
#define MOELAB_GEMM_H
#include <stdint.h>

/* CBLAS and OpenBLAS entry points (declared here so only the shared library, not cblas.h, is needed). */
enum { CBLAS_ROW_MAJOR = 101, CBLAS_NO_TRANS = 111, CBLAS_TRANS = 112 };
extern void cblas_sgemm(int order, int transA, int transB, int M, int N, int K, float alpha, const float *A,
                        int lda, const float *B, int ldb, float beta, float *C, int ldc);
extern void openblas_set_num_threads(int n);
extern int openblas_get_num_threads(void);
extern char *openblas_get_config(void);
extern char *openblas_get_corename(void);

/* op(A) is M×K (A stored [K, lda] when ta), op(B) is K×N (B stored [N, ldb] when tb); C has row stride ldc. */
void moelab_gemm(int ta, int tb, int64_t M, int64_t N, int64_t K, float alpha, const float *A, int64_t lda, const float *B,
                 int64_t ldb, float *C, int64_t ldc);

/*
 * The same for a square T×T product of which the caller reads only the lower triangle (j ≤ i, a causal score
 * matrix): every such element equals moelab_gemm's; elements above the diagonal may be left unwritten.
 */
void moelab_gemm_lower(int ta, int tb, int64_t T, int64_t K, float alpha, const float *A, int64_t lda, const float *B, int64_t ldb,
                       float *C, int64_t ldc);

/*
 * moelab_gemm for a square op(A) [M, M] that is lower triangular (upper = 0: op(A)[i, k] = 0 for k > i, as P and
 * dS of causal attention) or upper triangular (upper = 1: zero for k < i, as Pᵀ and dSᵀ), with K = M. Where
 * OpenBLAS would sum each element as one chain over k from +0 (openblas_one_chain), our kernel runs it and
 * leaves the zero terms out: a term 0·b (b finite) is ±0, and adding ±0 to a partial sum that is not −0 changes
 * no bit (a chain from +0 reaches −0 only through a product that underflows to it), so every element equals
 * moelab_gemm's while up to half the work is skipped. Elsewhere it is moelab_gemm.
 */
void moelab_gemm_tri(int ta, int tb, int64_t M, int64_t N, float alpha, const float *A, int64_t lda, const float *B, int64_t ldb,
                     float *C, int64_t ldc, int upper);

/* Which kernel moelab_gemm would use for this product right now: 1 = our own, 0 = OpenBLAS (moelab_gemm_lower and moelab_gemm_tri may differ). */
int moelab_gemm_own(int ta, int tb, int64_t M, int64_t N, int64_t K);

/* Turn our own kernel off (0) or back on (1); it also steps aside on more than one OpenBLAS thread. */
void moelab_gemm_set_own(int enabled);

/* 1 while our kernel is switched on (it still steps aside on >1 thread, small products, or without AVX-512F or AVX2 + FMA). */
int moelab_gemm_own_enabled(void);

/*
 * Width in bits of the vectors our matrix kernel (gemm-kernel.inc) and the hand-vectorised GELU and exponential
 * loops (vec-math.inc) use: 512 (AVX-512F), 256 (AVX2 + FMA) or 0 (OpenBLAS and the plain loops), the widest this
 * CPU has up to the cap. Every width gives the same bits; the cap (default 512) lets the tests run each form
 * this CPU can.
 */
int moelab_vector_bits(void);
void moelab_set_vector_cap(int bits);
#endif
