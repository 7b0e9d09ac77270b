/*
 * The addon's fused layer kernels for the tfjs `wasm` and `cpu` backends (JS side: src/backend/host-fused.ts).
 * Each replaces a composition of 5-30 tfjs kernels by one call, so a small model's step is no longer bound by
 * per-kernel overhead: LayerNorm (with the residual add before it) forward and backward, causal multi-head
 * attention forward and backward over the fused QKV projection (all heads in one call, products through moelab_gemm),
 * softmax cross-entropy forward and backward, and a whole MoE layer's routed experts (gather → up → GELU →
 * down → gate-weighted combine) forward and backward.
 *
 * Contracts match the webgpu kernels of the same names (src/backend/webgpu-kernels) where those exist, so the
 * gradient registrations are shared (src/backend/fused-ops.ts). Every loop runs in a fixed order (same inputs,
 * same bits); sums over a row or a column accumulate in double. Every operand range is bounds-checked before
 * anything is read or written; a bad argument is a TypeError/RangeError naming the function.
 */
#include <stdlib.h>
#include <string.h>
#include "napi-util.h"
#include "gemm.h"

#define THROW_TYPE(env, msg)                                   \
  do {                                                         \
    napi_throw_type_error((env), "MOELAB_FUSED_ARGS", (msg)); \
    return NULL;                                               \
  } while (0)

/* Reads exactly `expected` arguments; throws a TypeError with `usage` otherwise. */
static int get_args(napi_env env, napi_callback_info info, napi_value *argv, size_t expected, const char *usage) {
  size_t argc = expected;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != expected) {
    napi_throw_type_error(env, "MOELAB_FUSED_ARGS", usage);
    return 0;
  }
  return 1;
}

static int is_null(napi_env env, napi_value v) {
  napi_valuetype t;
  return napi_typeof(env, v, &t) == napi_ok && (t == napi_null || t == napi_undefined);
}

/* Non-negative integer arguments argv[from..from+count) into out; throws and returns 0 otherwise. */
static int sizes(napi_env env, napi_value *argv, int from, int count, int64_t *out, const char *usage) {
  int ok = 1;
  for (int i = 0; i < count; i++) {
    out[i] = int_arg(env, argv[from + i], &ok);
    if (!ok || out[i] < 0 || out[i] > INT32_MAX) {
      napi_throw_range_error(env, "MOELAB_FUSED_ARGS", usage);
      return 0;
    }
  }
  return 1;
}

/*
 * Scratch memory for one kernel call: one buffer kept across calls and grown when a call needs more (a fresh
 * malloc of a few hundred KiB per call is an mmap + page faults + munmap each time). Node calls the addon from
 * one thread and no kernel calls another, so one buffer suffices. Throws on failure.
 */
static float *scratch_buf = NULL;
static size_t scratch_cap = 0;

static float *scratch(napi_env env, size_t floats) {
  if (floats == 0) floats = 1;
  if (floats > scratch_cap) {
    free(scratch_buf);
    scratch_cap = 0;
    scratch_buf = (float *)malloc(floats * sizeof(float));
    if (!scratch_buf) {
      napi_throw_error(env, "MOELAB_FUSED_OOM", "moelab fused kernel: out of memory for scratch");
      return NULL;
    }
    scratch_cap = floats;
  }
  return scratch_buf;
}


/* Vectorisable row reductions in a fixed order (8 interleaved partial results, then combined in order). */
MULTIVERSION static float max_floats(const float *x, int64_t n) {
  float m[8];
  for (int k = 0; k < 8; k++) m[k] = x[0];
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; k++) m[k] = x[i + k] > m[k] ? x[i + k] : m[k];
  for (; i < n; i++) m[0] = x[i] > m[0] ? x[i] : m[0];
  float r = m[0];
  for (int k = 1; k < 8; k++) r = m[k] > r ? m[k] : r;
  return r;
}

MULTIVERSION static double sum_floats(const float *x, int64_t n) {
  double s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; k++) s[k] += x[i + k];
  for (; i < n; i++) s[0] += x[i];
  return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
}

MULTIVERSION static double dot_floats(const float *x, const float *y, int64_t n) {
  double s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; k++) s[k] += (double)x[i + k] * y[i + k];
  for (; i < n; i++) s[0] += (double)x[i] * y[i];
  return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
}

/* y = e^{x − shift} · scale over n floats (x − shift ≤ 0 up to rounding); y may alias x. */
MULTIVERSION static void exp_shifted_loop(const float *x, float shift, float scale, float *y, int64_t n) {
  for (int64_t i = 0; i < n; i++) y[i] = exp_nonpositive(x[i] - shift) * scale;
}

static void exp_shifted(const float *x, float shift, float scale, float *y, int64_t n) {
#if defined(__x86_64__) && defined(__GNUC__)
  const int bits = moelab_vector_bits();
  if (bits == 512) {
    exp_shifted16(x, shift, scale, y, n);
    return;
  }
  if (bits == 256) {
    exp_shifted8(x, shift, scale, y, n);
    return;
  }
#endif
  exp_shifted_loop(x, shift, scale, y, n);
}

/* y ⊙= s over n floats. */
MULTIVERSION static void mul_inplace(float *y, const float *s, int64_t n) {
  for (int64_t i = 0; i < n; i++) y[i] *= s[i];
}

/* y += a·x over n floats. */
MULTIVERSION static void axpy(float a, const float *x, float *y, int64_t n) {
  for (int64_t i = 0; i < n; i++) y[i] += a * x[i];
}

/* ---------------------------------------------------------------------------------------------------------
 * LayerNorm (eps inside the square root): s = x + a (when a is given), y = (s − mean)·rstd·g + b with
 * rstd = 1/√(mean((s − mean)²) + eps); stats[r] = (mean, rstd).
 */
MULTIVERSION static void ln_forward(const float *x, const float *a, const float *g, const float *b, float *s, float *y, float *stats,
                                    int64_t n, int64_t d, float eps) {
  for (int64_t r = 0; r < n; r++) {
    const float *xr = x + r * d;
    float *yr = y + r * d;
    const float *src = xr;
    if (a) {
      const float *ar = a + r * d;
      float *sr = s + r * d;
      for (int64_t j = 0; j < d; j++) sr[j] = xr[j] + ar[j];
      src = sr;
    }
    const float mean = (float)(sum_floats(src, d) / (double)d);
    /* y's row holds the centred values first (var from them), then the output. */
    for (int64_t j = 0; j < d; j++) yr[j] = src[j] - mean;
    const double var = dot_floats(yr, yr, d);
    const float rstd = 1.0f / sqrtf((float)(var / (double)d) + eps);
    for (int64_t j = 0; j < d; j++) yr[j] = yr[j] * rstd * g[j] + b[j];
    stats[2 * r] = mean;
    stats[2 * r + 1] = rstd;
  }
}

/*
 * layerNorm(x, xOff, a|null, aOff, g, gOff, b, bOff, s|null, sOff, y, yOff, stats, statsOff, n, d, eps):
 * a and s are both given (the residual variant) or both null.
 */
static napi_value layer_norm(napi_env env, napi_callback_info info) {
  static const char usage[] = "moelab fused.layerNorm(x, xOff, a, aOff, g, gOff, b, bOff, s, sOff, y, yOff, stats, statsOff, n, d, eps): bad arguments";
  napi_value argv[17];
  int64_t nd[2];
  if (!get_args(env, info, argv, 17, usage) || !sizes(env, argv, 14, 2, nd, usage)) return NULL;
  const int64_t n = nd[0], d = nd[1];
  int ok = 1;
  const float eps = (float)dbl_arg(env, argv[16], &ok);
  const int residual = !is_null(env, argv[2]);
  if (!ok || residual == is_null(env, argv[8])) THROW_TYPE(env, usage);
  const float *x = floats_at(env, argv[0], argv[1], n * d);
  const float *a = x && residual ? floats_at(env, argv[2], argv[3], n * d) : NULL;
  if (!x || (residual && !a)) return NULL;
  const float *g = floats_at(env, argv[4], argv[5], d);
  const float *b = g ? floats_at(env, argv[6], argv[7], d) : NULL;
  float *s = b && residual ? floats_at(env, argv[8], argv[9], n * d) : NULL;
  if (!b || (residual && !s)) return NULL;
  float *y = floats_at(env, argv[10], argv[11], n * d);
  float *stats = y ? floats_at(env, argv[12], argv[13], 2 * n) : NULL;
  if (!stats) return NULL;
  ln_forward(x, a, g, b, s, y, stats, n, d, eps);
  return NULL;
}

/* The LayerNorm backward's loops (see layerNormGrad); buf holds 6·d floats of scratch. */
MULTIVERSION static void ln_backward(const float *restrict dy, const float *restrict s, const float *restrict stats, const float *restrict g,
                                     const float *restrict ds, float *restrict dx, float *restrict dg, float *restrict db, int64_t n, int64_t d,
                                     float *restrict buf) {
  float *restrict xhat = buf, *restrict dxhat = buf + d;
  double *restrict acc = (double *)(buf + 2 * d); /* 2·d doubles: Σ dy·x̂ then Σ dy */
  for (int64_t j = 0; j < 2 * d; j++) acc[j] = 0;
  for (int64_t r = 0; r < n; r++) {
    const float mean = stats[2 * r], rstd = stats[2 * r + 1];
    const float *restrict sr = s + r * d, *restrict dyr = dy + r * d;
    for (int64_t j = 0; j < d; j++) {
      xhat[j] = (sr[j] - mean) * rstd;
      dxhat[j] = dyr[j] * g[j];
    }
    for (int64_t j = 0; j < d; j++) {
      acc[j] += (double)dyr[j] * xhat[j];
      acc[d + j] += dyr[j];
    }
    const float fm1 = (float)(sum_floats(dxhat, d) / (double)d), fm2 = (float)(dot_floats(dxhat, xhat, d) / (double)d);
    float *restrict dxr = dx + r * d;
    if (ds) {
      const float *restrict dsr = ds + r * d;
      for (int64_t j = 0; j < d; j++) dxr[j] = dsr[j] + rstd * (dxhat[j] - fm1 - xhat[j] * fm2);
    } else {
      for (int64_t j = 0; j < d; j++) dxr[j] = rstd * (dxhat[j] - fm1 - xhat[j] * fm2);
    }
  }
  for (int64_t j = 0; j < d; j++) {
    dg[j] = (float)acc[j];
    db[j] = (float)acc[d + j];
  }
}

/*
 * layerNormGrad(dy, dyOff, s, sOff, stats, statsOff, g, gOff, ds|null, dsOff, dx, dxOff, dg, dgOff, db, dbOff, n, d):
 * with x̂ = (s − mean)·rstd and dx̂ = dy·g: dx = ds + rstd·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)),
 * dg = Σ_rows dy·x̂, db = Σ_rows dy (ds, the residual stream's own gradient, is added when given).
 */
static napi_value layer_norm_grad(napi_env env, napi_callback_info info) {
  static const char usage[] = "moelab fused.layerNormGrad(dy, dyOff, s, sOff, stats, statsOff, g, gOff, ds, dsOff, dx, dxOff, dg, dgOff, db, dbOff, n, d): bad arguments";
  napi_value argv[18];
  int64_t nd[2];
  if (!get_args(env, info, argv, 18, usage) || !sizes(env, argv, 16, 2, nd, usage)) return NULL;
  const int64_t n = nd[0], d = nd[1];
  const float *dy = floats_at(env, argv[0], argv[1], n * d);
  const float *s = dy ? floats_at(env, argv[2], argv[3], n * d) : NULL;
  const float *stats = s ? floats_at(env, argv[4], argv[5], 2 * n) : NULL;
  const float *g = stats ? floats_at(env, argv[6], argv[7], d) : NULL;
  if (!g) return NULL;
  const float *ds = NULL;
  if (!is_null(env, argv[8]) && !(ds = floats_at(env, argv[8], argv[9], n * d))) return NULL;
  float *dx = floats_at(env, argv[10], argv[11], n * d);
  float *dg = dx ? floats_at(env, argv[12], argv[13], d) : NULL;
  float *db = dg ? floats_at(env, argv[14], argv[15], d) : NULL;
  if (!db) return NULL;
  float *buf = scratch(env, (size_t)(6 * d));
  if (!buf) return NULL;
  ln_backward(dy, s, stats, g, ds, dx, dg, db, n, d, buf);
  return NULL;
}

/* ---------------------------------------------------------------------------------------------------------
 * Causal attention over qkv [B·T, 3d] (row b·T + t; columns (3, H, dh): q of head h at h·dh, k at d + h·dh,
 * v at 2d + h·dh). Forward: o [B·T, d] (heads merged) and lse [(b·H + h)·T + i] = log Σ_{j≤i} e^{s_ij},
 * s_ij = q_i·k_j/√dh. The backward recomputes the probabilities from lse (no [T, T] tensor is kept).
 */
typedef struct {
  int64_t B, T, H, d, dh;
} AttnDims;

static int attn_dims(napi_env env, napi_value *argv, int at, AttnDims *a, const char *usage) {
  int64_t v[4];
  if (!sizes(env, argv, at, 4, v, usage)) return 0;
  a->B = v[0];
  a->T = v[1];
  a->H = v[2];
  a->d = v[3];
  if (a->H == 0 || a->d % a->H != 0 || a->T == 0) {
    napi_throw_range_error(env, "MOELAB_FUSED_ARGS", usage);
    return 0;
  }
  a->dh = a->d / a->H;
  return 1;
}

/* P_ij = e^{s_ij − lse_i} for j ≤ i, 0 above the diagonal, in place over the scaled scores S [T, T]. */
MULTIVERSION static void causal_probs_from_lse(float *S, const float *lse, int64_t T) {
  for (int64_t i = 0; i < T; i++) {
    float *row = S + i * T;
    exp_shifted(row, lse[i], 1.0f, row, i + 1);
    for (int64_t j = i + 1; j < T; j++) row[j] = 0.0f;
  }
}

/* Causal softmax in place over S [T, T]; writes each row's log-sum-exp. */
MULTIVERSION static void causal_softmax(float *S, float *lse, int64_t T) {
  for (int64_t i = 0; i < T; i++) {
    float *row = S + i * T;
    const float m = max_floats(row, i + 1);
    exp_shifted(row, m, 1.0f, row, i + 1);
    const double l = sum_floats(row, i + 1);
    const float inv = (float)(1.0 / l);
    for (int64_t j = 0; j <= i; j++) row[j] *= inv;
    for (int64_t j = i + 1; j < T; j++) row[j] = 0.0f;
    lse[i] = m + (float)log(l);
  }
}

/* attention(qkv, qkvOff, o, oOff, lse, lseOff, B, T, H, d). */
static napi_value attention(napi_env env, napi_callback_info info) {
  static const char usage[] = "moelab fused.attention(qkv, qkvOff, o, oOff, lse, lseOff, B, T, H, d): bad arguments";
  napi_value argv[10];
  AttnDims a;
  if (!get_args(env, info, argv, 10, usage) || !attn_dims(env, argv, 6, &a, usage)) return NULL;
  const int64_t rows = a.B * a.T, d = a.d, dh = a.dh, T = a.T, ld = 3 * d;
  const float *qkv = floats_at(env, argv[0], argv[1], rows * 3 * d);
  float *o = qkv ? floats_at(env, argv[2], argv[3], rows * d) : NULL;
  float *lse = o ? floats_at(env, argv[4], argv[5], a.B * a.H * T) : NULL;
  if (!lse) return NULL;
  float *S = scratch(env, (size_t)(T * T));
  if (!S) return NULL;
  const float scale = 1.0f / sqrtf((float)dh);
  for (int64_t b = 0; b < a.B; b++) {
    for (int64_t h = 0; h < a.H; h++) {
      const float *Q = qkv + b * T * ld + h * dh, *K = Q + d, *V = Q + 2 * d;
      moelab_gemm_lower(0, 1, T, dh, scale, Q, ld, K, ld, S, T); /* causal_softmax reads j ≤ i only */
      causal_softmax(S, lse + (b * a.H + h) * T, T);
      moelab_gemm_tri(0, 0, T, dh, 1.0f, S, T, V, ld, o + b * T * d + h * dh, d, 0); /* P is lower triangular */
    }
  }
  return NULL;
}

/*
 * dS = P ⊙ (dP − rowsum(P ⊙ dP)), in place over dP, which is read on and below the diagonal only; dS is written
 * +0 above it (where P is 0), so the products that follow may leave those terms out (moelab_gemm_tri).
 */
MULTIVERSION static void softmax_backward_rows(const float *P, float *dP, int64_t T) {
  for (int64_t i = 0; i < T; i++) {
    const float *p = P + i * T;
    float *dp = dP + i * T;
    const float fD = (float)dot_floats(p, dp, i + 1);
    for (int64_t j = 0; j <= i; j++) dp[j] = p[j] * (dp[j] - fD);
    for (int64_t j = i + 1; j < T; j++) dp[j] = 0.0f;
  }
}

/* attentionGrad(dy, dyOff, qkv, qkvOff, lse, lseOff, dqkv, dqkvOff, B, T, H, d): dqkv [B·T, 3d]. */
static napi_value attention_grad(napi_env env, napi_callback_info info) {
  static const char usage[] = "moelab fused.attentionGrad(dy, dyOff, qkv, qkvOff, lse, lseOff, dqkv, dqkvOff, B, T, H, d): bad arguments";
  napi_value argv[12];
  AttnDims a;
  if (!get_args(env, info, argv, 12, usage) || !attn_dims(env, argv, 8, &a, usage)) return NULL;
  const int64_t rows = a.B * a.T, d = a.d, dh = a.dh, T = a.T, ld = 3 * d;
  const float *dy = floats_at(env, argv[0], argv[1], rows * d);
  const float *qkv = dy ? floats_at(env, argv[2], argv[3], rows * 3 * d) : NULL;
  const float *lse = qkv ? floats_at(env, argv[4], argv[5], a.B * a.H * T) : NULL;
  float *dqkv = lse ? floats_at(env, argv[6], argv[7], rows * 3 * d) : NULL;
  if (!dqkv) return NULL;
  float *P = scratch(env, (size_t)(2 * T * T));
  if (!P) return NULL;
  float *dP = P + T * T;
  const float scale = 1.0f / sqrtf((float)dh);
  for (int64_t b = 0; b < a.B; b++) {
    for (int64_t h = 0; h < a.H; h++) {
      const int64_t base = b * T * ld + h * dh;
      const float *Q = qkv + base, *K = Q + d, *V = Q + 2 * d;
      const float *dO = dy + b * T * d + h * dh;
      float *dQ = dqkv + base, *dK = dQ + d, *dV = dQ + 2 * d;
      moelab_gemm_lower(0, 1, T, dh, scale, Q, ld, K, ld, P, T); /* causal_probs_from_lse reads j ≤ i only */
      causal_probs_from_lse(P, lse + (b * a.H + h) * T, T);
      /* dV = Pᵀ dO; dP = dO Vᵀ; dS = P ⊙ (dP − D); dQ = scale · dS K; dK = scale · dSᵀ Q. */
      moelab_gemm_tri(1, 0, T, dh, 1.0f, P, T, dO, d, dV, ld, 1);       /* Pᵀ is upper triangular */
      moelab_gemm_lower(0, 1, T, dh, 1.0f, dO, d, V, ld, dP, T);        /* softmax_backward_rows reads j ≤ i only */
      softmax_backward_rows(P, dP, T);
      moelab_gemm_tri(0, 0, T, dh, scale, dP, T, K, ld, dQ, ld, 0);     /* dS is lower triangular */
      moelab_gemm_tri(1, 0, T, dh, scale, dP, T, Q, ld, dK, ld, 1);     /* dSᵀ upper */
    }
  }
  return NULL;
}

/* ---------------------------------------------------------------------------------------------------------
 * Mean softmax cross-entropy of logits [n, V] against targets (Int32Array of n, each in [0, V)).
 */
static int targets_arg(napi_env env, napi_value v, int64_t n, int64_t V, const int32_t **t, const char *usage) {
  size_t len = 0;
  if (!int32_array(env, v, t, &len) || (int64_t)len != n) {
    napi_throw_type_error(env, "MOELAB_FUSED_ARGS", usage);
    return 0;
  }
  for (int64_t i = 0; i < n; i++) {
    if ((*t)[i] < 0 || (*t)[i] >= V) {
      napi_throw_range_error(env, "MOELAB_FUSED_INDEX", "moelab fused cross-entropy: a target is outside [0, vocab)");
      return 0;
    }
  }
  return 1;
}

/* xent(logits, lOff, targets, lse, lseOff, loss, lossOff, n, V): lse [n], loss [1] = mean(lse − logit[target]). */
static napi_value xent(napi_env env, napi_callback_info info) {
  static const char usage[] = "moelab fused.xent(logits, lOff, targets: Int32Array, lse, lseOff, loss, lossOff, n, V): bad arguments";
  napi_value argv[9];
  int64_t nv[2];
  if (!get_args(env, info, argv, 9, usage) || !sizes(env, argv, 7, 2, nv, usage)) return NULL;
  const int64_t n = nv[0], V = nv[1];
  const int32_t *t;
  if (V == 0 || !targets_arg(env, argv[2], n, V, &t, usage)) return NULL;
  const float *L = floats_at(env, argv[0], argv[1], n * V);
  float *lse = L ? floats_at(env, argv[3], argv[4], n) : NULL;
  float *loss = lse ? floats_at(env, argv[5], argv[6], 1) : NULL;
  if (!loss) return NULL;
  float *e = scratch(env, (size_t)V);
  if (!e) return NULL;
  double total = 0;
  for (int64_t i = 0; i < n; i++) {
    const float *row = L + i * V;
    const float m = max_floats(row, V);
    exp_shifted(row, m, 1.0f, e, V);
    lse[i] = m + (float)log(sum_floats(e, V));
    total += (double)lse[i] - row[t[i]];
  }
  loss[0] = n > 0 ? (float)(total / (double)n) : 0.0f;
  return NULL;
}

/* xentGrad(dy, dyOff, logits, lOff, lse, lseOff, targets, dl, dlOff, n, V): dl = (softmax − onehot)·dy/n. */
static napi_value xent_grad(napi_env env, napi_callback_info info) {
  static const char usage[] = "moelab fused.xentGrad(dy, dyOff, logits, lOff, lse, lseOff, targets: Int32Array, dl, dlOff, n, V): bad arguments";
  napi_value argv[11];
  int64_t nv[2];
  if (!get_args(env, info, argv, 11, usage) || !sizes(env, argv, 9, 2, nv, usage)) return NULL;
  const int64_t n = nv[0], V = nv[1];
  const int32_t *t;
  if (V == 0 || !targets_arg(env, argv[6], n, V, &t, usage)) return NULL;
  const float *dy = floats_at(env, argv[0], argv[1], 1);
  const float *L = dy ? floats_at(env, argv[2], argv[3], n * V) : NULL;
  const float *lse = L ? floats_at(env, argv[4], argv[5], n) : NULL;
  float *dl = lse ? floats_at(env, argv[7], argv[8], n * V) : NULL;
  if (!dl) return NULL;
  const float c = n > 0 ? dy[0] / (float)n : 0.0f;
  for (int64_t i = 0; i < n; i++) {
    const float *row = L + i * V;
    float *o = dl + i * V;
    exp_shifted(row, lse[i], c, o, V);
    o[t[i]] -= c;
  }
  return NULL;
}

/* ---------------------------------------------------------------------------------------------------------
 * A MoE layer's routed GELU experts. Expert e (of E) owns w1_e [d, f] and w2_e [f, d] and processes the token
 * rows tokens[off_e .. off_e + counts[e]) (off_e = Σ_{e'<e} counts[e'], the routing's serving order); its gate
 * for token t is probs[t·E + e]. Forward: h = x_e w1_e, act = GELU(h) and dgelu = GELU'(h) (both kept for the
 * backward, which then evaluates no GELU), out = act w2_e (kept, before gating), y[t] += gate · out in
 * assignment order (expert-major: a fixed summation order).
 */
typedef struct {
  int64_t n, d, E, f, total, maxm;
  const int32_t *tokens;
  const int32_t *counts;
} MoeDims;

/* Pointers of E float operands from a JS array of buffers and one of byte offsets, each `count` floats. */
static int float_list(napi_env env, napi_value bufs, napi_value offs, int64_t E, int64_t count, float **out, const char *usage) {
  bool a1 = false, a2 = false;
  uint32_t l1 = 0, l2 = 0;
  if (napi_is_array(env, bufs, &a1) != napi_ok || napi_is_array(env, offs, &a2) != napi_ok || !a1 || !a2 ||
      napi_get_array_length(env, bufs, &l1) != napi_ok || napi_get_array_length(env, offs, &l2) != napi_ok || (int64_t)l1 != E ||
      (int64_t)l2 != E) {
    napi_throw_type_error(env, "MOELAB_FUSED_ARGS", usage);
    return 0;
  }
  for (uint32_t e = 0; e < l1; e++) {
    napi_value b, o;
    if (napi_get_element(env, bufs, e, &b) != napi_ok || napi_get_element(env, offs, e, &o) != napi_ok) {
      napi_throw_type_error(env, "MOELAB_FUSED_ARGS", usage);
      return 0;
    }
    if (!(out[e] = floats_at(env, b, o, count))) return 0;
  }
  return 1;
}

static int moe_dims(napi_env env, napi_value *argv, int tokens_at, int sizes_at, MoeDims *m, const char *usage) {
  int64_t v[4];
  if (!sizes(env, argv, sizes_at, 4, v, usage)) return 0;
  m->n = v[0];
  m->d = v[1];
  m->E = v[2];
  m->f = v[3];
  size_t nt = 0, nc = 0;
  if (!int32_array(env, argv[tokens_at], &m->tokens, &nt) || !int32_array(env, argv[tokens_at + 1], &m->counts, &nc) || (int64_t)nc != m->E ||
      m->E == 0) {
    napi_throw_type_error(env, "MOELAB_FUSED_ARGS", usage);
    return 0;
  }
  int64_t total = 0, maxm = 0;
  for (int64_t e = 0; e < m->E; e++) {
    if (m->counts[e] < 0) {
      napi_throw_range_error(env, "MOELAB_FUSED_ARGS", "moelab fused MoE: a negative token count");
      return 0;
    }
    total += m->counts[e];
    maxm = m->counts[e] > maxm ? m->counts[e] : maxm;
  }
  if (total != (int64_t)nt) {
    napi_throw_range_error(env, "MOELAB_FUSED_ARGS", "moelab fused MoE: the token counts do not sum to the number of token rows");
    return 0;
  }
  for (size_t i = 0; i < nt; i++) {
    if (m->tokens[i] < 0 || m->tokens[i] >= m->n) {
      napi_throw_range_error(env, "MOELAB_FUSED_INDEX", "moelab fused MoE: a token row is outside [0, tokens)");
      return 0;
    }
  }
  m->total = total;
  m->maxm = maxm;
  return 1;
}

static void gather(const float *x, const int32_t *rows, int64_t m, int64_t d, float *dst) {
  for (int64_t i = 0; i < m; i++) memcpy(dst + i * d, x + (int64_t)rows[i] * d, (size_t)d * sizeof(float));
}

/*
 * moeExperts(x, xOff, probs, pOff, w1Bufs, w1Offs, w2Bufs, w2Offs, tokens, counts, y, yOff, act, actOff, dgelu,
 *            dgeluOff, out, outOff, n, d, E, f): y [n, d], act and dgelu [total, f], out [total, d].
 */
static napi_value moe_experts(napi_env env, napi_callback_info info) {
  static const char usage[] =
      "moelab fused.moeExperts(x, xOff, probs, pOff, w1Bufs, w1Offs, w2Bufs, w2Offs, tokens: Int32Array, counts: Int32Array, y, yOff, act, actOff, dgelu, dgeluOff, out, outOff, n, d, E, f): bad arguments";
  napi_value argv[22];
  MoeDims m;
  if (!get_args(env, info, argv, 22, usage) || !moe_dims(env, argv, 8, 18, &m, usage)) return NULL;
  const int64_t n = m.n, d = m.d, E = m.E, f = m.f;
  const float *x = floats_at(env, argv[0], argv[1], n * d);
  const float *probs = x ? floats_at(env, argv[2], argv[3], n * E) : NULL;
  float *y = probs ? floats_at(env, argv[10], argv[11], n * d) : NULL;
  float *act = y ? floats_at(env, argv[12], argv[13], m.total * f) : NULL;
  float *dgelu = act ? floats_at(env, argv[14], argv[15], m.total * f) : NULL;
  float *out = dgelu ? floats_at(env, argv[16], argv[17], m.total * d) : NULL;
  if (!out) return NULL;
  float **w = (float **)calloc((size_t)(2 * E), sizeof(float *));
  float *xe = w ? scratch(env, (size_t)(m.maxm * (d + f))) : NULL;
  if (!xe) {
    free(w);
    return NULL;
  }
  float *pre = xe + m.maxm * d;
  if (float_list(env, argv[4], argv[5], E, d * f, w, usage) && float_list(env, argv[6], argv[7], E, f * d, w + E, usage)) {
    memset(y, 0, (size_t)(n * d) * sizeof(float));
    int64_t off = 0;
    for (int64_t e = 0; e < E; e++) {
      const int64_t c = m.counts[e];
      if (c == 0) continue;
      const int32_t *rows = m.tokens + off;
      float *ae = act + off * f, *ge = dgelu + off * f, *oe = out + off * d;
      gather(x, rows, c, d, xe);
      moelab_gemm(0, 0, c, f, d, 1.0f, xe, d, w[e], f, pre, f);
      gelu_loop(GELU_AND_SLOPE, pre, NULL, ae, ge, c * f); /* GELU and its derivative from one Φ, φ */
      moelab_gemm(0, 0, c, d, f, 1.0f, ae, f, w[E + e], d, oe, d);
      for (int64_t i = 0; i < c; i++) {
        const int64_t t = rows[i];
        axpy(probs[t * E + e], oe + i * d, y + t * d, d);
      }
      off += c;
    }
  }
  free(w);
  return NULL;
}

/*
 * moeExpertsGrad(dy, dyOff, x, xOff, probs, pOff, act, actOff, dgelu, dgeluOff, out, outOff, w1Bufs, w1Offs,
 *                w2Bufs, w2Offs, tokens, counts, dx, dxOff, dprobs, dpOff, dw1Bufs, dw1Offs, dw2Bufs, dw2Offs, n, d, E, f):
 * dprobs[t·E + e] = dy[t]·out_i (zero where e did not serve t), dh = dgelu ⊙ ((gate·dy) w2ᵀ), dx = Σ dh w1ᵀ
 * scattered in assignment order, dw1_e = x_eᵀ dh, dw2_e = actᵀ (gate·dy) (zero for an idle expert).
 */
static napi_value moe_experts_grad(napi_env env, napi_callback_info info) {
  static const char usage[] =
      "moelab fused.moeExpertsGrad(dy, dyOff, x, xOff, probs, pOff, act, actOff, dgelu, dgeluOff, out, outOff, w1Bufs, w1Offs, w2Bufs, w2Offs, tokens, counts, dx, dxOff, dprobs, dpOff, dw1Bufs, dw1Offs, dw2Bufs, dw2Offs, n, d, E, f): bad arguments";
  napi_value argv[30];
  MoeDims m;
  if (!get_args(env, info, argv, 30, usage) || !moe_dims(env, argv, 16, 26, &m, usage)) return NULL;
  const int64_t n = m.n, d = m.d, E = m.E, f = m.f;
  const float *dy = floats_at(env, argv[0], argv[1], n * d);
  const float *x = dy ? floats_at(env, argv[2], argv[3], n * d) : NULL;
  const float *probs = x ? floats_at(env, argv[4], argv[5], n * E) : NULL;
  const float *act = probs ? floats_at(env, argv[6], argv[7], m.total * f) : NULL;
  const float *dgelu = act ? floats_at(env, argv[8], argv[9], m.total * f) : NULL;
  const float *out = dgelu ? floats_at(env, argv[10], argv[11], m.total * d) : NULL;
  float *dx = out ? floats_at(env, argv[18], argv[19], n * d) : NULL;
  float *dprobs = dx ? floats_at(env, argv[20], argv[21], n * E) : NULL;
  if (!dprobs) return NULL;
  float **w = (float **)calloc((size_t)(4 * E), sizeof(float *));
  float *xe = w ? scratch(env, (size_t)(m.maxm * (3 * d + f))) : NULL;
  if (!xe) {
    free(w);
    return NULL;
  }
  float *dout = xe + m.maxm * d, *dxe = dout + m.maxm * d, *dpre = dxe + m.maxm * d;
  float **w1 = w, **w2 = w + E, **dw1 = w + 2 * E, **dw2 = w + 3 * E;
  if (float_list(env, argv[12], argv[13], E, d * f, w1, usage) && float_list(env, argv[14], argv[15], E, f * d, w2, usage) &&
      float_list(env, argv[22], argv[23], E, d * f, dw1, usage) && float_list(env, argv[24], argv[25], E, f * d, dw2, usage)) {
    memset(dx, 0, (size_t)(n * d) * sizeof(float));
    memset(dprobs, 0, (size_t)(n * E) * sizeof(float));
    int64_t off = 0;
    for (int64_t e = 0; e < E; e++) {
      const int64_t c = m.counts[e];
      if (c == 0) {
        memset(dw1[e], 0, (size_t)(d * f) * sizeof(float));
        memset(dw2[e], 0, (size_t)(f * d) * sizeof(float));
        continue;
      }
      const int32_t *rows = m.tokens + off;
      const float *ae = act + off * f, *ge = dgelu + off * f, *oe = out + off * d;
      for (int64_t i = 0; i < c; i++) {
        const int64_t t = rows[i];
        const float g = probs[t * E + e];
        const float *dyr = dy + t * d, *orow = oe + i * d;
        float *dr = dout + i * d;
        for (int64_t j = 0; j < d; j++) dr[j] = dyr[j] * g;
        dprobs[t * E + e] = (float)dot_floats(dyr, orow, d);
      }
      gather(x, rows, c, d, xe);
      moelab_gemm(0, 1, c, f, d, 1.0f, dout, d, w2[e], d, dpre, f);
      moelab_gemm(1, 0, f, d, c, 1.0f, ae, f, dout, d, dw2[e], d);
      mul_inplace(dpre, ge, c * f);
      moelab_gemm(1, 0, d, f, c, 1.0f, xe, d, dpre, f, dw1[e], f);
      moelab_gemm(0, 1, c, d, f, 1.0f, dpre, f, w1[e], f, dxe, d);
      for (int64_t i = 0; i < c; i++) {
        axpy(1.0f, dxe + i * d, dx + (int64_t)rows[i] * d, d);
      }
      off += c;
    }
  }
  free(w);
  return NULL;
}

napi_value moelab_fused_init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"layerNorm", NULL, layer_norm, NULL, NULL, NULL, napi_enumerable, NULL},
      {"layerNormGrad", NULL, layer_norm_grad, NULL, NULL, NULL, napi_enumerable, NULL},
      {"attention", NULL, attention, NULL, NULL, NULL, napi_enumerable, NULL},
      {"attentionGrad", NULL, attention_grad, NULL, NULL, NULL, napi_enumerable, NULL},
      {"xent", NULL, xent, NULL, NULL, NULL, napi_enumerable, NULL},
      {"xentGrad", NULL, xent_grad, NULL, NULL, NULL, napi_enumerable, NULL},
      {"moeExperts", NULL, moe_experts, NULL, NULL, NULL, napi_enumerable, NULL},
      {"moeExpertsGrad", NULL, moe_experts_grad, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  CHECK(env, napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props));
  return exports;
}
