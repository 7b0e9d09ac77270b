/**
 * GPU comparison run (bundle entry `gpu-compare`): (1) the same small model trained 100 Adam steps on webgpu and
 * on tfjs's cpu reference backend (wasm lacks UnsortedSegmentSum) from the same seed: loss curves side by side; (2) the GPU step bench (src/bench/gpu.ts) on webgpu.
 * Writes $OUT/gpu-compare.json. Usage: scripts/gpu/run.sh gpu-compare [--steps 100] [--quick]
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { initWebGpu } from '../../src/backend/webgpu';
import { GPU_BENCH_SHAPES, buildGpuStep, stepFlops, timeGpuStep, type GpuStepShape } from '../../src/bench/gpu';

async function curve(backend: string, s: GpuStepShape, steps: number): Promise<number[]> {
  if (backend === 'webgpu') await initWebGpu();
  else if (!(await tf.setBackend(backend))) throw new Error(`setBackend(${backend}) failed`);
  const { step, dispose } = buildGpuStep(s, 3);
  const losses: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) {
    const l = step();
    losses.push((await l.data())[0]!);
    l.dispose();
    if (i === 0 || (i + 1) % 10 === 0) {
      console.log(`${backend} step ${i + 1}: loss ${losses[i]!.toFixed(4)} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    }
  }
  dispose();
  return losses;
}

async function main(): Promise<void> {
  const arg = (k: string) => (process.argv.includes(k) ? process.argv[process.argv.indexOf(k) + 1] : undefined);
  const steps = Number(arg('--steps') ?? 100);
  const quick = process.argv.includes('--quick');
  const report: Record<string, unknown> = { date: new Date().toISOString() };
  report.adapter = await initWebGpu();
  const small: GpuStepShape = { dModel: 128, layers: 2, experts: 8, batch: 4, seqLen: 64 };
  const gpu = await curve('webgpu', small, steps);
  const cpu = await curve('cpu', small, steps);
  const maxAbs = Math.max(...gpu.map((g, i) => Math.abs(g - cpu[i]!)));
  report.lossCurves = { shape: small, webgpu: gpu, cpu, maxAbsDiff: maxAbs };
  console.log(`loss curves (${steps} steps): webgpu ${gpu[0]!.toFixed(4)} -> ${gpu.at(-1)!.toFixed(4)}, cpu ${cpu[0]!.toFixed(4)} -> ${cpu.at(-1)!.toFixed(4)}, max |diff| ${maxAbs.toExponential(2)}`);
  await initWebGpu();
  const bench: Record<string, unknown>[] = [];
  for (const s of quick ? GPU_BENCH_SHAPES.slice(0, 2) : GPU_BENCH_SHAPES) {
    const { seconds, loss } = await timeGpuStep(s, quick ? 3 : 10);
    const tokens = s.batch * s.seqLen;
    const row = { ...s, seconds, tokensPerSecond: tokens / seconds, modelTflops: stepFlops(s) / seconds / 1e12, loss };
    bench.push(row);
    console.log(`webgpu d${s.dModel} ${s.experts ? 'moe8' : 'dense'}: ${(tokens / seconds).toFixed(0)} tokens/s, ${row.modelTflops.toFixed(2)} TFLOP/s (${(seconds * 1000).toFixed(1)} ms/step)`);
  }
  report.bench = bench;
  const file = path.join(process.env.OUT ?? process.cwd(), 'gpu-compare.json');
  fs.writeFileSync(file + '.tmp', JSON.stringify(report, null, 1));
  fs.renameSync(file + '.tmp', file);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
