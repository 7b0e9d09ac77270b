import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import {
  CLARK_LOSS_COLUMNS,
  CLARK_NOTEBOOK_SELECTION,
  CLARK_ROUTING_FILE,
  clarkFitSets,
  countByRouter,
  readClarkRouting,
  readReleasedImport,
  releasedCurve,
  releasedLawInputs,
  RELEASED_RUN_COLUMNS,
  ReleasedTableError,
  selectReleasedRuns,
  writeReleasedImport,
} from '../../../src/runs/released';
import { OPTIONAL_RUN_COLUMNS, RUN_COLUMNS } from '../../../src/runs/types';

const REPO = path.resolve(__dirname, '..', '..', '..');
const table = readClarkRouting();

describe("Clark et al. 2022's vendored table", () => {
  test('imports to 223 runs: 87 S-Base, 69 Hash, 54 RL-R, 13 Dense, from 5,799 rows, unchanged as released', () => {
    assert.equal(table.table, 'clark-routing');
    assert.equal(table.format, 'clark');
    assert.equal(table.rows, 5799);
    assert.equal(table.runs.length, 223);
    assert.deepEqual(countByRouter(table.runs), { Dense: 13, 'S-Base': 87, Hash: 69, 'RL-R': 54 });
    assert.equal(table.sha256, 'c03e7531add85e594f368d33bac4a0220280be858a7ed12d147cf73af6a3819f');
    assert.ok(fs.existsSync(path.join(REPO, 'data', 'released', 'clark-routing', 'LICENSE')), 'the Apache-2.0 license travels with the data');
  });

  test('every run has the expected columns: router, E, k, routing frequency, N, P, FLOPs per step, six losses, seed, size label', () => {
    const labels = new Set(['15M', '25M', '55M', '130M', '370M', '1.3B']);
    for (const r of table.runs) {
      assert.ok(['S-Base', 'RL-R', 'Hash', 'Dense'].includes(r.router), r.router);
      assert.equal(r.family === 'dense', r.router === 'Dense');
      assert.ok(Number.isInteger(r.experts) && r.experts >= 1 && r.experts <= 512);
      assert.ok([1, 2, 4].includes(r.topK));
      assert.ok(r.routingFrequency > 0 && r.routingFrequency <= 1);
      assert.ok(r.paramsDense >= 15e6 && r.paramsDense <= 1.4e9, `${r.runId} N ${r.paramsDense}`);
      assert.ok(r.paramsTotal >= r.paramsDense);
      assert.ok(r.flopsPerStep > 0);
      assert.ok(labels.has(r.sizeLabel!));
      assert.deepEqual(Object.keys(r.losses), [...CLARK_LOSS_COLUMNS]);
      for (const c of CLARK_LOSS_COLUMNS) assert.ok(r.losses[c] > 0.9 && r.losses[c] < 4, `${r.runId} ${c} ${r.losses[c]}`);
      assert.equal(r.valLoss, r.losses.loss_validation);
      assert.equal(r.lossSteps.loss_validation, r.finalStep, 'the target is recorded at every final step');
      assert.deepEqual(Object.keys(r.extras), ['kqv_size', 'flop_increase']);
    }
    assert.equal(table.runs.filter((r) => r.family === 'dense').every((r) => r.experts === 1), true);
  });

  test("final losses equal the authors' notebook's sort_values('step').groupby('hyper_id').last() (last non-empty value per column)", () => {
    const text = zlib.gunzipSync(fs.readFileSync(path.join(REPO, CLARK_ROUTING_FILE))).toString('utf8');
    const [head, ...lines] = text.trimEnd().split('\n');
    const cols = head.split(',');
    const byRun = new Map<string, string[][]>();
    for (const l of lines) {
      const cells = l.split(',');
      byRun.set(cells[0], [...(byRun.get(cells[0]) ?? []), cells]);
    }
    const step = cols.indexOf('step');
    for (const r of table.runs) {
      const rows = byRun.get(r.runId)!.sort((a, b) => Number(a[step]) - Number(b[step]));
      for (const c of CLARK_LOSS_COLUMNS) {
        const j = cols.indexOf(c);
        const last = rows.filter((x) => x[j] !== '').pop()!;
        assert.equal(r.losses[c], Number(last[j]), `run ${r.runId} ${c}`);
        assert.equal(r.lossSteps[c], Number(last[step]));
      }
    }
  });

  test("the notebook's selection (routing_frequency 0.5, k = 1, seed 42) keeps 163 runs: 53 S-Base, 51 Hash, 54 RL-R, 5 dense (no 130M dense)", () => {
    const chosen = selectReleasedRuns(table.runs, CLARK_NOTEBOOK_SELECTION);
    assert.deepEqual(countByRouter(chosen), { Dense: 5, 'S-Base': 53, Hash: 51, 'RL-R': 54 });
    const denseLabels = chosen.filter((r) => r.family === 'dense').map((r) => r.sizeLabel).sort();
    assert.deepEqual(denseLabels, ['1.3B', '15M', '25M', '370M', '55M']);
    const sets = clarkFitSets(table.runs);
    assert.deepEqual(
      Object.fromEntries(Object.entries(sets).map(([k, s]) => [k, [s.dense, s.routed, s.runs.length]])),
      { 'S-Base': [5, 53, 58], 'RL-R': [5, 54, 59], Hash: [5, 51, 56] },
    );
    assert.ok(sets.Hash.runs.slice(0, 5).every((r) => r.family === 'dense'));
    assert.ok(sets.Hash.runs.slice(5).every((r) => r.router === 'Hash' && r.topK === 1 && r.seed === 42 && r.routingFrequency === 0.5));
  });

  test('filters by router, size, k and routing frequency (1/12 matches the stored 0.0833…)', () => {
    assert.equal(selectReleasedRuns(table.runs, { routers: ['S-Base'], topK: [2, 4] }).length, 12);
    assert.equal(selectReleasedRuns(table.runs, { routingFrequency: [1 / 12] }).length, 6);
    assert.equal(selectReleasedRuns(table.runs, { sizeLabels: ['1.3B'], family: 'dense' }).length, 1);
    assert.equal(selectReleasedRuns(table.runs, { seeds: [1, 2, 3] }).length, 3);
  });

  test('the notes report what the file holds besides clean curves, with the numbers', () => {
    const by = Object.fromEntries(table.notes.map((n) => [n.kind, n]));
    assert.deepEqual(by['loss-before-final-step'].runIds, ['82', '83', '84', '128', '140', '165', '166', '191']);
    assert.deepEqual(by['final-step-differs'].runIds, ['17', '112']);
    assert.match(by['final-step-differs'].message, /^221 of 223 runs end at step 249000; run 17 at 250000, run 112 at 248000\.$/);
    assert.deepEqual(by['missing-evaluations'].runIds, ['32', '36', '37', '165', '166']);
    assert.match(by['empty-loss-cells'].message, /^63 empty loss cells .* in 23 rows of 14 runs/);
    assert.deepEqual(by['repeated-configuration'].runIds, ['28', '67', '47', '56', '49', '57', '54', '66']);
    assert.deepEqual(by['dense-params-total'].runIds, ['114', '115', '116', '117', '118']);
    assert.equal(by['size-label-params'], undefined, 'each size label has one N');
    assert.equal(by['unread-columns'], undefined);
  });

  test('curves keep every evaluation step for the notebook (run 0: 26 steps, 0 … 249000)', () => {
    const c = releasedCurve(table, '0');
    assert.equal(c.steps.length, 26);
    assert.deepEqual([c.steps[0], c.steps[25]], [0, 249000]);
    assert.equal(c.losses.loss_validation[25], table.runs[0].valLoss);
    assert.equal(table.curves.reduce((n, x) => n + x.steps.length, 0), 5799);
    assert.throws(() => releasedCurve(table, 'nope'), /has no run "nope"/);
  });

  test('an import written to a folder reads back to the same runs and curves (curves.csv.gz is itself a released table)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moelab-clark-'));
    const written = writeReleasedImport(dir, table, { ref: 'clark', repoRoot: REPO });
    assert.deepEqual(written.map((f) => path.basename(f)), ['runs.csv', 'curves.csv.gz', 'import.json']);
    const back = readReleasedImport(dir);
    assert.equal(back.manifest.source.file, CLARK_ROUTING_FILE);
    assert.equal(back.manifest.runs, 223);
    assert.deepEqual(back.table.runs, table.runs);
    assert.deepEqual(back.table.curves, table.curves);
    assert.deepEqual(back.table.notes.map((n) => n.kind), table.notes.map((n) => n.kind));
    const csv = fs.readFileSync(path.join(dir, 'runs.csv'), 'utf8').trimEnd().split('\n');
    assert.equal(csv.length, 224);
    assert.match(csv[0], /^run_id,table,router,family,experts,top_k,routing_frequency,moe_every,params_dense,params_total,flops_per_step,flops,seed,size_label,/);
    assert.throws(() => readReleasedImport(fs.mkdtempSync(path.join(os.tmpdir(), 'moelab-empty-'))), (e: unknown) => e instanceof ReleasedTableError && e.kind === 'not-an-import');
  });
});

describe('released runs and the laws', () => {
  test('RELEASED_RUN_COLUMNS maps every run-table column, to a field or with the reason it cannot', () => {
    assert.deepEqual(Object.keys(RELEASED_RUN_COLUMNS).sort(), [...RUN_COLUMNS, ...OPTIONAL_RUN_COLUMNS].map(([k]) => k).sort());
    assert.equal(RELEASED_RUN_COLUMNS.sharedExperts.field, null);
    assert.equal(RELEASED_RUN_COLUMNS.paramsDense.field, 'paramsDense');
    assert.equal(RELEASED_RUN_COLUMNS.experts.field, 'experts');
    assert.equal(RELEASED_RUN_COLUMNS.trainLossSmoothed.field, null);
  });

  test("Clark's Eq. 1 inputs (N = paramsDense, E = experts) come from the released runs; a law in D or active parameters is refused with the reason", () => {
    const runs = clarkFitSets(table.runs)['S-Base'].runs;
    const obs = releasedLawInputs(runs, ['paramsDense', 'experts']);
    assert.equal(obs.x.length, 58);
    assert.deepEqual(obs.x[0], [runs[0].paramsDense, 1]);
    assert.equal(obs.loss[0], runs[0].losses.loss_validation);
    assert.equal(obs.labels[0], `clark-routing/${runs[0].runId}`);
    assert.equal(releasedLawInputs(runs, ['paramsDense'], 'loss_c4').loss[3], runs[3].losses.loss_c4);
    assert.throws(() => releasedLawInputs(runs, ['paramsActive', 'tokens']), (e: unknown) => e instanceof ReleasedTableError && e.kind === 'unmapped-column' && /paramsActive.*N \(the dense-equivalent count\) and P/.test(e.message));
    assert.throws(() => releasedLawInputs(runs, ['paramsDense', 'tokens']), (e: unknown) => e instanceof ReleasedTableError && /has no tokens \(the table does not record it\)/.test(e.message));
  });
});
