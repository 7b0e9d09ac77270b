/**
 * WebGPU smoke on a GPU box: Dawn adapter, tfjs `webgpu` backend, matmul correctness + GFLOP/s, and which ops
 * the MoE trainer needs run (forward and gradient) on webgpu. Writes `smoke.json` into $OUT (or ./) and prints it.
 * Usage (bundle): scripts/gpu/run.sh smoke [--sizes 1024,2048,4096]
 */
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { initWebGpu } from '../../src/backend/webgpu';
import { writeFileAtomic } from '../../src/util/atomic-write';

async function syncOf(t: tf.Tensor): Promise<void> {
  await t.data();
}

/** GFLOP/s of `reps` back-to-back [n,n]x[n,n] matmuls, synchronised by reading one element of the last. */
async function matmulGflops(n: number, reps: number): Promise<number> {
  const a = tf.randomNormal([n, n], 0, 1, 'float32', 1);
  const b = tf.randomNormal([n, n], 0, 1, 'float32', 2);
  for (let i = 0; i < 2; i++) {
    const w = tf.matMul(a, b);
    await syncOf(w);
    w.dispose();
  }
  const t0 = performance.now();
  let last: tf.Tensor | null = null;
  for (let i = 0; i < reps; i++) {
    last?.dispose();
    last = tf.matMul(a, b);
  }
  await syncOf(tf.tidy(() => last!.slice([0, 0], [1, 1])));
  const ms = performance.now() - t0;
  last?.dispose();
  a.dispose();
  b.dispose();
  return (2 * n * n * n * reps) / (ms * 1e6);
}

function relErr(got: Float32Array | Int32Array | Uint8Array, ref: Float64Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < ref.length; i++) {
    num += (got[i] - ref[i]) ** 2;
    den += ref[i] ** 2;
  }
  return Math.sqrt(num / Math.max(den, 1e-30));
}

async function matmulCheck(m: number, k: number, n: number): Promise<number> {
  const a = tf.randomNormal([m, k], 0, 1, 'float32', 11);
  const b = tf.randomNormal([k, n], 0, 1, 'float32', 12);
  const av = await a.data();
  const bv = await b.data();
  const ref = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let p = 0; p < k; p++) {
      const x = av[i * k + p];
      for (let j = 0; j < n; j++) ref[i * n + j] += x * bv[p * n + j];
    }
  const c = tf.matMul(a, b);
  const err = relErr((await c.data()) as Float32Array, ref);
  tf.dispose([a, b, c]);
  return err;
}

/** Runs the ops an MoE step uses, forward and (where differentiable) backward; returns ok or the error. */
async function opCoverage(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const cases: Record<string, () => tf.Tensor | tf.Tensor[]> = {
    gather_fwd: () => tf.gather(tf.randomNormal([50, 8]), tf.tensor1d([1, 3, 3, 7], 'int32')),
    gather_grad: () => tf.grad((x: tf.Tensor) => tf.gather(x, tf.tensor1d([1, 3, 3, 7], 'int32')).sum())(tf.randomNormal([50, 8])),
    unsortedSegmentSum: () => tf.unsortedSegmentSum(tf.randomNormal([6, 4]), tf.tensor1d([0, 2, 2, 1, 0, 3], 'int32'), 4),
    topk: () => tf.topk(tf.randomNormal([16, 8]), 2).indices,
    softmax_grad: () => tf.grad((x: tf.Tensor) => tf.softmax(x).mul(tf.randomNormal([4, 8])).sum())(tf.randomNormal([4, 8])),
    logSoftmax: () => tf.logSoftmax(tf.randomNormal([4, 8])),
    batchMatMul_grad: () =>
      tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D, false, true).sum())([
        tf.randomNormal([2, 8, 4]),
        tf.randomNormal([2, 8, 4]),
      ]),
    matMul_transposeA: () => tf.matMul(tf.randomNormal([8, 4]), tf.randomNormal([8, 3]), true, false),
    oneHot: () => tf.oneHot(tf.tensor1d([0, 3, 2], 'int32'), 8),
    cumsum: () => tf.cumsum(tf.randomNormal([8, 4]), 0),
    scatterND: () => tf.scatterND(tf.tensor2d([[0], [2]], [2, 1], 'int32'), tf.ones([2, 4]), [5, 4]),
    einsum: () => tf.einsum('ij,jk->ik', tf.randomNormal([3, 4]), tf.randomNormal([4, 5])),
    gelu_like_tanh: () => tf.tanh(tf.randomNormal([64])),
  };
  for (const [name, fn] of Object.entries(cases)) {
    try {
      const r = tf.tidy(fn);
      const ts = Array.isArray(r) ? r : [r];
      for (const t of ts) await t.data();
      tf.dispose(ts);
      out[name] = 'ok';
    } catch (err) {
      out[name] = `FAIL: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`;
    }
  }
  return out;
}

async function main(): Promise<void> {
  const sizesArg = process.argv.indexOf('--sizes');
  const sizes = sizesArg > 0 ? process.argv[sizesArg + 1].split(',').map(Number) : [1024, 2048, 4096];
  const report: Record<string, unknown> = { node: process.version, date: new Date().toISOString() };
  const t0 = performance.now();
  const adapter = await initWebGpu();
  report.adapter = adapter;
  report.initMs = performance.now() - t0;
  report.backend = tf.getBackend();
  console.log('adapter', JSON.stringify(adapter), 'backend', tf.getBackend());
  report.matmulRelErr = await matmulCheck(257, 129, 65);
  report.ops = await opCoverage();
  console.log('ops', JSON.stringify(report.ops));
  const gflops: Record<string, number> = {};
  for (const n of sizes) {
    gflops[String(n)] = await matmulGflops(n, n >= 4096 ? 10 : 20);
    console.log(`webgpu matmul ${n}: ${gflops[String(n)].toFixed(0)} GFLOP/s`);
  }
  report.webgpuMatmulGflops = gflops;
  if (await tf.setBackend('wasm')) {
    report.wasmMatmulGflops1024 = await matmulGflops(1024, 3);
    console.log(`wasm matmul 1024: ${(report.wasmMatmulGflops1024 as number).toFixed(1)} GFLOP/s`);
  }
  const outDir = process.env.OUT ?? process.cwd();
  const file = path.join(outDir, 'smoke.json');
  writeFileAtomic(file, JSON.stringify(report, null, 2));
  console.log(JSON.stringify(report));
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
