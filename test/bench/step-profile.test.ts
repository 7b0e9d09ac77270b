import { strict as assert } from 'node:assert';
import { before, describe, it } from 'node:test';
import { selectBackend } from '../../src/backend/select';
import { describeStepProfile, KERNEL_KINDS, kernelKind, profileTrainStep } from '../../src/bench/step-profile';
import { parseModelConfig } from '../../src/model/config';

const cfgOf = (moe: boolean) =>
  parseModelConfig({ dModel: 16, layers: 2, heads: 2, contextLength: 16, moe: moe ? { router: 'token-choice', expansionRate: 4, topK: 2, capacityFactor: null } : null });

describe('profileTrainStep: kernels per training step, by kind', () => {
  before(async () => {
    await selectBackend('wasm');
  });
  it('counts the same kernels for the same step twice, and its kinds add up to the total', async () => {
    const a = await profileTrainStep(cfgOf(true), 2, 16, 1);
    const b = await profileTrainStep(cfgOf(true), 2, 16, 1);
    assert.equal(a.kernels, b.kernels);
    const sum = KERNEL_KINDS.reduce((s, k) => s + a.forwardBackward.byKind[k].count + a.optimizer.byKind[k].count, 0);
    assert.equal(sum, a.kernels);
    assert.ok(a.forwardBackward.byKind.matmul.count > 0);
    assert.deepEqual(a.forwardBackward.otherNames, [], 'every kernel of the step has a kind');
  });
  it('counts custom-gradient wrappers apart from kernels, and finds MoE kernels only in the MoE step', async () => {
    const moe = await profileTrainStep(cfgOf(true), 2, 16, 1);
    const dense = await profileTrainStep(cfgOf(false), 2, 16, 1);
    assert.ok(moe.kernels > dense.kernels, `${moe.kernels} vs ${dense.kernels}`);
    assert.ok(moe.forwardBackward.byKind.moe.count > 0, 'the MoE step runs router/expert kernels');
    assert.equal(dense.forwardBackward.byKind.moe.count, 0, 'the dense step runs none');
    assert.ok(moe.forwardBackward.customOps > 0);
    assert.match(describeStepProfile(moe), /^\d+ kernels\/step: matmul \d+ \(/);
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
