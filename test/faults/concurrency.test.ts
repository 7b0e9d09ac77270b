/**
 * Fault matrix, concurrency group (cases 18–22): one `repro` per results folder. The engine fixture DAG (its `slow`
 * stage hangs while a file exists) keeps a real repro holding the lock while a second one is started through the
 * CLI; pid files of dead, reused, foreign-host and unrelated processes are written by hand, as a crash, a reboot or
 * a shared file system leave them; the race starts two processes that call acquireReproLock in the same millisecond.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bootId, pidFilePath, processStartTicks } from '../../src/pipeline';
import { PIPELINE_DAG, sandbox, waitFor } from './helpers';

function fixture() {
  const sb = sandbox();
  const fixtureDir = path.join(sb.root, 'fixture');
  fs.mkdirSync(fixtureDir);
  const preset = path.join(sb.root, 'preset.json');
  fs.writeFileSync(preset, JSON.stringify({ name: 'fixture', fixtureDir, a: { n: 1 }, b: { m: 1 }, c: { k: 1 }, grid: [1], slow: { size: 10 } }));
  const args = (results = sb.results) => ['--dag', PIPELINE_DAG, '--preset', preset, '--results', results, '--data', sb.data];
  return { sb, fixtureDir, args };
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('one repro per results folder', () => {
  it('18: a second repro is refused with the holder pid, also through a trailing slash and a symlink to the folder', async () => {
    const { sb, fixtureDir, args } = fixture();
    fs.writeFileSync(path.join(fixtureDir, 'hang'), '');
    const first = sb.start(['repro', 'slow', ...args()]);
    await waitFor('slow to start', () => fs.existsSync(path.join(fixtureDir, 'slow.pid')));
    const link = path.join(sb.root, 'results-link');
    fs.symlinkSync(sb.results, link);
    for (const results of [sb.results, `${sb.results}/`, link, `${link}/`]) {
      const second = sb.run(['repro', 'a', ...args(results)]);
      assert.equal(second.status, 2, `--results ${results}: ${second.stderr}`);
      assert.match(second.stderr, new RegExp(`ReproLockedError: another moelab repro \\(pid ${first.child.pid}\\) is running`));
    }
    fs.rmSync(path.join(fixtureDir, 'hang'));
    assert.equal((await first.exited).code, 0, first.output());
    assert.equal(fs.existsSync(pidFilePath(sb.results)), false, 'the lock is released');
  });

  it('19: a stale pid file (dead pid, garbage, empty) is taken over with a warning naming it', () => {
    const { sb, args } = fixture();
    fs.mkdirSync(sb.results, { recursive: true });
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    const cases: Array<[string, RegExp]> = [
      [`${dead} ${os.hostname()}\n`, new RegExp(`of pid ${dead}, which is no longer running`)],
      ['garbage that is no pid\n', /of no process \(the file is empty or garbled\)/],
      ['', /of no process \(the file is empty or garbled\)/],
    ];
    for (const [text, why] of cases) {
      fs.writeFileSync(pidFilePath(sb.results), text);
      const r = sb.run(['repro', 'a', '--force', 'a', ...args()]);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, new RegExp(`warning: taking over stale lock ${escape(pidFilePath(sb.results))} ${why.source}`));
      assert.equal(fs.existsSync(pidFilePath(sb.results)), false);
    }
  });

  it('20: a pid file written on another host (a shared file system) is never taken over', () => {
    const { sb, args } = fixture();
    fs.mkdirSync(sb.results, { recursive: true });
    fs.writeFileSync(pidFilePath(sb.results), `4242 some-other-host\n`);
    const r = sb.run(['repro', 'a', ...args()]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /ReproLockedError: another moelab repro \(pid 4242 on host some-other-host\) holds .*; wait for it, or delete .* if that process is gone/);
    assert.equal(fs.readFileSync(pidFilePath(sb.results), 'utf8'), '4242 some-other-host\n');
  });

  it('21: a pid file naming a live process that is not its writer (pid 1, a reused pid) is taken over, never "kill 1"', () => {
    const { sb, args } = fixture();
    fs.mkdirSync(sb.results, { recursive: true });
    // an old-format file naming pid 1 (init): alive, but not a moelab repro
    fs.writeFileSync(pidFilePath(sb.results), '1\n');
    const init = sb.run(['repro', 'a', ...args()]);
    assert.equal(init.status, 0, init.stderr);
    assert.match(init.stderr, /taking over stale lock .* of pid 1, which is alive but is not a moelab repro/);
    assert.doesNotMatch(init.stderr, /kill 1/);
    // a current-format file whose pid is alive (this test process) but started at another time: the pid was reused
    const ticks = processStartTicks(process.pid);
    if (ticks !== undefined) {
      fs.writeFileSync(pidFilePath(sb.results), `${process.pid} ${os.hostname()} ${bootId() ?? '-'} ${ticks + 1}\n`);
      const reused = sb.run(['repro', 'a', '--force', 'a', ...args()]);
      assert.equal(reused.status, 0, reused.stderr);
      assert.match(reused.stderr, new RegExp(`of pid ${process.pid}, which is now another process`));
      // … and one written before this machine booted
      fs.writeFileSync(pidFilePath(sb.results), `${process.pid} ${os.hostname()} 00000000-0000-0000-0000-000000000000 ${ticks}\n`);
      const rebooted = sb.run(['repro', 'a', '--force', 'a', ...args()]);
      assert.equal(rebooted.status, 0, rebooted.stderr);
      assert.match(rebooted.stderr, new RegExp(`of pid ${process.pid}, written before this machine last booted`));
    }
  });

  it('22: of two repros taking the lock in the same millisecond, exactly one gets it (200 trials)', async () => {
    const sb = sandbox();
    const trials = 200;
    const dirs = Array.from({ length: trials }, (_, i) => path.join(sb.root, `r${i}`));
    const racer = path.join(__dirname, 'fixtures', 'lock-racer.ts');
    const racers = [0, 1].map(() => {
      const p = spawn(process.execPath, ['--import', 'tsx', racer, '15', ...dirs], { stdio: ['pipe', 'pipe', 'inherit'] });
      let out = '';
      p.stdout.on('data', (b: Buffer) => (out += b.toString()));
      const exited = new Promise<string>((resolve, reject) => p.on('exit', (code) => (code === 0 ? resolve(out.replace(/^ready\n/, '').replace(/done\n$/, '')) : reject(new Error(`racer exited ${code}`)))));
      return { p, exited, ready: () => out.startsWith('ready\n'), finished: () => out.endsWith('done\n') };
    });
    await waitFor('both racers loaded', () => racers.every((r) => r.ready()));
    const startAt = Date.now() + 2000; // both are spinning well before this
    for (const r of racers) r.p.stdin.write(`${startAt}\n`);
    // both hold every lock they got until both have tried every trial: an early finisher's release is no race
    await waitFor('both racers through all trials', () => racers.every((r) => r.finished()), 60_000);
    for (const r of racers) r.p.stdin.end('release\n');
    const [a, b] = await Promise.all(racers.map((r) => r.exited));
    const parse = (out: string) => out.trim().split('\n').map((l) => JSON.parse(l) as { trial: number; got: boolean; late?: boolean; error?: string });
    const ra = parse(a);
    const rb = parse(b);
    assert.equal(ra.length, trials);
    // a trial where one racer arrived late (a loaded machine) still needs exactly one holder, but is no race
    const raced = ra.filter((r, i) => !r.late && !rb[i]!.late).length;
    assert.ok(raced >= trials / 2, `only ${raced} of ${trials} trials had both racers spinning at the start`);
    const holders = ra.map((r, i) => Number(r.got) + Number(rb[i]!.got));
    assert.deepEqual(holders, new Array(trials).fill(1), 'one holder per trial');
    for (const r of ra.concat(rb)) if (!r.got) assert.match(r.error!, /ReproLockedError: another moelab repro \(pid \d+\) is running/);
  });
});
