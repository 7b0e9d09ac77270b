import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { pidFilePath } from '../../src/pipeline';
import { FIXTURE_DAG, ranNames, waitForFile, workspace } from './helpers';

test('a stage killed with SIGKILL mid-write leaves no trusted output and is re-run next time', async () => {
  const ws = workspace();
  // a first successful run: slow.txt exists and is recorded
  assert.deepEqual(ranNames(await ws.repro({ targets: ['slow'] })), ['slow']);
  const good = fs.readFileSync(path.join(ws.results, 'slow.txt'), 'utf8');
  assert.equal(good.length, 1000);
  // change its parameter, make it hang after writing half its output, and kill -9 it
  ws.setConfig((c) => (c.slow.size = 2000));
  fs.rmSync(path.join(ws.fixtureDir, 'slow.pid'));
  fs.writeFileSync(path.join(ws.fixtureDir, 'hang'), '');
  const running = ws.repro({ targets: ['slow'] });
  await waitForFile(path.join(ws.fixtureDir, 'slow.pid'));
  process.kill(Number(fs.readFileSync(path.join(ws.fixtureDir, 'slow.pid'), 'utf8')), 'SIGKILL');
  const killed = await running;
  assert.deepEqual(killed.failed.map((f) => f.instance), ['slow']);
  assert.match(killed.failed[0].error, /SIGKILL/);
  // the half-written file never replaced the committed output, and nothing of `slow` is trusted any more
  assert.equal(fs.readFileSync(path.join(ws.results, 'slow.txt'), 'utf8'), good);
  assert.equal(ws.lock().instances['slow'], undefined);
  // its checkpoint state survives the crash (state: 'keep')
  assert.ok(fs.existsSync(path.join(ws.results, '.moelab-state', 'slow', 'checkpoint')));
  // next repro re-runs it, resuming from the checkpoint of the same key, and cleans the dead temp dir
  fs.rmSync(path.join(ws.fixtureDir, 'hang'));
  ws.takeEvents();
  const again = await ws.repro({ targets: ['slow'] });
  assert.deepEqual(ranNames(again), ['slow']);
  assert.deepEqual(again.ran[0].reasons, ['never run']);
  assert.equal(fs.readFileSync(path.join(ws.results, 'slow.txt'), 'utf8').length, 2000);
  assert.deepEqual(fs.readdirSync(path.join(ws.results, '.moelab-tmp')), []);
  assert.equal((ws.takeEvents()[0] as unknown as { resumed: boolean }).resumed, true);
  // a checkpoint of another key is never resumed
  ws.setConfig((c) => (c.slow.size = 3000));
  await ws.repro({ targets: ['slow'] });
  assert.equal((ws.takeEvents()[0] as unknown as { resumed: boolean }).resumed, false);
});

test('a second concurrent repro is refused with the holder pid; a stale pid file is taken over', async () => {
  const ws = workspace();
  fs.writeFileSync(path.join(ws.fixtureDir, 'hang'), '');
  const first = ws.repro({ targets: ['slow'] });
  await waitForFile(path.join(ws.fixtureDir, 'slow.pid'));
  const second = ws.cli(['repro', 'a', '--dag', FIXTURE_DAG, '--preset', ws.configFile, '--results', ws.results, '--data', ws.data]);
  assert.equal(second.status, 2);
  assert.match(second.stderr, new RegExp(`ReproLockedError: another moelab repro \\(pid ${process.pid}\\) is running`));
  fs.rmSync(path.join(ws.fixtureDir, 'hang'));
  assert.deepEqual(ranNames(await first), ['slow']);
  assert.equal(fs.existsSync(pidFilePath(ws.results)), false);
  // a pid file left by a dead process is taken over with a warning
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  fs.writeFileSync(pidFilePath(ws.results), dead.stdout);
  const warnings: string[] = [];
  const s = await ws.repro({ targets: ['a'], warn: (m) => warnings.push(m) });
  assert.deepEqual(ranNames(s), ['a']);
  assert.match(warnings.join('\n'), new RegExp(`stale lock .* of pid ${dead.stdout}`));
  // a holder on another host is never taken over (its liveness cannot be checked from here)
  fs.writeFileSync(pidFilePath(ws.results), `${dead.stdout} some-other-host\n`);
  await assert.rejects(ws.repro({ targets: ['a'] }), new RegExp(`pid ${dead.stdout} on host some-other-host\\) holds`));
});

test('a stage that throws fails the repro, keeps the error, and skips its dependants', async () => {
  const ws = workspace();
  // `a` fails: its fixtureDir does not exist, so recording its event throws ENOENT
  ws.setConfig((c) => (c.fixtureDir = path.join(ws.root, 'no', 'such', 'dir')));
  const s = await ws.repro({ targets: ['b'] });
  assert.deepEqual(s.failed.map((f) => f.instance), ['a']);
  assert.match(s.failed[0].error, /ENOENT/);
  assert.deepEqual(s.skipped, ['b']);
  assert.equal(fs.existsSync(path.join(ws.results, 'a.txt')), false);
});
