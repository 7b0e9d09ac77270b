import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OWN_GEMM_SAME_ORDER_CORES as SAME_ORDER_CORES, nativeBlas, nativeBlasStatus } from '../../src/backend/native-blas';

/** CI requires the addon (MOELAB_REQUIRE_NATIVE_BLAS=1); elsewhere these tests skip with the reason. */
function nativeSkip(): string | false {
  const st = nativeBlasStatus();
  if (st.loaded) return false;
  if (process.env.MOELAB_REQUIRE_NATIVE_BLAS === '1') assert.fail(`MOELAB_REQUIRE_NATIVE_BLAS=1 but the native addon did not load: ${st.detail}`);
  return `native addon not available: ${st.detail}`;
}

/** Our kernel runs here: 1 thread, AVX-512F, switched on (info().gemm says so). */
function ownRuns(): boolean {
  return nativeBlas()!.info().gemm.startsWith('own ');
}

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296) * 2 - 1;
}

function randomFloats(n: number, r: () => number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = r();
  return a;
}

interface Case { M: number; N: number; K: number; ta: boolean; tb: boolean }

/** C = op(A) op(B) through the addon, with our kernel on or off. */
function product(c: Case, a: Float32Array, b: Float32Array, own: boolean): Float32Array {
  const blas = nativeBlas()!;
  blas.setOwnGemm(own);
  try {
    const out = new Float32Array(c.M * c.N).fill(Number.NaN); // beta = 0: whatever C held must not leak in
    blas.sgemm(a, 0, b, 0, out, 0, c.M, c.N, c.K, c.ta, c.tb, 1, 0, 0, 0);
    return out;
  } finally {
    blas.setOwnGemm(true);
  }
}

/** The same product in float64, for the tolerance check. */
function product64(c: Case, a: Float32Array, b: Float32Array): Float64Array {
  const out = new Float64Array(c.M * c.N);
  for (let i = 0; i < c.M; i++)
    for (let j = 0; j < c.N; j++) {
      let s = 0;
      for (let k = 0; k < c.K; k++) s += a[c.ta ? k * c.M + i : i * c.K + k]! * b[c.tb ? j * c.K + k : k * c.N + j]!;
      out[i * c.N + j] = s;
    }
  return out;
}

/**
 * Random products of every size (both sides of OpenBLAS's small-matrix bound M·N·K = 1e6), plus the step's own
 * shapes and the edges: 1-row, 1-column, N mod 16 ≤ 8 (OpenBLAS's dot-wise tail), K across 1, 2 and 16 blocks.
 */
function cases(): Case[] {
  const r = lcg(7);
  const pick = (lo: number, hi: number) => lo + Math.floor(((r() + 1) / 2) * (hi - lo + 1));
  const out: Case[] = [];
  for (let i = 0; i < 60; i++) {
    const c = { M: pick(1, 300), N: pick(1, 300), K: pick(1, 1100), ta: r() > 0, tb: r() > 0 };
    out.push(c, { ...c, K: pick(1, 80) }, { ...c, M: pick(1, 64), N: pick(1, 64), K: pick(1, 400) }, { ...c, M: pick(128, 600) });
  }
  const shapes = [
    [1, 2000, 600], [2000, 1, 600], [7, 33, 5000], [256, 256, 64], [237, 64, 256], [64, 256, 1024], [100, 100, 101], [31, 17, 1919],
    [64, 64, 32], [64, 32, 64], [64, 64, 16], [64, 16, 64], [241, 128, 32], [241, 32, 128], [32, 128, 241], [1024, 8, 32], [33, 17, 300], [5, 24, 40],
  ] as const;
  for (const [M, N, K] of shapes) for (const ta of [false, true]) for (const tb of [false, true]) out.push({ M, N, K, ta, tb });
  return out;
}

test('own sgemm kernel: bit-identical to OpenBLAS on SkylakeX-family cores (312 random and edge products, every transpose pair), within 2e-6·K of float64 elsewhere', { skip: nativeSkip() }, (t) => {
  const blas = nativeBlas()!;
  if (!ownRuns()) {
    t.skip(`own kernel not in use here: ${blas.info().gemm}`);
    return;
  }
  const sameOrder = SAME_ORDER_CORES.test(blas.info().core);
  const r = lcg(11);
  let bitsDiffer = 0;
  const all = cases();
  const ownCount = all.filter((c) => blas.gemmKernel(c.M, c.N, c.K, c.ta, c.tb) === 'own').length;
  assert.ok(ownCount >= 100, `only ${ownCount} of ${all.length} products took the own kernel`);
  for (const c of all) {
    const a = randomFloats(c.M * c.K, r), b = randomFloats(c.K * c.N, r);
    const own = product(c, a, b, true);
    const ref = product(c, a, b, false);
    let differ = 0;
    for (let i = 0; i < own.length; i++) if (!Object.is(own[i], ref[i])) differ++;
    if (sameOrder) assert.equal(differ, 0, `${JSON.stringify(c)}: ${differ} of ${own.length} elements differ from OpenBLAS ${blas.info().core}`);
    bitsDiffer += differ;
    if (c.M * c.N * c.K <= 3e7) {
      const exact = product64(c, a, b);
      for (let i = 0; i < own.length; i++) assert.ok(Math.abs(own[i]! - exact[i]!) <= 2e-6 * c.K, `${JSON.stringify(c)} [${i}]: ${own[i]} vs ${exact[i]}`);
    }
  }
  if (!sameOrder) t.diagnostic(`OpenBLAS core ${blas.info().core}: ${bitsDiffer} elements differ in their last bits (another summation order)`);
});

test('own sgemm kernel: a NaN or ∞ in one operand row reaches exactly the outputs OpenBLAS gives it', { skip: nativeSkip() }, (t) => {
  const blas = nativeBlas()!;
  if (!ownRuns() || !SAME_ORDER_CORES.test(blas.info().core)) {
    t.skip(`needs our kernel and a SkylakeX-family OpenBLAS core: ${blas.info().gemm}, core ${blas.info().core}`);
    return;
  }
  const c = { M: 130, N: 70, K: 700, ta: false, tb: false };
  const r = lcg(3);
  const a = randomFloats(c.M * c.K, r), b = randomFloats(c.K * c.N, r);
  a[5 * c.K + 400] = Number.NaN;
  b[650 * c.N + 3] = Number.POSITIVE_INFINITY;
  const own = product(c, a, b, true), ref = product(c, a, b, false);
  for (let i = 0; i < own.length; i++) assert.ok(Object.is(own[i], ref[i]), `[${i}]: ${own[i]} vs ${ref[i]}`);
  assert.ok(Number.isNaN(own[5 * c.N]!), 'the NaN row is NaN');
  assert.ok(own.some((v) => v === Number.POSITIVE_INFINITY || v === Number.NEGATIVE_INFINITY), 'the ∞ column reaches ±∞');
});

test('own sgemm kernel: fused attention (alpha = 1/√dh, strided outputs) equals its OpenBLAS run bit for bit', { skip: nativeSkip() }, (t) => {
  const blas = nativeBlas()!;
  if (!ownRuns() || !SAME_ORDER_CORES.test(blas.info().core)) {
    t.skip(`needs our kernel and a SkylakeX-family OpenBLAS core: ${blas.info().gemm}, core ${blas.info().core}`);
    return;
  }
  // T·T·dh = 128·128·96 > 1e6 (OpenBLAS's blocked driver order; dh = 96 is not a multiple of 32), then the tiny
  // preset's shapes (T = 64, dh = 32 and 16: its small-matrix orders), where P·V, Pᵀ·dO, dS·K and dSᵀ·Q leave
  // out the zeros above the causal diagonal; dh = 8 (OpenBLAS's dot-wise N mod 16 ≤ 8 tail) and T = 336 (two K
  // blocks) keep the full products.
  for (const [batch, T, heads, d] of [[2, 128, 2, 192], [4, 64, 2, 64], [4, 64, 2, 32], [2, 64, 4, 32], [1, 336, 1, 32]] as const) {
  const r = lcg(5 + d);
  const qkv = randomFloats(batch * T * 3 * d, r), dy = randomFloats(batch * T * d, r);
  const run = (own: boolean) => {
    blas.setOwnGemm(own);
    try {
      const o = new Float32Array(batch * T * d), lse = new Float32Array(batch * heads * T), dqkv = new Float32Array(qkv.length);
      blas.attention(qkv, 0, o, 0, lse, 0, batch, T, heads, d);
      blas.attentionGrad(dy, 0, qkv, 0, lse, 0, dqkv, 0, batch, T, heads, d);
      return [o, lse, dqkv];
    } finally {
      blas.setOwnGemm(true);
    }
  };
  const own = run(true), ref = run(false);
  for (let k = 0; k < own.length; k++) assert.deepEqual(own[k], ref[k], `T ${T}, d ${d}: output ${k}`);
  }
});

test('setOwnGemm(false) hands every product to OpenBLAS, and info().gemm says which kernel runs', { skip: nativeSkip() }, () => {
  const blas = nativeBlas()!;
  const before = blas.info().gemm;
  blas.setOwnGemm(false);
  try {
    assert.equal(blas.info().gemm, 'OpenBLAS (own kernel switched off)');
  } finally {
    blas.setOwnGemm(true);
  }
  assert.equal(blas.info().gemm, before);
  assert.match(before, /^(own avx512f kernel for OpenBLAS's blocked-driver products with rows enough, OpenBLAS for the rest|OpenBLAS \(own kernel (needs AVX-512F|runs on 1 thread only)\))$/);
  assert.throws(() => (blas.setOwnGemm as (x: unknown) => void)('yes'), /setOwnGemm: expected a boolean/);
  // More than one OpenBLAS thread: every product goes to OpenBLAS (ours runs on one), and back at one thread.
  const threads = blas.info().threads;
  blas.setThreads(2);
  try {
    assert.equal(blas.gemmKernel(256, 256, 64, false, false), 'openblas');
    assert.ok(blas.info().gemm.startsWith('OpenBLAS ('), blas.info().gemm);
  } finally {
    blas.setThreads(threads);
  }
  if (before.startsWith('own ')) assert.equal(blas.gemmKernel(256, 256, 64, false, false), 'own');
});

test('gemmKernel: blocked-driver products with rows enough for a packed panel take the own kernel, the rest stay on OpenBLAS', { skip: nativeSkip() }, (t) => {
  const blas = nativeBlas()!;
  if (!ownRuns()) {
    t.skip(`own kernel not in use here: ${blas.info().gemm}`);
    return;
  }
  const kernel = (M: number, N: number, K: number, ta: boolean, tb: boolean) => blas.gemmKernel(M, N, K, ta, tb);
  // Above M·N·K = 1e6: a tiny d64 expert (~256 rows, d 64, f 256) in all four of its products, the QKV projection.
  for (const [M, N, K, ta, tb] of [[256, 256, 64, false, false], [256, 64, 256, false, false], [256, 256, 64, false, true], [64, 256, 256, true, false], [1024, 192, 64, false, false]] as const)
    assert.equal(kernel(M, N, K, ta, tb), 'own', `${M}×${N}×${K} ta=${ta} tb=${tb}`);
  // Below it, OpenBLAS still runs its blocked driver for Bᵀ products with M·N > 1200 (a d32 expert's dy·W2ᵀ).
  assert.equal(kernel(241, 128, 32, false, true), 'own');
  // Blocked, but too few rows to pay for packing B: weight gradients of d_model 24-64 over 1,024 tokens, a 64-row Bᵀ.
  for (const [M, N, K, ta, tb] of [[24, 72, 1024, true, false], [64, 256, 1024, true, false], [64, 64, 32, false, true]] as const)
    assert.equal(kernel(M, N, K, ta, tb), 'openblas', `${M}×${N}×${K} ta=${ta} tb=${tb}`);
  // OpenBLAS's small-matrix kernels: chain-ordered (P·V's and Pᵀ·dO's shapes as plain products — the attention runs
  // those through moelab_gemm_tri, which takes them for their triangular P —, a tiny d32 expert's up-projection) or
  // dot-wise (the router's 8 columns, a small Bᵀ product with M·N ≤ 1200).
  for (const [M, N, K, ta, tb] of [[64, 32, 64, false, false], [64, 32, 64, true, false], [241, 128, 32, false, false], [1024, 8, 32, false, false], [20, 20, 300, false, true], [16, 16, 700, true, true]] as const)
    assert.equal(kernel(M, N, K, ta, tb), 'openblas', `${M}×${N}×${K} ta=${ta} tb=${tb}`);
  blas.setOwnGemm(false);
  try {
    assert.equal(kernel(256, 256, 64, false, false), 'openblas');
  } finally {
    blas.setOwnGemm(true);
  }
});
