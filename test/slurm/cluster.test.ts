/**
 * The slurm executor against a real slurmctld + slurmd on localhost (scripts/slurm/start-local-cluster.sh).
 * Needs root (to install slurm-wlm/munge and run slurmd); skipped with the reason otherwise. All cluster
 * tests live in this one file so they share one cluster, which the file starts and stops itself.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openPipeline, repro, type ReproSummary } from '../../src/pipeline/repro';
import { LocalExecutor } from '../../src/pipeline/executors/local';
import { readLock } from '../../src/pipeline/lock';
import { createSlurmExecutor, type SlurmEvent } from '../../src/pipeline/executors/slurm/executor';
import { SlurmNotFoundError, SlurmPartitionError, SlurmSubmitError } from '../../src/pipeline/executors/slurm/errors';
import { SLURM_STATE_FILE_NAME } from '../../src/pipeline/executors/slurm/state';
import type { SlurmProfileInput } from '../../src/pipeline/executors/slurm/profile';

const REPO = path.resolve(__dirname, '..', '..');
const PIPELINE = path.join(__dirname, 'fixtures', 'pipeline.ts');
const DRIVER = path.join(__dirname, 'fixtures', 'run-repro.ts');
const CLUSTER_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'moelab-slurm-cluster-'));
/** Ports of the test cluster, away from the defaults a developer's own cluster uses. */
const CLUSTER_ENV = { ...process.env, MOELAB_SLURM_DIR: CLUSTER_DIR, MOELAB_SLURMCTLD_PORT: '16817', MOELAB_SLURMD_PORT: '16818' };
/** Fast polling for tests (a real cluster would use the default 5 s). */
const PROFILE: SlurmProfileInput = { pollIntervalS: 0.3, maxRetries: 2, resources: { memMB: 300 } };

/** Starts the cluster at load time, so a failure turns into the suite's skip reason. */
function startCluster(): string | undefined {
  if (process.platform !== 'linux') return 'Slurm tests need Linux';
  if (process.getuid?.() !== 0) return 'needs root to install slurm-wlm/munge and run slurmd (CI runs as root)';
  const r = spawnSync('bash', [path.join(REPO, 'scripts', 'slurm', 'start-local-cluster.sh')], {
    env: CLUSTER_ENV,
    encoding: 'utf8',
    timeout: 600_000,
  });
  const conf = /export SLURM_CONF=(\S+)/.exec(r.stdout ?? '')?.[1];
  if (r.status !== 0 || !conf) {
    return `could not start a local Slurm cluster (exit ${r.status}): ${(r.stderr ?? '').trim().split('\n').slice(-6).join(' | ')}`;
  }
  process.env.SLURM_CONF = conf;
  return undefined;
}

const skipReason = startCluster();
if (skipReason) process.stderr.write(`# slurm cluster tests skipped: ${skipReason}\n`);

interface Fixture {
  dir: string;
  preset: string;
  results: string;
}

function fixture(config: { names: string[]; steps: number; stepMs: number }): Fixture {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moelab-slurm-test-'));
  const preset = path.join(dir, 'preset.json');
  fs.writeFileSync(preset, JSON.stringify(config));
  return { dir, preset, results: path.join(dir, 'results') };
}

function run(f: Fixture, executor: LocalExecutor | Awaited<ReturnType<typeof createSlurmExecutor>>, resultsDir = f.results): Promise<ReproSummary> {
  return repro({
    pipelineModule: PIPELINE,
    preset: f.preset,
    repoRoot: REPO,
    resultsDir,
    dataDir: path.join(resultsDir, 'data'),
    executor,
    jobs: 50,
  });
}

/** Every output of the synthetic pipeline, by relative path. */
function outputs(resultsDir: string, names: string[]): Record<string, string> {
  const files = ['seed.json', 'table.csv', ...names.map((n) => `work/${n}.json`)];
  return Object.fromEntries(files.map((f) => [f, fs.readFileSync(path.join(resultsDir, f), 'utf8')]));
}

/** The outputs of an undisturbed local run of a config (computed once per config). */
const localCache = new Map<string, Record<string, string>>();
async function localOutputs(f: Fixture, names: string[]): Promise<Record<string, string>> {
  const key = fs.readFileSync(f.preset, 'utf8');
  const hit = localCache.get(key);
  if (hit) return hit;
  const resultsDir = path.join(f.dir, 'local-results');
  const summary = await run(f, new LocalExecutor(), resultsDir);
  assert.deepEqual(summary.failed, []);
  const out = outputs(resultsDir, names);
  localCache.set(key, out);
  return out;
}

function slurm(f: Fixture, events: SlurmEvent[], profile: SlurmProfileInput = PROFILE, skipPreflight = false) {
  return createSlurmExecutor({ resultsDir: f.results, repoRoot: REPO, profile, onEvent: (e) => events.push(e), skipPreflight });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(what: string, fn: () => T | undefined, timeoutMs = 60_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

function checkpointStep(results: string, instance: string): number {
  try {
    const ckpt = path.join(results, '.moelab-state', instance, 'ckpt.json');
    return (JSON.parse(fs.readFileSync(ckpt, 'utf8')) as { step: number }).step;
  } catch {
    return 0;
  }
}

function squeueIds(): string[] {
  const out = execFileSync('squeue', ['-h', '-t', 'all', '-r', '-o', '%F_%K|%T'], { encoding: 'utf8' });
  return out.split('\n').filter(Boolean);
}

/** Runs the driver (repro through slurm) in a child process; events arrive as JSON lines. */
function spawnDriver(f: Fixture, profile: SlurmProfileInput) {
  const child = spawn(process.execPath, ['--import', 'tsx', DRIVER, f.results, f.preset, JSON.stringify(profile)], {
    cwd: REPO,
    env: process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const events: Array<SlurmEvent | ({ type: 'summary' } & ReproSummary)> = [];
  let stderr = '';
  let buffered = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const line of lines) if (line.trim()) events.push(JSON.parse(line));
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, events, exited, stderr: () => stderr };
}

const DAG = path.join(REPO, 'pipeline', 'dag.ts');

/** Three training instances of the smoke preset (dense, fine-grained MoE, expert sweep), or why there are none. */
function smokeTrainTargets(): { targets: string[] } | { skip: string } {
  let names: string[] | undefined;
  try {
    const session = openPipeline({ pipelineModule: DAG, preset: 'smoke', repoRoot: REPO, resultsDir: os.tmpdir(), dataDir: os.tmpdir() });
    names = session.dag.groups.get('train');
  } catch (e) {
    return { skip: `the smoke preset does not load: ${(e as Error).name}: ${(e as Error).message}` };
  }
  if (!names || names.length === 0) return { skip: 'the smoke preset has no train stage yet' };
  const pick = (re: RegExp) => names!.find((n) => re.test(n));
  const targets = [pick(/dense/), pick(/moe/), pick(/^train@ex-/)].filter((n): n is string => !!n);
  for (const n of names) if (targets.length < 3 && !targets.includes(n)) targets.push(n);
  return { targets };
}

/** A run-table row or metrics line without its timing fields (wall clock, throughput). */
function withoutTimings(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutTimings);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([k]) => !/seconds|persecond|wall|eta|time/i.test(k))
        .map(([k, v]) => [k, withoutTimings(v)]),
    );
  }
  return value;
}

/** final.json and metrics.jsonl of every run under results/runs, timing fields removed. */
function runTable(resultsDir: string): Record<string, unknown> {
  const runs = path.join(resultsDir, 'runs');
  return Object.fromEntries(
    fs.readdirSync(runs).sort().map((id) => [
      id,
      {
        final: withoutTimings(JSON.parse(fs.readFileSync(path.join(runs, id, 'final.json'), 'utf8'))),
        metrics: fs
          .readFileSync(path.join(runs, id, 'metrics.jsonl'), 'utf8')
          .trim()
          .split('\n')
          .map((l) => withoutTimings(JSON.parse(l))),
      },
    ]),
  );
}

function smokeRepro(resultsDir: string, targets: string[], executor: LocalExecutor | Awaited<ReturnType<typeof createSlurmExecutor>>): Promise<ReproSummary> {
  return repro({
    pipelineModule: DAG,
    preset: 'smoke',
    repoRoot: REPO,
    resultsDir,
    dataDir: path.join(resultsDir, 'data'),
    targets,
    executor,
    jobs: 50,
  });
}

describe('slurm executor on a local slurmctld/slurmd', { skip: skipReason }, () => {
  before(() => {
    assert.ok(process.env.SLURM_CONF, 'cluster configuration exported');
  });
  after(() => {
    spawnSync('bash', [path.join(REPO, 'scripts', 'slurm', 'stop-local-cluster.sh'), '--purge'], { env: CLUSTER_ENV, stdio: 'ignore' });
  });

  const NAMES = ['a', 'b', 'c'];
  const CONFIG = { names: NAMES, steps: 4, stepMs: 150 };
  /** Long enough that a job is still running a few seconds after submission. */
  const LONG = { names: ['a', 'b'], steps: 8, stepMs: 400 };

  test('a matrix DAG through slurm equals the local executor; the matrix ran as one job array; job ids are in the lock file', async () => {
    const f = fixture(CONFIG);
    const expected = await localOutputs(f, NAMES);
    const events: SlurmEvent[] = [];
    const summary = await run(f, await slurm(f, events));
    assert.deepEqual(summary.failed, []);
    assert.equal(summary.ran.length, 5);
    assert.deepEqual(outputs(f.results, NAMES), expected);
    const arrays = events.filter((e): e is Extract<SlurmEvent, { type: 'submit' }> => e.type === 'submit' && e.array);
    assert.equal(arrays.length, 1, 'one job array');
    assert.deepEqual(arrays[0]!.instances, ['work@a', 'work@b', 'work@c']);
    const lock = readLock(f.results);
    assert.equal(lock.instances['work@b']!.executor.kind, 'slurm');
    assert.equal(lock.instances['work@b']!.executor.jobId, `${arrays[0]!.jobId}_1`);
    assert.match(String(lock.instances.seed!.executor.jobId), /^\d+$/);
    assert.equal(fs.existsSync(path.join(f.results, SLURM_STATE_FILE_NAME)), false, 'state file empty after a clean run');
    // Make-style caching survives the executor: a second run submits nothing.
    const again: SlurmEvent[] = [];
    const second = await run(f, await slurm(f, again));
    assert.equal(second.ran.length, 0);
    assert.equal(again.filter((e) => e.type === 'submit').length, 0);
  });

  test('a job scancelled mid-run is resubmitted, resumes from its checkpoint, and the outputs equal an undisturbed run', async () => {
    const config = LONG;
    const f = fixture(config);
    const expected = await localOutputs(f, config.names);
    const events: SlurmEvent[] = [];
    const pending = run(f, await slurm(f, events));
    const jobId = await waitFor('work@b to checkpoint step 2', () => {
      const running = events.find(
        (e): e is Extract<SlurmEvent, { type: 'state' }> => e.type === 'state' && e.instance === 'work@b' && e.state === 'RUNNING',
      );
      return running && checkpointStep(f.results, 'work@b') >= 2 ? running.jobId : undefined;
    });
    execFileSync('scancel', [jobId]);
    const summary = await pending;
    assert.deepEqual(summary.failed, []);
    const retry = events.find((e) => e.type === 'retry' && e.instance === 'work@b');
    assert.ok(retry && retry.type === 'retry' && retry.state === 'CANCELLED', 'resubmitted after CANCELLED');
    assert.match(fs.readFileSync(path.join(f.results, '.moelab-logs', 'work@b.log'), 'utf8'), /resumed from step [2-7]/);
    assert.deepEqual(outputs(f.results, config.names), expected);
    const info = readLock(f.results).instances['work@b']!.executor;
    assert.equal((info.jobIds as string[]).length, 2);
    assert.equal((info.jobIds as string[])[0], jobId);
  });

  test('a failing stage is retried maxRetries times, then fails with SlurmJobFailedError quoting the stage error', async () => {
    const f = fixture({ names: ['a', 'fail1'], steps: 1, stepMs: 10 });
    const events: SlurmEvent[] = [];
    const summary = await run(f, await slurm(f, events, { ...PROFILE, maxRetries: 1 }));
    assert.equal(summary.failed.length, 1);
    assert.equal(summary.failed[0]!.instance, 'work@fail1');
    assert.match(summary.failed[0]!.error, /^SlurmJobFailedError: work@fail1 failed after 2 attempt\(s\)/);
    assert.match(summary.failed[0]!.error, /work@fail1 fails on purpose/);
    assert.deepEqual(summary.skipped, ['table']);
    assert.ok(!('work@fail1' in readLock(f.results).instances), 'a failed instance leaves no trusted output');
    assert.equal(events.filter((e) => e.type === 'retry' && e.instance === 'work@fail1').length, 1);
  });

  test('restarting repro after the submitter died re-attaches to the queued/running jobs instead of submitting duplicates', async () => {
    const config = LONG;
    const f = fixture(config);
    const expected = await localOutputs(f, config.names);
    const driver = spawnDriver(f, PROFILE);
    const array = await waitFor('the work array to be submitted', () =>
      driver.events.find((e): e is Extract<SlurmEvent, { type: 'submit' }> => e.type === 'submit' && e.array),
    );
    driver.child.kill('SIGKILL');
    await driver.exited;
    const state = JSON.parse(fs.readFileSync(path.join(f.results, SLURM_STATE_FILE_NAME), 'utf8')) as {
      instances: Record<string, { jobIds: string[] }>;
    };
    assert.deepEqual(state.instances['work@a']!.jobIds, [`${array.jobId}_0`]);
    const events: SlurmEvent[] = [];
    const summary = await run(f, await slurm(f, events));
    assert.deepEqual(summary.failed, []);
    const attached = events.filter((e) => e.type === 'attach').map((e) => (e as { instance: string }).instance).sort();
    assert.deepEqual(attached, ['work@a', 'work@b']);
    const resubmitted = events.filter((e) => e.type === 'submit').flatMap((e) => (e as { instances: string[] }).instances);
    assert.deepEqual(resubmitted, ['table']);
    assert.equal(readLock(f.results).instances['work@a']!.executor.jobId, `${array.jobId}_0`);
    assert.deepEqual(outputs(f.results, config.names), expected);
  });

  test('restarting repro after the submitter died takes jobs that completed meanwhile as done, without re-running them', async () => {
    const f = fixture(LONG);
    const expected = await localOutputs(f, LONG.names);
    const driver = spawnDriver(f, PROFILE);
    const array = await waitFor('the work array to be submitted', () =>
      driver.events.find((e): e is Extract<SlurmEvent, { type: 'submit' }> => e.type === 'submit' && e.array),
    );
    driver.child.kill('SIGKILL');
    await driver.exited;
    await waitFor('the array to complete', () => {
      const mine = squeueIds().filter((l) => l.startsWith(`${array.jobId}_`));
      return mine.length === LONG.names.length && mine.every((l) => l.endsWith('|COMPLETED')) ? true : undefined;
    });
    const events: SlurmEvent[] = [];
    const summary = await run(f, await slurm(f, events));
    assert.deepEqual(summary.failed, []);
    const attached = events.filter((e) => e.type === 'attach');
    assert.deepEqual(attached.map((e) => [(e as { instance: string }).instance, (e as { state: string }).state]).sort(), [
      ['work@a', 'COMPLETED'],
      ['work@b', 'COMPLETED'],
    ]);
    assert.deepEqual(events.filter((e) => e.type === 'submit').flatMap((e) => (e as { instances: string[] }).instances), ['table']);
    assert.equal(readLock(f.results).instances['work@b']!.executor.jobId, `${array.jobId}_1`);
    assert.deepEqual(outputs(f.results, LONG.names), expected);
  });

  test('Ctrl-C on repro scancels its jobs', async () => {
    const f = fixture({ names: ['a', 'b'], steps: 100, stepMs: 500 });
    const driver = spawnDriver(f, PROFILE);
    const array = await waitFor('the work array to be submitted', () =>
      driver.events.find((e): e is Extract<SlurmEvent, { type: 'submit' }> => e.type === 'submit' && e.array),
    );
    await waitFor('a work job to run', () => driver.events.some((e) => e.type === 'state' && e.state === 'RUNNING' && e.jobId.startsWith(`${array.jobId}_`)));
    driver.child.kill('SIGINT');
    await driver.exited;
    const states = await waitFor('the array to end', () => {
      const mine = squeueIds().filter((l) => l.startsWith(`${array.jobId}_`));
      return mine.every((l) => !/\|(RUNNING|PENDING|COMPLETING)$/.test(l)) ? mine : undefined;
    }, 30_000);
    assert.ok(states.length > 0 && states.every((l) => l.endsWith('|CANCELLED')), `cancelled: ${states.join(', ')}`);
    const summary = driver.events.find((e) => e.type === 'summary') as ({ type: 'summary' } & ReproSummary) | undefined;
    assert.ok(summary, `driver printed its summary (stderr: ${driver.stderr()})`);
    assert.deepEqual(summary.failed.map((x) => x.instance).sort(), ['work@a', 'work@b']);
    assert.equal(fs.existsSync(path.join(f.results, SLURM_STATE_FILE_NAME)), false, 'no jobs left to re-attach to');
  });

  const smoke = smokeTrainTargets();
  if ('skip' in smoke) process.stderr.write(`# smoke training through slurm skipped: ${smoke.skip}\n`);
  test(
    "the smoke preset's training runs through slurm give the local executor's run table, also when a run is scancelled mid-training",
    { skip: 'skip' in smoke ? smoke.skip : undefined },
    async () => {
      const targets = (smoke as { targets: string[] }).targets;
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moelab-slurm-smoke-'));
      const local = await smokeRepro(path.join(dir, 'local'), targets, new LocalExecutor());
      assert.deepEqual(local.failed, []);
      const expected = runTable(path.join(dir, 'local'));
      assert.equal(Object.keys(expected).length, targets.length);

      const events: SlurmEvent[] = [];
      const viaSlurm = await smokeRepro(
        path.join(dir, 'slurm'),
        targets,
        await createSlurmExecutor({ resultsDir: path.join(dir, 'slurm'), repoRoot: REPO, profile: { ...PROFILE, resources: { memMB: 1500 } }, onEvent: (e) => events.push(e) }),
      );
      assert.deepEqual(viaSlurm.failed, []);
      assert.ok(events.some((e) => e.type === 'submit' && e.array && e.instances.length === targets.length), 'training runs as one job array');
      assert.deepEqual(runTable(path.join(dir, 'slurm')), expected);

      // Freeze one run right after its first checkpoint (test wrapper), scancel it, and let the retry resume.
      const victim = targets[1]!;
      const killed = path.join(dir, 'killed');
      const pauseFlag = path.join(dir, 'paused-once');
      const killEvents: SlurmEvent[] = [];
      const pending = smokeRepro(
        killed,
        [victim],
        await createSlurmExecutor({
          resultsDir: killed,
          repoRoot: REPO,
          profile: {
            ...PROFILE,
            resources: { memMB: 1500 },
            nodeCommand: `${path.join(__dirname, 'fixtures', 'pause-after.sh')} ${process.execPath} ${path.join(REPO, 'bin', 'moelab.js')}`,
            env: { PAUSE_WATCH: path.join(killed, '.moelab-state', victim, 'checkpoint.bin'), PAUSE_FLAG: pauseFlag },
          },
          onEvent: (e) => killEvents.push(e),
        }),
      );
      const jobId = await waitFor('the run to checkpoint and freeze', () => {
        const running = killEvents.find((e): e is Extract<SlurmEvent, { type: 'state' }> => e.type === 'state' && e.instance === victim && e.state === 'RUNNING');
        return running && fs.existsSync(pauseFlag) ? running.jobId : undefined;
      }, 120_000);
      execFileSync('scancel', [jobId]);
      const summary = await pending;
      assert.deepEqual(summary.failed, []);
      const retry = killEvents.find((e) => e.type === 'retry' && e.instance === victim);
      assert.ok(retry && retry.type === 'retry' && retry.state === 'CANCELLED', 'the cancelled run was resubmitted');
      const id = victim.slice('train@'.length);
      assert.deepEqual(runTable(killed), { [id]: expected[id] }, 'resumed run equals the undisturbed one');
    },
  );

  test('an unknown partition fails before anything runs, with SlurmPartitionError quoting sbatch', async () => {
    const f = fixture(CONFIG);
    await assert.rejects(
      slurm(f, [], { ...PROFILE, partition: 'no-such-partition' }),
      (e: unknown) =>
        e instanceof SlurmPartitionError &&
        e.partition === 'no-such-partition' &&
        /"invalid partition specified: no-such-partition/.test(e.message) &&
        /slurm\.partition/.test(e.message),
    );
  });

  test('an sbatch rejection is a SlurmSubmitError quoting Slurm: at preflight for the profile, at submission for one instance', async () => {
    const f = fixture({ names: ['a'], steps: 1, stepMs: 10 });
    const tooBig: SlurmProfileInput = { ...PROFILE, stages: { work: { memMB: 100_000_000 } } };
    await assert.rejects(
      slurm(f, [], tooBig),
      (e: unknown) =>
        e instanceof SlurmSubmitError && /stages\.work settings/.test(e.message) && /Requested node configuration is not available/.test(e.slurmMessage),
    );
    const summary = await run(f, await slurm(f, [], tooBig, true));
    assert.equal(summary.failed.length, 1);
    assert.equal(summary.failed[0]!.instance, 'work@a');
    assert.match(summary.failed[0]!.error, /^SlurmSubmitError: sbatch rejected the job for work@a: ".*Memory specification can not be satisfied/);
    assert.ok(!('work@a' in readLock(f.results).instances));
  });

  test('a missing sbatch names the executor setting', async () => {
    const f = fixture(CONFIG);
    await assert.rejects(
      slurm(f, [], { ...PROFILE, binDir: path.join(f.dir, 'no-bin') }),
      (e: unknown) => e instanceof SlurmNotFoundError && e.command === 'sbatch' && /slurm\.binDir/.test(e.message) && /--executor/.test(e.message),
    );
  });
});
