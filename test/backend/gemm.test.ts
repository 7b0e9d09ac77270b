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

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The float32 next to x (finite, nonzero) away from or toward zero. */
function nextFloat(x: number, up: boolean): number {
  f32[0] = x;
  u32[0]! += (x > 0) === up ? 1 : -1;
  return f32[0]!;
}

/**
 * fmaf(a, b, c) for float32 a, b, c in JS, exactly rounded: a·b is exact in float64, TwoSum gives the sum's exact
 * error, and only a sum that lands on a float32 midpoint needs the error's sign to round (finite operands).
 */
function fmaf(a: number, b: number, c: number): number {
  const p = a * b;
  const s = p + c;
  const bb = s - p;
  const err = (p - (s - bb)) + (c - bb);
  const r = Math.fround(s);
  if (r === s || err === 0) return r;
  const other = nextFloat(r, s > r === r > 0);
  if (s !== (r + other) / 2) return r;
  return (err > 0) === (other > r) ? other : r;
}

/** OpenBLAS's level-3 driver K blocks (gemm.c k_block: 320, halves rounded up to 16 between 320 and 640). */
function kBlocks(K: number): number[] {
  const out: number[] = [];
  for (let left = K; left > 0; ) {
    const kl = left >= 640 ? 320 : left > 320 ? Math.ceil(left / 2 / 16) * 16 : left;
    out.push(kl);
    left -= kl;
  }
  return out;
}

/** The own kernel's order in JS: per K block one FMA chain over k from +0; alpha·acc first, then fma(acc, alpha, C). */
function chainProduct(c: Case, a: Float32Array, b: Float32Array, alpha: number): Float32Array {
  const out = new Float32Array(c.M * c.N);
  for (let i = 0; i < c.M; i++)
    for (let j = 0; j < c.N; j++) {
      let k0 = 0;
      let cij = 0;
      for (const kl of kBlocks(c.K)) {
        let acc = 0;
        for (let k = k0; k < k0 + kl; k++) acc = fmaf(a[c.ta ? k * c.M + i : i * c.K + k]!, b[c.tb ? j * c.K + k : k * c.N + j]!, acc);
        cij = k0 === 0 ? Math.fround(acc * alpha) : fmaf(acc, alpha, cij);
        k0 += kl;
      }
      out[i * c.N + j] = cij;
    }
  return out;
}

/**
 * Run `body` with the own kernel at `bits` (512: AVX-512F, 256: AVX2 + FMA), skipping where that width does not
 * run here, and put the default cap back afterwards.
 */
function atKernelWidth(bits: 512 | 256, t: { skip(why: string): void }, body: () => void): void {
  const blas = nativeBlas()!;
  const width = blas.setVectorCap(bits);
  try {
    if (width !== bits || !ownRuns()) t.skip(`the ${bits}-bit kernel does not run here (vectors ${width} bits, ${blas.info().gemm})`);
    else body();
  } finally {
    blas.setVectorCap(512);
  }
}
const widthName = (bits: 512 | 256) => (bits === 512 ? 'AVX-512F' : 'AVX2 + FMA');

test('fmaf (the JS emulation the kernel test trusts) rounds once: ties to even, and the midpoints where a·b + c rounded twice goes wrong', () => {
  assert.equal(fmaf(1, 1, 2 ** -24), 1); // 1 + 2⁻²⁴ exactly: a tie between 1 and 1 + 2⁻²³, to even
  // a·b = 0.25 − 2⁻⁴⁸: a·b + c rounds to double as the tie 2²² + 0.75 (to even: 2²² + 1); one rounding goes down
  const a = 0.5 + 2 ** -24, b = 0.5 - 2 ** -24;
  assert.equal(Math.fround(a * b + 4194304.5), 4194305);
  assert.equal(fmaf(a, b, 4194304.5), 4194304.5);
  // c − a·b = 2²² + 1.25 + 2⁻⁴⁸: twice rounded, the tie goes to even (2²² + 1); one rounding goes up
  assert.equal(Math.fround(-a * b + 4194305.5), 4194305);
  assert.equal(fmaf(-a, b, 4194305.5), 4194305.5);
  assert.equal(fmaf(3, 5, -15), 0);
});

for (const bits of [512, 256] as const)
  test(`own sgemm kernel (${widthName(bits)}): every output equals one FMA chain over k per K block, emulated exactly in JS (every transpose pair, ragged tiles, 1 to 3 K blocks)`, { skip: nativeSkip() }, (t) => {
    const blas = nativeBlas()!;
    atKernelWidth(bits, t, () => {
      const r = lcg(bits);
      const shapes: [number, number, number][] = [[131, 37, 64], [256, 40, 200], [150, 70, 130], [128, 48, 700], [70, 16, 321], [200, 9, 150], [129, 33, 1000], [700, 40, 130]];
      const checked: Case[] = [];
      for (const [M, N, K] of shapes)
        for (const ta of [false, true])
          for (const tb of [false, true]) {
            const c = { M, N, K, ta, tb };
            const name = `${M}×${N}×${K}${ta ? ' Aᵀ' : ''}${tb ? ' Bᵀ' : ''}`;
            if (blas.gemmKernel(M, N, K, ta, tb) !== 'own') continue;
            checked.push(c);
            const a = randomFloats(M * K, r), b = randomFloats(K * N, r);
            const out = new Float32Array(M * N).fill(Number.NaN);
            blas.sgemm(a, 0, b, 0, out, 0, M, N, K, ta, tb, 1, 0, 0, 0);
            const want = chainProduct(c, a, b, 1);
            let bad = 0;
            for (let i = 0; i < out.length; i++) if (!Object.is(out[i], want[i]) && bad++ < 3) assert.fail(`${name}: element ${i} is ${out[i]}, the chain gives ${want[i]}`);
          }
      // the products above must include own-kernel ones in every transpose pair and over several K blocks
      assert.equal(new Set(checked.map((c) => `${c.ta} ${c.tb}`)).size, 4, `own-kernel products checked: ${JSON.stringify(checked)}`);
      assert.ok(checked.some((c) => c.K > 320), 'no product over several K blocks took the own kernel');
    });
  });

for (const bits of [512, 256] as const)
test(`own sgemm kernel (${widthName(bits)}): bit-identical to OpenBLAS on SkylakeX-family cores (312 random and edge products, every transpose pair), within 2e-6·K of float64 elsewhere`, { skip: nativeSkip() }, (t) => {
  const blas = nativeBlas()!;
  atKernelWidth(bits, t, () => {
    const sameOrder = SAME_ORDER_CORES.test(blas.info().core);
    const r = lcg(11);
    let bitsDiffer = 0;
    const all = cases();
    const ownCount = all.filter((c) => blas.gemmKernel(c.M, c.N, c.K, c.ta, c.tb) === 'own').length;
    // AVX2 leaves the multi-block Aᵀ products, and those with K and N over 64 reading over 1 MB of op(A) per K block, to OpenBLAS (gemm.c own_takes)
    assert.ok(ownCount >= (bits === 512 ? 100 : 40), `only ${ownCount} of ${all.length} products took the own kernel`);
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
  assert.match(before, /^(own (avx512f|avx2) kernel for OpenBLAS's blocked-driver products with rows enough, OpenBLAS for the rest|OpenBLAS \(own kernel (needs AVX-512F or AVX2 \+ FMA|runs on 1 thread only)\))$/);
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
  const avx2 = blas.info().vectorBits === 256;
  // Above M·N·K = 1e6: a tiny d64 expert (~256 rows, d 64, f 256) in all four of its products, and on AVX2 too
  // with 600 rows, the d64 QKV projection and input gradient over 1,024 and 2,048 tokens (K or N ≤ 64: any size).
  for (const [M, N, K, ta, tb] of [[256, 256, 64, false, false], [256, 64, 256, false, false], [256, 256, 64, false, true], [64, 256, 256, true, false], [128, 48, 700, false, false],
    [600, 256, 64, false, false], [600, 64, 256, false, true], [256, 64, 300, true, false], [1024, 192, 64, false, false], [2048, 64, 256, false, true]] as const)
    assert.equal(kernel(M, N, K, ta, tb), 'own', `${M}×${N}×${K} ta=${ta} tb=${tb}`);
  // On AVX2 only while its panels read at most 1 MB of op(A) per K block where K and N exceed 64 (not a d128
  // expert's 512×512×128, nor dense d128's 2048×384×128 QKV), and no Aᵀ over several K blocks.
  for (const [M, N, K, ta, tb] of [[512, 512, 128, false, false], [2048, 384, 128, false, false], [600, 128, 512, false, true], [128, 384, 2048, true, false]] as const)
    assert.equal(kernel(M, N, K, ta, tb), avx2 ? 'openblas' : 'own', `${M}×${N}×${K} ta=${ta} tb=${tb}`);
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
