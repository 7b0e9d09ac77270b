import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildCorpus } from '../../src/data';
import { ConfigError } from '../../src/model/errors';
import { disposeWeights, initWeights } from '../../src/model/weights';
import { parseTrainConfig } from '../../src/train/config';
import { loadCheckpoint } from '../../src/train/checkpoint';
import { EVALS_FILE, trainRun } from '../../src/train/trainer';
import { tempDir, tinyCorpus, tinyTrainConfig } from './fixtures';

/** A second small corpus from the other embedded dataset (State of the Union addresses): the "new distribution". */
function sotuCorpus(): string {
  const dir = tempDir('moelab-sotu-');
  buildCorpus(
    { name: 'sotu', sources: [{ kind: 'embedded', dataset: 'sotu' }], valFraction: 0.2, splitSeed: 1, tokenizer: 'byte', maxBytes: 60000 },
    { trainPath: path.join(dir, 'train.bin'), valPath: path.join(dir, 'val.bin'), manifestPath: path.join(dir, 'manifest.json') },
  );
  return dir;
}

const weightsOf = (dir: string) => loadCheckpoint<unknown>(dir)!.values;
const same = (a: Float32Array, b: Float32Array) => a.length === b.length && a.every((x, i) => Object.is(x, b[i]));

let base: { dir: string; valLoss: number } | null = null;
async function baseRun(): Promise<{ dir: string; valLoss: number }> {
  if (base) return base;
  const dir = tempDir();
  const s = await trainRun(tinyTrainConfig(), { outDir: dir });
  base = { dir, valLoss: s.valLoss };
  return base;
}

test('growing a finished MoE run from 4 to 8 experts with the old experts and router columns frozen keeps them bit-identical, trains the new ones, and reports both corpora before and after', async () => {
  const { dir } = await baseRun();
  const sotu = sotuCorpus();
  const grownCfg = tinyTrainConfig({
    model: { dModel: 16, layers: 2, heads: 2, moe: { router: 'token-choice', expansionRate: 8, topK: 2, every: 2 } },
    data: { corpusDir: sotu, seqLen: 16, batchSize: 4 },
    initFrom: { run: dir, freeze: ['old-experts', 'old-router'] },
    evalCorpora: [{ name: 'moby-dick', corpusDir: tinyCorpus() }],
  });
  const out = tempDir();
  const summary = await trainRun(grownCfg, { outDir: out });
  // the run table tells a continued run from a fresh one: the base's 6 steps of 64 tokens, and the frozen weights
  // (4 old experts of 16×64 + 64×16 and their 16×4 router columns, in the one MoE block)
  assert.equal(summary.priorTokens, 6 * 64);
  assert.equal(summary.frozenWeights, 4 * 2 * 16 * 64 + 16 * 4);
  const before = weightsOf(dir);
  const after = weightsOf(out);
  for (let e = 0; e < 4; e++) for (const m of ['w1', 'w2']) assert.ok(same(before.get(`w/b1.moe.e${e}.${m}`)!.data, after.get(`w/b1.moe.e${e}.${m}`)!.data), `old expert e${e}.${m} moved`);
  const rOld = before.get('w/b1.moe.router')!;
  const rNew = after.get('w/b1.moe.router')!;
  assert.deepEqual(rNew.shape, [16, 8]);
  for (let i = 0; i < 16; i++) {
    for (let c = 0; c < 4; c++) assert.ok(Object.is(rNew.data[i * 8 + c], rOld.data[i * 4 + c]), `old router column ${c} moved`);
  }
  // the new experts started from their seeded initialisation and trained
  const fresh = initWeights(parseTrainConfig(grownCfg).model, 7);
  for (let e = 4; e < 8; e++) {
    assert.equal(before.has(`w/b1.moe.e${e}.w1`), false);
    assert.ok(!same(after.get(`w/b1.moe.e${e}.w1`)!.data, fresh.get(`b1.moe.e${e}.w1`)!.dataSync() as Float32Array), `new expert e${e} did not train`);
  }
  disposeWeights(fresh);
  assert.ok(!same(after.get('w/b0.attn.wqkv')!.data, before.get('w/b0.attn.wqkv')!.data), 'attention is not frozen here and should train');
  const evals = JSON.parse(fs.readFileSync(path.join(out, EVALS_FILE), 'utf8'));
  assert.deepEqual(evals.corpora.map((c: { name: string }) => c.name), ['own', 'moby-dick']);
  for (const c of evals.corpora) assert.ok(Number.isFinite(c.before) && Number.isFinite(c.after), JSON.stringify(c));
  // training on the new corpus lowers its loss
  assert.ok(evals.corpora[0].after < evals.corpora[0].before);
});

test('fine-tuning a finished run (same model, nothing frozen) starts from its exact weights: the old corpus loss before the first step is the base run’s final validation loss', async () => {
  const { dir, valLoss } = await baseRun();
  const out = tempDir();
  await trainRun(tinyTrainConfig({ data: { corpusDir: sotuCorpus(), seqLen: 16, batchSize: 4 }, initFrom: { run: dir }, evalCorpora: [{ name: 'old', corpusDir: tinyCorpus() }] }), { outDir: out });
  const evals = JSON.parse(fs.readFileSync(path.join(out, EVALS_FILE), 'utf8'));
  assert.equal(evals.corpora[1].before, valLoss);
  assert.notEqual(evals.corpora[1].after, valLoss);
});

test('a grown run stopped and resumed ends with the losses and frozen weights of an uninterrupted one', async () => {
  const { dir } = await baseRun();
  const cfg = tinyTrainConfig({
    model: { dModel: 16, layers: 2, heads: 2, moe: { router: 'token-choice', expansionRate: 6, topK: 2, every: 2 } },
    initFrom: { run: dir, freeze: ['old-experts', 'old-router', 'embeddings'] },
  });
  const full = tempDir();
  const s = await trainRun(cfg, { outDir: full });
  const part = tempDir();
  await trainRun(cfg, { outDir: part, stopAfterSteps: 3 });
  const r = await trainRun(cfg, { outDir: part, resume: true });
  assert.equal(r.valLoss, s.valLoss);
  assert.equal(r.trainLossSmoothed, s.trainLossSmoothed);
  assert.ok(same(weightsOf(part).get('w/b1.moe.router')!.data, weightsOf(full).get('w/b1.moe.router')!.data));
  assert.ok(same(weightsOf(part).get('w/tok_emb')!.data, weightsOf(dir).get('w/tok_emb')!.data), 'frozen embeddings moved');
});

test('initFrom refuses an unfinished run, another shape, fewer experts, a dense base for an MoE and a folder without a checkpoint, naming the field', async () => {
  const { dir } = await baseRun();
  const refuses = async (over: Parameters<typeof tinyTrainConfig>[0], field: string, pattern: RegExp) =>
    assert.rejects(trainRun(tinyTrainConfig(over), { outDir: tempDir() }), (e: unknown) => e instanceof ConfigError && e.field === field && pattern.test(e.message));
  const unfinished = tempDir();
  await trainRun(tinyTrainConfig(), { outDir: unfinished, stopAfterSteps: 2 });
  await refuses({ initFrom: { run: unfinished } }, 'initFrom.run', /is not finished/);
  await refuses({ initFrom: { run: tempDir() } }, 'initFrom.run', /holds no checkpoint\.bin/);
  await refuses({ initFrom: { run: dir }, model: { dModel: 32, layers: 2, heads: 2, moe: { router: 'token-choice', expansionRate: 4, topK: 2, every: 2 } } }, 'model.dModel', /initFrom run's is 16/);
  await refuses({ initFrom: { run: dir }, model: { dModel: 16, layers: 2, heads: 2, moe: { router: 'token-choice', expansionRate: 2, topK: 2, every: 2 } } }, 'model.moe.expansionRate', /experts can be added, not removed/);
  await refuses({ initFrom: { run: dir }, model: { dModel: 16, layers: 2, heads: 2, moe: { router: 'expert-choice', expansionRate: 8, topK: 2, every: 2 } } }, 'model.moe.router', /only expansionRate may change/);
  const dense = tempDir();
  await trainRun(tinyTrainConfig({ model: { dModel: 16, layers: 2, heads: 2 } }), { outDir: dense });
  await refuses({ initFrom: { run: dense } }, 'model.moe', /the initFrom run is dense/);
});

test('a shared-expert MoE stopped and resumed ends with the losses of an uninterrupted run (the survey designs all resume)', async () => {
  const cfg = tinyTrainConfig({ model: { dModel: 16, layers: 2, heads: 2, moe: { router: 'token-choice', expansionRate: 4, granularity: 2, topK: 1, sharedExperts: 1, every: 2 } } });
  const full = await trainRun(cfg, { outDir: tempDir() });
  const part = tempDir();
  await trainRun(cfg, { outDir: part, stopAfterSteps: 3 });
  const resumed = await trainRun(cfg, { outDir: part, resume: true });
  assert.equal(resumed.sharedExperts, 1);
  assert.equal(resumed.valLoss, full.valLoss);
  assert.equal(resumed.trainLossSmoothed, full.trainLossSmoothed);
});
