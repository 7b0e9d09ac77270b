import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { bootstrapRowsFromRecords, buildFigureInputs, loadFigureInputs, readTrainingCurves, trainingCurveFromMetrics } from '../../src/figures/adapters';
import { tableToMarkdown } from '../../src/figures/tables';
import type { FitRecord } from '../../src/report/fits';
import { RunTableError, writeRunTable } from '../../src/runs/table';
import { matchSnapshot } from './snapshot';
import * as krajewski from '../../src/figures/krajewski';
import { FigureInputError } from '../../src/figures/types';
import { expertsRuns, fineGrainedRuns } from './fixtures';

/** Lines in the trainer's `MetricsRow` format (src/train/trainer.ts): train rows every step, eval rows now and then. */
function metricsText(steps: number, tokensPerStep: number, secondsPerStep: number, startStep = 0): string {
  const lines: string[] = [];
  for (let s = startStep + 1; s <= steps; s++) {
    const elapsed = (s - startStep) * secondsPerStep;
    lines.push(
      JSON.stringify({ kind: 'train', step: s, tokens: s * tokensPerStep, loss: 5 - s * 0.01, lr: 0.003, auxLoss: 0.01, balanceLoss: 1, zLoss: 2, gradNorm: 0.5, droppedFraction: 0, expertLoad: [[0.5, 0.5]], tokensPerSecond: ((s - startStep) * tokensPerStep) / elapsed }),
    );
    if (s % 10 === 0) lines.push(JSON.stringify({ kind: 'eval', step: s, tokens: s * tokensPerStep, valLoss: 4 }));
  }
  return `${lines.join('\n')}\n`;
}

describe('Krajewski Fig. 5b from the trainer metrics.jsonl', () => {
  it('trainingCurveFromMetrics reads train rows: wall = tokens / tokensPerSecond, loss = bias-corrected EMA', () => {
    const c = trainingCurveFromMetrics(metricsText(30, 256, 0.5), { runId: 'r', granularity: 2, backend: 'wasm' })!;
    assert.equal(c.wallSeconds.length, 30);
    assert.ok(Math.abs(c.wallSeconds[0]! - 0.5) < 1e-12 && Math.abs(c.wallSeconds[29]! - 15) < 1e-9);
    assert.equal(c.loss[0], 4.99); // first EMA value, bias-corrected, is the first loss
    const ema2 = (0.98 * 0.02 * 4.99 + 0.02 * 4.98) / (0.98 * 0.02 + 0.02);
    assert.ok(Math.abs(c.loss[1]! - ema2) < 1e-12);
    assert.equal(c.backend, 'wasm');
  });
  it('skips eval rows, torn lines and rows without throughput; null under two usable rows', () => {
    const text = `${metricsText(3, 256, 1)}{"kind":"train","step":4,"tok`;
    assert.equal(trainingCurveFromMetrics(text, { runId: 'r', granularity: 1 })!.wallSeconds.length, 3);
    assert.equal(trainingCurveFromMetrics('{"kind":"eval","step":1,"tokens":1,"valLoss":3}\n', { runId: 'r', granularity: 1 }), null);
    assert.equal(trainingCurveFromMetrics('{"step":1,"wallSeconds":3,"loss":3}\n{"step":2,"wallSeconds":4,"loss":2}\n', { runId: 'r', granularity: 1 }), null);
  });
  it("a resumed run (clock restarted) is rescaled to end at final.json's wallSeconds", () => {
    const text = metricsText(20, 100, 1).split('\n').slice(0, 11).join('\n') + '\n' + metricsText(40, 100, 1, 20);
    const c = trainingCurveFromMetrics(text, { runId: 'r', granularity: 1, finalWallSeconds: 40 })!;
    assert.ok(Math.abs(c.wallSeconds.at(-1)! - 40) < 1e-9);
  });
  it('readTrainingCurves picks the (N_act, D) group with most granularities and reads each run dir', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moelab-fig5b-'));
    const runs = fineGrainedRuns().filter((r) => r.family === 'moe' && r.dModel === 128 && r.tokens === 4e6);
    runs.forEach((r, i) => {
      fs.mkdirSync(path.join(dir, r.runId));
      fs.writeFileSync(path.join(dir, r.runId, 'metrics.jsonl'), metricsText(12, 128, 0.2 * (1 + i)));
    });
    const curves = readTrainingCurves(dir, runs);
    assert.deepEqual(curves.map((c) => c.granularity), [1, 2, 4, 8]);
    const spec = krajewski.fig5b(curves);
    assert.match(spec.caption, /x axis: wall-clock (seconds|minutes|hours) of one training process on CPU \(tfjs wasm\), not the paper's A100 GPU-hours/);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  it('fig5b rejects a curve whose times and losses differ in length', () => {
    assert.throws(() => krajewski.fig5b([{ runId: 'a', granularity: 2, wallSeconds: [1, 2], loss: [3] }]), FigureInputError);
  });
});

/** A fit-stage record as `pipeline/stages/fit.ts` writes it (JSON: non-finite numbers became null). */
function record(law: string, coefficients: Record<string, { estimate: number; lo: number | null; hi: number | null; se: number | null }>, status: 'ok' | 'failed' = 'ok'): FitRecord {
  const point = Object.fromEntries(Object.entries(coefficients).map(([k, v]) => [k, v.estimate]));
  return {
    law,
    form: law,
    status,
    target: 'valLoss',
    nRuns: 12,
    runIds: [],
    fit: { coefficients: point } as never,
    bootstrap: { law, resamples: 20, seed: 0, level: 0.95, failures: 1, fullFit: {} as never, coefficients: Object.fromEntries(Object.entries(coefficients).map(([k, v]) => [k, { mean: v.estimate, ...v }])) as never, derived: {} },
  } as unknown as FitRecord;
}

describe('bootstrap table from the fit stage records', () => {
  const records = [
    record('chinchilla', { A: { estimate: 406.4, lo: 300, hi: 520, se: 50 }, B: { estimate: 410.7, lo: 12, hi: 2.7e20, se: null }, E: { estimate: 1.69, lo: 1.6, hi: 1.75, se: 0.04 }, alpha: { estimate: 0.34, lo: 0.3, hi: 0.38, se: 0.02 }, beta: { estimate: 0.28, lo: 0.25, hi: 0.31, se: 0.015 } }),
    record('experts', { A: { estimate: 1, lo: 1, hi: 1, se: 0 } }, 'failed'),
  ];
  it('bootstrapRowsFromRecords keeps successful fits and maps null (non-finite in JSON) to null', () => {
    const rows = bootstrapRowsFromRecords(records);
    assert.deepEqual(rows.map((r) => `${r.law}.${r.coefficient}`), ['chinchilla.A', 'chinchilla.B', 'chinchilla.E', 'chinchilla.alpha', 'chinchilla.beta']);
    assert.equal(rows[1]!.se, null);
    assert.equal(rows[0]!.failures, 1);
  });
  it('buildFigureInputs({ fitRecords }) feeds the bootstrap table and takes coefficients from the records', () => {
    const inputs = buildFigureInputs({ runs: [...fineGrainedRuns(), ...expertsRuns()], fitRecords: records, fitInProcess: false });
    assert.equal(inputs.krajewski?.bootstrap?.coefficients?.length, 5);
    assert.deepEqual(inputs.fits?.chinchilla, { A: 406.4, B: 410.7, E: 1.69, alpha: 0.34, beta: 0.28 });
    const spec = krajewski.tableBootstrap(inputs.krajewski!.bootstrap!);
    matchSnapshot('krajewski.bootstrap.coefficients', spec);
    const md = tableToMarkdown(spec);
    assert.match(md, /\| chinchilla \| B \| 410\.7 \| 12 \| 2\.7e\+20 \| – \|/);
    assert.match(spec.caption, /Every law: 20 resamples \(1 failed\), 95% percentile intervals\. Not finite over the resamples \(shown as –\): chinchilla\.B\./);
  });
  it('rejects an interval whose bounds are out of order, naming the coefficient', () => {
    const rows = bootstrapRowsFromRecords(records).map((r, i) => (i === 2 ? { ...r, lo: 2, hi: 1 } : r));
    assert.throws(() => krajewski.tableBootstrap({ coefficients: rows }), (e: unknown) => e instanceof FigureInputError && /chinchilla\.E\) has lo 2 > hi 1/.test(e.message));
  });
});

describe('loadFigureInputs reads the run table with src/runs readRunTable', () => {
  it('loads runs.csv and the fit records beside it (bootstrap table fed, no refit)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moelab-load-'));
    const runs = [...fineGrainedRuns(), ...expertsRuns()];
    await writeRunTable(path.join(dir, 'runs.csv'), runs);
    fs.mkdirSync(path.join(dir, 'fits'));
    fs.writeFileSync(path.join(dir, 'fits', 'chinchilla.json'), JSON.stringify(record('chinchilla', { A: { estimate: 406.4, lo: 300, hi: 520, se: 50 } })));
    const inputs = await loadFigureInputs({ resultsDir: dir, fitInProcess: false });
    assert.equal(inputs.runs.length, runs.length);
    assert.deepEqual(inputs.runs[0], runs[0]);
    assert.equal(inputs.krajewski?.bootstrap?.coefficients?.[0]?.coefficient, 'A');
    fs.rmSync(dir, { recursive: true, force: true });
  });
  it('rejects a malformed run table with RunTableError naming line and column', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moelab-load-'));
    await writeRunTable(path.join(dir, 'runs.csv'), fineGrainedRuns().slice(0, 3));
    const text = fs.readFileSync(path.join(dir, 'runs.csv'), 'utf8').replace(/,moe,/, ',mixture,');
    fs.writeFileSync(path.join(dir, 'runs.csv'), text);
    await assert.rejects(loadFigureInputs({ resultsDir: dir, fitInProcess: false }), (e: unknown) => e instanceof RunTableError && /line 2, column "family"/.test(e.message));
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
