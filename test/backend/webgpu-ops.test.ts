/**
 * The device-side model path (src/model/ops-webgpu.ts) that webgpu trains with, checked against the JS path
 * (host routing + JS gather/scatter) on the cpu backend, where both run: same loss, same gradients, same
 * routing statistics, and the trainer's losses unchanged. Then on the real webgpu backend (llvmpipe in CI:
 * see ./webgpu-adapter.ts), where the device path runs the fused kernels: the whole model step, the trainer's
 * loss curve and checkpoint/resume against the cpu backend's host path.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/backend';
import { ModelConfigInput, disposeWeights, initWeights, parseModelConfig } from '../../src/model';
import { deviceOpsActive, resolveMoeStats, setDeviceOps } from '../../src/model/ops-webgpu';
import { forward } from '../../src/model/transformer';
import { trainRun } from '../../src/train';
import { NonFiniteLossError } from '../../src/model/errors';
import { diffWebGpuCounters, initWebGpu, webGpuCounters } from '../../src/backend/webgpu';
import { tempDir, tinyTrainConfig } from '../train/fixtures';
import { testAdapter, webgpuSkipReason } from './webgpu-adapter';

interface StepOut {
  loss: number;
  grads: Map<string, Float32Array>;
  load: number[][];
  dropped: number[];
}

async function step(input: ModelConfigInput, mode: 'on' | 'off' | 'auto', batch: number, seqLen: number): Promise<StepOut> {
  const cfg = parseModelConfig(input);
  const w = initWeights(cfg, 11);
  const inputs = Int32Array.from({ length: batch * seqLen }, (_, i) => (i * 37 + 5) % 256);
  const targets = Int32Array.from({ length: batch * seqLen }, (_, i) => (i * 53 + 1) % 256);
  const prev = setDeviceOps(mode);
  try {
    let stats: { droppedFraction: number; load: number[]; pending?: tf.Tensor1D }[] = [];
    const { value, grads } = tf.variableGrads(() => {
      const r = forward(w, cfg, inputs, targets, { batch, seqLen });
      for (const s of r.moeStats) if (s.pending) tf.keep(s.pending);
      stats = r.moeStats;
      return tf.add(r.lmLoss!, r.auxLoss) as tf.Scalar;
    }, [...w.values()]);
    await resolveMoeStats(stats);
    const out: StepOut = { loss: (await value.data())[0]!, grads: new Map(), load: stats.map((s) => s.load), dropped: stats.map((s) => s.droppedFraction) };
    for (const [name, v] of w) out.grads.set(name, Float32Array.from(await grads[v.name]!.data()));
    tf.dispose([value, ...Object.values(grads)]);
    return out;
  } finally {
    setDeviceOps(prev);
    disposeWeights(w);
  }
}

function assertSameStep(a: StepOut, b: StepOut, what: string, lossTol = 1e-5): void {
  assert.ok(Math.abs(a.loss - b.loss) < lossTol, `${what}: loss ${a.loss} vs ${b.loss}`);
  for (const [name, ga] of a.grads) {
    const gb = b.grads.get(name)!;
    let num = 0;
    let den = 0;
    for (let i = 0; i < ga.length; i++) {
      num += (ga[i]! - gb[i]!) ** 2;
      den += gb[i]! ** 2;
    }
    const rel = Math.sqrt(num / Math.max(den, 1e-30));
    assert.ok(rel < 1e-4 || Math.sqrt(num) < 1e-7, `${what}: gradient of ${name} differs, rel ${rel.toExponential(2)}`);
  }
  assert.deepEqual(a.dropped.map((d) => d.toFixed(6)), b.dropped.map((d) => d.toFixed(6)), `${what}: dropped fractions`);
  for (let l = 0; l < a.load.length; l++) {
    assert.deepEqual(a.load[l]!.map((x) => x.toFixed(6)), b.load[l]!.map((x) => x.toFixed(6)), `${what}: load of MoE layer ${l}`);
  }
}

test('device ops are used on webgpu only unless forced', async () => {
  await selectBackend('cpu');
  assert.equal(deviceOpsActive(), false);
  const prev = setDeviceOps('on');
  assert.equal(deviceOpsActive(), true);
  setDeviceOps(prev);
});

test('token choice on the device (top-2, capacity drops, GELU) equals host routing: loss, gradients, load, drops', async () => {
  await selectBackend('cpu');
  const cfg: ModelConfigInput = {
    dModel: 16, layers: 2, heads: 2, contextLength: 8,
    moe: { router: 'token-choice', expansionRate: 4, topK: 2, capacityFactor: 0.75, every: 1 },
  };
  const host = await step(cfg, 'off', 4, 8);
  const dev = await step(cfg, 'on', 4, 8);
  assert.ok(host.dropped.some((d) => d > 0), 'the config should drop some assignments');
  assertSameStep(dev, host, 'token choice');
});

test('token choice on the device with granularity 2, SwiGLU, a shared expert and unlimited capacity equals host routing', async () => {
  await selectBackend('cpu');
  const cfg: ModelConfigInput = {
    dModel: 16, layers: 1, heads: 2, contextLength: 8, ffn: 'swiglu',
    moe: { router: 'token-choice', expansionRate: 2, granularity: 2, topK: 1, capacityFactor: null, sharedExperts: 1, outputLayerNorm: true },
  };
  assertSameStep(await step(cfg, 'on', 2, 8), await step(cfg, 'off', 2, 8), 'granular token choice');
});

test('expert choice on the device (groups across the batch) equals host routing', async () => {
  await selectBackend('cpu');
  const cfg: ModelConfigInput = {
    dModel: 16, layers: 2, heads: 2, contextLength: 8,
    moe: { router: 'expert-choice', expansionRate: 4, granularity: 2, topK: 1, groupSize: 2, every: 2 },
  };
  const host = await step(cfg, 'off', 4, 8);
  const dev = await step(cfg, 'on', 4, 8);
  assertSameStep(dev, host, 'expert choice');
});

test('expert choice on the device with a batch not divisible by the group size is a named ConfigError', async () => {
  await selectBackend('cpu');
  const cfg: ModelConfigInput = {
    dModel: 16, layers: 1, heads: 2, contextLength: 8,
    moe: { router: 'expert-choice', expansionRate: 2, topK: 1, groupSize: 2 },
  };
  await assert.rejects(step(cfg, 'on', 3, 8), /groupSize/);
});

test('trainRun with the device path forced on cpu gives the host path losses (5 steps within 1e-4)', async () => {
  const curve = async (mode: 'on' | 'off') => {
    const dir = tempDir();
    const prev = setDeviceOps(mode);
    try {
      await trainRun(tinyTrainConfig({ checkpointEverySteps: 3 }, 'cpu'), { outDir: dir });
    } finally {
      setDeviceOps(prev);
    }
    return fs
      .readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { kind: string; loss?: number; valLoss?: number; expertLoad?: number[][] });
  };
  const host = await curve('off');
  const dev = await curve('on');
  assert.equal(dev.length, host.length);
  for (let i = 0; i < host.length; i++) {
    const h = host[i]!;
    const d = dev[i]!;
    assert.equal(d.kind, h.kind);
    const a = h.loss ?? h.valLoss!;
    const b = d.loss ?? d.valLoss!;
    assert.ok(Math.abs(a - b) < 1e-4, `row ${i} (${h.kind}): host ${a} vs device ${b}`);
    if (h.expertLoad) assert.equal(JSON.stringify(d.expertLoad!.map((l) => l.map((x) => x.toFixed(4)))), JSON.stringify(h.expertLoad.map((l) => l.map((x) => x.toFixed(4)))));
  }
});

/** Reads metrics.jsonl rows. */
function metrics(dir: string): Array<{ kind: string; step: number; loss?: number; valLoss?: number; gradNorm?: number; expertLoad?: number[][] }> {
  return fs.readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
}

/** A test on the real webgpu backend: skipped with the reason where no adapter exists (fails under MOELAB_REQUIRE_WEBGPU=1). */
function gpuTest(name: string, fn: () => Promise<void>): void {
  test(name, async (t) => {
    const reason = await webgpuSkipReason();
    if (reason) {
      t.skip(reason);
      return;
    }
    await initWebGpu();
    await fn();
  });
}

gpuTest('webgpu (fused kernels) model step equals the host path on cpu: token choice with drops, loss within 1e-4, gradients rel. 1e-4, same load and drops', async () => {
  const cfg: ModelConfigInput = {
    dModel: 32, layers: 2, heads: 2, contextLength: 16,
    moe: { router: 'token-choice', expansionRate: 4, topK: 2, capacityFactor: 0.75, every: 1 },
  };
  await tf.setBackend('webgpu');
  const dev = await step(cfg, 'auto', 4, 16);
  await tf.setBackend('cpu');
  const host = await step(cfg, 'off', 4, 16);
  assert.ok(host.dropped.some((d) => d > 0), 'the config should drop some assignments');
  assertSameStep(dev, host, 'webgpu token choice', 1e-4);
});

gpuTest('webgpu model step equals the host path on cpu: dense GELU, and SwiGLU expert choice with a shared expert and output LayerNorm', async () => {
  const cases: ModelConfigInput[] = [
    { dModel: 32, layers: 2, heads: 1, contextLength: 16 },
    { dModel: 32, layers: 1, heads: 2, contextLength: 16, ffn: 'swiglu', moe: { router: 'expert-choice', expansionRate: 4, granularity: 2, topK: 1, groupSize: 2, sharedExperts: 1, outputLayerNorm: true } },
  ];
  for (const cfg of cases) {
    await tf.setBackend('webgpu');
    const dev = await step(cfg, 'auto', 4, 16);
    await tf.setBackend('cpu');
    assertSameStep(dev, await step(cfg, 'off', 4, 16), `webgpu ${cfg.moe ? 'expert choice' : 'dense'}`, 1e-4);
  }
});

gpuTest('trainRun on webgpu follows the cpu loss curve (6 steps, evals within 2e-3) and resumes from its own checkpoint exactly', async () => {
  const base = tinyTrainConfig({ checkpointEverySteps: 3 });
  const cpuDir = tempDir();
  await trainRun({ ...base, backend: 'cpu' }, { outDir: cpuDir });
  const gpuDir = tempDir();
  const summary = await trainRun({ ...base, backend: 'webgpu' }, { outDir: gpuDir });
  assert.equal(summary.backend, 'webgpu');
  const cpu = metrics(cpuDir);
  const gpu = metrics(gpuDir);
  assert.equal(gpu.length, cpu.length);
  for (let i = 0; i < cpu.length; i++) {
    const a = cpu[i]!.loss ?? cpu[i]!.valLoss!;
    const b = gpu[i]!.loss ?? gpu[i]!.valLoss!;
    assert.ok(Number.isFinite(b) && Math.abs(a - b) < 2e-3, `row ${i} (${cpu[i]!.kind} step ${cpu[i]!.step}): cpu ${a} vs webgpu ${b}`);
  }
  // Resume on webgpu: stop after 3 steps (checkpoint at 3), continue; the losses equal the uninterrupted webgpu run.
  const resDir = tempDir();
  await trainRun({ ...base, backend: 'webgpu' }, { outDir: resDir, stopAfterSteps: 3 });
  await trainRun({ ...base, backend: 'webgpu' }, { outDir: resDir, resume: true });
  const res = metrics(resDir);
  assert.equal(res.length, gpu.length);
  for (let i = 0; i < gpu.length; i++) {
    assert.equal(res[i]!.loss ?? res[i]!.valLoss, gpu[i]!.loss ?? gpu[i]!.valLoss, `resumed row ${i} (${gpu[i]!.kind} step ${gpu[i]!.step})`);
  }
});

gpuTest('trainRun on webgpu reads losses once per 16 steps by default: same metrics as reading every step, ≥ 4× fewer readbacks', async () => {
  // 20 steps, one evaluation (at the end) and one checkpoint (at the end): reads at steps 16 and 20.
  const base = { ...tinyTrainConfig({ tokens: 4 * 16 * 20, evalEveryTokens: 4 * 16 * 20, checkpointEverySteps: 20 }), backend: 'webgpu' as const };
  const runWith = async (readEverySteps: number | undefined) => {
    const dir = tempDir();
    const c0 = webGpuCounters();
    await trainRun(base, { outDir: dir, ...(readEverySteps !== undefined ? { readEverySteps } : {}) });
    return { rows: metrics(dir), readbacks: diffWebGpuCounters(webGpuCounters(), c0).readbacks };
  };
  const every = await runWith(1);
  const deferred = await runWith(undefined);
  assert.equal(deferred.rows.length, every.rows.length);
  for (let i = 0; i < every.rows.length; i++) {
    const { tokensPerSecond: _a, ...a } = every.rows[i]! as Record<string, unknown>;
    const { tokensPerSecond: _b, ...b } = deferred.rows[i]! as Record<string, unknown>;
    assert.deepEqual(b, a, `row ${i}`);
  }
  // The training steps' reads go from 20 to 2; evaluation and checkpoint reads are the same in both runs.
  assert.ok(every.readbacks - deferred.readbacks >= 18 - 2, `readbacks: every step ${every.readbacks}, deferred ${deferred.readbacks}`);
});

gpuTest('trainRun on webgpu with deferred reads stops at the same non-finite step as reading every step, and writes no row past it', async () => {
  const base = { ...tinyTrainConfig({ tokens: 4 * 16 * 20, optimizer: { lr: 1e30, gradClip: 0 }, schedule: { warmupFraction: 0, finalLrFraction: 1 }, checkpointEverySteps: 100 }), backend: 'webgpu' as const };
  const stepOf = async (readEverySteps: number | undefined) => {
    const dir = tempDir();
    let step = -1;
    await assert.rejects(trainRun(base, { outDir: dir, ...(readEverySteps !== undefined ? { readEverySteps } : {}) }), (e: unknown) => {
      if (!(e instanceof NonFiniteLossError)) return false;
      step = e.step;
      return true;
    });
    const file = path.join(dir, 'metrics.jsonl');
    const rows = fs.existsSync(file) && fs.readFileSync(file, 'utf8').trim() ? metrics(dir) : [];
    return { step, lastRow: rows.length ? rows[rows.length - 1]!.step : 0 };
  };
  const every = await stepOf(1);
  const deferred = await stepOf(undefined);
  assert.ok(every.step >= 0 && every.step < 16, `the planted divergence should show inside the first group: step ${every.step}`);
  assert.deepEqual(deferred, every);
  assert.equal(deferred.lastRow, deferred.step, 'rows end with the last finite step');
});

gpuTest('with the real software adapter, auto skips it (saying llvmpipe/software) and --backend webgpu uses it', async () => {
  const { selectBackend: select } = await import('../../src/backend/select');
  const { isSoftwareAdapter } = await import('../../src/backend/webgpu');
  const info = await testAdapter();
  const auto = await select('auto');
  // On a machine with a real GPU auto takes it; the check is for the software adapter (CI).
  if (auto.label !== 'tensorflow-gpu' && info && isSoftwareAdapter(info)) {
    assert.notEqual(auto.tfName, 'webgpu');
    const reason = auto.skipped.find((s) => s.startsWith('webgpu:')) ?? '';
    assert.match(reason, /software adapter \(.*llvmpipe/i, reason);
  }
  const explicit = await select('webgpu');
  assert.equal(explicit.tfName, 'webgpu');
  assert.equal(tf.getBackend(), 'webgpu');
});
