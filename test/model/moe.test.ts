import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/backend';
import {
  ffn,
  initWeights,
  disposeWeights,
  moeLayer,
  parseModelConfig,
  routeExpertChoice,
  routeTokenChoice,
  expertChoiceCapacity,
  balanceLoss,
  Routing,
} from '../../src/model';

const BACKENDS = ['cpu', 'wasm'] as const;

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

for (const backend of BACKENDS) {
  test(`[${backend}] MoE with one expert, G=1, k=1, unlimited capacity equals the dense FFN with the same weights`, async () => {
    await selectBackend(backend);
    for (const kind of ['gelu', 'swiglu'] as const) {
      const cfg = parseModelConfig({
        dModel: 16,
        layers: 1,
        heads: 2,
        ffn: kind,
        contextLength: 8,
        moe: { router: 'token-choice', expansionRate: 1, granularity: 1, topK: 1, capacityFactor: null, lbCoef: 0, zCoef: 0 },
      });
      const w = initWeights(cfg, 3);
      const diff = tf.tidy(() => {
        const x = tf.randomNormal([2 * 8, 16], 0, 1, 'float32', 5) as tf.Tensor2D;
        const moe = moeLayer(w, 'b0.moe', cfg, x, 2, 8).y;
        const dense = ffn(w, 'b0.moe.e0', kind, x);
        return maxAbsDiff(moe, dense);
      });
      disposeWeights(w);
      assert.ok(diff < 1e-6, `${kind}: max |moe − dense| = ${diff}`);
    }
  });

  test(`[${backend}] balanced routing gives balance loss 1 and its gradient reaches the router`, async () => {
    await selectBackend(backend);
    // Uniform router probabilities with perfectly even assignment: LBL = E · Σ (1/E)(1/E) = 1 for any k.
    for (const k of [1, 2, 4]) {
      const E = 8;
      const probs = tf.fill([64, E], 1 / E) as tf.Tensor2D;
      const lbl = balanceLoss(probs, Array(E).fill(1 / E)).dataSync()[0]!;
      probs.dispose();
      assert.ok(Math.abs(lbl - 1) < 1e-6, `k=${k}: LBL ${lbl}`);
    }
    const cfg = parseModelConfig({ dModel: 16, layers: 1, heads: 2, contextLength: 8, moe: { router: 'token-choice', expansionRate: 4, topK: 2 } });
    const w = initWeights(cfg, 1);
    const router = w.get('b0.moe.router')!;
    const gnorm = tf.tidy(() => {
      const x = tf.randomNormal([16, 16], 0, 1, 'float32', 2) as tf.Tensor2D;
      const { grads } = tf.variableGrads(() => moeLayer(w, 'b0.moe', cfg, x, 2, 8).balanceLoss, [router]);
      return tf.norm(grads[router.name]!).dataSync()[0]!;
    });
    disposeWeights(w);
    assert.ok(gnorm > 1e-6, `router gradient norm of the balance loss is ${gnorm}`);
  });

  test(`[${backend}] expert choice gives every expert exactly its capacity in every group`, async () => {
    await selectBackend(backend);
    const cfg = parseModelConfig({
      dModel: 16,
      layers: 1,
      heads: 2,
      contextLength: 8,
      moe: { router: 'expert-choice', expansionRate: 4, granularity: 2, topK: 1, groupSize: 256 },
    });
    const w = initWeights(cfg, 4);
    let out: Routing | null = null;
    tf.tidy(() => {
      const x = tf.randomNormal([8 * 8, 16], 0, 1, 'float32', 9) as tf.Tensor2D;
      out = moeLayer(w, 'b0.moe', cfg, x, 8, 8).routing;
    });
    disposeWeights(w);
    // 8 experts, k = 2, groups of 8 tokens (one position across 8 sequences): capacity 8·2/8 = 2 per group, 8 groups.
    const cap = expertChoiceCapacity(8, { experts: 8, topK: 2, capacityFactor: 1 });
    assert.equal(cap, 2);
    for (const a of out!.perExpert) assert.equal(a.tokens.length, cap * 8);
  });
}

for (const backend of BACKENDS) {
  test(`[${backend}] shared-expert isolation: the router picks G·topK − s of E·G − s experts, the shared ones add their FFN to every token, and gradients reach them`, async () => {
    await selectBackend(backend);
    const cfg = parseModelConfig({
      dModel: 16,
      layers: 1,
      heads: 2,
      contextLength: 8,
      moe: { router: 'token-choice', expansionRate: 4, granularity: 2, topK: 1, capacityFactor: null, sharedExperts: 1, lbCoef: 0, zCoef: 0 },
    });
    const w = initWeights(cfg, 6);
    const tokens = 2 * 8;
    const x = tf.randomNormal([tokens, 16], 0, 1, 'float32', 7) as tf.Tensor2D;
    let routing: Routing | null = null;
    tf.tidy(() => {
      routing = moeLayer(w, 'b0.moe', cfg, x, 2, 8).routing;
    });
    const out = { routing: routing! as Routing };
    // 8 experts, 1 shared: the router scores 7 and sends each token to 2 − 1 = 1 of them (unlimited capacity)
    assert.equal(w.get('b0.moe.router')!.shape[1], 7);
    assert.equal(out.routing.perExpert.length, 7);
    assert.equal(out.routing.perExpert.reduce((n, a) => n + a.tokens.length, 0), tokens);
    // with every routed expert silenced, the layer is exactly the shared expert's FFN
    for (let e = 0; e < 7; e++) w.get(`b0.moe.e${e}.w2`)!.assign(tf.zerosLike(w.get(`b0.moe.e${e}.w2`)!));
    const diff = tf.tidy(() => maxAbsDiff(moeLayer(w, 'b0.moe', cfg, x, 2, 8).y, ffn(w, 'b0.moe.s0', 'gelu', x)));
    assert.ok(diff < 1e-6, `max |moe − shared ffn| = ${diff}`);
    const shared = [w.get('b0.moe.s0.w1')!, w.get('b0.moe.s0.w2')!];
    const norms = tf.tidy(() => {
      const { grads } = tf.variableGrads(() => tf.sum(tf.square(moeLayer(w, 'b0.moe', cfg, x, 2, 8).y)) as tf.Scalar, shared);
      return shared.map((v) => tf.norm(grads[v.name]!).dataSync()[0]!);
    });
    x.dispose();
    disposeWeights(w);
    for (const n of norms) assert.ok(n > 1e-6, `shared-expert gradient norm ${n}`);
  });
}

test('routeTokenChoice serves first choices before second choices and drops beyond capacity', () => {
  // 4 tokens, 2 experts, all prefer expert 0 first; capacity = ceil(1 · 2 · 4 / 2) = 4 per expert.
  const probs = Float32Array.from([0.9, 0.1, 0.8, 0.2, 0.7, 0.3, 0.6, 0.4]);
  const r = routeTokenChoice(probs, { tokens: 4, experts: 2, topK: 2, capacityFactor: 0.5 });
  // capacity 2: expert 0 takes tokens 0,1 (first choices), drops 2,3; expert 1 takes second choices of 0,1 ... but
  // first choices of nobody; second choices in token order: 0,1 accepted, 2,3 dropped.
  assert.deepEqual(Array.from(r.perExpert[0]!.tokens), [0, 1]);
  assert.deepEqual(Array.from(r.perExpert[1]!.tokens), [0, 1]);
  assert.equal(r.droppedFraction, 0.5);
  assert.deepEqual(r.assignedFraction, [0.5, 0.5]);
  const unlimited = routeTokenChoice(probs, { tokens: 4, experts: 2, topK: 1, capacityFactor: null });
  assert.equal(unlimited.droppedFraction, 0);
  assert.deepEqual(Array.from(unlimited.perExpert[0]!.tokens), [0, 1, 2, 3]);
});

test('routeExpertChoice never groups two positions of one sequence and picks the highest-probability tokens', () => {
  // batch 2, seqLen 2 → groups {0,2} (t=0) and {1,3} (t=1); 2 experts, k=1 → capacity 1 per expert per group.
  const probs = Float32Array.from([0.9, 0.1, 0.2, 0.8, 0.3, 0.7, 0.6, 0.4]);
  const r = routeExpertChoice(probs, { batch: 2, seqLen: 2, experts: 2, topK: 1, capacityFactor: 1, groupSize: 256 });
  assert.deepEqual(Array.from(r.perExpert[0]!.tokens), [0, 3]);
  assert.deepEqual(Array.from(r.perExpert[1]!.tokens), [2, 1]);
  assert.equal(r.droppedFraction, 0);
});
