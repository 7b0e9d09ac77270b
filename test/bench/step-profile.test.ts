import { strict as assert } from 'node:assert';
import { before, describe, it } from 'node:test';
import { selectBackend } from '../../src/backend/select';
import { describeStepProfile, KERNEL_KINDS, kernelKind, profileTrainStep } from '../../src/bench/step-profile';
import { parseModelConfig } from '../../src/model/config';
import { hostStepUnsupported, setHostStepEnabled } from '../../src/model/host-step';

/** Profile with the host step off (the fused kernels under tf.variableGrads), then back on. */
async function viaTfjs<T>(f: () => Promise<T>): Promise<T> {
  setHostStepEnabled(false);
  try {
    return await f();
  } finally {
    setHostStepEnabled(true);
  }
}

const cfgOf = (moe: boolean) =>
  parseModelConfig({ dModel: 16, layers: 2, heads: 2, contextLength: 16, moe: moe ? { router: 'token-choice', expansionRate: 4, topK: 2, capacityFactor: null } : null });

describe('profileTrainStep: kernels per training step, by kind', () => {
  before(async () => {
    await selectBackend('wasm');
  });
  it('counts the same kernels for the same step twice, and its kinds add up to the total (tfjs path)', async () => {
    const a = await viaTfjs(() => profileTrainStep(cfgOf(true), 2, 16, 1));
    const b = await viaTfjs(() => profileTrainStep(cfgOf(true), 2, 16, 1));
    assert.equal(a.path, 'tfjs');
    assert.equal(a.kernels, b.kernels);
    const sum = KERNEL_KINDS.reduce((s, k) => s + a.forwardBackward.byKind[k].count + a.optimizer.byKind[k].count, 0);
    assert.equal(sum, a.kernels);
    assert.ok(a.forwardBackward.byKind.matmul.count > 0);
    assert.deepEqual(a.forwardBackward.otherNames, [], 'every kernel of the step has a kind');
  });
  it('counts custom-gradient wrappers apart from kernels, and finds MoE kernels only in the MoE step (tfjs path)', async () => {
    const moe = await viaTfjs(() => profileTrainStep(cfgOf(true), 2, 16, 1));
    const dense = await viaTfjs(() => profileTrainStep(cfgOf(false), 2, 16, 1));
    assert.ok(moe.kernels > dense.kernels, `${moe.kernels} vs ${dense.kernels}`);
    assert.ok(moe.forwardBackward.byKind.moe.count > 0, 'the MoE step runs router/expert kernels');
    assert.equal(dense.forwardBackward.byKind.moe.count, 0, 'the dense step runs none');
    assert.ok(moe.forwardBackward.customOps > 0);
    assert.match(describeStepProfile(moe), /^\d+ kernels\/step: matmul \d+ \(/);
  });
  it('profiles the host step as addon calls by kind: 52 for a 2-block MoE (21 matmuls, 5 adds), MoE calls only in the MoE step', async (t) => {
    if (hostStepUnsupported(cfgOf(true)) !== null) return t.skip(`host step not available: ${hostStepUnsupported(cfgOf(true))}`);
    const moe = await profileTrainStep(cfgOf(true), 2, 16, 1);
    const dense = await profileTrainStep(cfgOf(false), 2, 16, 1);
    assert.equal(moe.path, 'host step');
    const sum = KERNEL_KINDS.reduce((s, k) => s + moe.forwardBackward.byKind[k].count, 0);
    assert.equal(sum, moe.kernels);
    // per block: QKV, out, router (forward) and 2 each backward = 9, plus the unembedding's 3: 21
    assert.equal(moe.forwardBackward.byKind.matmul.count, 21);
    // embeddings, two MoE outputs into the residual gradient, the last residual, the tied embedding's two gradients
    assert.equal(moe.forwardBackward.byKind.elementwise.count, 5);
    assert.equal(moe.kernels, 52);
    // experts forward and backward, and per layer the probabilities' two gradients (gates, losses) added
    assert.equal(moe.forwardBackward.byKind.moe.count, 6);
    assert.equal(dense.forwardBackward.byKind.moe.count, 0);
    assert.equal(moe.forwardBackward.customOps, 0);
    assert.match(describeStepProfile(moe), /^52 addon calls\/step \(host step/);
  });
  it('maps kernel names to kinds, unknown names to other', () => {
    assert.equal(kernelKind('BatchMatMul'), 'matmul');
    assert.equal(kernelKind('MoelabGatherRows'), 'gather/scatter');
    assert.equal(kernelKind('Reshape'), 'layout');
    assert.equal(kernelKind('MoelabCausalAttentionGrad'), 'attention');
    assert.equal(kernelKind('MoelabMoeExperts'), 'moe');
    assert.equal(kernelKind('NoSuchKernel'), 'other');
  });
});

describe('measurePairedThroughput: two settings of one step, timed in alternation', () => {
  before(async () => {
    await selectBackend('wasm');
  });
  it('pairedRounds: a ratio taken inside each round cancels a machine whose speed halves between rounds', async () => {
    const { pairedRounds } = await import('../../src/bench/train');
    // A is 1.25× B within every round by wall clock (1.5× per CPU-second); the machine runs at 100%, 50%, 100%,
    // 40%, 90% speed round by round.
    const speed = [1, 0.5, 1, 0.4, 0.9];
    let calls = 0;
    const order: string[] = [];
    const r = await pairedRounds(5, (which) => {
      order.push(which);
      const v = speed[Math.floor(calls++ / 2)]!;
      return { tokensPerSecond: v * (which === 'A' ? 1250 : 1000), tokensPerCpuSecond: v * (which === 'A' ? 1500 : 1000) };
    });
    assert.deepEqual(order, ['B', 'A', 'B', 'A', 'B', 'A', 'B', 'A', 'B', 'A']);
    assert.equal(r.ratios.length, 5);
    for (const x of r.ratios) assert.ok(Math.abs(x - 1.25) < 1e-12, `ratio ${x}`);
    for (const x of r.cpuRatios) assert.ok(Math.abs(x - 1.5) < 1e-12, `per CPU-second ratio ${x}`);
    assert.equal(r.a.tokensPerSecond, 1125); // medians: A 1250·0.9, B 1000·0.9
    assert.equal(r.b.tokensPerSecond, 900);
    assert.equal(r.a.tokensPerCpuSecond, 1350);
  });
  it('pairedRounds: a block in another process (a promise) is awaited before the next one starts', async () => {
    const { pairedRounds } = await import('../../src/bench/train');
    const events: string[] = [];
    let round = 0;
    const r = await pairedRounds(3, (which) => {
      events.push(`${which} start`);
      if (which === 'A') return { tokensPerSecond: 300, tokensPerCpuSecond: 300 };
      const v = ++round;
      return new Promise((done) =>
        setTimeout(() => {
          events.push('B done');
          done({ tokensPerSecond: 100 * v, tokensPerCpuSecond: 200 });
        }, 5),
      );
    });
    assert.deepEqual(events, ['B start', 'B done', 'A start', 'B start', 'B done', 'A start', 'B start', 'B done', 'A start']);
    assert.deepEqual(r.ratios, [1, 1.5, 3]); // 300 over 300, 200, 100: sorted
    assert.deepEqual(r.cpuRatios, [1.5, 1.5, 1.5]);
  });
  it('times a real step under B then A in every round and leaves A set', async () => {
    const { measurePairedThroughput } = await import('../../src/bench/train');
    const cfg = parseModelConfig({ dModel: 16, layers: 1, heads: 2, contextLength: 64, moe: null });
    const calls: string[] = [];
    const r = await measurePairedThroughput(cfg, 2, 3, 2, () => calls.push('A'), () => calls.push('B'));
    assert.deepEqual(calls, ['B', 'A', 'B', 'A', 'B', 'A', 'A']);
    assert.equal(r.ratios.length, 3);
    assert.equal(r.cpuRatios.length, 3);
    assert.ok(r.a.tokensPerSecond > 0 && r.b.tokensPerCpuSecond > 0 && [...r.ratios, ...r.cpuRatios].every((x) => x > 0 && Number.isFinite(x)));
  });
});
