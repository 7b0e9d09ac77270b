import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LifelongRecordError, readLifelongRecords, writeLifelongRecord, type LifelongRecord } from '../../src/runs/lifelong';

const record = (seed: number): LifelongRecord => ({
  schema: 1,
  seed,
  baseRunId: `ll-base-s${seed}`,
  base: { experts: 8, oldLoss: 2.0 },
  arms: [{ arm: 'finetune', runId: `ll-finetune-s${seed}`, experts: 8, freeze: [], old: { before: 2.0, after: 2.1 }, new: { before: 2.0, after: 1.7 } }],
});

test('lifelong records are read back by seed order; a missing folder is no record', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moelab-ll-'));
  for (const s of [10, 2, 1]) writeLifelongRecord(path.join(dir, `s${s}.json`), record(s));
  fs.writeFileSync(path.join(dir, 'notes.txt'), 'not a record');
  assert.deepEqual(readLifelongRecords(dir).map((r) => r.seed), [1, 2, 10]);
  assert.deepEqual(readLifelongRecords(path.join(dir, 'absent')), []);
});

test('a damaged or invalid lifelong record is a LifelongRecordError naming the file, the field and the stage to re-run', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moelab-ll-'));
  fs.writeFileSync(path.join(dir, 's0.json'), '{"schema": 1, "seed": 0');
  assert.throws(() => readLifelongRecords(dir), (e: unknown) => e instanceof LifelongRecordError && /s0\.json: is not JSON.*lifelong@s0/.test(e.message));
  const bad = { ...record(0), arms: [{ ...record(0).arms[0]!, arm: 'retrain' }] };
  fs.writeFileSync(path.join(dir, 's0.json'), JSON.stringify(bad));
  assert.throws(() => readLifelongRecords(dir), (e: unknown) => e instanceof LifelongRecordError && /field arms\.0\.arm/.test(e.message));
  assert.throws(() => writeLifelongRecord(path.join(dir, 's1.json'), { ...record(1), arms: [] }));
  assert.equal(fs.existsSync(path.join(dir, 's1.json')), false, 'an invalid record is never written');
});
