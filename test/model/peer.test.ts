import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/backend';
import { countParams, trainingFlops } from '../../src/accounting';
import { peerMultiplyAddsPerToken } from '../../src/accounting/formulas';
import { ConfigError, countWeights, disposeWeights, initWeights, parseModelConfig, peerLayer, productKeyTopK, type ModelConfig } from '../../src/model';
import { trainRun } from '../../src/train/trainer';
import { tempDir, tinyTrainConfig } from '../train/fixtures';

/** Seeded uniform floats (a 32-bit LCG), so the cases are the same on every machine. */
function floats(n: number, seed: number, levels?: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const u = s / 2 ** 32;
    return levels ? Math.floor(u * levels) / levels : u * 2 - 1;
  });
}

/** Top k of all N = n² sums s1[a] + s2[b] by brute force (higher first, ties to the lower id a·n + b). */
function bruteTopK(s1: Float32Array, s2: Float32Array, row: number, n: number, k: number): number[] {
  const all: Array<[number, number]> = [];
  for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) all.push([s1[row * n + a]! + s2[row * n + b]!, a * n + b]);
  all.sort((x, y) => y[0] - x[0] || x[1] - y[1]);
  return all.slice(0, k).map(([, id]) => id);
}

test('productKeyTopK returns exactly the brute-force top k over all N product keys, ties to the lower expert id', () => {
  for (const [n, k, levels] of [[8, 3, undefined], [16, 16, undefined], [32, 8, undefined], [12, 5, 4]] as const) {
    const rows = 20;
    const s1 = floats(rows * n, 11 + n, levels);
    const s2 = floats(rows * n, 97 + k, levels);
    const got = productKeyTopK(s1, s2, rows, n, k);
    for (let r = 0; r < rows; r++) {
      const ids = Array.from(got.experts.subarray(r * k, r * k + k));
      assert.deepEqual(ids, bruteTopK(s1, s2, r, n, k), `n ${n} k ${k} row ${r}`);
      for (let m = 0; m < k; m++) {
        // the score indices point at the two halves of the chosen expert
        assert.equal(got.index1[r * k + m]! - r * n, Math.floor(ids[m]! / n));
        assert.equal(got.index2[r * k + m]! - r * n, ids[m]! % n);
      }
    }
  }
});

const peerModel = (over: Record<string, unknown> = {}): ModelConfig =>
  parseModelConfig({ dModel: 8, layers: 2, heads: 2, contextLength: 8, init: 'fan-in', peer: { experts: 64, heads: 2, topK: 3, keyDim: 4, ...over } });

/** The layer in float64 plain JS from the weights: per head, the top k of q·K, softmax gates, Σ gate·GELU(u·x)·v. */
function referencePeer(x: number[][], W: Record<string, number[][]>, cfg: ModelConfig): number[][] {
  const p = cfg.peer!;
  const n = Math.sqrt(p.experts);
  const half = p.keyDim / 2;
  const erf = (z: number) => {
    // Abramowitz–Stegun 7.1.26 is too coarse; integrate instead (Simpson, 2000 panels)
    const m = 2000;
    let acc = 0;
    for (let i = 0; i <= m; i++) {
      const t = (z * i) / m;
      acc += (i === 0 || i === m ? 1 : i % 2 ? 4 : 2) * Math.exp(-t * t);
    }
    return ((2 / Math.sqrt(Math.PI)) * acc * z) / (3 * m);
  };
  const gelu = (z: number) => 0.5 * z * (1 + erf(z / Math.SQRT2));
  return x.map((row) => {
    const y = new Array<number>(row.length).fill(0);
    for (let h = 0; h < p.heads; h++) {
      const q = Array.from({ length: p.keyDim }, (_, j) => row.reduce((acc, xi, i) => acc + xi * W.wq![i]![h * p.keyDim + j]!, 0));
      const score = (a: number, b: number) => {
        let s = 0;
        for (let j = 0; j < half; j++) s += q[j]! * W.k1![j]![a]! + q[half + j]! * W.k2![j]![b]!;
        return s;
      };
      const all: Array<[number, number]> = [];
      for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) all.push([score(a, b), a * n + b]);
      all.sort((u, v) => v[0] - u[0] || u[1] - v[1]);
      const top = all.slice(0, p.topK);
      const mx = top[0]![0];
      const z = top.reduce((acc, [s]) => acc + Math.exp(s - mx), 0);
      for (const [s, e] of top) {
        const g = Math.exp(s - mx) / z;
        const act = gelu(row.reduce((acc, xi, i) => acc + xi * W.u![e]![i]!, 0));
        for (let i = 0; i < row.length; i++) y[i]! += g * act * W.v![e]![i]!;
      }
    }
    return y;
  });
}

for (const backend of ['cpu', 'wasm'] as const) {
  test(`[${backend}] a PEER layer equals its float64 reference (product-key top k per head, softmax gates, GELU single-neuron experts summed over heads)`, async () => {
    await selectBackend(backend);
    const cfg = peerModel();
    const w = initWeights(cfg, 3);
    const x = tf.randomNormal([10, 8], 0, 1, 'float32', 5) as tf.Tensor2D;
    const W = Object.fromEntries(['wq', 'k1', 'k2', 'u', 'v'].map((k) => [k, w.get(`b0.peer.${k}`)!.arraySync() as number[][]]));
    const want = referencePeer(x.arraySync() as number[][], W, cfg);
    const got = tf.tidy(() => peerLayer(w, 'b0.peer', cfg, x).y.arraySync());
    let worst = 0;
    for (let t = 0; t < 10; t++) for (let i = 0; i < 8; i++) worst = Math.max(worst, Math.abs(got[t]![i]! - want[t]![i]!));
    assert.ok(worst < 1e-5, `max |tfjs − reference| = ${worst}`);
    x.dispose();
    disposeWeights(w);
  });

  test(`[${backend}] PEER gradients match central differences for the queries, both sub-key tables and the expert vectors`, async () => {
    await selectBackend(backend);
    const cfg = peerModel();
    const w = initWeights(cfg, 4);
    const x = tf.randomNormal([6, 8], 0, 1, 'float32', 9) as tf.Tensor2D;
    const r = tf.randomNormal([6, 8], 0, 1, 'float32', 10);
    const loss = () => tf.sum(tf.mul(peerLayer(w, 'b0.peer', cfg, x).y, r)) as tf.Scalar;
    const names = ['wq', 'k1', 'k2', 'u', 'v'].map((k) => `b0.peer.${k}`);
    const vars = names.map((n) => w.get(n)!);
    const grads = tf.tidy(() => {
      const g = tf.variableGrads(loss, vars).grads;
      return Object.fromEntries(vars.map((v) => [v.name, g[v.name]!.dataSync().slice()]));
    });
    const usedExpert = tf.tidy(() => {
      const g = grads[w.get('b0.peer.u')!.name]!;
      return g.findIndex((v) => Math.abs(v) > 1e-4);
    });
    assert.ok(usedExpert >= 0, 'some retrieved expert gets a gradient');
    const eps = 1e-2;
    for (const v of vars) {
      const values = v.dataSync().slice();
      const analytic = grads[v.name]!;
      // the largest-gradient entry of each weight (a retrieved expert's for u and v)
      let at = 0;
      for (let i = 0; i < analytic.length; i++) if (Math.abs(analytic[i]!) > Math.abs(analytic[at]!)) at = i;
      const at1 = (sign: number) => {
        const moved = values.slice();
        moved[at] = moved[at]! + sign * eps;
        v.assign(tf.tensor(moved, v.shape));
        return tf.tidy(() => loss().dataSync()[0]!);
      };
      const numeric = (at1(1) - at1(-1)) / (2 * eps);
      v.assign(tf.tensor(values, v.shape));
      assert.ok(Math.abs(numeric - analytic[at]!) <= 2e-2 * Math.max(1, Math.abs(numeric)), `${v.name}[${at}]: analytic ${analytic[at]} vs numeric ${numeric}`);
    }
    x.dispose();
    r.dispose();
    disposeWeights(w);
  });
}

test('countParams of a PEER model counts the built variables exactly; active = retrieval + h·k experts of 2·d_model; FLOPs follow the multiply-adds', async () => {
  await selectBackend('cpu');
  for (const [experts, heads, topK, every] of [[64, 2, 3, 1], [1024, 4, 8, 2], [4096, 1, 16, 1]] as const) {
    const cfg = parseModelConfig({ dModel: 16, layers: 2, heads: 2, contextLength: 8, peer: { experts, heads, topK, keyDim: 8, every } });
    const w = initWeights(cfg, 1);
    const p = countParams(cfg);
    assert.equal(p.all, countWeights(w), `N ${experts}`);
    disposeWeights(w);
    const peerLayers = every === 1 ? 2 : 1;
    const retrieval = (16 * heads * 8 + 2 * Math.sqrt(experts) * 4) * peerLayers;
    assert.equal(p.retrieval, retrieval);
    assert.equal(p.experts, 2 * experts * 16 * peerLayers);
    assert.equal(p.active, p.total - p.experts + heads * topK * 2 * 16 * peerLayers);
    assert.equal(p.expertsPerToken, heads * topK);
    assert.equal(p.dense, countParams(parseModelConfig({ dModel: 16, layers: 2, heads: 2, contextLength: 8 })).total);
    const perToken = peerMultiplyAddsPerToken({ dModel: 16, experts, heads, topK, keyDim: 8 });
    assert.equal(perToken, 16 * heads * 8 + heads * Math.sqrt(experts) * 8 + heads * topK * 32);
    const denseBlocks = 2 - peerLayers;
    assert.equal(trainingFlops(cfg, 1000).krajewski, 6 * (4 * 256 + perToken) * 1000 * peerLayers + 6 * 12 * 256 * 1000 * denseBlocks);
  }
});

test('a PEER config that is not a perfect square, retrieves more than √N, has an odd key width or also sets moe is a ConfigError naming the field', () => {
  const bad = (peer: Record<string, unknown>, extra: Record<string, unknown> = {}) => () => parseModelConfig({ dModel: 8, layers: 1, heads: 2, contextLength: 8, peer, ...extra });
  const refuses = (fn: () => unknown, field: string, pattern: RegExp) =>
    assert.throws(fn, (e: unknown) => e instanceof ConfigError && e.field === field && pattern.test(e.message));
  refuses(bad({ experts: 1000 }), 'model.peer.experts', /not a perfect square.*961 or 1024/);
  refuses(bad({ experts: 64, topK: 9 }), 'model.peer.topK', /exceeds the 8 sub-keys/);
  refuses(bad({ experts: 64, topK: 4, keyDim: 7 }), 'model.peer.keyDim', /odd/);
  refuses(bad({ experts: 64, topK: 4 }, { moe: { router: 'token-choice' } }), 'model.peer', /either moe or peer/);
});

test('[cpu] a PEER model trains (loss falls), reports its experts used, and a resumed run ends with the losses of an uninterrupted one', async () => {
  const model = { dModel: 16, layers: 2, heads: 2, init: 'fan-in' as const, peer: { experts: 256, heads: 2, topK: 4, keyDim: 8 } };
  const base = tinyTrainConfig({ model, tokens: 4 * 16 * 12, evalEveryTokens: 4 * 16 * 6, optimizer: { lr: 1e-2 } });
  const full = tempDir();
  const s = await trainRun(base, { outDir: full });
  assert.equal(s.router, 'product-key');
  assert.equal(s.experts, 256);
  assert.equal(s.granularity, 64);
  assert.equal(s.expansionRate, 4);
  assert.equal(s.topKEffective, 8);
  const rows = fs.readFileSync(path.join(full, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const train = rows.filter((r) => r.kind === 'train');
  assert.ok(train.at(-1).loss < train[0].loss - 0.3, `loss ${train[0].loss} → ${train.at(-1).loss}`);
  for (const r of train) {
    assert.equal(r.expertsUsed.length, 2);
    // 64 tokens × 2 heads × 4 retrievals reach at most 256 distinct experts
    for (const u of r.expertsUsed) assert.ok(u > 0 && u <= 1, `experts used ${u}`);
  }
  // the same run stopped after 5 steps (a checkpoint every 2) and resumed
  const part = tempDir();
  await trainRun(base, { outDir: part, stopAfterSteps: 5 });
  assert.ok(!fs.existsSync(path.join(part, 'final.json')));
  const resumed = await trainRun(base, { outDir: part, resume: true });
  assert.equal(resumed.valLoss, s.valLoss);
  assert.equal(resumed.trainLossSmoothed, s.trainLossSmoothed);
});
