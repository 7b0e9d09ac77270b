import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  expandExperts,
  expandFineGrained,
  expandSweeps,
  formatTokens,
  KRAJEWSKI_PAPER_GRID,
  YUN_PAPER_GRID,
  sweepRunToTrainConfig,
} from '../../pipeline/sweeps';
import { validatePreset } from '../../pipeline/presets';
import tiny from '../../pipeline/presets/tiny';
import sharedPreset from '../../pipeline/presets/shared';
import peerPreset from '../../pipeline/presets/peer';
import lifelongPreset from '../../pipeline/presets/lifelong';
import { expandLifelong } from '../../pipeline/sweeps/lifelong';
import { parseTrainConfig } from '../../src/train/config';

test('expandFineGrained(paper grid) gives the 78 MoE runs of Krajewski Table 3', () => {
  const runs = expandFineGrained(KRAJEWSKI_PAPER_GRID);
  assert.equal(runs.filter((r) => r.family === 'moe').length, 78);
  assert.ok(runs.every((r) => r.family === 'dense' || r.router === 'expert-choice'));
});

test('expandFineGrained(paper grid) gives the 22 dense runs of Krajewski Table 4', () => {
  assert.equal(expandFineGrained(KRAJEWSKI_PAPER_GRID).filter((r) => r.family === 'dense').length, 22);
});

test('expandExperts(paper grid) is 4 sizes × 5 expert counts × 4 token counts with top-2 every second block', () => {
  const runs = expandExperts(YUN_PAPER_GRID);
  assert.equal(runs.length, 80);
  const moe = runs.filter((r) => r.family === 'moe');
  assert.ok(moe.every((r) => r.topK === 2 && r.moeEvery === 2 && r.router === 'token-choice'));
});

test('run ids are stable and encode every grid coordinate', () => {
  const ids = expandFineGrained({
    expansionRate: 4,
    moe: [{ shapes: [{ dModel: 64, layers: 2, heads: 2 }], tokens: [500_000], granularities: [2] }],
    dense: [],
  }).map((r) => r.runId);
  assert.deepEqual(ids, ['fg-moe-e4-g2-d64x2-t500k']);
  assert.equal(expandExperts({ ...YUN_PAPER_GRID, shapes: [YUN_PAPER_GRID.shapes[0]!], tokens: [2.5e9], experts: [8] })[0]!.runId, 'ex-e8-d768x12-t2p5B');
});

test('formatTokens writes compact, id-safe token counts', () => {
  assert.equal(formatTokens(250_000), '250k');
  assert.equal(formatTokens(1_500_000), '1p5M');
  assert.equal(formatTokens(16e9), '16B');
  assert.equal(formatTokens(999), '999');
});

test('expandSweeps(both paper grids) yields unique run ids', () => {
  const runs = expandSweeps({ fineGrained: KRAJEWSKI_PAPER_GRID, experts: YUN_PAPER_GRID });
  assert.equal(new Set(runs.map((r) => r.runId)).size, runs.length);
});

test("a preset's train.init, initStd and initScale reach every run's model config, and their absence leaves the trainer config as before", () => {
  const preset = validatePreset(tiny, 'tiny.ts');
  const [run] = expandSweeps(preset.sweeps);
  const bare = { ...preset.train, init: undefined, initStd: undefined, initScale: undefined };
  const plain = sweepRunToTrainConfig(run!, bare, '/tmp/corpus');
  assert.equal('init' in plain.model, false);
  assert.equal('initStd' in plain.model, false);
  const fanIn = parseTrainConfig(sweepRunToTrainConfig(run!, { ...bare, init: 'fan-in', initStd: 0.0625, initScale: 0.25 }, '/tmp/corpus'));
  assert.deepEqual([fanIn.model.init, fanIn.model.initStd, fanIn.model.initScale], ['fan-in', 0.0625, 0.25]);
  assert.deepEqual([parseTrainConfig(plain).model.init, parseTrainConfig(plain).model.initStd], ['gpt2', 0.02]);
});

test('a shape\'s lr overrides train.lr for its runs only', () => {
  const grid = { expansionRate: 4, moe: [{ shapes: [{ dModel: 32, layers: 2, heads: 2, lr: 8e-3 }, { dModel: 64, layers: 2, heads: 2 }], tokens: [64_000], granularities: [1] }], dense: [] };
  const preset = validatePreset(tiny, 'tiny.ts');
  const lrs = expandFineGrained(grid).map((r) => sweepRunToTrainConfig(r, { ...preset.train, lr: 1e-3 }, '/tmp/c').optimizer!.lr);
  assert.deepEqual(lrs, [8e-3, 1e-3]);
});

test('replicates add one run per extra seed (id suffix -s<seed>, the seed in its trainer config) to the filtered runs only', () => {
  const runs = expandExperts({
    shapes: [{ dModel: 32, layers: 2, heads: 2 }, { dModel: 64, layers: 2, heads: 2 }],
    experts: [1, 8],
    tokens: [64_000, 128_000],
    topK: 2,
    moeEvery: 2,
    replicates: { seeds: [1, 2], dModels: [32], tokens: [64_000] },
  });
  assert.equal(runs.length, 8 + 2 * 2);
  assert.deepEqual(runs.filter((r) => r.seed !== undefined).map((r) => r.runId), ['ex-e1-d32x2-t64k-s1', 'ex-e1-d32x2-t64k-s2', 'ex-e8-d32x2-t64k-s1', 'ex-e8-d32x2-t64k-s2']);
  const preset = validatePreset(tiny, 'tiny.ts');
  const seeds = runs.filter((r) => r.runId.startsWith('ex-e8-d32x2-t64k')).map((r) => sweepRunToTrainConfig(r, { ...preset.train, seed: 0 }, '/tmp/c').seed);
  assert.deepEqual(seeds, [0, 1, 2]);
});

test("a preset whose replicate seeds include train.seed or repeat, sets initScale without fan-in, or a non-positive lr or initStd, is refused with the key to fix", () => {
  const experts = { ...tiny.sweeps.experts, replicates: { seeds: [0, 1] } };
  assert.throws(() => validatePreset({ ...tiny, sweeps: { ...tiny.sweeps, experts } }, 'p.ts'), /sweeps\.experts\.replicates\.seeds[\s\S]*train\.seed/);
  assert.throws(() => validatePreset({ ...tiny, train: { ...tiny.train, init: 'gpt2', initScale: 2 } }, 'p.ts'), /train\.initScale[\s\S]*fan-in/);
  const dup = { ...tiny.sweeps.experts, replicates: { seeds: [1, 1] } };
  assert.throws(() => validatePreset({ ...tiny, sweeps: { ...tiny.sweeps, experts: dup } }, 'p.ts'), /sweeps\.experts\.replicates\.seeds[\s\S]*distinct/);
  const badLr = { ...tiny.sweeps.experts, shapes: [{ dModel: 24, layers: 2, heads: 2, lr: 0 }] };
  assert.throws(() => validatePreset({ ...tiny, sweeps: { ...tiny.sweeps, experts: badLr } }, 'p.ts'), /sweeps\.experts\.shapes\[0\]\.lr: Too small/);
  assert.throws(() => validatePreset({ ...tiny, train: { ...tiny.train, initStd: -1 } }, 'p.ts'), /train\.initStd/);
});

test('a run listed by two fine-grained blocks with different settings is refused naming the run and the setting; with the same settings it appears once', () => {
  const shape = { dModel: 24, layers: 2, heads: 2, lr: 8e-3 };
  const block = { shapes: [shape], tokens: [80_000], granularities: [1] };
  const conflicting = { ...tiny.sweeps.fineGrained, moe: [block, { ...block, shapes: [{ ...shape, lr: 1.2e-2 }] }] };
  assert.throws(
    () => validatePreset({ ...tiny, sweeps: { ...tiny.sweeps, fineGrained: conflicting } }, 'p.ts'),
    /p\.ts[\s\S]*sweeps: run fg-moe-e4-g1-d24x2-t80k is listed by two blocks with different settings \(lr 0\.008 vs 0\.012\)/,
  );
  const repeated = { ...tiny.sweeps.fineGrained, moe: [block, { ...block, granularities: [1, 2] }] };
  const ids = expandSweeps(validatePreset({ ...tiny, sweeps: { ...tiny.sweeps, fineGrained: repeated } }, 'p.ts').sweeps).map((r) => r.runId);
  assert.deepEqual(ids.filter((id) => id.startsWith('fg-moe')), ['fg-moe-e4-g1-d24x2-t80k', 'fg-moe-e4-g2-d24x2-t80k']);
});

test('expandShared gives one run per (shape, tokens, G, shared count) with ids sh-e{E}-g{G}-sh{s}-…, and the trainer config isolates the shared experts', () => {
  const preset = validatePreset(sharedPreset, 'shared.ts');
  const runs = expandSweeps(preset.sweeps);
  assert.equal(runs.length, 2 * 2 * (3 * 2 + 1) + (3 * 2 + 1) * 2, '(G × shared + dense) per (shape, tokens), and the d48 × 250k replicates');
  assert.ok(runs.every((r) => r.sweep === 'shared' && (r.family === 'dense' ? r.router === 'none' : r.router === 'token-choice')));
  assert.equal(runs.filter((r) => r.family === 'dense').length, 4 + 2);
  const one = runs.find((r) => r.runId === 'sh-e4-g4-sh1-d48x2-t250k')!;
  assert.equal(one.sharedExperts, 1);
  assert.equal('sharedExperts' in runs.find((r) => r.runId === 'sh-e4-g4-sh0-d48x2-t250k')!, false, 'no sharing leaves the key out (and the trainer config as before)');
  const cfg = parseTrainConfig(sweepRunToTrainConfig(one, preset.train, '/tmp/c'));
  assert.deepEqual([cfg.model.moe!.granularity, cfg.model.moe!.topK, cfg.model.moe!.sharedExperts, cfg.model.moe!.capacityFactor, cfg.model.moe!.outputLayerNorm], [4, 1, 1, null, true]);
  assert.deepEqual(runs.filter((r) => r.seed !== undefined).map((r) => r.runId).slice(0, 3), ['sh-dense-d48x2-t250k-s1', 'sh-dense-d48x2-t250k-s2', 'sh-e4-g2-sh0-d48x2-t250k-s1']);
});

test('a shared sweep without 0 among its counts, or with a count that takes every activated slot, is refused naming sweeps.shared.sharedExperts', () => {
  const grid = sharedPreset.sweeps.shared;
  assert.throws(() => validatePreset({ ...sharedPreset, sweeps: { shared: { ...grid, sharedExperts: [1, 2] } } }, 'p.ts'), /sweeps\.shared\.sharedExperts[\s\S]*list 0 among sharedExperts/);
  assert.throws(() => validatePreset({ ...sharedPreset, sweeps: { shared: { ...grid, sharedExperts: [0, 2] } } }, 'p.ts'), /sweeps\.shared\.sharedExperts[\s\S]*below G · topK of the smallest granularity/);
});

test('expandPeer gives per (shape, tokens) a dense run, a fine-grained MoE and one PEER run per N with ids peer-n{N}-h{h}k{k}-…, and the trainer config has peer layers only there', () => {
  const preset = validatePreset(peerPreset, 'peer.ts');
  const runs = expandSweeps(preset.sweeps);
  // (dense + MoE + 4 N) at 800k, and × 3 seeds at 250k
  assert.equal(runs.length, 24);
  assert.ok(runs.every((r) => r.sweep === 'peer'));
  const one = runs.find((r) => r.runId === 'peer-n16384-h4k16-d48x2-t800k')!;
  assert.deepEqual([one.family, one.router, one.granularity, one.expansionRate], ['moe', 'product-key', 192, 16384 / 192]);
  const cfg = parseTrainConfig(sweepRunToTrainConfig(one, preset.train, '/tmp/c'));
  assert.deepEqual(cfg.model.peer, { experts: 16384, heads: 4, topK: 16, keyDim: 32, every: 1 });
  assert.equal(cfg.model.moe, null);
  const moe = parseTrainConfig(sweepRunToTrainConfig(runs.find((r) => r.runId === 'peer-moe-e4-g4-d48x2-t250k')!, preset.train, '/tmp/c'));
  assert.deepEqual([moe.model.peer, moe.model.moe!.granularity, moe.model.moe!.router, moe.model.moe!.outputLayerNorm], [null, 4, 'token-choice', true]);
  const dense = sweepRunToTrainConfig(runs.find((r) => r.runId === 'peer-dense-d48x2-t250k')!, preset.train, '/tmp/c');
  assert.equal('peer' in (dense.model as object), false, 'runs without PEER leave the key out (and their trainer config as before)');
  assert.deepEqual(runs.filter((r) => r.seed !== undefined).map((r) => r.runId).slice(0, 2), ['peer-dense-d48x2-t250k-s1', 'peer-dense-d48x2-t250k-s2']);
});

test('a peer sweep with a non-square N, one N only, or k above √N of its smallest N is refused naming the key', () => {
  const grid = peerPreset.sweeps.peer;
  assert.throws(() => validatePreset({ ...peerPreset, sweeps: { peer: { ...grid, experts: [1000, 4096] } } }, 'p.ts'), /sweeps\.peer\.experts[\s\S]*perfect square/);
  assert.throws(() => validatePreset({ ...peerPreset, sweeps: { peer: { ...grid, experts: [4096] } } }, 'p.ts'), /sweeps\.peer\.experts/);
  assert.throws(() => validatePreset({ ...peerPreset, sweeps: { peer: { ...grid, experts: [64, 4096] } } }, 'p.ts'), /sweeps\.peer\.topK[\s\S]*exceeds √N/);
});

test('expandLifelong gives per seed a base on the old corpus and three arms on the new one, with ids ll-{role}-e{E}-…-s{seed}', () => {
  const preset = validatePreset(lifelongPreset, 'lifelong.ts');
  const runs = expandLifelong(preset.sweeps.lifelong!);
  assert.equal(runs.length, 5 * 4);
  assert.deepEqual(runs.slice(0, 4).map((r) => [r.role, r.corpus, r.run.runId, r.run.expansionRate, r.run.tokens, r.run.seed]), [
    ['base', 'old', 'll-base-e4-g2-d48x2-t500k-s0', 4, 500_000, 0],
    ['finetune', 'new', 'll-finetune-e4-g2-d48x2-t250k-s0', 4, 250_000, 0],
    ['grow-frozen', 'new', 'll-grow-frozen-e8-g2-d48x2-t250k-s0', 8, 250_000, 0],
    ['grow', 'new', 'll-grow-e8-g2-d48x2-t250k-s0', 8, 250_000, 0],
  ]);
  assert.deepEqual(runs[2]!.freeze, ['old-experts', 'old-router']);
  assert.deepEqual(runs[3]!.freeze, []);
  assert.equal(expandSweeps(preset.sweeps).length, 0, 'lifelong runs are trained by lifelong@s<seed>, not train@…');
});

test('a lifelong sweep that does not grow, reuses a corpus name or has one seed is refused naming the key', () => {
  const grid = lifelongPreset.sweeps.lifelong;
  assert.throws(() => validatePreset({ ...lifelongPreset, sweeps: { lifelong: { ...grid, grow: { expansionRate: 4 } } } }, 'p.ts'), /sweeps\.lifelong\.grow\.expansionRate[\s\S]*must exceed moe\.expansionRate/);
  assert.throws(() => validatePreset({ ...lifelongPreset, sweeps: { lifelong: { ...grid, corpora: { old: grid.corpora.old, new: { ...grid.corpora.new, name: grid.corpora.old.name } } } } }, 'p.ts'), /sweeps\.lifelong\.corpora\.new\.name[\s\S]*different names/);
  assert.throws(() => validatePreset({ ...lifelongPreset, sweeps: { lifelong: { ...grid, seeds: [0] } } }, 'p.ts'), /sweeps\.lifelong\.seeds/);
});
