import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countParams, trainingFlops, krajewskiParamsActive, krajewskiParamsTotal, krajewskiTrainingFlops, yunParamsTotal } from '../../src/accounting';
import { countWeights, disposeWeights, initWeights, parseModelConfig, ModelConfigInput } from '../../src/model';

const CASES: Array<[string, ModelConfigInput]> = [
  ['dense gelu untied', { dModel: 32, layers: 2, heads: 4, contextLength: 16, tiedEmbeddings: false }],
  ['token choice E=4 k=2 swiglu', { dModel: 32, layers: 2, heads: 4, ffn: 'swiglu', contextLength: 16, moe: { router: 'token-choice', expansionRate: 4, topK: 2 } }],
  ['expert choice E=4 G=1', { dModel: 32, layers: 2, heads: 4, contextLength: 16, moe: { router: 'expert-choice', expansionRate: 4 } }],
  ['expert choice G=4 shared', { dModel: 32, layers: 2, heads: 4, contextLength: 16, moe: { router: 'expert-choice', expansionRate: 2, granularity: 4, sharedExperts: 1 } }],
  ['token choice every 2', { dModel: 32, layers: 4, heads: 4, contextLength: 16, moe: { router: 'token-choice', expansionRate: 8, topK: 2, every: 2 } }],
];

for (const [name, input] of CASES) {
  test(`countParams(${name}) equals the number of weights in the built tfjs model`, () => {
    const cfg = parseModelConfig(input);
    const w = initWeights(cfg, 0);
    const built = countWeights(w);
    disposeWeights(w);
    const p = countParams(cfg);
    assert.equal(p.all, built);
    assert.equal(p.total + p.embedding, built);
    assert.equal(p.total, p.attention + p.ffn + p.experts + p.shared + p.router + p.norm);
  });
}

test('countParams matches Krajewski N = d²(8E+4)·n_blocks and N_act = 12d²·n_blocks up to LayerNorms and routers', () => {
  const d = 64;
  const n = 2;
  for (const G of [1, 2, 4]) {
    const cfg = parseModelConfig({ dModel: d, layers: n, heads: 4, contextLength: 8, moe: { router: 'expert-choice', expansionRate: 8, granularity: G, outputLayerNorm: false } });
    const p = countParams(cfg);
    assert.equal(p.total - p.norm - p.router, krajewskiParamsTotal({ dModel: d, nBlocks: n, expansionRate: 8 }));
    assert.equal(p.active - p.norm, krajewskiParamsActive({ dModel: d, nBlocks: n }));
    assert.equal(p.router, d * 8 * G * n);
  }
});

test('countParams of a dense model: total = active = dense; MoE every 2nd layer follows Yun N_MoE = (1 + (E−1)/3)·N for the matrices', () => {
  const dense = countParams(parseModelConfig({ dModel: 32, layers: 4, heads: 4, contextLength: 8 }));
  assert.equal(dense.total, dense.active);
  assert.equal(dense.total, dense.dense);
  const cfg = parseModelConfig({ dModel: 32, layers: 4, heads: 4, contextLength: 8, moe: { router: 'token-choice', expansionRate: 8, topK: 2, every: 2 } });
  const p = countParams(cfg);
  assert.equal(p.dense, dense.total);
  // Yun's 1/3 factor assumes the FFN holds 2/3 of the dense weights (true here up to LayerNorms: 8d² of 12d²).
  const matricesDense = dense.total - dense.norm;
  assert.equal(p.total - p.norm - p.router, yunParamsTotal(matricesDense, 8));
  // top-2 of 8 in half the layers: active = dense + one extra FFN per MoE layer.
  assert.equal(p.active, dense.total + 2 * 8 * 32 * 32);
});

test('trainingFlops: Krajewski Eq. 10/11 for all-MoE models, 6·N_active·D, and Yun 6·N_dense·D', () => {
  const cfg = parseModelConfig({ dModel: 64, layers: 2, heads: 4, contextLength: 8, moe: { router: 'expert-choice', expansionRate: 8, granularity: 4 } });
  const f = trainingFlops(cfg, 1e6);
  assert.equal(f.krajewski, krajewskiTrainingFlops({ dModel: 64, nBlocks: 2, expansionRate: 8, granularity: 4, tokens: 1e6 }));
  assert.equal(f.sixNDNonEmbedding, 6 * countParams(cfg).active * 1e6);
  assert.equal(f.sixNDAll, 6 * (countParams(cfg).active + countParams(cfg).embedding) * 1e6);
  // Hand value: (12·64²·6 + 64·8·4·14)·1e6·2
  assert.equal(f.krajewski, (12 * 4096 * 6 + 64 * 32 * 14) * 1e6 * 2);
});

test('shared-expert isolation (DeepSeekMoE) keeps total and active parameters of the same E, G, topK: s experts leave the router, s activated slots become always-on', () => {
  for (const router of ['token-choice', 'expert-choice'] as const) {
    for (const [G, s] of [[2, 1], [4, 1], [4, 2], [8, 1]] as const) {
      const base = { dModel: 32, layers: 2, heads: 4, contextLength: 16 };
      const moe = { router, expansionRate: 4, granularity: G, topK: 1, capacityFactor: router === 'token-choice' ? null : 1, outputLayerNorm: false };
      const plain = parseModelConfig({ ...base, moe });
      const shared = parseModelConfig({ ...base, moe: { ...moe, sharedExperts: s } });
      const [p, q] = [countParams(plain), countParams(shared)];
      const label = `${router} G=${G} s=${s}`;
      assert.equal(q.experts + q.shared, p.experts, `${label}: expert weights`);
      assert.equal(q.shared, (s * p.experts) / (4 * G), `${label}: ${s} shared of ${4 * G} equal experts`);
      assert.equal(q.router, ((4 * G - s) / (4 * G)) * p.router, `${label}: the router scores the routed experts only`);
      assert.equal(q.active, p.active, `${label}: active`);
      assert.equal(q.expertsPerToken, p.expertsPerToken, `${label}: activated experts per token, shared included`);
      const w = initWeights(shared, 0);
      assert.equal(countWeights(w), q.all, `${label}: counted = built`);
      disposeWeights(w);
    }
  }
});

test('a config whose shared experts take every activated slot is refused naming moe.sharedExperts', () => {
  assert.throws(
    () => parseModelConfig({ dModel: 32, layers: 2, heads: 4, contextLength: 16, moe: { router: 'token-choice', expansionRate: 4, granularity: 2, topK: 1, sharedExperts: 2 } }),
    /model\.moe\.sharedExperts[\s\S]*2 shared experts take all 2 activated experts/,
  );
});
