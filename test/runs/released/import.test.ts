import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import {
  CLARK_LOSS_COLUMNS,
  CLARK_ROUTING_FORMAT,
  MOELAB_RELEASED_FORMAT,
  parseReleasedTable,
  readReleasedFile,
  readReleasedTable,
  ReleasedTableError,
  type ReleasedTableErrorKind,
} from '../../../src/runs/released';

const FIXTURE = path.join(__dirname, 'fixtures', 'clark-mini.csv');
const TEXT = fs.readFileSync(FIXTURE, 'utf8');
const LINES = TEXT.trimEnd().split('\n');
const HEADER = LINES[0].split(',');
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'moelab-released-'));

/** The fixture with cell `column` of file line `line` (1-based) set to `value`. */
function withCell(line: number, column: string, value: string): string {
  const lines = [...LINES];
  const cells = lines[line - 1].split(',');
  const j = HEADER.indexOf(column);
  assert.ok(j >= 0, column);
  cells[j] = value;
  lines[line - 1] = cells.join(',');
  return lines.join('\n') + '\n';
}

/** Asserts that importing `text` fails with `kind`, at `line`/`column` when given, with a message matching `re`. */
function rejects(text: string, kind: ReleasedTableErrorKind, re: RegExp, where: { line?: number; column?: string } = {}) {
  assert.throws(
    () => parseReleasedTable(text, 'mini.csv', CLARK_ROUTING_FORMAT),
    (e: unknown) => {
      assert.ok(e instanceof ReleasedTableError, String(e));
      assert.equal(e.kind, kind, e.message);
      assert.equal(e.file, 'mini.csv');
      assert.ok(e.message.includes('mini.csv'), e.message);
      assert.match(e.message, re);
      if (where.line !== undefined) assert.equal(e.line, where.line, e.message);
      if (where.column !== undefined) assert.equal(e.column, where.column, e.message);
      assert.equal(e.exitCode, 2);
      return true;
    },
  );
}

describe('released tables: the small Clark-format fixture', () => {
  const t = parseReleasedTable(TEXT, FIXTURE, CLARK_ROUTING_FORMAT, { table: 'mini' });

  test('imports one run per hyper_id at its final step with every loss, N, P, FLOPs per step, k, routing frequency and label', () => {
    assert.equal(t.rows, 30);
    assert.deepEqual(t.runs.map((r) => r.runId), ['0', '1', '2', '3', '4', '5']);
    assert.deepEqual(t.lossColumns, CLARK_LOSS_COLUMNS);
    const r1 = t.runs[1];
    assert.equal(r1.table, 'mini');
    assert.equal(r1.router, 'S-Base');
    assert.equal(r1.family, 'moe');
    assert.equal(r1.experts, 8);
    assert.equal(r1.topK, 1);
    assert.equal(r1.routingFrequency, 0.5);
    assert.equal(r1.moeEvery, 2);
    assert.equal(r1.paramsDense, 16527360);
    assert.equal(r1.paramsTotal, 60579840);
    assert.equal(r1.flopsPerStep, 44576391823360);
    assert.equal(r1.flops, 44576391823360 * 199000);
    assert.equal(r1.seed, 42);
    assert.equal(r1.sizeLabel, '15M');
    assert.deepEqual([r1.dModel, r1.layers, r1.heads], [512, 6, 8]);
    assert.deepEqual(r1.extras, { kqv_size: 32, flop_increase: 1 });
    assert.equal(r1.tokens, null);
    assert.equal(r1.finalStep, 199000);
    assert.equal(r1.valLoss, 3.496078);
    assert.equal(r1.losses.loss_validation, 3.496078);
    assert.equal(t.runs[0].family, 'dense');
  });

  test('a loss missing at the final step is read at its last evaluation within the tolerance, and lossSteps says so', () => {
    const r1 = t.runs[1];
    assert.equal(r1.losses.loss_pile, 3.397044);
    assert.equal(r1.lossSteps.loss_pile, 198000);
    assert.equal(r1.lossSteps.loss_c4, 199000);
    const note = t.notes.find((n) => n.kind === 'loss-before-final-step');
    assert.ok(note);
    assert.deepEqual(note.runIds, ['1']);
    assert.match(note.message, /run 1: loss_pile at 198000 \(final step 199000\)/);
    assert.match(note.message, /the target loss_validation is recorded at every final step/);
  });

  test('curves are sorted by step whatever the row order, with null where a loss was not evaluated', () => {
    const c3 = t.curves[3];
    assert.deepEqual(c3.steps, [0, 50000, 100000, 150000, 200000]);
    assert.ok(c3.losses.loss_validation.every((v, i, a) => i === 0 || (v !== null && v < a[i - 1]!)));
    const c2 = t.curves[2];
    assert.deepEqual(c2.steps, [0, 50000, 150000, 199000]);
    assert.equal(c2.losses.loss_c4[1], null);
    assert.equal(c2.tokens, null);
    assert.deepEqual(t.curves[1].losses.loss_validation.slice(-2), [null, 3.496078]);
  });

  test('the notes give the numbers: other final steps, missing evaluations, empty cells, repeated configurations, dense P > N', () => {
    const kinds = t.notes.map((n) => n.kind);
    assert.deepEqual(kinds, ['loss-before-final-step', 'final-step-differs', 'missing-evaluations', 'empty-loss-cells', 'repeated-configuration', 'dense-params-total']);
    const by = Object.fromEntries(t.notes.map((n) => [n.kind, n]));
    assert.match(by['final-step-differs'].message, /^5 of 6 runs end at step 199000; run 3 at 200000\.$/);
    assert.match(by['missing-evaluations'].message, /1 run misses evaluations on the table's 50000-step grid .*run 2 at 100000\./);
    assert.match(by['empty-loss-cells'].message, /^7 empty loss cells .* in 3 rows of 2 runs: loss_c4 2, loss_curation_corpus 1, loss_lambada 1, loss_pile 1, loss_validation 1, loss_wikitext103 1\.$/);
    assert.deepEqual(by['repeated-configuration'].runIds, ['1', '4']);
    assert.match(by['repeated-configuration'].message, /runs 1, 4 \(S-Base 15M, 8 experts, k 1, routing frequency 0\.5, seed 42; final loss_validation 3\.4961 vs 3\.5061\)/);
    assert.deepEqual(by['dense-params-total'].runIds, ['5']);
    assert.match(by['dense-params-total'].message, /run 5: k 2, P\/N 1\.306/);
  });

  test('the same file gzip-compressed imports to the same table (read with zlib, by content)', () => {
    const dir = tmp();
    const gz = path.join(dir, 'mini.csv.gz');
    fs.writeFileSync(gz, zlib.gzipSync(TEXT));
    const g = readReleasedFile(gz, CLARK_ROUTING_FORMAT, { table: 'mini' });
    assert.deepEqual(g.runs, t.runs);
    assert.deepEqual(g.curves, t.curves);
    assert.match(g.sha256, /^[0-9a-f]{64}$/);
    assert.equal(readReleasedTable(gz, { table: 'mini' }).format, 'clark', 'format detected from the header');
  });

  test('the target can be another loss column; a name that is not a loss column is a named error', () => {
    const w = parseReleasedTable(TEXT, 'mini.csv', CLARK_ROUTING_FORMAT, { target: 'loss_wikitext103' });
    assert.equal(w.runs[0].target, 'loss_wikitext103');
    assert.equal(w.runs[0].valLoss, w.runs[0].losses.loss_wikitext103);
    assert.throws(() => parseReleasedTable(TEXT, 'mini.csv', CLARK_ROUTING_FORMAT, { target: 'loss_nope' }), (e: unknown) => e instanceof ReleasedTableError && e.kind === 'unknown-target' && /use one of loss_c4, .*--target/.test(e.message));
  });
});

describe('released tables: malformed input is a named error with file, line, column and fix', () => {
  test('an empty file and a header with no rows', () => {
    rejects('', 'empty', /is empty; it needs a header and one row per run and evaluation step/, { line: 1 });
    rejects(LINES[0] + '\n', 'empty', /has a header but no rows/);
  });

  test('a missing column names it and lists the header', () => {
    const text = TEXT.replace('dense_parameter_count', 'dense_params');
    rejects(text, 'missing-column', /line 1: no column "dense_parameter_count" \(the paramsDense of each row\); the header has hyper_id, step, /, { line: 1, column: 'dense_parameter_count' });
    rejects(TEXT.replace('loss_pile', 'pile'), 'missing-column', /no column "loss_pile" \(a loss column of this format\)/, { column: 'loss_pile' });
  });

  test('a duplicated column and a row with the wrong number of cells', () => {
    rejects(TEXT.replace('kqv_size', 'd_model'), 'duplicate-column', /column "d_model" appears twice \(columns 10 and 13\)/, { line: 1 });
    const lines = [...LINES];
    lines[4] = lines[4] + ',extra';
    rejects(lines.join('\n'), 'ragged-row', /line 5: 23 cells where the header has 22/, { line: 5 });
  });

  test('a non-numeric, a NaN and a non-positive loss', () => {
    rejects(withCell(3, 'loss_validation', 'three'), 'not-a-number', /line 3, column "loss_validation": "three" is not a number > 0; leave the cell empty when this loss was not evaluated/, { line: 3, column: 'loss_validation' });
    rejects(withCell(3, 'loss_c4', 'NaN'), 'non-finite', /line 3, column "loss_c4": "NaN" is not a number > 0; leave the cell empty/, { line: 3, column: 'loss_c4' });
    rejects(withCell(4, 'loss_pile', '-inf'), 'non-finite', /"-inf"/, { line: 4 });
    rejects(withCell(4, 'loss_lambada', '0'), 'out-of-range', /line 4, column "loss_lambada": "0" is not a number > 0/, { line: 4, column: 'loss_lambada' });
  });

  test('configuration cells: zero or negative counts, fractional experts, a routing frequency above 1, an empty cell', () => {
    rejects(withCell(2, 'dense_parameter_count', '0'), 'out-of-range', /column "dense_parameter_count": "0" is not a number > 0/, { line: 2 });
    rejects(withCell(2, 'flops_per_step', '-4'), 'out-of-range', /column "flops_per_step": "-4" is not a number > 0/);
    rejects(withCell(8, 'num_experts', '7.5'), 'out-of-range', /line 8, column "num_experts": "7\.5" is not an integer ≥ 1/, { line: 8 });
    rejects(withCell(8, 'routing_frequency', '2'), 'out-of-range', /is not a fraction in \(0, 1\]/);
    rejects(withCell(8, 'seed', ''), 'missing-value', /line 8, column "seed": empty; it must be an integer ≥ 0/, { line: 8, column: 'seed' });
    rejects(withCell(8, 'step', '1e3.5'), 'not-a-number', /column "step": "1e3\.5" is not an integer ≥ 0/);
    rejects(withCell(8, 'router_type', ''), 'missing-value', /column "router_type": empty/);
  });

  test('P below N and a dense run with experts are contradictions, named as such', () => {
    rejects(withCell(7, 'total_parameter_count', '1000'), 'out-of-range', /line 7, column "total_parameter_count": total parameters 1000 < dense parameters 16527360 .*P ≥ N/, { line: 7 });
    rejects(withCell(2, 'num_experts', '4'), 'inconsistent-run', /line 2, column "num_experts": a Dense run with 4 experts; dense runs have experts = 1/, { line: 2 });
  });

  test('a duplicate (hyper_id, step) names both lines', () => {
    const lines = [...LINES];
    lines.splice(3, 0, lines[2]);
    rejects(lines.join('\n'), 'duplicate-step', /line 4: run 0 has step 50000 twice \(lines 3 and 4\); keep one row per run and step/, { line: 4 });
  });

  test("a run whose configuration changes between rows names the line, the column and both values", () => {
    rejects(withCell(9, 'num_experts', '16'), 'inconsistent-run', /line 9, column "num_experts": run 1 has 16 here but 8 on line 7; a run's configuration must be the same on all its rows/, { line: 9, column: 'num_experts' });
    rejects(withCell(9, 'kqv_size', '64'), 'inconsistent-run', /column "kqv_size": run 1 has 64 here but 32 on line 7/);
  });

  test('a run with no final value of a loss: never evaluated, or last evaluated long before the end', () => {
    let text = TEXT;
    for (const line of [13, 14, 15, 16]) text = text.split('\n').map((l, i) => (i === line - 1 ? l.split(',').map((c, j) => (j === HEADER.indexOf('loss_lambada') ? '' : c)).join(',') : l)).join('\n');
    rejects(text, 'no-final-loss', /run 2 \(first on line 13\) has no value of loss_lambada at any step; fill in its evaluations or drop the run/, { column: 'loss_lambada' });
    rejects(withCell(6, 'loss_validation', ''), 'no-final-loss', /run 0 has no loss_validation at the end of training: its last value is at step 150000 \(line 5\), more than 1\.0% of training before its final step 199000 \(line 6\)/, { line: 6 });
  });

  test('without a tokens column, a run that ended early is an error (the laws would read it as the same D)', () => {
    const lines = LINES.filter((l) => !/^4,(150000|199000),/.test(l));
    rejects(lines.join('\n'), 'ended-early', /run 4 ends at step 100000, more than 1\.0% before the longest run \(3, step 200000\), and the table has no "tokens" column/, { line: 22 });
    // A looser tolerance accepts it, and says so in no uncertain terms: the run is there with its final step.
    const loose = parseReleasedTable(lines.join('\n'), 'mini.csv', CLARK_ROUTING_FORMAT, { finalStepTolerance: 0.6 });
    assert.equal(loose.runs.find((r) => r.runId === '4')!.finalStep, 100000);
    assert.ok(loose.notes.some((n) => n.kind === 'final-step-differs' && /run 4 at 100000/.test(n.message)));
  });

  test('an unterminated quote is a named error with its line; a corrupt .gz names the file', () => {
    rejects(TEXT.replace('0,50000,3.727273', '0,50000,"3.727273'), 'unreadable', /line 3: a quoted cell is never closed/, { line: 3 });
    const dir = tmp();
    const bad = path.join(dir, 'bad.csv.gz');
    fs.writeFileSync(bad, zlib.gzipSync(TEXT).subarray(0, 500));
    assert.throws(() => readReleasedFile(bad, CLARK_ROUTING_FORMAT), (e: unknown) => e instanceof ReleasedTableError && e.kind === 'unreadable' && e.message.includes(bad));
    assert.throws(() => readReleasedFile(path.join(dir, 'none.csv'), CLARK_ROUTING_FORMAT), (e: unknown) => e instanceof ReleasedTableError && e.kind === 'missing-file');
  });

  test('a header that fits no known format lists what each format lacks', () => {
    const dir = tmp();
    const f = path.join(dir, 'odd.csv');
    fs.writeFileSync(f, 'id,step,loss\n1,0,3\n');
    assert.throws(
      () => readReleasedTable(f),
      (e: unknown) => e instanceof ReleasedTableError && e.kind === 'unknown-format' && /moelab format lacks run_id, router, .*; clark format lacks hyper_id, router_type/.test(e.message),
    );
  });
});

describe("released tables: moelab's own format (a user's table)", () => {
  const header = 'run_id,step,router,experts,top_k,routing_frequency,params_dense,params_total,flops_per_step,seed,tokens,loss_val,loss_other,extra_lr';
  const rows = [
    'a,0,dense,1,1,1,1e6,1e6,6e12,0,0,6.0,6.5,0.001',
    'a,1000,dense,1,1,1,1e6,1e6,6e12,0,1000000,3.0,3.5,0.001',
    'b,0,"token-choice, top-2",8,2,1,1e6,7e6,1.2e13,0,0,6.0,6.4,0.001',
    'b,500,"token-choice, top-2",8,2,1,1e6,7e6,1.2e13,0,500000,2.9,,0.001',
    'b,400,"token-choice, top-2",8,2,1,1e6,7e6,1.2e13,0,400000,3.0,3.3,0.001',
  ];
  test('reads loss_* and extra_* columns, quoted routers, tokens; dense by router name; runs of different lengths are fine with tokens', () => {
    const dir = tmp();
    const f = path.join(dir, 'mine.csv');
    fs.writeFileSync(f, [header, ...rows].join('\n') + '\n');
    const t = readReleasedTable(f, { target: 'loss_val', finalStepTolerance: 0.25 });
    assert.equal(t.format, 'moelab');
    assert.equal(t.table, 'mine');
    assert.deepEqual(t.lossColumns, ['loss_val', 'loss_other']);
    const [a, b] = t.runs;
    assert.equal(a.family, 'dense');
    assert.equal(b.family, 'moe');
    assert.equal(b.router, 'token-choice, top-2');
    assert.deepEqual(b.extras, { lr: 0.001 });
    assert.equal(a.tokens, 1_000_000);
    assert.equal(b.tokens, 500_000);
    assert.equal(b.finalStep, 500);
    assert.equal(b.losses.loss_other, 3.3);
    assert.equal(b.lossSteps.loss_other, 400);
    assert.deepEqual(t.curves[1].tokens, [0, 400000, 500000]);
    assert.equal(b.sizeLabel, null);
    assert.equal(b.layers, null);
  });

  test('the default tolerance refuses loss_other read 20% before the end of run b', () => {
    assert.throws(
      () => parseReleasedTable([header, ...rows].join('\n'), 'mine.csv', MOELAB_RELEASED_FORMAT, { target: 'loss_val' }),
      (e: unknown) => e instanceof ReleasedTableError && e.kind === 'no-final-loss' && /run b has no loss_other at the end of training: its last value is at step 400/.test(e.message),
    );
  });
});
