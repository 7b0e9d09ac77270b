import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkExpertsSaturate, checkGranularityHelps, checkMoeBeatsDense, thresholdClaim } from '../../src/report/claims';
import { toHtml, toMarkdown } from '../../src/report/document';
import { computeOptimalTables } from '../../src/report/analysis';
import { compareResults } from '../../src/report/compare';
import { coefficientsFromRecords, type FitRecord } from '../../src/report/fits';
import { writeRunTable } from '../../src/runs/table';
import type { RunSummary } from '../../src/runs/types';
import { ConfigError } from '../../src/model/errors';
import { parseTrainConfig } from '../../src/train/config';
import { assertTokensFitCorpus, expandSweeps, sweepRunToTrainConfig } from '../../pipeline/sweeps';
import tiny from '../../pipeline/presets/tiny';
import { validatePreset } from '../../pipeline/presets';

function run(over: Partial<RunSummary>): RunSummary {
  return {
    runId: 'r', sweep: 'fine-grained', family: 'moe', router: 'expert-choice', layers: 2, dModel: 32, heads: 2, dFF: 128,
    expansionRate: 4, granularity: 1, experts: 4, topK: 1, moeEvery: 1, paramsTotal: 1e5, paramsActive: 3e4, paramsDense: 3e4,
    paramsEmbedding: 8192, tokens: 64_000, flopsKrajewski: 1e10, flops6ND: 1e10, flops6NDAll: 2e10, valLoss: 3, trainLossSmoothed: 3, seed: 0,
    backend: 'wasm', wallSeconds: 1, ...over,
  };
}

test('checkGranularityHelps holds when the largest G beats G = 1 in most cells and fails otherwise', () => {
  const cell = (tokens: number, g1: number, g4: number) => [run({ runId: `a${tokens}`, tokens, granularity: 1, valLoss: g1 }), run({ runId: `b${tokens}`, tokens, granularity: 4, valLoss: g4 })];
  assert.equal(checkGranularityHelps([...cell(1, 3.0, 2.9), ...cell(2, 2.8, 2.7), ...cell(3, 2.6, 2.65)]).outcome, 'holds');
  assert.equal(checkGranularityHelps([...cell(1, 3.0, 3.1), ...cell(2, 2.8, 2.9)]).outcome, 'fails');
  assert.equal(checkGranularityHelps([run({ granularity: 1 })]).outcome, 'untestable');
});

test('checkMoeBeatsDense compares each cell\'s best MoE with its dense baseline', () => {
  const rows = [run({ family: 'dense', router: 'none', valLoss: 3.0 }), run({ valLoss: 2.9 }), run({ granularity: 2, valLoss: 3.1 })];
  const r = checkMoeBeatsDense(rows, 'fine-grained');
  assert.equal(r.outcome, 'holds');
  assert.match(r.evidence, /1 of 1/);
});

test('checkExpertsSaturate needs E = 1, 4, 8, 16 in one cell, a real 1→4 gain, and a smaller 8→16 gain', () => {
  const cell = (losses: Record<number, number>) => Object.entries(losses).map(([e, l]) => run({ sweep: 'experts', experts: Number(e), expansionRate: Number(e), valLoss: l }));
  assert.equal(checkExpertsSaturate(cell({ 1: 3.0, 4: 2.8, 8: 2.75, 16: 2.73 })).outcome, 'holds');
  assert.equal(checkExpertsSaturate(cell({ 1: 3.0, 4: 2.99, 8: 2.9, 16: 2.7 })).outcome, 'fails');
  assert.equal(checkExpertsSaturate(cell({ 1: 3.0, 4: 3.01, 8: 3.0, 16: 3.02 })).outcome, 'fails', '1 → 4 must help for the cell to count');
  assert.equal(checkExpertsSaturate(cell({ 1: 3.0, 4: 2.8 })).outcome, 'untestable');
});

test('thresholdClaim is untestable without a finite value and checks both bounds', () => {
  const base = { id: 'x', paper: 'p', statement: 's', describe: (v: number) => String(v), whenMissing: 'none' };
  assert.equal(thresholdClaim({ ...base, value: undefined, above: 1 }).outcome, 'untestable');
  assert.equal(thresholdClaim({ ...base, value: NaN, above: 1 }).outcome, 'untestable');
  assert.equal(thresholdClaim({ ...base, value: 20, above: 15, below: 30 }).outcome, 'holds');
  assert.equal(thresholdClaim({ ...base, value: 40, above: 15, below: 30 }).outcome, 'fails');
});

test('toMarkdown and toHtml render the same blocks, escaping table pipes and HTML', () => {
  const blocks = [
    { kind: 'heading' as const, level: 2 as const, text: 'Fits' },
    { kind: 'table' as const, header: ['a|b', 'c'], rows: [['<x>', '**1**']] },
  ];
  const md = toMarkdown(blocks);
  assert.match(md, /^## Fits$/m);
  assert.match(md, /\| a\\\|b \| c \|/);
  const html = toHtml(blocks, 'T');
  assert.match(html, /<h2>Fits<\/h2>/);
  assert.match(html, /<td>&lt;x&gt;<\/td><td><strong>1<\/strong><\/td>/);
});

test('computeOptimalTables reproduces Krajewski Table 2 granularities from the published coefficients', () => {
  const t = computeOptimalTables({}, [1e20], 64);
  assert.equal(t.krajewskiTable2.length, 7);
  assert.ok(t.krajewskiTable2.every((r) => r.sameGranularity && r.flopsRelativeError < 0.01));
  // Without fits only the published sources appear.
  assert.ok(t.fineGrained.every((r) => !r.source.startsWith('our')));
  assert.equal(t.chinchilla.length, 3);
  assert.equal(t.experts.length, 0);
});

test('coefficientsFromRecords maps the dense fit onto Krajewski Eq. 1 names and skips failed fits', () => {
  const records = [
    { law: 'dense', status: 'ok', fit: { coefficients: { A: 16, B: 27, E: 0.5, alpha: 0.13, beta: 0.13 } } },
    { law: 'experts', status: 'failed', error: 'too few runs' },
  ] as unknown as FitRecord[];
  const c = coefficientsFromRecords(records);
  assert.deepEqual(c.dense, { a: 16, b: 27, c: 0.5, alpha: 0.13, beta: 0.13 });
  assert.equal(c.experts, undefined);
});

test('compareResults reports per-run loss deltas and runs present in one folder only', async () => {
  const a = fs.mkdtempSync(path.join(os.tmpdir(), 'moelab-cmp-a-'));
  const b = fs.mkdtempSync(path.join(os.tmpdir(), 'moelab-cmp-b-'));
  await writeRunTable(path.join(a, 'runs.csv'), [run({ runId: 'x', valLoss: 3.0 }), run({ runId: 'y', valLoss: 2.5 })]);
  await writeRunTable(path.join(b, 'runs.csv'), [run({ runId: 'x', valLoss: 2.9 }), run({ runId: 'z', valLoss: 2.0 })]);
  const c = await compareResults(a, b);
  assert.equal(c.runs.length, 1);
  assert.ok(Math.abs(c.runs[0]!.valLossDelta - 0.1) < 1e-12);
  assert.deepEqual(c.onlyInA, ['y']);
  assert.deepEqual(c.onlyInB, ['z']);
  await assert.rejects(compareResults(path.join(a, 'missing'), b), /runs\.csv does not exist/);
});

test('every tiny-preset sweep run becomes a valid trainer config (expert choice: capacity 1, no balancing loss)', () => {
  const preset = validatePreset(tiny, 'tiny.ts');
  const runs = expandSweeps(preset.sweeps);
  assert.equal(runs.length, 56);
  for (const r of runs) {
    const cfg = parseTrainConfig(sweepRunToTrainConfig(r, preset.train, '/tmp/corpus'));
    assert.equal(cfg.tokens, r.tokens);
    if (r.router === 'expert-choice') {
      assert.equal(cfg.model.moe!.capacityFactor, 1);
      assert.equal(cfg.model.moe!.lbCoef, 0);
    }
  }
});

test('a run asking for more tokens than the train split is refused unless repeated data is allowed', () => {
  const [r] = expandSweeps(validatePreset(tiny, 'tiny.ts').sweeps);
  assert.throws(() => assertTokensFitCorpus(r!, r!.tokens - 1, 'c', false), (e: unknown) => e instanceof ConfigError && /allowRepeatedData/.test((e as Error).message));
  assert.doesNotThrow(() => assertTokensFitCorpus(r!, r!.tokens - 1, 'c', true));
  assert.doesNotThrow(() => assertTokensFitCorpus(r!, r!.tokens, 'c', false));
});

test('a preset with an unknown key in a reproduction section is refused naming the key', () => {
  assert.throws(() => validatePreset({ ...tiny, train: { ...tiny.train, learningRate: 1 } }, 'my.ts'), /train\.learningRate/);
  assert.throws(() => validatePreset({ ...tiny, fit: { bootstrap: -1 } }, 'my.ts'), /fit\.bootstrap/);
  assert.throws(() => validatePreset({ ...tiny, sweeps: { ...tiny.sweeps, fineGrained: { expansionRate: 4, moe: [{ shapes: [{ dModel: 30, layers: 1, heads: 4 }], tokens: [1000], granularities: [3] }], dense: [] } } }, 'my.ts'), /granularity must be a power of two|heads must divide/);
});
