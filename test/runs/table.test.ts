import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readNumericCsv, readRunSummaryFile, readRunTable, RunTableError, runTableFromSummaries, writeRunTable } from '../../src/runs/table';
import { RUN_COLUMNS, type RunSummary } from '../../src/runs/types';

function row(i: number, over: Partial<RunSummary> = {}): RunSummary {
  return {
    runId: `fg-moe-e8-g${i}`,
    sweep: 'fine-grained',
    family: 'moe',
    router: 'expert-choice',
    layers: 2,
    dModel: 64,
    heads: 2,
    dFF: 256,
    expansionRate: 8,
    granularity: 2 ** i,
    experts: 8 * 2 ** i,
    topKEffective: 2 ** i,
    moeEvery: 1,
    paramsTotal: 280_000 + i,
    paramsActive: 100_000.5,
    paramsDense: 100_000,
    paramsEmbedding: 33_000,
    tokens: 1_000_000,
    flopsKrajewski: 6.1e11,
    flops6ND: 6e11,
    flops6NDAll: 7e11,
    valLoss: 2.5 - 0.1 * i,
    trainLossSmoothed: 2.45 - 0.1 * i,
    seed: 0,
    backend: 'wasm',
    wallSeconds: 12.5,
    ...over,
  };
}

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'moelab-runs-'));

test('writeRunTable then readRunTable round-trips every column exactly', async () => {
  const file = path.join(tmp(), 'runs.csv');
  const rows = [row(0), row(1), row(2)];
  await writeRunTable(file, rows);
  assert.equal(fs.readFileSync(file, 'utf8').split('\n')[0], RUN_COLUMNS.map(([, h]) => h).join(','));
  assert.deepEqual(await readRunTable(file), rows);
  assert.deepEqual(fs.readdirSync(path.dirname(file)), ['runs.csv'], 'no temp file left behind');
});

test('the shared_experts column is written only when some run has shared experts (after moe_every), read back, and absent means none', async () => {
  const file = path.join(tmp(), 'runs.csv');
  const rows = [row(0), row(1, { sharedExperts: 1 }), row(2)];
  await writeRunTable(file, rows);
  const header = fs.readFileSync(file, 'utf8').split('\n')[0]!.split(',');
  assert.equal(header[header.indexOf('moe_every') + 1], 'shared_experts');
  assert.deepEqual(await readRunTable(file), rows, 'rows without shared experts read back without the key');
  assert.deepEqual(runTableFromSummaries(rows), rows, 'the runs stage keeps the shared count of a summary');
  const plain = path.join(tmp(), 'runs.csv');
  await writeRunTable(plain, [row(0), row(1)]);
  assert.equal(fs.readFileSync(plain, 'utf8').split('\n')[0], RUN_COLUMNS.map(([, h]) => h).join(','), 'a table without shared experts keeps its exact header');
  await expectTableError((lines) => setCell(lines.map((l, i) => `${l},${i === 0 ? 'shared_experts' : '1'}`), 2, 'shared_experts', '1.5'), /line 2, column "shared_experts": "1\.5" is not a whole number ≥ 0/);
});

async function expectTableError(csvMutate: (lines: string[]) => string[], pattern: RegExp): Promise<void> {
  const file = path.join(tmp(), 'runs.csv');
  await writeRunTable(file, [row(0), row(1)]);
  const lines = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
  fs.writeFileSync(file, csvMutate(lines).join('\n') + '\n');
  await assert.rejects(readRunTable(file), (e: unknown) => e instanceof RunTableError && pattern.test(e.message) && e.message.includes(file));
}

function setCell(lines: string[], line: number, column: string, value: string): string[] {
  const header = lines[0].split(',');
  const j = header.indexOf(column);
  const cells = lines[line - 1].split(',');
  cells[j] = value;
  lines[line - 1] = cells.join(',');
  return lines;
}

test('readRunTable names a missing column and lists the expected ones', async () => {
  await expectTableError((lines) => lines.map((l) => l.split(',').slice(0, -1).join(',')), /no column "wall_seconds"; expected columns: run_id/);
});

test('readRunTable names file, line and column for a non-numeric value', async () => {
  await expectTableError((l) => setCell(l, 3, 'tokens', 'lots'), /line 3, column "tokens": "lots" is not a number/);
});

test('readRunTable rejects NaN, negative and zero values with the row', async () => {
  await expectTableError((l) => setCell(l, 2, 'val_loss', 'NaN'), /line 2, column "val_loss": "NaN" is not a finite number/);
  await expectTableError((l) => setCell(l, 2, 'tokens', '-5'), /line 2, column "tokens": "-5" is not positive/);
  await expectTableError((l) => setCell(l, 3, 'params_total', ''), /line 3, column "params_total"/);
  await expectTableError((l) => setCell(l, 2, 'family', 'sparse'), /column "family": "sparse" is not allowed \(one of dense, moe\)/);
});

test('readRunTable reports a missing file with the fix', async () => {
  await assert.rejects(readRunTable('/nonexistent/runs.csv'), /does not exist; run the sweep first/);
});

test('runTableFromSummaries copies rows in column order and rejects a NaN loss', () => {
  const out = runTableFromSummaries([row(1)]);
  assert.deepEqual(Object.keys(out[0]), RUN_COLUMNS.map(([k]) => k));
  assert.throws(() => runTableFromSummaries([row(1, { valLoss: NaN })]), /valLoss = NaN/);
});

test('readNumericCsv reads params,tokens,loss and rejects a negative token count', async () => {
  const dir = tmp();
  const good = path.join(dir, 'good.csv');
  fs.writeFileSync(good, 'params,tokens,loss\n1e8,2e9,3.1\n2e8,4e9,2.9\n');
  const { lines, ...columns } = await readNumericCsv(good, ['params', 'tokens', 'loss']);
  assert.deepEqual(columns, { params: [1e8, 2e8], tokens: [2e9, 4e9], loss: [3.1, 2.9] });
  assert.deepEqual(lines, [2, 3], 'the file line of each row, for messages and fit labels');
  const bad = path.join(dir, 'bad.csv');
  fs.writeFileSync(bad, 'params,tokens,loss\n1e8,-2e9,3.1\n2e8,4e9,2.9\n');
  await assert.rejects(readNumericCsv(bad, ['params', 'tokens', 'loss']), /line 2, column "tokens": "-2e9" is negative/);
});

test('readRunSummaryFile reads a final.json that still calls the effective k topK, and names a missing column', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moelab-summary-'));
  const { topKEffective, ...rest } = row(2);
  const legacy = path.join(dir, 'legacy.json');
  fs.writeFileSync(legacy, JSON.stringify({ ...rest, topK: topKEffective }));
  assert.deepEqual(readRunSummaryFile(legacy), row(2));
  const { valLoss: _dropped, ...noLoss } = row(2);
  const broken = path.join(dir, 'broken.json');
  fs.writeFileSync(broken, JSON.stringify(noLoss));
  assert.throws(() => readRunSummaryFile(broken), (e: unknown) => e instanceof RunTableError && /broken\.json: valLoss: .*re-run its train stage/.test(e.message));
});

test('--where selects on the optional shared_experts column, a run without it reading as 0', async () => {
  const { selectRuns } = await import('../../src/cli/select-runs');
  const rows = [row(0), row(1, { sharedExperts: 1 }), row(2, { sharedExperts: 0 })];
  const pick = (where: string) => selectRuns('fine-grained', rows, { allRuns: true, where: [where] }).runs.map((r) => r.runId);
  assert.deepEqual(pick('shared_experts=1'), ['fg-moe-e8-g1']);
  assert.deepEqual(pick('sharedExperts=0'), ['fg-moe-e8-g0', 'fg-moe-e8-g2']);
});

test('the optional prior_tokens and frozen_weights columns (continued runs) round-trip and are absent when no run has them', async () => {
  const dir = tmp();
  const file = path.join(dir, 'runs.csv');
  await writeRunTable(file, [row(0), row(1, { priorTokens: 500_000, frozenWeights: 8256 })]);
  const header = fs.readFileSync(file, 'utf8').split('\n')[0]!;
  assert.match(header, /moe_every,prior_tokens,frozen_weights,params_total/);
  const back = await readRunTable(file);
  assert.equal(back[1]!.priorTokens, 500_000);
  assert.equal(back[1]!.frozenWeights, 8256);
  assert.equal('priorTokens' in back[0]!, false);
  await writeRunTable(file, [row(0)]);
  assert.doesNotMatch(fs.readFileSync(file, 'utf8').split('\n')[0]!, /prior_tokens|frozen_weights/);
});
