/**
 * `moelab bench train`: training throughput of the MoE trainer step (forward, backward, AdamW) on wasm at
 * 1 thread (with the native addon when it is built, and the same trainer without it as a second line), batch 32 × 64 byte tokens, for d_model 64/128/256 MoE (8 experts, top-2) and a dense d128 model,
 * plus the `tiny` preset's models (d_model 32/64, 2 layers, 2 heads, batch 16 × 64).
 * Reports tfjs kernels per step (by kind, with the time split of one profiled step: src/bench/step-profile.ts),
 * tokens/s and GFLOP/s (6 · active non-embedding params · tokens/s) with, measured in the same run,
 * the ratio to a plain-tfjs implementation (default gradients and kernels) and to PyTorch (Debian
 * python3-torch, 1 thread) when installed. The machine is often shared, so the PyTorch line's notes also
 * give both sides' tokens per CPU-second and their ratio.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { countParams } from '../accounting/model-params';
import { matMulIsNative, registerFastKernels, restoreDefaultKernels } from '../backend/kernels';
import { nativeBlasStatus, setNativeBlasEnabled } from '../backend/native-blas';
import { selectBackend } from '../backend/select';
import { ModelConfig, parseModelConfig } from '../model/config';
import { setPlainOps } from '../model/ops';
import { chinchillaTrainingFlops } from '../accounting/formulas';
import { benchTrainStep, describeStepProfile, profileTrainStep } from './step-profile';
import type { BenchResult, BenchSuite } from './types';

const SEQ = 64;

interface Shape {
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

function modelOf(s: Shape): ModelConfig {
  return parseModelConfig({
    dModel: s.dModel,
    layers: s.layers,
    heads: s.heads ?? 4,
    contextLength: SEQ,
    moe: s.moe ? { router: 'token-choice', expansionRate: 8, topK: 2, capacityFactor: null } : null,
  });
}

/** Throughput of timed training steps, by wall clock and by this process's CPU time (robust on a shared machine). */
export interface StepThroughput {
  /** Tokens per wall-clock second. */
  tokensPerSecond: number;
  /** Tokens per second of process CPU time (user + system, all threads). */
  tokensPerCpuSecond: number;
}

/**
 * Tokens/s of `steps` timed training steps (after 2 warm-up steps) of model `cfg` on random bytes,
 * batch `batch` (default 32) × 64 tokens.
 */
export function measureTrainThroughput(cfg: ModelConfig, steps: number, batch = 32): StepThroughput {
  const bench = benchTrainStep(cfg, batch, SEQ);
  bench.step();
  bench.step();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) bench.step();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  bench.dispose();
  const tokens = steps * batch * SEQ;
  return { tokensPerSecond: tokens / seconds, tokensPerCpuSecond: tokens / ((cpu.user + cpu.system) / 1e6) };
}

/** Tokens/s (wall clock) of `steps` timed training steps of `cfg`, batch 32 × 64; see `measureTrainThroughput`. */
export function measureTrainStep(cfg: ModelConfig, steps: number): number {
  return measureTrainThroughput(cfg, steps).tokensPerSecond;
}

interface TorchResult {
  value: number | null;
  /** Tokens per second of the torch process's CPU time, when the script reports it. */
  cpu?: number;
  why: string;
}

function torchTokensPerSecond(repoRoot: string, s: Shape, steps: number): TorchResult {
  const py = '/usr/bin/python3';
  if (!fs.existsSync(py)) return { value: null, why: 'no /usr/bin/python3' };
  const script = path.join(repoRoot, 'scripts', 'bench', 'torch_moe.py');
  const args = [script, '--d-model', String(s.dModel), '--layers', String(s.layers), '--heads', String(s.heads ?? 4), '--seq', String(SEQ), '--batch', String(s.batch ?? 32), '--steps', String(steps)];
  if (!s.moe) args.push('--dense');
  const r = spawnSync(py, args, { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' } });
  if (r.status !== 0) {
    const msg = (r.stderr || '').trim().split('\n').pop() ?? '';
    return { value: null, why: /No module named 'torch'/.test(msg) ? 'python3-torch not installed (apt-get install -y python3-torch libopenblas0-openmp)' : `torch script failed: ${msg}` };
  }
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { tokens_per_s: number; cpu_tokens_per_s?: number };
  return { value: out.tokens_per_s, ...(out.cpu_tokens_per_s !== undefined ? { cpu: out.cpu_tokens_per_s } : {}), why: '' };
}

export const trainBench: BenchSuite = {
  name: 'train',
  description: 'MoE/dense training throughput on wasm (1 thread) vs plain tfjs and PyTorch',
  async run(opts) {
    const results: BenchResult[] = [];
    await selectBackend('wasm');
    const blas = nativeBlasStatus();
    const matmul = matMulIsNative('wasm')
      ? `native addon: ${blas.detail}, ${blas.threads} thread (matmul, GELU, row gather/scatter, AdamW)`
      : `wasm XNNPACK (native addon: ${blas.detail})`;
    opts.log(`train bench: matmul ${matmul}`);
    // Both sides time the same number of steps after 2 warm-up steps (PyTorch's step time still falls over its
    // first ~40 steps, so short runs would flatter us): 20 steps (40 for d ≤ 64); the slower references fewer.
    const steps = opts.quick ? 2 : 20;
    const stepsOf = (s: Shape) => (s.dModel <= 64 ? steps * 2 : steps);
    // PyTorch first, for every shape: measured after this process has grown (1.3 GiB resident after the d128
    // plain-tfjs reference), PyTorch's d128 step ran ~20% slower than in a fresh machine state, which would
    // flatter our ratio. Node takes no CPU time while it waits.
    const torchBy = new Map<Shape, TorchResult>();
    for (const s of SHAPES) {
      if (opts.quick) break;
      opts.log(`train bench: ${s.label} (PyTorch)`);
      torchBy.set(s, torchTokensPerSecond(opts.repoRoot, s, stepsOf(s)));
    }
    for (const s of SHAPES) {
      if (opts.quick && s.dModel === 256) continue;
      const cfg = modelOf(s);
      const batch = s.batch ?? 32;
      const active = countParams(cfg).active;
      // Tiny models take ~0.1 s a step: time more of them.
      const n = stepsOf(s);
      opts.log(`train bench: ${s.label} (ours${matMulIsNative('wasm') ? ', matmul on OpenBLAS' : ''})`);
      const ours = measureTrainThroughput(cfg, n, batch);
      const profile = await profileTrainStep(cfg, batch, SEQ);
      // With the native addon: the same trainer without it (XNNPACK matmul, tfjs GELU, tensor-op AdamW).
      let xnn: StepThroughput | null = null;
      if (matMulIsNative('wasm')) {
        opts.log(`train bench: ${s.label} (ours without the native addon)`);
        setNativeBlasEnabled(false);
        restoreDefaultKernels('wasm');
        registerFastKernels('wasm');
        try {
          xnn = measureTrainThroughput(cfg, Math.max(1, Math.floor(n / 4)), batch);
        } finally {
          setNativeBlasEnabled(true);
          restoreDefaultKernels('wasm');
          registerFastKernels('wasm');
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
      const note = `batch ${batch}×${SEQ}, ${active} active non-embedding params, ${n} steps, ${matmul}`;
      results.push({
        label: `${s.label}: tfjs kernels per training step`,
        value: profile.kernels,
        unit: 'kernels',
        reference: plainKernels,
        referenceLabel: 'plain tfjs (default gradients/kernels)',
        lowerIsBetter: true,
        notes: describeStepProfile(profile),
      });
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
      const torch: TorchResult = torchBy.get(s) ?? { value: null, why: 'skipped in --quick' };
      const cpuNote =
        torch.cpu !== undefined
          ? `; per CPU-second (robust to other load): ours ${ours.tokensPerCpuSecond.toFixed(0)}, PyTorch ${torch.cpu.toFixed(0)}, ratio ${(ours.tokensPerCpuSecond / torch.cpu).toFixed(3)}`
          : `; ours per CPU-second ${ours.tokensPerCpuSecond.toFixed(0)}`;
      results.push({
        label: `${s.label}: tokens/s vs PyTorch`,
        value: ours.tokensPerSecond,
        unit: 'tokens/s',
        ...(torch.value !== null ? { reference: torch.value, referenceLabel: 'PyTorch CPU, 1 thread' } : {}),
        ...(s.dModel === 128 && s.moe && torch.value !== null ? { goal: 0.35 * torch.value } : {}),
        notes: (torch.value !== null ? `${note}${s.dModel === 128 && s.moe ? '; target ≥ 0.35× PyTorch on d128' : ''}` : `PyTorch skipped: ${torch.why}`) + cpuNote,
      });
      results.push({ label: `${s.label}: achieved GFLOP/s`, value: gflops, unit: 'GFLOP/s', notes: '6 · active non-embedding params · tokens/s' });
    }
    return results;
  },
};

export default trainBench;
