/**
 * Fault matrix, crash group (cases 1–13): `kill -9` of the repro process group (what a terminal's kill, an OOM
 * killer or a lost session does: repro and every stage child die together), of the repro process alone, and
 * SIGINT; then `status`, `--dry-run` and a rerun, compared with an uninterrupted run.
 *
 * Cases 1, 2, 8, 9 and 10 (corpus, train) run the project's real corpus, train, runs, fit and analysis stages on
 * the mini preset (d16 models, 16-32 steps), because what must survive there is the stages' own state (corpus temp
 * files, checkpoints, metrics). Cases 3, 4, 6, 7, 11, 12 and 13 kill stages of the faults fixture DAG at a chosen
 * point: the engine does not know what a stage does, and the shapes that broke status after a kill (an input glob
 * of fits/*.json with one fit missing, an input file inside the figures/ directory output) are the same there.
 * Case 5 runs a real tslab notebook kernel (skipped without Jupyter).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { jupyterUnavailable } from '../../src/notebooks/execute';
import { pidAlive } from '../../src/util/pid-alive';
import type { FaultsConfig } from './fixtures/dag';
import {
  FAULTS_DAG,
  REPO_ROOT,
  leftovers,
  listFiles,
  lossesOf,
  miniPreset,
  runTableWithoutWall,
  sandbox,
  treeHashes,
  waitFor,
  waitNoMarked,
  type Sandbox,
} from './helpers';

/** Parses `moelab status --json`. */
function statusOf(sb: Sandbox, args: string[]): Map<string, { stale: boolean; reasons: string[] }> {
  const r = sb.run(['status', '--json', ...args]);
  assert.equal(r.status, 0, `status after the kill must report, not fail: ${r.stderr}`);
  const parsed = JSON.parse(r.stdout) as { instances: Array<{ name: string; stale: boolean; reasons: string[] }> };
  return new Map(parsed.instances.map((i) => [i.name, { stale: i.stale, reasons: i.reasons }]));
}

/** `repro --dry-run --json`: which instances would run. */
function wouldRun(sb: Sandbox, args: string[]): string[] {
  const r = sb.run(['repro', '--dry-run', '--json', ...args]);
  assert.equal(r.status, 0, `--dry-run after the kill must report, not fail: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { ran: Array<{ instance: string }> }).ran.map((x) => x.instance).sort();
}

describe('kill -9 of the repro process group in the real corpus and train stages', () => {
  const ref = sandbox();
  const sb = sandbox();
  const target = 'analysis';
  const where = (s: Sandbox, preset: string) => ['--preset', preset, '--results', s.results, '--data', s.data];
  const args = (s: Sandbox, preset: string) => [target, ...where(s, preset), '-j', '2'];
  const preset = miniPreset(sb.root);

  it('reference: an uninterrupted run of corpus → train@… → runs → fit@… → analysis', () => {
    const r = ref.run(['repro', ...args(ref, miniPreset(ref.root))]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });

  it('1, 10: killed during corpus, nothing of the corpus is committed, no process survives, and status says corpus must run', async () => {
    const p = sb.start(['repro', ...args(sb, preset)]);
    await waitFor('the corpus stage to start', () => fs.existsSync(path.join(sb.results, '.moelab-logs', 'corpus.spec.json')));
    p.killGroup('SIGKILL');
    await p.exited;
    assert.deepEqual(await waitNoMarked(sb), [], 'no process of the killed run is left');
    assert.ok(!fs.existsSync(path.join(sb.data, 'mini', 'manifest.json')), 'the kill came before the corpus was committed');
    const st = statusOf(sb, where(sb, preset));
    assert.equal(st.get('corpus')?.stale, true);
    assert.ok([...st.values()].every((s) => s.stale), 'nothing is up to date');
  });

  it('2, 10: killed during a train instance after a checkpoint, status says which instances must run', async () => {
    const p = sb.start(['repro', ...args(sb, preset)]);
    const stateDir = path.join(sb.results, '.moelab-state');
    const checkpointed = () => (fs.existsSync(stateDir) ? fs.readdirSync(stateDir).filter((d) => fs.existsSync(path.join(stateDir, d, 'checkpoint.bin'))) : []);
    await waitFor('a training checkpoint', () => checkpointed().length > 0);
    p.killGroup('SIGKILL');
    await p.exited;
    assert.deepEqual(await waitNoMarked(sb), []);
    const resumable = checkpointed();
    const st = statusOf(sb, where(sb, preset));
    assert.equal(st.get('corpus')?.stale, false, 'the corpus finished before the kill and stays up to date');
    for (const inst of resumable) {
      assert.equal(st.get(inst)?.stale, true, `${inst} was killed mid-run`);
      assert.ok(!fs.existsSync(path.join(sb.results, 'runs', inst.slice('train@'.length), 'final.json')), `${inst} committed nothing`);
    }
    assert.equal(st.get('analysis')?.stale, true);
  });

  it('8, 9: the rerun resumes and ends with the uninterrupted run\'s run table (but wall time), metrics, fits and tables, and no temp files', () => {
    const r = sb.run(['repro', ...args(sb, preset)]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.equal(runTableWithoutWall(path.join(sb.results, 'runs.csv')), runTableWithoutWall(path.join(ref.results, 'runs.csv')));
    for (const id of fs.readdirSync(path.join(ref.results, 'runs'))) {
      assert.deepEqual(lossesOf(path.join(sb.results, 'runs', id, 'metrics.jsonl')), lossesOf(path.join(ref.results, 'runs', id, 'metrics.jsonl')), id);
    }
    const same = (rel: string) => /^(fits|tables)\//.test(rel);
    assert.deepEqual(treeHashes(sb.results, (f) => !same(f)), treeHashes(ref.results, (f) => !same(f)));
    assert.deepEqual(treeHashes(sb.data, (f) => f.startsWith('.')), treeHashes(ref.data, (f) => f.startsWith('.')));
    assert.deepEqual([...leftovers(sb.results), ...leftovers(sb.data)], []);
    assert.equal(fs.existsSync(path.join(sb.results, '.moelab-state')) && fs.readdirSync(path.join(sb.results, '.moelab-state')).length > 0, false, 'state dirs are removed after success');
  });
});

/** A fixture sandbox: its config file and CLI arguments. */
function fixture(over: Partial<FaultsConfig> = {}) {
  const sb = sandbox();
  const fixtureDir = path.join(sb.root, 'fixture');
  fs.mkdirSync(fixtureDir);
  const config: FaultsConfig = { name: 'faults', fixtureDir, runs: ['r1', 'r2'], laws: ['la', 'lb'], steps: 8, notebooks: { real: false, sleepMs: 0 }, ...over };
  const preset = path.join(sb.root, 'preset.json');
  const write = (c: FaultsConfig) => fs.writeFileSync(preset, JSON.stringify(c));
  write(config);
  const where = ['--dag', FAULTS_DAG, '--preset', preset, '--results', sb.results, '--data', sb.data];
  const args = [...where, '-j', '2'];
  const hang = (instance: string) => fs.writeFileSync(path.join(fixtureDir, `hang-${instance}`), '');
  const unhang = (instance: string) => fs.rmSync(path.join(fixtureDir, `hang-${instance}`), { force: true });
  const hung = (instance: string) => path.join(fixtureDir, `${instance}.pid`);
  return { sb, fixtureDir, config, where, args, hang, unhang, hung, write };
}

/** Results of a finished fixture run that must equal the uninterrupted run's (engine files and logs left out). */
const comparable = (dir: string) => treeHashes(dir, (f) => f.startsWith('.moelab') || f === 'moelab.lock.json');

describe('kill -9 of the repro process group in the fit, figures, notebooks and report stages (fixture DAG)', () => {
  const ref = fixture();
  const f = fixture();
  const points: Array<[string, string, string]> = [
    ['fit@lb', '3, 11', "an input glob (fits/*.json) with one of its files missing"],
    ['figures', '4, 12', 'an input inside a directory output (figures/manifest.json) that is not there'],
    ['notebooks', '6, 10', 'a directory output being written'],
    ['report', '6, 10', 'the last stage'],
  ];

  it('reference: an uninterrupted fixture run', () => {
    const r = ref.sb.run(['repro', ...ref.args]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    for (const [i] of points) f.hang(i); // each rerun below goes on to the next hang point and is killed there
  });

  for (const [instance, cases, what] of points) {
    it(`${cases}: killed during ${instance} (${what}), status and --dry-run report what must run, and the rerun goes on`, async () => {
      const p = f.sb.start(['repro', ...f.args]);
      try {
        await waitFor(`${instance} to hang`, () => fs.existsSync(f.hung(instance)));
      } finally {
        p.killGroup('SIGKILL');
        await p.exited;
      }
      assert.deepEqual(await waitNoMarked(f.sb), [], 'no stage child survives the kill');
      fs.rmSync(f.hung(instance));
      const st = statusOf(f.sb, f.where);
      assert.equal(st.get(instance)?.stale, true);
      assert.equal(st.get('runs')?.stale, false, 'upstream outputs finished before the kill stay up to date');
      const pending = [...st].filter(([, s]) => s.stale).map(([n]) => n).sort();
      assert.deepEqual(wouldRun(f.sb, f.where), pending, '--dry-run and status agree');
      f.unhang(instance);
    });
  }

  it('8, 9: after the last kill the rerun ends with the uninterrupted run\'s outputs and leaves no temp files', () => {
    for (const [i] of points) f.unhang(i);
    const r = f.sb.run(['repro', ...f.args]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.deepEqual(comparable(f.sb.results), comparable(ref.sb.results));
    assert.deepEqual(comparable(f.sb.data), comparable(ref.sb.data));
    assert.deepEqual([...leftovers(f.sb.results), ...leftovers(f.sb.data)], []);
  });

  it('7: kill -9 of the repro process alone: its stage children exit by themselves, and the rerun completes', async () => {
    const g = fixture();
    g.hang('train@r1');
    const p = g.sb.start(['repro', ...g.args]);
    await waitFor('train@r1 to hang', () => fs.existsSync(g.hung('train@r1')));
    const child = Number(fs.readFileSync(g.hung('train@r1'), 'utf8'));
    process.kill(p.child.pid!, 'SIGKILL'); // the parent only; the hang file stays, so only the parent's death ends the child
    await p.exited;
    await waitFor('the orphaned stage child to exit', () => !pidAlive(child), 20_000);
    assert.deepEqual(await waitNoMarked(g.sb), []);
    g.unhang('train@r1');
    const r = g.sb.run(['repro', ...g.args]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.deepEqual(comparable(g.sb.results), comparable(ref.sb.results));
  });

  it('13: SIGINT (Ctrl-C) stops the run with exit 130, commits nothing half-done, releases the lock; the rerun completes', async () => {
    const g = fixture();
    g.hang('fit@lb');
    const p = g.sb.start(['repro', ...g.args]);
    await waitFor('fit@lb to hang', () => fs.existsSync(g.hung('fit@lb')));
    p.killGroup('SIGINT'); // a terminal sends SIGINT to the whole foreground process group
    const exit = await p.exited;
    assert.equal(exit.code, 130, p.output());
    assert.match(p.output(), /interrupted: running instances were stopped/);
    assert.deepEqual(await waitNoMarked(g.sb), []);
    assert.ok(!fs.existsSync(path.join(g.sb.results, 'fits', 'lb.json')));
    assert.ok(!fs.existsSync(path.join(g.sb.results, '.moelab-repro.pid')), 'the lock is released');
    g.unhang('fit@lb');
    const r = g.sb.run(['repro', ...g.args]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.deepEqual(comparable(g.sb.results), comparable(ref.sb.results));
  });
});

const noJupyter = jupyterUnavailable(REPO_ROOT);

describe('notebook kernels never outlive the repro that started them', { skip: noJupyter }, () => {
  it('5: after kill -9 of the repro process group during notebooks no tslab kernel lives on, and its connection file is gone', async () => {
    const g = fixture({ notebooks: { real: true, sleepMs: 120_000 } });
    const p = g.sb.start(['repro', 'notebooks', ...g.args]);
    const kernelPid = path.join(g.fixtureDir, 'kernel.pid');
    // The kernel writes its pid in a plain write: wait until the file holds one, not just until it exists.
    const pidIn = () => (fs.existsSync(kernelPid) ? Number(fs.readFileSync(kernelPid, 'utf8')) : 0);
    await waitFor('the notebook kernel to run its cell', () => pidIn() > 0, 240_000);
    const kernel = pidIn();
    const connection = fs.readFileSync(`/proc/${kernel}/cmdline`, 'utf8').split('\0').find((a) => a.endsWith('.json'));
    p.killGroup('SIGKILL');
    await p.exited;
    await waitFor('the kernel to be killed by its guard', () => !pidAlive(kernel), 20_000);
    assert.deepEqual(await waitNoMarked(g.sb), [], 'no process of the run is left (kernel, guard, nbconvert)');
    if (connection) assert.ok(!fs.existsSync(connection), `connection file ${connection} removed`);

    // the same when only the repro process is killed: the stage child exits and takes Jupyter and the kernel along
    fs.rmSync(kernelPid);
    const q = g.sb.start(['repro', 'notebooks', ...g.args]);
    await waitFor('the notebook kernel to run its cell again', () => fs.existsSync(kernelPid), 240_000);
    const kernel2 = Number(fs.readFileSync(kernelPid, 'utf8'));
    process.kill(q.child.pid!, 'SIGKILL');
    await q.exited;
    await waitFor('the second kernel to be killed', () => !pidAlive(kernel2), 20_000);
    assert.deepEqual(await waitNoMarked(g.sb), []);

    g.write({ ...g.config, notebooks: { real: true, sleepMs: 0 } });
    const r = g.sb.run(['repro', 'notebooks', ...g.args]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.deepEqual(listFiles(path.join(g.sb.results, 'notebooks')), ['.moelab-output.json', 'wait.ipynb']);
  });
});
