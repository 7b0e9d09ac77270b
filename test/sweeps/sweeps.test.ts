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

test("a preset's train.init reaches every run's model config, and its absence leaves the trainer config as before", () => {
  const preset = validatePreset(tiny, 'tiny.ts');
  const [run] = expandSweeps(preset.sweeps);
  const plain = sweepRunToTrainConfig(run!, preset.train, '/tmp/corpus');
  assert.equal('init' in plain.model, false);
  const fanIn = parseTrainConfig(sweepRunToTrainConfig(run!, { ...preset.train, init: 'fan-in' }, '/tmp/corpus'));
  assert.equal(fanIn.model.init, 'fan-in');
  assert.equal(parseTrainConfig(plain).model.init, 'gpt2');
});
