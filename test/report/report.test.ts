import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FitRecordError, fitRecordJson, parseFitRecord } from '../../src/laws/record';
import { recordWithSamples } from './claims-fixtures';
import { toHtml, toMarkdown } from '../../src/report/document';
import { computeOptimalTables } from '../../src/report/analysis';
import { compareResults } from '../../src/report/compare';
import { fitsOf } from '../../src/laws/fits';
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
    expansionRate: 4, granularity: 1, experts: 4, topKEffective: 1, moeEvery: 1, paramsTotal: 1e5, paramsActive: 3e4, paramsDense: 3e4,
    paramsEmbedding: 8192, tokens: 64_000, flopsKrajewski: 1e10, flops6ND: 1e10, flops6NDAll: 2e10, valLoss: 3, trainLossSmoothed: 3, seed: 0,
    backend: 'wasm', wallSeconds: 1, ...over,
  };
}

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

test('a fit record round-trips through its schema with typed coefficients; a failed fit has none; a hand-edited one is refused naming the field', () => {
  const dense = { a: 16.3, alpha: 0.126, b: 26.7, beta: 0.127, c: 0.47 };
  const ok = recordWithSamples('dense', dense, [dense, { ...dense, alpha: 0.13 }]);
  const back = parseFitRecord(fitRecordJson(ok), 'fits/dense.json');
  assert.deepEqual(fitsOf([back]).dense, dense);
  const failed = { ...ok, status: 'failed' as const, fit: undefined, error: 'FitError: too few runs' };
  assert.equal(fitsOf([parseFitRecord(fitRecordJson(failed), 'f.json')]).dense, undefined);
  const edited = JSON.parse(fitRecordJson(ok)) as { fit: { coefficients: Record<string, number> } };
  edited.fit.coefficients = { A: 16, B: 27, E: 0.5, alpha: 0.13, beta: 0.13 };
  assert.throws(() => parseFitRecord(JSON.stringify(edited), 'fits/dense.json'), (e: unknown) => e instanceof FitRecordError && /fits\/dense.json: field fit.coefficients/.test((e as Error).message));
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
  assert.equal(runs.length, 85, "45 fine-grained + 10 replicates, 20 experts + 10 replicates");
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
