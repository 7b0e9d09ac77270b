import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { exportFigures, figureInputs } from '../../src/figures';
import { lifelongFigure, peerFigure, sharedFigure } from '../../src/figures/survey';
import { FigureInputError } from '../../src/figures/types';
import { peerTable } from '../report/claims-fixtures';
import { surveyFixtures } from './fixtures';

const base = (c: { dModel?: number; paramsActive?: number; tokens: number }) => 1.2 + 30 / c.tokens ** 0.3 + (c.dModel ? 8 / c.dModel ** 0.5 : 8 / c.paramsActive! ** 0.2);

test('survey.shared draws one line per (cell, shared count) over G and the dense model dotted; no shared run is a FigureInputError', () => {
  const runs = surveyFixtures().shared;
  const dense = runs.filter((r) => r.family === 'dense');
  const spec = sharedFigure(runs);
  assert.equal(spec.data.filter((t) => t.mode === 'lines+markers').length, 2 * 2);
  assert.equal(spec.data.filter((t) => t.line?.dash === 'dot').length, 2);
  const shared = spec.data.find((t) => t.name.endsWith('1 shared'))!;
  const none = spec.data.find((t) => t.name === shared.name.replace('1 shared', 'no shared'))!;
  assert.deepEqual(shared.x, [2, 4, 8]);
  // the planted 0.03-nat gain, seed noise aside
  shared.y.forEach((y, i) => assert.ok(Math.abs(none.y[i]! - y - 0.03) < 0.01, `G ${shared.x[i]}: ${none.y[i]} vs ${y}`));
  assert.throws(() => sharedFigure(dense.map((r) => ({ ...r, sweep: 'fine-grained' }))), FigureInputError);
});

test('survey.peer draws seed-mean loss vs N per cell with the seeds, and the dense and MoE baselines as lines', () => {
  const runs = surveyFixtures().peer;
  const dense = runs.filter((r) => r.family === 'dense');
  const spec = peerFigure(runs);
  const line = spec.data.find((t) => t.name.includes('PEER'))!;
  assert.deepEqual(line.x, [1024, 4096, 16384]);
  assert.ok(line.y[0]! > line.y[2]!, 'planted: loss falls with N');
  assert.equal(spec.data.find((t) => t.name.endsWith('seeds'))!.x.length, 6);
  assert.ok(spec.data.some((t) => t.name.endsWith(': dense') && t.line?.dash === 'dot'));
  assert.throws(() => peerFigure(dense), /needs PEER runs/);
});

test('survey.lifelong draws forgetting from the base run and the new-corpus loss per arm, one marker per seed', () => {
  const records = surveyFixtures().lifelong;
  const spec = lifelongFigure(records);
  const means = spec.data.filter((t) => t.showlegend !== false && t.xaxis === undefined);
  assert.deepEqual(means.map((t) => t.name), ['finetune', 'grow-frozen', 'grow']);
  assert.ok(Math.abs(means[1]!.y[0]! - 0.05) < 0.005, `grow-frozen forgetting ${means[1]!.y[0]} (measured from the base, not the perturbed 3.8)`);
  assert.equal(spec.data.filter((t) => t.name === 'finetune: seeds' && t.xaxis === undefined)[0]!.y.length, 5);
  assert.throws(() => lifelongFigure([]), FigureInputError);
});

test('exportFigures draws survey figures only for results that hold their sweep: a tiny-like table lists none of them', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moelab-survey-fig-'));
  const peer = peerTable({ loss: (c) => base(c), noise: 0.003, dModels: [48], tokens: [250e3] });
  const withPeer = await exportFigures({ inputs: figureInputs({ runs: peer }), outDir: dir, formats: ['json'], only: ['survey'] });
  assert.deepEqual(withPeer.written.map((w) => w.id), ['survey.peer']);
  assert.deepEqual(withPeer.skipped, []);
  const none = await exportFigures({ inputs: figureInputs({ runs: peer.map((r) => ({ ...r, sweep: 'fine-grained' })) }), outDir: fs.mkdtempSync(path.join(os.tmpdir(), 'moelab-survey-fig-')), formats: ['json'], only: ['survey'] });
  assert.deepEqual([none.written, none.skipped], [[], []]);
});
