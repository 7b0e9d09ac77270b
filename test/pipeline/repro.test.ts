import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ranNames, workspace } from './helpers';

const CORE = ['a', 'b', 'c', 'sweep', 'agg'];

test('repro runs every instance once, then a no-op repro runs nothing', async () => {
  const ws = workspace();
  const first = await ws.repro({ targets: CORE });
  assert.deepEqual(ranNames(first), ['a', 'agg', 'b', 'c', 'sweep@s1', 'sweep@s2']);
  assert.deepEqual(first.failed, []);
  assert.equal(fs.readFileSync(path.join(ws.results, 'b.txt'), 'utf8'), 'a=1 b=1\n');
  assert.equal(fs.readFileSync(path.join(ws.results, 'agg.txt'), 'utf8'), '6\n');
  ws.takeEvents();
  const second = await ws.repro({ targets: CORE });
  assert.deepEqual(second.ran, []);
  assert.equal(second.upToDate.length, 6);
  assert.deepEqual(ws.takeEvents(), []);
  const entry = ws.lock().instances['b'];
  assert.deepEqual(entry.params, { 'b.m': 1, fixtureDir: ws.fixtureDir });
  assert.deepEqual(Object.keys(entry.inputs), ['results:a.txt']);
  assert.deepEqual(Object.keys(entry.deps), ['a']);
  assert.equal(entry.executor.kind, 'local');
  assert.ok(typeof entry.executor.pid === 'number' && entry.wallSeconds >= 0);
});

test('changing one parameter re-runs only the stages that read it and their descendants', async () => {
  const ws = workspace();
  await ws.repro({ targets: CORE });
  ws.setConfig((c) => (c.c.k = 2));
  assert.deepEqual(ranNames(await ws.repro({ targets: CORE })), ['c']);
  ws.setConfig((c) => (c.a.n = 5));
  const s = await ws.repro({ targets: CORE });
  assert.deepEqual(ranNames(s), ['a', 'b']);
  assert.match(s.ran.find((r) => r.instance === 'a')!.reasons.join(), /param a\.n changed \(1 → 5\)/);
  assert.equal(fs.readFileSync(path.join(ws.results, 'b.txt'), 'utf8'), 'a=5 b=1\n');
});

test('deleting or editing an output re-runs its producer only', async () => {
  const ws = workspace();
  await ws.repro({ targets: CORE });
  fs.rmSync(path.join(ws.results, 'b.txt'));
  let s = await ws.repro({ targets: CORE });
  assert.deepEqual(ranNames(s), ['b']);
  assert.deepEqual(s.ran[0].reasons, ['output b.txt missing']);
  // editing a.txt re-runs a, which restores identical content, so b stays up to date
  fs.writeFileSync(path.join(ws.results, 'a.txt'), 'tampered\n');
  s = await ws.repro({ targets: CORE });
  assert.deepEqual(ranNames(s), ['a']);
  assert.deepEqual(s.ran[0].reasons, ['output a.txt modified']);
  // a file inside a directory output counts as an edit of that output
  fs.writeFileSync(path.join(ws.results, 'sweep', 's2', 'value.txt'), '0\n');
  assert.deepEqual(ranNames(await ws.repro({ targets: CORE })), ['sweep@s2']);
});

test('matrix instances keep stable names; adding a grid point runs only it and its dependants', async () => {
  const ws = workspace();
  await ws.repro({ targets: ['agg'] });
  ws.setConfig((c) => (c.grid = [1, 2, 3]));
  const s = await ws.repro({ targets: ['agg'] });
  assert.deepEqual(ranNames(s), ['agg', 'sweep@s3']);
  assert.deepEqual(
    Object.keys(ws.lock().instances).filter((k) => k.startsWith('sweep@')).sort(),
    ['sweep@s1', 'sweep@s2', 'sweep@s3'],
  );
  assert.equal(fs.readFileSync(path.join(ws.results, 'agg.txt'), 'utf8'), '12\n');
});

test('--dry-run prints what would run and why, and runs nothing', async () => {
  const ws = workspace();
  await ws.repro({ targets: CORE });
  ws.takeEvents();
  ws.setConfig((c) => (c.b.m = 9));
  const r = ws.cli(['repro', ...CORE, '--dry-run', '--dag', path.join(__dirname, 'fixtures', 'dag.ts'), '--preset', ws.configFile, '--results', ws.results, '--data', ws.data]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /would run b: param b\.m changed \(1 → 9\)/);
  assert.doesNotMatch(r.stdout, /would run (a|c|agg)/);
  assert.match(r.stdout, /1 would run, 5 up to date/);
  assert.deepEqual(ws.takeEvents(), []);
  assert.equal(fs.readFileSync(path.join(ws.results, 'b.txt'), 'utf8'), 'a=1 b=1\n');
});

test('--force re-runs a stage that is up to date', async () => {
  const ws = workspace();
  await ws.repro({ targets: ['a', 'c'] });
  const s = await ws.repro({ targets: ['a', 'c'], force: ['c'] });
  assert.deepEqual(ranNames(s), ['c']);
  assert.deepEqual(s.ran[0].reasons, ['forced (--force)']);
  await assert.rejects(ws.repro({ targets: ['a'], force: ['nope'] }), /--force nope: no such stage/);
});

test('-j 2 runs independent stages concurrently (their run intervals overlap)', async () => {
  const ws = workspace();
  const s = await ws.repro({ targets: ['p1', 'p2'], jobs: 2 });
  assert.deepEqual(ranNames(s), ['p1', 'p2']);
  const ev = ws.takeEvents();
  const p1 = ev.find((e) => e.instance === 'p1')!;
  const p2 = ev.find((e) => e.instance === 'p2')!;
  assert.notEqual(p1.pid, p2.pid);
  assert.ok(p1.start < p2.end && p2.start < p1.end, `p1 [${p1.start}, ${p1.end}] and p2 [${p2.start}, ${p2.end}] overlap`);
});

test('an instance needing 2 CPU slots runs alone under -j 2; two 1-slot instances share the slots', async () => {
  const ws = workspace();
  const s = await ws.repro({ targets: ['wide', 'narrow1', 'narrow2'], jobs: 2 });
  assert.deepEqual(ranNames(s), ['narrow1', 'narrow2', 'wide']);
  const ev = Object.fromEntries(ws.takeEvents().map((e) => [e.instance, e]));
  const overlap = (x: { start: number; end: number }, y: { start: number; end: number }) => x.start < y.end && y.start < x.end;
  assert.ok(!overlap(ev.wide, ev.narrow1) && !overlap(ev.wide, ev.narrow2), JSON.stringify(ev));
});

test('an unknown target names the known stages', async () => {
  const ws = workspace();
  await assert.rejects(ws.repro({ targets: ['zzz'] }), (e: Error) => e.name === 'TargetError' && /stages: a, b, c, sweep, agg, p1, p2, slow, wide/.test(e.message));
});
