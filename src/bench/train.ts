/**
 * `moelab bench train`: training throughput of the MoE trainer step (forward, backward, AdamW) on wasm at
 * 1 thread (with the native addon and its fused layer kernels when it is built, and the same trainer without the
 * fused kernels and without the addon as further lines), batch 32 × 64 byte tokens, for d_model 64/128/256 MoE (8 experts, top-2) and a dense d128 model,
 * plus the `tiny` preset's models (d_model 32/64, 2 layers, 2 heads, batch 16 × 64).
 * Reports tfjs kernels per step (by kind, with the time split of one profiled step: src/bench/step-profile.ts),
 * tokens/s and GFLOP/s (6 · active non-embedding params · tokens/s) with, measured in the same run,
 * the ratio to a plain-tfjs implementation (default gradients and kernels) and to PyTorch (Debian
 * python3-torch, 1 thread) when installed, against the targets of the CPU-speed issue (2× on the tiny shapes,
 * 1.5× at d128, 1.3× at d256). The machine is often shared, so a second line compares tokens per CPU-second;
 * `--repeat n` repeats PyTorch-then-ours n times and reports medians with the per-run ratio range. A further pair
 * of lines times ours and PyTorch (one process kept running: src/bench/torch-ref.ts) in alternating rounds and
 * gives the median and range of the per-round ratios, which a machine drifting over minutes cannot bias.
 */
import { countParams } from '../accounting/model-params';
import { matMulIsNative, registerFastKernels, restoreDefaultKernels, setHostFusedKernelsEnabled } from '../backend/kernels';
import { OWN_GEMM_SAME_ORDER_CORES, nativeBlas, nativeBlasStatus, setNativeBlasEnabled } from '../backend/native-blas';
import { selectBackend } from '../backend/select';
import { ModelConfig, parseModelConfig } from '../model/config';
import { hostStepUnsupported, setHostStepEnabled } from '../model/host-step';
import { setPlainOps } from '../model/ops';
import { chinchillaTrainingFlops } from '../accounting/formulas';
import { benchTrainStep, describeStepProfile, profileTrainStep } from './step-profile';
import { TorchSession, torchTokensPerSecond, type TorchModel, type TorchResult } from './torch-ref';
import type { BenchResult, BenchSuite, StepThroughput } from './types';

const SEQ = 64;

/** A benchmarked model and batch. */
export interface Shape {
  label: string;
  dModel: number;
  layers: number;
  moe: boolean;
  /** Attention heads; default 4. */
  heads?: number;
  /** Sequences per batch; default 32. */
  batch?: number;
}

const SHAPES: Shape[] = [
  // The `tiny` preset's models (d_model 32-64, 2 layers, 2 heads, batch 16 × 64): per-step overhead dominates.
  { label: 'tiny MoE d32 L2 H2 E8 top-2 b16', dModel: 32, layers: 2, moe: true, heads: 2, batch: 16 },
  { label: 'tiny MoE d64 L2 H2 E8 top-2 b16', dModel: 64, layers: 2, moe: true, heads: 2, batch: 16 },
  { label: 'MoE d64 L2 E8 top-2', dModel: 64, layers: 2, moe: true },
  { label: 'MoE d128 L4 E8 top-2', dModel: 128, layers: 4, moe: true },
  { label: 'MoE d256 L4 E8 top-2', dModel: 256, layers: 4, moe: true },
  { label: 'dense d128 L4', dModel: 128, layers: 4, moe: false },
];

/** The PyTorch reference's model for shape `s` (scripts/bench/torch_moe.py: the same layers, 8 experts top-2). */
function torchModelOf(s: Shape): TorchModel {
  return { dModel: s.dModel, layers: s.layers, heads: s.heads ?? 4, batch: s.batch ?? 32, seq: SEQ, dense: !s.moe };
}

function modelOf(s: Shape): ModelConfig {
  return parseModelConfig({
    dModel: s.dModel,
    layers: s.layers,
    heads: s.heads ?? 4,
    contextLength: SEQ,
    moe: s.moe ? { router: 'token-choice', expansionRate: 8, topK: 2, capacityFactor: null } : null,
  });
}

/**
 * Tokens/s of `steps` timed training steps (after 2 warm-up steps) of model `cfg` on random bytes,
 * batch `batch` (default 32) × 64 tokens.
 */
export function measureTrainThroughput(cfg: ModelConfig, steps: number, batch = 32): StepThroughput {
  const bench = benchTrainStep(cfg, batch, SEQ);
  bench.step();
  bench.step();
  const t = timeSteps(bench.step, steps, batch);
  bench.dispose();
  return t;
}

/** Tokens/s of `steps` calls of `step` (each `batch` × 64 tokens), by wall clock and by this process's CPU time. */
function timeSteps(step: () => void, steps: number, batch: number): StepThroughput {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) step();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  const tokens = steps * batch * SEQ;
  return { tokensPerSecond: tokens / seconds, tokensPerCpuSecond: tokens / ((cpu.user + cpu.system) / 1e6) };
}

/** Two settings of one training step timed in alternation: tokens/s of each (medians) and their paired ratios. */
export interface PairedThroughput {
  /** Median tokens/s over the rounds, setting A and setting B, by wall clock and per CPU-second. */
  a: StepThroughput;
  b: StepThroughput;
  /** tokens/s of A over B, round by round (each round times B's block, then A's, back to back), sorted. */
  ratios: number[];
  /** The same per CPU-second, sorted. */
  cpuRatios: number[];
}

/**
 * A/B of one model's training step under two settings in one process, on one set of weights and batches: `rounds`
 * rounds, each timing `steps` steps under `enterB` and then `steps` under `enterA` (one untimed step after each
 * switch). On a shared machine whose speed drifts over seconds, a ratio taken inside each round cancels the drift
 * that separate measurements minutes apart keep (2026-12-07, Zen 3: the tiny d32 step's own-kernel vs all-OpenBLAS
 * read 0.72× measured minutes apart, 1.14× [1.01–1.32] paired). The settings must not change the step's bits.
 */
export async function measurePairedThroughput(cfg: ModelConfig, batch: number, rounds: number, steps: number, enterA: () => void, enterB: () => void): Promise<PairedThroughput> {
  const bench = benchTrainStep(cfg, batch, SEQ);
  try {
    bench.step();
    return await pairedRounds(rounds, (which) => {
      (which === 'A' ? enterA : enterB)();
      bench.step();
      return timeSteps(bench.step, steps, batch);
    });
  } finally {
    enterA();
    bench.dispose();
  }
}

/**
 * Ours (A) against the PyTorch reference (B) in `rounds` alternating rounds of `steps` steps each side, PyTorch
 * first in every round, after `warmSteps` untimed steps of each (PyTorch's step time still falls over its first
 * ~40 steps). Both sides then run at the same minutes of a machine whose speed drifts (2026-12-07, Zen 3: a fixed
 * 256×256×64 product at 47–81 GFLOP/s and the same frozen tiny d64 forward + backward at 23.5–36.7 ms within one
 * minute), where the side-by-side runs time each side minutes apart. `{ why }` when PyTorch cannot run here.
 */
export async function measurePairedVsTorch(repoRoot: string, s: Shape, rounds: number, steps: number, warmSteps: number): Promise<PairedThroughput | { why: string }> {
  const torch = await TorchSession.start(repoRoot, torchModelOf(s));
  if (!(torch instanceof TorchSession)) return torch;
  const batch = s.batch ?? 32;
  const bench = benchTrainStep(modelOf(s), batch, SEQ);
  try {
    await torch.run(warmSteps);
    for (let i = 0; i < warmSteps; i++) bench.step();
    return await pairedRounds(rounds, (which) => (which === 'A' ? timeSteps(bench.step, steps, batch) : torch.run(steps)));
  } finally {
    bench.dispose();
    torch.close();
  }
}

/**
 * The rounds of {@link measurePairedThroughput} and {@link measurePairedVsTorch}: `block('B')` then `block('A')`
 * (each gives its throughput; a block in another process answers asynchronously), per round.
 */
export async function pairedRounds(rounds: number, block: (which: 'A' | 'B') => StepThroughput | Promise<StepThroughput>): Promise<PairedThroughput> {
  const a: StepThroughput[] = [];
  const b: StepThroughput[] = [];
  for (let r = 0; r < rounds; r++) {
    b.push(await block('B'));
    a.push(await block('A'));
  }
  const sorted = (f: (x: StepThroughput) => number) => a.map((x, i) => f(x) / f(b[i]!)).sort((x, y) => x - y);
  return { a: medianThroughput(a), b: medianThroughput(b), ratios: sorted((x) => x.tokensPerSecond), cpuRatios: sorted((x) => x.tokensPerCpuSecond) };
}

/** Median wall and median per-CPU-second tokens/s of several measurements (each median taken on its own). */
function medianThroughput(xs: StepThroughput[]): StepThroughput {
  return { tokensPerSecond: median(xs.map((x) => x.tokensPerSecond)), tokensPerCpuSecond: median(xs.map((x) => x.tokensPerCpuSecond)) };
}

/** Tokens/s (wall clock) of `steps` timed training steps of `cfg`, batch 32 × 64; see `measureTrainThroughput`. */
export function measureTrainStep(cfg: ModelConfig, steps: number): number {
  return measureTrainThroughput(cfg, steps).tokensPerSecond;
}

/** Done-when targets of the CPU-speed issue: our tokens/s over PyTorch's, wall and per CPU-second. */
function torchGoal(s: Shape): number {
  if (s.batch === 16) return 2.0;
  if (s.dModel === 128) return 1.5;
  if (s.dModel === 256) return 1.3;
  return 1.0;
}

const median = (xs: number[]) => {
  const v = [...xs].sort((a, b) => a - b);
  return v.length % 2 ? v[(v.length - 1) / 2]! : (v[v.length / 2 - 1]! + v[v.length / 2]!) / 2;
};
const range = (xs: number[], digits = 2) => (xs.length > 1 ? `${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)}` : xs[0]!.toFixed(digits));

/** A measured single-core sgemm rate: what "achieved GFLOP/s" is a fraction of. */
export interface SgemmPeak {
  /** Best GFLOP/s (2·M·N·K per product) over the sizes and repetitions tried, 1 thread. */
  gflops: number;
  /** The shape that reached it, e.g. `512×512×512`. */
  shape: string;
}

/**
 * This core's practical float32 peak through the native addon: the best rate of `reps` square sgemm products at
 * each side in `sides` (default 256, 512, 1024: at 1024 the operands outgrow the L2 cache and the rate may fall,
 * so the best is taken over sizes), 1 thread, with OpenBLAS and with the addon's own kernel where it runs (the
 * better of the two, named in `shape`); null without the addon. Measured in the same run as the throughput it is
 * compared with, so a shared machine lowers both.
 */
export function measureSgemmPeak(sides: number[] = [256, 512, 1024], reps = 5): SgemmPeak | null {
  const blas = nativeBlas();
  if (!blas) return null;
  let best: SgemmPeak = { gflops: 0, shape: '' };
  for (const own of [false, true]) {
    if (own && !blas.info().gemm.startsWith('own ')) continue; // the own kernel does not run here
    for (const n of sides) {
      // With the own kernel switched on a square it does not take still runs on OpenBLAS: not timed twice, nor
      // labelled as ours (AVX2 leaves 256³ and up to OpenBLAS: gemm.c own_takes).
      if (own && blas.gemmKernel(n, n, n, false, false) !== 'own') continue;
      const gflops = productGflops({ what: 'square', M: n, N: n, K: n, ta: false, tb: false }, own, reps, 1);
      if (gflops > best.gflops) best = { gflops, shape: `${n}×${n}×${n}, ${own ? 'own kernel' : 'OpenBLAS'}` };
    }
  }
  return best;
}

/** A product of the training step: op(A) is M×K, op(B) is K×N. */
interface ProductShape {
  what: string;
  M: number;
  N: number;
  K: number;
  ta: boolean;
  tb: boolean;
}

/** Products of the tiny d64 MoE step that take the own kernel (an expert holds ~256 of the 2048 assignments). */
const STEP_PRODUCTS: ProductShape[] = [
  { what: 'expert up, x·W1', M: 256, N: 256, K: 64, ta: false, tb: false },
  { what: 'expert down, h·W2', M: 256, N: 64, K: 256, ta: false, tb: false },
  { what: 'expert dh = dy·W2ᵀ', M: 256, N: 256, K: 64, ta: false, tb: true },
  { what: 'expert dW1 = xᵀ·dh', M: 64, N: 256, K: 256, ta: true, tb: false },
  { what: 'QKV projection', M: 1024, N: 192, K: 64, ta: false, tb: false },
  { what: 'expert dW2 = hᵀ·dy', M: 256, N: 64, K: 256, ta: true, tb: false },
  { what: 'LM head logits', M: 1024, N: 256, K: 64, ta: false, tb: false },
];

/**
 * Best GFLOP/s of product `p` over `reps` timings of `calls` calls each, on the own kernel or on OpenBLAS (the
 * addon's own kernel switched back on afterwards), after one warm-up call on the same operands.
 */
function productGflops(p: ProductShape, own: boolean, reps: number, calls: number): number {
  const blas = nativeBlas()!;
  const a = new Float32Array(p.M * p.K).map((_, i) => ((i * 7919) % 1000) / 1000 - 0.5);
  const b = new Float32Array(p.K * p.N).map((_, i) => ((i * 104729) % 1000) / 1000 - 0.5);
  const c = new Float32Array(p.M * p.N);
  blas.setOwnGemm(own);
  try {
    blas.sgemm(a, 0, b, 0, c, 0, p.M, p.N, p.K, p.ta, p.tb, 1, 0, 0, 0);
    let best = 0;
    for (let r = 0; r < reps; r++) {
      const t0 = performance.now();
      for (let i = 0; i < calls; i++) blas.sgemm(a, 0, b, 0, c, 0, p.M, p.N, p.K, p.ta, p.tb, 1, 0, 0, 0);
      best = Math.max(best, (calls * 2 * p.M * p.N * p.K) / ((performance.now() - t0) / 1000) / 1e9);
    }
    return best;
  } finally {
    blas.setOwnGemm(true);
  }
}

/** Swap the wasm kernels: `fused` = the fused layer kernels, `native` = the addon at all (else wasm alone). */
function useKernels(o: { native: boolean; fused: boolean }): void {
  setNativeBlasEnabled(o.native);
  setHostFusedKernelsEnabled(o.fused);
  restoreDefaultKernels('wasm');
  registerFastKernels('wasm');
}

export const trainBench: BenchSuite = {
  name: 'train',
  description: 'MoE/dense training throughput on wasm (1 thread) vs PyTorch, the unfused trainer and plain tfjs',
  async run(opts) {
    const results: BenchResult[] = [];
    await selectBackend('wasm');
    const blas = nativeBlasStatus();
    const matmul = matMulIsNative('wasm')
      ? `native addon: ${blas.detail}, ${blas.threads} thread (matmul, fused attention/LayerNorm/cross-entropy/router/MoE experts, AdamW)`
      : `wasm XNNPACK (native addon: ${blas.detail})`;
    opts.log(`train bench: matmul ${matmul}`);
    const peak = measureSgemmPeak(opts.quick ? [256, 512] : undefined);
    if (peak) opts.log(`train bench: sgemm peak ${peak.gflops.toFixed(1)} GFLOP/s (${peak.shape}, 1 thread)`);
    const ownGemm = nativeBlas()?.info().gemm.startsWith('own ') ?? false;
    const sameBits = OWN_GEMM_SAME_ORDER_CORES.test(nativeBlas()?.info().core ?? '') ? 'bit-identical results' : 'same products, another summation order on this OpenBLAS core';
    if (ownGemm) {
      const reps = opts.quick ? 2 : 5;
      for (const p of STEP_PRODUCTS.filter((q) => nativeBlas()!.gemmKernel(q.M, q.N, q.K, q.ta, q.tb) === 'own')) {
        const reference = productGflops(p, false, reps, 20);
        results.push({
          label: `matmul ${p.M}×${p.N}×${p.K}${p.ta ? ' Aᵀ' : ''}${p.tb ? ' Bᵀ' : ''} (${p.what}): own kernel vs OpenBLAS`,
          value: productGflops(p, true, reps, 20),
          unit: 'GFLOP/s',
          reference,
          referenceLabel: `OpenBLAS sgemm, same product, 1 thread (${sameBits})`,
          notes: `best of ${reps} timings of 20 calls on warm operands; src/backend/native/gemm.c`,
        });
      }
    }
    // Both sides time the same number of steps after 2 warm-up steps (PyTorch's step time still falls over its
    // first ~40 steps, so short runs would flatter us): 20 steps (40 for d ≤ 64); the slower references fewer.
    const steps = opts.quick ? 2 : 20;
    const stepsOf = (s: Shape) => (s.dModel <= 64 ? steps * 2 : steps);
    const repeat = opts.quick ? 1 : Math.max(1, opts.repeat ?? 1);
    const shapes = SHAPES.filter((s) => !(opts.quick && s.dModel === 256));
    // Each repetition: PyTorch first for every shape (measured after this process has grown, PyTorch's d128 step
    // ran ~20% slower than in a fresh machine state, which would flatter our ratio; Node takes no CPU time while it
    // waits), then ours for every shape.
    const torchBy = new Map<Shape, TorchResult[]>();
    const oursBy = new Map<Shape, StepThroughput[]>();
    for (let r = 0; r < repeat; r++) {
      for (const s of shapes) {
        if (opts.quick) break;
        opts.log(`train bench: ${s.label} (PyTorch${repeat > 1 ? `, run ${r + 1}/${repeat}` : ''})`);
        torchBy.set(s, [...(torchBy.get(s) ?? []), torchTokensPerSecond(opts.repoRoot, torchModelOf(s), stepsOf(s))]);
      }
      for (const s of shapes) {
        opts.log(`train bench: ${s.label} (ours${repeat > 1 ? `, run ${r + 1}/${repeat}` : ''})`);
        oursBy.set(s, [...(oursBy.get(s) ?? []), measureTrainThroughput(modelOf(s), stepsOf(s), s.batch ?? 32)]);
      }
    }
    for (const s of shapes) {
      const cfg = modelOf(s);
      const batch = s.batch ?? 32;
      const active = countParams(cfg).active;
      const n = stepsOf(s);
      const runs = oursBy.get(s)!;
      const ours = medianThroughput(runs);
      // Ours and PyTorch in alternating rounds (the verdict of the side-by-side runs above, read without the drift
      // between their minutes): a line of its own, beside them.
      let vsTorch: PairedThroughput | { why: string } | null = null;
      const vsRounds = 6;
      const vsSteps = Math.max(1, Math.floor(n / 4));
      const vsWarm = Math.floor(n / 2);
      if (!opts.quick && (torchBy.get(s) ?? []).some((t) => t.value !== null)) {
        opts.log(`train bench: ${s.label} (ours and PyTorch in ${vsRounds} alternating rounds)`);
        vsTorch = await measurePairedVsTorch(opts.repoRoot, s, vsRounds, vsSteps, vsWarm);
      }
      const profile = await profileTrainStep(cfg, batch, SEQ);
      // The same fused kernels through tfjs (tf.variableGrads) instead of the host step, where the host step runs.
      let viaTfjs: { tps: StepThroughput; kernels: number } | null = null;
      if (hostStepUnsupported(cfg) === null) {
        opts.log(`train bench: ${s.label} (ours, fused kernels through tfjs instead of the host step)`);
        setHostStepEnabled(false);
        try {
          viaTfjs = { tps: measureTrainThroughput(cfg, Math.max(1, Math.floor(n / 2)), batch), kernels: (await profileTrainStep(cfg, batch, SEQ, 1)).kernels };
        } finally {
          setHostStepEnabled(true);
        }
      }
      // The same step with OpenBLAS for every product instead of the addon's own kernel (same bits).
      // Timed in alternation in one process (measurePairedThroughput): the difference is a few percent, which
      // separate runs on a shared machine cannot resolve.
      let viaOpenblas: PairedThroughput | null = null;
      const pairRounds = opts.quick ? 2 : 8;
      const pairSteps = Math.max(1, Math.floor(n / 4));
      if (ownGemm) {
        opts.log(`train bench: ${s.label} (ours, own kernel and OpenBLAS for every product, in alternation)`);
        const blas = nativeBlas()!;
        viaOpenblas = await measurePairedThroughput(cfg, batch, pairRounds, pairSteps, () => blas.setOwnGemm(true), () => blas.setOwnGemm(false));
      }
      // The same trainer before the fused kernels (addon matmul, GELU, row kernels, AdamW), then without the addon.
      let unfused: { tps: StepThroughput; kernels: number } | null = null;
      let xnn: StepThroughput | null = null;
      if (matMulIsNative('wasm')) {
        opts.log(`train bench: ${s.label} (ours without the fused kernels)`);
        useKernels({ native: true, fused: false });
        try {
          unfused = { tps: measureTrainThroughput(cfg, Math.max(1, Math.floor(n / 2)), batch), kernels: (await profileTrainStep(cfg, batch, SEQ, 1)).kernels };
          opts.log(`train bench: ${s.label} (ours without the native addon)`);
          useKernels({ native: false, fused: false });
          xnn = measureTrainThroughput(cfg, Math.max(1, Math.floor(n / 4)), batch);
        } finally {
          useKernels({ native: true, fused: true });
        }
      }
      opts.log(`train bench: ${s.label} (plain tfjs)`);
      setPlainOps(true);
      restoreDefaultKernels('wasm');
      let plainTps: number;
      let plainKernels: number;
      try {
        plainTps = measureTrainThroughput(cfg, Math.max(1, Math.floor(n / 10)), batch).tokensPerSecond;
        plainKernels = (await profileTrainStep(cfg, batch, SEQ, 1)).kernels;
      } finally {
        setPlainOps(false);
        registerFastKernels('wasm');
      }
      const gflops = chinchillaTrainingFlops(active, ours.tokensPerSecond) / 1e9;
      const note = `batch ${batch}×${SEQ}, ${active} active non-embedding params, ${n} steps × ${runs.length} run(s), ${matmul}`;
      const tiny = s.batch === 16;
      results.push({
        label: `${s.label}: kernels per training step`,
        value: profile.kernels,
        unit: 'kernels',
        ...(unfused
          ? { reference: unfused.kernels, referenceLabel: 'same trainer without the fused kernels', ...(tiny ? { goal: Math.floor(unfused.kernels / 3) } : {}) }
          : { reference: plainKernels, referenceLabel: 'plain tfjs (default gradients/kernels)' }),
        lowerIsBetter: true,
        notes: `plain tfjs: ${plainKernels}${viaTfjs ? `; fused kernels through tfjs: ${viaTfjs.kernels}` : ''}; ${describeStepProfile(profile)}`,
      });
      if (viaTfjs) {
        results.push({
          label: `${s.label}: tokens/s, host step vs the fused kernels through tfjs`,
          value: ours.tokensPerSecond,
          unit: 'tokens/s',
          reference: viaTfjs.tps.tokensPerSecond,
          referenceLabel: 'same kernels under tf.variableGrads (bit-identical losses)',
          notes: `per CPU-second: ${ours.tokensPerCpuSecond.toFixed(0)} vs ${viaTfjs.tps.tokensPerCpuSecond.toFixed(0)}; the reference times half as many steps`,
        });
      }
      if (viaOpenblas) {
        const r = viaOpenblas.ratios;
        results.push({
          label: `${s.label}: tokens/s, own matrix kernel vs OpenBLAS (paired)`,
          value: viaOpenblas.a.tokensPerSecond,
          unit: 'tokens/s',
          reference: viaOpenblas.b.tokensPerSecond,
          referenceLabel: `same step with OpenBLAS for every product (${sameBits})`,
          notes:
            `${r.length} rounds of ${pairSteps} steps each way in alternation, one process; paired ratio median ${median(r).toFixed(3)} [${range(r, 3)}], ` +
            `per CPU-second ${median(viaOpenblas.cpuRatios).toFixed(3)} [${range(viaOpenblas.cpuRatios, 3)}] (${viaOpenblas.a.tokensPerCpuSecond.toFixed(0)} vs ${viaOpenblas.b.tokensPerCpuSecond.toFixed(0)}); medians of tokens/s above`,
        });
      }
      if (unfused) {
        results.push({
          label: `${s.label}: tokens/s, with vs without the fused kernels`,
          value: ours.tokensPerSecond,
          unit: 'tokens/s',
          reference: unfused.tps.tokensPerSecond,
          referenceLabel: 'same trainer, addon matmul/GELU/row kernels only',
          notes: `per CPU-second: ${ours.tokensPerCpuSecond.toFixed(0)} vs ${unfused.tps.tokensPerCpuSecond.toFixed(0)}`,
        });
      }
      results.push({ label: `${s.label}: tokens/s vs plain tfjs`, value: ours.tokensPerSecond, unit: 'tokens/s', reference: plainTps, referenceLabel: 'plain tfjs (default gradients/kernels), wasm', notes: note });
      if (xnn) {
        results.push({
          label: `${s.label}: tokens/s, with vs without the native addon`,
          value: ours.tokensPerSecond,
          unit: 'tokens/s',
          reference: xnn.tokensPerSecond,
          referenceLabel: 'same trainer on wasm alone (XNNPACK matmul, tfjs GELU and AdamW)',
          notes: `per CPU-second: ${ours.tokensPerCpuSecond.toFixed(0)} vs ${xnn.tokensPerCpuSecond.toFixed(0)}`,
        });
      }
      const torchRuns = (torchBy.get(s) ?? []).filter((t) => t.value !== null);
      const why = (torchBy.get(s) ?? [])[0]?.why || 'skipped in --quick';
      const goal = torchGoal(s);
      if (torchRuns.length > 0) {
        const torchWall = median(torchRuns.map((t) => t.value!));
        const wallRatios = runs.map((o, i) => o.tokensPerSecond / (torchRuns[Math.min(i, torchRuns.length - 1)]!.value!));
        results.push({
          label: `${s.label}: tokens/s vs PyTorch (wall)`,
          value: ours.tokensPerSecond,
          unit: 'tokens/s',
          reference: torchWall,
          referenceLabel: 'PyTorch CPU, 1 thread',
          goal: Math.round(goal * torchWall),
          notes: `${note}; ratio per side-by-side run ${range(wallRatios)} (ours ${runs.map((o) => o.tokensPerSecond.toFixed(0)).join(' / ')}, PyTorch ${torchRuns.map((t) => t.value!.toFixed(0)).join(' / ')} tokens/s, run by run); target ≥ ${goal}× PyTorch${vsTorch && 'why' in vsTorch ? `; the alternating rounds did not run: ${vsTorch.why}` : ''}`,
        });
        const torchCpu = torchRuns.filter((t) => t.cpu !== undefined);
        if (torchCpu.length > 0) {
          const cpuRef = median(torchCpu.map((t) => t.cpu!));
          const cpuRatios = runs.map((o, i) => o.tokensPerCpuSecond / torchCpu[Math.min(i, torchCpu.length - 1)]!.cpu!);
          results.push({
            label: `${s.label}: tokens per CPU-second vs PyTorch`,
            value: ours.tokensPerCpuSecond,
            unit: 'tokens/CPU-s',
            reference: cpuRef,
            referenceLabel: 'PyTorch CPU, 1 thread, per CPU-second',
            goal: Math.round(goal * cpuRef),
            notes: `robust to other load on the machine; ratio per side-by-side run ${range(cpuRatios)}; target ≥ ${goal}×`,
          });
        }
        if (vsTorch && !('why' in vsTorch)) {
          const how = `${vsTorch.ratios.length} rounds of ${vsSteps} steps each side, back to back: PyTorch (one process kept running, after ${vsWarm} warm-up steps) then ours`;
          results.push({
            label: `${s.label}: ours / PyTorch in alternating rounds (wall)`,
            value: median(vsTorch.ratios),
            unit: '× PyTorch',
            goal,
            notes: `${how}; median of the per-round ratios, range [${range(vsTorch.ratios, 3)}]; median tokens/s ours ${vsTorch.a.tokensPerSecond.toFixed(0)}, PyTorch ${vsTorch.b.tokensPerSecond.toFixed(0)}`,
          });
          results.push({
            label: `${s.label}: ours / PyTorch in alternating rounds (per CPU-second)`,
            value: median(vsTorch.cpuRatios),
            unit: '× PyTorch',
            goal,
            notes: `${how}; range [${range(vsTorch.cpuRatios, 3)}]; median tokens/CPU-s ours ${vsTorch.a.tokensPerCpuSecond.toFixed(0)}, PyTorch ${vsTorch.b.tokensPerCpuSecond.toFixed(0)}`,
          });
        }
      } else {
        results.push({ label: `${s.label}: tokens/s vs PyTorch (wall)`, value: ours.tokensPerSecond, unit: 'tokens/s', notes: `PyTorch skipped: ${why}; ours per CPU-second ${ours.tokensPerCpuSecond.toFixed(0)}` });
      }
      results.push({
        label: `${s.label}: achieved GFLOP/s`,
        value: gflops,
        unit: 'GFLOP/s',
        ...(peak ? { reference: peak.gflops, referenceLabel: `this core's sgemm peak (best square product ${peak.shape}, 1 thread, same run)` } : {}),
        notes: `6 · active non-embedding params · tokens/s${peak ? '; the ratio is the fraction of the measured peak' : '; no native addon, so no measured peak'}`,
      });
    }
    return results;
  },
};

export default trainBench;
