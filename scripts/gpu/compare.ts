/**
 * GPU comparison run (bundle entry `gpu-compare`), in parts so that the slow CPU curve can run in its own
 * process beside the GPU work:
 *   --part curve --backend webgpu|wasm   `trainRun` of one d256 MoE config (4 blocks, 8 experts, top-2, token
 *                                        choice, 8×64 tokens per step) from the same seed and data order
 *                                        -> $OUT/curve-<backend>.json (train + eval losses, tokens/s)
 *   --part bench                         the GPU step bench (src/bench/gpu.ts, d_model 256/512/768, dense and
 *                                        MoE 8×top-2, 32×256 tokens) on webgpu: the model's fused step and the
 *                                        plain tfjs-ops step, tokens/s and per-step dispatch/buffer/upload/
 *                                        readback counts -> $OUT/bench-webgpu.json
 *   --part diff                          compares $OUT/curve-webgpu.json with $OUT/curve-wasm.json -> stdout
 * Options: --steps N (default 100), --corpus DIR (default $MOELAB_GPU_CORPUS, else .gpu-bundle/corpus),
 * --quick (bench: 2 shapes, 3 reps).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import '@tensorflow/tfjs-backend-wasm';
import { initWebGpu } from '../../src/backend/webgpu';
import { GPU_BENCH_SHAPES, buildGpuStep, buildModelStep, countGpuStep, stepFlops, timeStep } from '../../src/bench/gpu';
import { readMetrics } from '../../src/train/metrics';
import { trainRun } from '../../src/train/trainer';
import type { TrainConfigInput } from '../../src/train/config';
import { writeFileAtomic } from '../../src/util/atomic-write';

const arg = (k: string) => (process.argv.includes(k) ? process.argv[process.argv.indexOf(k) + 1] : undefined);
const outDir = process.env.OUT ?? process.cwd();

function writeJson(name: string, value: unknown): void {
  const file = path.join(outDir, name);
  writeFileAtomic(file, JSON.stringify(value, null, 1));
  console.log(`wrote ${file}`);
}

/** The compared config: d256-class MoE, small batch so the single-threaded wasm curve finishes in minutes. */
export function compareConfig(corpusDir: string, steps: number, backend: 'webgpu' | 'wasm'): TrainConfigInput {
  const batchSize = 8;
  const seqLen = 64;
  return {
    runId: `gpu-compare-${backend}`,
    model: { dModel: 256, layers: 4, heads: 4, moe: { router: 'token-choice', expansionRate: 8, topK: 2, every: 1 } },
    data: { corpusDir, seqLen, batchSize },
    tokens: steps * batchSize * seqLen,
    optimizer: { lr: 1e-3 },
    evalEveryTokens: 25 * batchSize * seqLen,
    evalTokens: 4 * batchSize * seqLen,
    checkpointEverySteps: steps,
    seed: 1,
    backend,
  };
}

async function curve(backend: 'webgpu' | 'wasm', steps: number, corpusDir: string): Promise<void> {
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), `moelab-curve-${backend}-`));
  const t0 = performance.now();
  const summary = await trainRun(compareConfig(corpusDir, steps, backend), {
    outDir: runDir,
    log: (l) => console.log(`[${backend}] ${l}`),
    onProgress: (p) => {
      if (p.step === 1 || p.step % 10 === 0) {
        console.log(`[${backend}] step ${p.step}/${p.totalSteps} loss ${p.loss.toFixed(4)} ${p.tokensPerSecond.toFixed(0)} tok/s (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
      }
    },
  });
  const rows = readMetrics(path.join(runDir, 'metrics.jsonl'));
  const train = rows.flatMap((r) => (r.kind === 'train' ? [r] : []));
  writeJson(`curve-${backend}.json`, {
    date: new Date().toISOString(),
    backend: summary.backend,
    config: compareConfig('<corpus>', steps, backend),
    seconds: (performance.now() - t0) / 1000,
    tokensPerSecond: train.at(-1)?.tokensPerSecond,
    loss: train.map((r) => r.loss),
    droppedFraction: train.map((r) => r.droppedFraction),
    eval: rows.filter((r) => r.kind === 'eval').map((r) => ({ step: r.step, valLoss: r.valLoss })),
    valLoss: summary.valLoss,
    checkpointBytes: fs.statSync(path.join(runDir, 'checkpoint.bin')).size,
  });
}

async function bench(quick: boolean): Promise<void> {
  const adapter = await initWebGpu();
  const rows: Record<string, unknown>[] = [];
  for (const s of quick ? GPU_BENCH_SHAPES.slice(0, 2) : GPU_BENCH_SHAPES) {
    const reps = quick ? 3 : 10;
    const tokens = s.batch * s.seqLen;
    // The model's own step (fused WGSL kernels, device routing, fused AdamW), then the plain tfjs-ops step.
    const fused = await timeStep(() => buildModelStep(s), reps);
    const plain = await timeStep(() => buildGpuStep(s), reps);
    const counts = await countGpuStep({ ...s, batch: 1 });
    const row = {
      ...s,
      seconds: fused.seconds,
      tokensPerSecond: tokens / fused.seconds,
      modelTflops: stepFlops(s) / fused.seconds / 1e12,
      loss: fused.loss,
      plainTfjsOps: { seconds: plain.seconds, tokensPerSecond: tokens / plain.seconds, modelTflops: stepFlops(s) / plain.seconds / 1e12 },
      perStep: counts,
    };
    rows.push(row);
    console.log(
      `webgpu d${s.dModel} ${s.experts ? 'moe8' : 'dense'}: model step ${(tokens / fused.seconds).toFixed(0)} tokens/s, ${row.modelTflops.toFixed(2)} TFLOP/s ` +
        `(${(fused.seconds * 1000).toFixed(1)} ms/step, ${counts.fused.dispatches} dispatches); plain tfjs ops ${(tokens / plain.seconds).toFixed(0)} tokens/s (${counts.tfjsOps.dispatches} dispatches)`,
    );
  }
  writeJson('bench-webgpu.json', { date: new Date().toISOString(), adapter, rows });
}

function diff(): void {
  type Curve = { loss: number[]; eval: { step: number; valLoss: number }[]; seconds: number; tokensPerSecond: number };
  const read = (b: string) => JSON.parse(fs.readFileSync(path.join(outDir, `curve-${b}.json`), 'utf8')) as Curve;
  const g = read('webgpu');
  const w = read('wasm');
  const n = Math.min(g.loss.length, w.loss.length);
  const d = Array.from({ length: n }, (_, i) => Math.abs(g.loss[i]! - w.loss[i]!));
  const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / Math.max(a.length, 1);
  // Step-to-step noise of the wasm curve itself: mean |loss_i − loss_{i−1}| over the last 20 steps.
  const tail = w.loss.slice(-21);
  const noise = mean(tail.slice(1).map((x, i) => Math.abs(x - tail[i]!)));
  const summary = {
    steps: n,
    first: { webgpu: g.loss[0], wasm: w.loss[0] },
    last: { webgpu: g.loss[n - 1], wasm: w.loss[n - 1] },
    maxAbsDiff: Math.max(...d),
    meanAbsDiffLast20: mean(d.slice(-20)),
    wasmStepNoiseLast20: noise,
    eval: g.eval.map((e, i) => ({ step: e.step, webgpu: e.valLoss, wasm: w.eval[i]?.valLoss })),
    tokensPerSecond: { webgpu: g.tokensPerSecond, wasm: w.tokensPerSecond },
  };
  console.log(JSON.stringify(summary, null, 1));
}

async function main(): Promise<void> {
  const part = arg('--part') ?? 'diff';
  const steps = Number(arg('--steps') ?? 100);
  const corpus = arg('--corpus') ?? process.env.MOELAB_GPU_CORPUS ?? path.resolve('.gpu-bundle/corpus');
  if (part === 'curve') {
    const backend = arg('--backend');
    if (backend !== 'webgpu' && backend !== 'wasm') throw new Error('--part curve needs --backend webgpu|wasm');
    await curve(backend, steps, corpus);
  } else if (part === 'bench') {
    await bench(process.argv.includes('--quick'));
  } else if (part === 'diff') {
    diff();
  } else {
    throw new Error(`unknown --part ${part} (curve | bench | diff)`);
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
