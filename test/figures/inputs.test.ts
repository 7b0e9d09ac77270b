import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { figureInputs } from '../../src/figures/inputs';
import * as krajewski from '../../src/figures/krajewski';
import { loadFigureInputs } from '../../src/figures/load';
import { FIGURES } from '../../src/figures/registry';
import { syntheticRunTable } from '../../src/figures/synthetic';
import { tableToMarkdown } from '../../src/figures/tables';
import { readTrainingCurves, trainingCurveFromMetrics } from '../../src/figures/training-curves';
import { FigureInputError, type FigureSpec, type TableSpec } from '../../src/figures/types';
import { fineGrainedLoss, fitRecordJson, fitRunTable, type FitRecord } from '../../src/laws';
import { RunTableError, writeRunTable } from '../../src/runs/table';
import { fineGrainedRuns } from './fixtures';

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


// One planted run table (src/figures/synthetic.ts: losses from known laws plus seeded noise), fitted once the way the
// fit stage does (`fitRunTable`: each law on its own runs, its paper protocol, the dense law's shared c).
const runs = syntheticRunTable({ seed: 0 });
const records = fitRunTable(runs, { resamples: 4 });
const entry = (id: string) => FIGURES.find((f) => f.id === id)!;
const byLaw = (law: string) => records.find((r) => r.law === law)!;
/** The record of `law` with its fit's coefficients and target replaced (a different fit the figures must follow). */
function withRecord(law: 'fine-grained', change: (r: FitRecord<'fine-grained'>) => FitRecord<'fine-grained'>): FitRecord[] {
  return records.map((r) => (r.law === law ? change(r as FitRecord<'fine-grained'>) : r));
}
const markerY = (spec: FigureSpec) => spec.data.filter((t) => t.mode === 'markers').flatMap((t) => t.y);

describe('figures are prepared from the fit records, never refitted', () => {
  it('the planted table fits every law (the inputs every other test here uses)', () => {
    assert.deepEqual(records.map((r) => `${r.law}:${r.status}`).sort(), ['chinchilla:ok', 'dense:ok', 'experts:ok', 'fine-grained:ok']);
  });
  it('every registered figure builds from runs + records, except Fig. 5b, which names the metrics it lacks, and the survey figures, which do not apply', () => {
    const inputs = figureInputs({ runs, records });
    for (const f of FIGURES) {
      // survey.* figures apply only to results holding their sweep (none here); the exporter leaves them out
      if (f.appliesTo && !f.appliesTo(inputs)) {
        assert.equal(f.paper, 'survey');
        continue;
      }
      if (f.id === 'krajewski.fig5b') assert.throws(() => f.build(inputs), (e: unknown) => e instanceof FigureInputError && /metrics\.jsonl/.test(e.message));
      else assert.equal(f.build(inputs).id, f.id);
    }
  });
  it("krajewski.fig4's dashed curves are Eq. 9 at the record's coefficients: change the record and the curve follows", () => {
    const c = byLaw('fine-grained').fit!.coefficients as { a: number; alpha: number; b: number; beta: number; g: number; gamma: number; c: number };
    const moved = withRecord('fine-grained', (r) => ({ ...r, fit: { ...r.fit!, coefficients: { ...c, c: c.c + 0.5 } } }));
    const curve = (recs: FitRecord[]) => (entry('krajewski.fig4').build(figureInputs({ runs, records: recs })) as FigureSpec).data.filter((t) => t.mode === 'lines');
    const [before, after] = [curve(records), curve(moved)];
    assert.ok(before.length > 0 && before.length === after.length);
    for (let i = 0; i < before.length; i++) before[i]!.y.forEach((y, j) => assert.ok(Math.abs(after[i]!.y[j]! - y - 0.5) < 1e-9));
    const run = runs.find((r) => r.family === 'moe' && r.sweep === 'fine-grained')!;
    assert.ok(Number.isFinite(fineGrainedLoss(c, run.paramsTotal, run.tokens, run.granularity)));
  });
  it("run points are drawn in the fit's target column: trainLossSmoothed by the paper protocol, valLoss when the record says so", () => {
    const moe = runs.filter((r) => r.family === 'moe' && r.sweep === 'fine-grained');
    const points = (recs: FitRecord[]) => new Set(markerY(entry('krajewski.fig4').build(figureInputs({ runs, records: recs })) as FigureSpec));
    assert.equal(byLaw('fine-grained').protocol.target, 'trainLossSmoothed');
    const paper = points(records);
    assert.ok(moe.every((r) => paper.has(r.trainLossSmoothed)) && !moe.every((r) => paper.has(r.valLoss)));
    const val = points(withRecord('fine-grained', (r) => ({ ...r, protocol: { ...r.protocol, target: 'valLoss' } })));
    assert.ok(moe.every((r) => val.has(r.valLoss)));
  });
  it("krajewski.fig5a's held-out points are exactly the record's hold-out runs, predicted by its hold-out fit", () => {
    const spec = entry('krajewski.fig5a').build(figureInputs({ runs, records })) as FigureSpec;
    const held = (byLaw('fine-grained').holdout as { heldOut: Array<{ label: string; predicted: number }> }).heldOut;
    const validation = spec.data.find((t) => /held|validation/i.test(t.name))!;
    assert.equal(validation.x.length, held.length);
    assert.match(spec.caption, new RegExp(`${held.length} held out`));
  });
  it('without records the analytic figures draw the published coefficients only and the fit figures are refused with the reason', () => {
    const inputs = figureInputs({ runs });
    assert.match((entry('krajewski.fig1a').build(inputs) as FigureSpec).caption, /No fit of our runs yet/);
    assert.throws(() => entry('yun.fig3').build(inputs), (e: unknown) => e instanceof FigureInputError && /needs the experts law fitted on our runs; no fit record \(results\/fits\/experts\.json\)/.test(e.message));
    assert.throws(() => entry('krajewski.bootstrap').build(inputs), /no fit record has bootstrap intervals/);
  });
  it('a failed fit record is named with its error, not replaced by a refit', () => {
    const failed = records.map((r) => (r.law === 'experts' ? { ...r, status: 'failed' as const, fit: undefined, error: 'planted failure' } : r));
    assert.throws(() => entry('yun.fig5').build(figureInputs({ runs, records: failed })), /its fit failed: planted failure/);
  });
  it("krajewski.table2's our-fit rows use the sweep's expansion rate, as the analysis tables do, and the caption says so", () => {
    const t = entry('krajewski.table2').build(figureInputs({ runs, records })) as TableSpec;
    const E = runs.find((r) => r.sweep === 'fine-grained' && r.family === 'moe')!.expansionRate;
    const ours = t.rows.filter((r) => r.source === 'our fit (extrapolated)');
    assert.ok(ours.length > 0);
    assert.ok(t.rows.some((r) => r.source === 'paper'));
    assert.match(t.caption, new RegExp(`our sweep's E = ${E}`));
  });
  it('the bootstrap table lists every coefficient of every bootstrapped record with its level and resamples', () => {
    const t = entry('krajewski.bootstrap').build(figureInputs({ runs, records })) as TableSpec;
    const expected = records.flatMap((r) => Object.keys(r.bootstrap!.coefficients).map((k) => `${r.law}.${k}`)).sort();
    assert.deepEqual(krajewski.bootstrapRows(records).map((r) => `${r.law}.${r.coefficient}`).sort(), expected);
    assert.match(tableToMarkdown(t), /\| fine-grained \| gamma \|/);
  });
  it('Figs. 3a and 7 take the constant from the fit, and say so when they fall back to 95% of the lowest loss', () => {
    const spec = entry('krajewski.fig3a').build(figureInputs({ runs, records })) as FigureSpec;
    assert.doesNotMatch(spec.caption, /95% of the group's lowest loss/);
    const high = withRecord('fine-grained', (r) => ({ ...r, fit: { ...r.fit!, coefficients: { ...r.fit!.coefficients, c: 100 } } }));
    assert.match((entry('krajewski.fig3a').build(figureInputs({ runs, records: high })) as FigureSpec).caption, /The constant is 95% of the group's lowest loss \(the fitted G → ∞ limit/);
  });
});

describe('loadFigureInputs reads a results folder: runs.csv with readRunTable, fits/*.json with readFitRecords', () => {
  it('loads runs.csv and the fit records beside it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moelab-load-'));
    await writeRunTable(path.join(dir, 'runs.csv'), runs);
    fs.mkdirSync(path.join(dir, 'fits'));
    for (const r of records) fs.writeFileSync(path.join(dir, 'fits', `${r.law}.json`), fitRecordJson(r));
    const inputs = await loadFigureInputs({ resultsDir: dir });
    assert.equal(inputs.runs.length, runs.length);
    assert.deepEqual(inputs.fits['fine-grained'], byLaw('fine-grained').fit!.coefficients);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  it('rejects a malformed run table with RunTableError naming line and column', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moelab-load-'));
    await writeRunTable(path.join(dir, 'runs.csv'), fineGrainedRuns().slice(0, 3));
    const text = fs.readFileSync(path.join(dir, 'runs.csv'), 'utf8').replace(/,moe,/, ',mixture,');
    fs.writeFileSync(path.join(dir, 'runs.csv'), text);
    await assert.rejects(loadFigureInputs({ resultsDir: dir }), (e: unknown) => e instanceof RunTableError && /line 2, column "family"/.test(e.message));
    fs.rmSync(dir, { recursive: true, force: true });
  });
  it('a folder without runs.csv is an error naming the path, not a silent fallback', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moelab-load-'));
    await assert.rejects(loadFigureInputs({ resultsDir: dir }), new RegExp(`no run table at ${dir.replace(/[/.]/g, '\\$&')}/runs\\.csv`));
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
