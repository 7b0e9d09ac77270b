import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, parseModelConfig } from '../../src/model';
import { parseTrainConfig } from '../../src/train/config';

function fieldOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${String(e)}`);
    return e.field;
  }
  assert.fail('no error thrown');
}

const base = { dModel: 32, layers: 2, heads: 4, contextLength: 16 };

test('parseModelConfig fills defaults (dFF = 4·dModel, EC output LayerNorm on, cf 1)', () => {
  const c = parseModelConfig({ ...base, moe: { router: 'expert-choice' } });
  assert.equal(c.dFF, 128);
  assert.equal(c.moe!.outputLayerNorm, true);
  assert.equal(c.moe!.capacityFactor, 1);
  assert.equal(parseModelConfig({ ...base, moe: { router: 'token-choice' } }).moe!.capacityFactor, 1.25);
});

test('parseModelConfig rejects G not dividing d_ff, naming model.moe.granularity', () => {
  assert.equal(fieldOf(() => parseModelConfig({ ...base, dFF: 100, moe: { router: 'token-choice', granularity: 3 } })), 'model.moe.granularity');
});

test('parseModelConfig rejects k > experts, naming model.moe.topK', () => {
  assert.equal(fieldOf(() => parseModelConfig({ ...base, moe: { router: 'token-choice', expansionRate: 2, topK: 3 } })), 'model.moe.topK');
});

test('parseModelConfig rejects non-positive sizes and unknown keys with the field path', () => {
  assert.equal(fieldOf(() => parseModelConfig({ ...base, dModel: 0 })), 'model.dModel');
  assert.equal(fieldOf(() => parseModelConfig({ ...base, layers: -1 })), 'model.layers');
  assert.equal(fieldOf(() => parseModelConfig({ ...base, moe: { router: 'token-choice', expansionRate: 0 } })), 'model.moe.expansionRate');
  assert.equal(fieldOf(() => parseModelConfig({ ...base, dmodel: 3 })), 'model');
  assert.equal(fieldOf(() => parseModelConfig({ ...base, moe: { router: 'token-choice', topk: 2 } })), 'model.moe');
  assert.equal(fieldOf(() => parseModelConfig({ ...base, heads: 5 })), 'model.heads');
  assert.equal(fieldOf(() => parseModelConfig({ ...base, moe: { router: 'random' } })), 'model.moe.router');
});

test('parseTrainConfig rejects unknown top-level keys and impossible budgets before training', () => {
  const ok = { model: base, data: { corpusDir: '/x', seqLen: 16, batchSize: 2 }, tokens: 1000 };
  assert.equal(parseTrainConfig(ok).evalEveryTokens, 100);
  assert.equal(fieldOf(() => parseTrainConfig({ ...ok, learningRate: 1 })), '(root)');
  assert.equal(fieldOf(() => parseTrainConfig({ ...ok, tokens: 10 })), 'tokens');
  assert.equal(fieldOf(() => parseTrainConfig({ ...ok, optimizer: { lr: -1 } })), 'optimizer.lr');
  assert.equal(fieldOf(() => parseTrainConfig({ ...ok, backend: 'tpu' })), 'backend');
  assert.equal(fieldOf(() => parseTrainConfig({ ...ok, model: { ...base, contextLength: 8 } })), 'model.contextLength');
});
