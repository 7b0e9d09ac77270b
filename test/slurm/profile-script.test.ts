/** Unit tests of the slurm executor's profile, sbatch flags and batch script (no Slurm needed). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  formatSlurmTime,
  loadSlurmProfile,
  parseSlurmProfile,
  resolveJobSpec,
  sbatchResourceArgs,
} from '../../src/pipeline/executors/slurm/profile';
import { SlurmProfileError } from '../../src/pipeline/executors/slurm/errors';
import { readExitMarker, renderBatchScript, shellQuote, writeBatchScript } from '../../src/pipeline/executors/slurm/script';
import { cleanSlurmMessage, SlurmCli } from '../../src/pipeline/executors/slurm/cli';
import { SlurmNotFoundError } from '../../src/pipeline/executors/slurm/errors';
import { SlurmState } from '../../src/pipeline/executors/slurm/state';
import { splitCommandLine } from '../../src/pipeline/executors/slurm/executor';

const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'moelab-slurm-unit-'));

test('parseSlurmProfile fills defaults for an empty profile', () => {
  const p = parseSlurmProfile({}, 'test');
  assert.equal(p.maxRetries, 2);
  assert.equal(p.pollIntervalS, 5);
  assert.deepEqual(p.extraArgs, []);
  assert.equal(p.partition, undefined);
  assert.equal(p.gpuFlag, 'gpus');
});

test('parseSlurmProfile names the source and the bad field', () => {
  assert.throws(
    () => parseSlurmProfile({ maxRetries: -1 }, 'presets/small.json slurm'),
    (e: unknown) => e instanceof SlurmProfileError && /presets\/small\.json slurm/.test(e.message) && /maxRetries/.test(e.message),
  );
  assert.throws(
    () => parseSlurmProfile({ partitoin: 'gpu' }, 'p.json'),
    (e: unknown) => e instanceof SlurmProfileError && /partitoin/.test(e.message),
  );
  assert.throws(
    () => parseSlurmProfile({ resources: { memMB: 1.5 } }, 'p.json'),
    (e: unknown) => e instanceof SlurmProfileError && /resources\.memMB/.test(e.message),
  );
});

test('parseSlurmProfile refuses extraArgs that the executor sets itself or that are not flags', () => {
  assert.throws(() => parseSlurmProfile({ extraArgs: ['--array=0-3'] }, 'p'), /--array.*sets itself/);
  assert.throws(() => parseSlurmProfile({ stages: { train: { extraArgs: ['--output=x'] } } }, 'p'), /stages\.train\.extraArgs/);
  assert.throws(() => parseSlurmProfile({ extraArgs: ['exclusive'] }, 'p'), /not an sbatch flag/);
  assert.throws(() => parseSlurmProfile({ env: { 'BAD-NAME': '1' } }, 'p'), /env\.BAD-NAME/);
});

test('loadSlurmProfile reads a file holding either the section or { slurm: section }', () => {
  const dir = tmp();
  const a = path.join(dir, 'a.json');
  const b = path.join(dir, 'b.json');
  fs.writeFileSync(a, JSON.stringify({ partition: 'gpu', account: 'lab' }));
  fs.writeFileSync(b, JSON.stringify({ slurm: { partition: 'cpu', maxRetries: 5 } }));
  assert.equal(loadSlurmProfile(a).account, 'lab');
  assert.equal(loadSlurmProfile(b).maxRetries, 5);
  fs.writeFileSync(a, '{ not json');
  assert.throws(() => loadSlurmProfile(a), (e: unknown) => e instanceof SlurmProfileError && e.message.includes(a));
  assert.throws(() => loadSlurmProfile(path.join(dir, 'missing.json')), /cannot read slurm profile/);
});

test('resolveJobSpec: stage override > stage declaration > profile defaults > built-in', () => {
  const p = parseSlurmProfile(
    {
      partition: 'cpu',
      extraArgs: ['--exclusive'],
      resources: { memMB: 4000, timeMinutes: 30 },
      stages: { train: { gpus: 2, partition: 'gpu', extraArgs: ['--constraint=a100'] } },
    },
    'p',
  );
  const train = resolveJobSpec(p, 'train', { cpus: 8, gpus: 1, timeMinutes: 120 });
  assert.deepEqual(train.resources, { cpus: 8, memMB: 4000, gpus: 2, timeMinutes: 120 });
  assert.equal(train.partition, 'gpu');
  assert.deepEqual(train.extraArgs, ['--exclusive', '--constraint=a100']);
  const fit = resolveJobSpec(p, 'fit');
  assert.deepEqual(fit.resources, { cpus: 1, memMB: 4000, gpus: 0, timeMinutes: 30 });
  assert.equal(fit.partition, 'cpu');
});

test('sbatchResourceArgs spells resources, partition, account, qos and gpus as sbatch flags', () => {
  const p = parseSlurmProfile({ account: 'lab', qos: 'high', gpuFlag: 'gres' }, 'p');
  const args = sbatchResourceArgs(p, {
    resources: { cpus: 4, memMB: 8192, gpus: 2, timeMinutes: 90.5 },
    partition: 'gpu',
    extraArgs: ['--exclusive'],
  });
  assert.deepEqual(args, [
    '--cpus-per-task=4',
    '--mem=8192M',
    '--time=01:30:30',
    '--ntasks=1',
    '--nodes=1',
    '--gres=gpu:2',
    '--partition=gpu',
    '--account=lab',
    '--qos=high',
    '--exclusive',
  ]);
});

test('formatSlurmTime writes D-HH:MM:SS and rounds seconds up', () => {
  assert.equal(formatSlurmTime(1), '00:01:00');
  assert.equal(formatSlurmTime(0.01), '00:00:01');
  assert.equal(formatSlurmTime(60 * 24 + 61), '1-01:01:00');
});

test('shellQuote and splitCommandLine round-trip arguments with spaces and quotes', () => {
  assert.equal(shellQuote('plain/path-1.json'), 'plain/path-1.json');
  assert.equal(shellQuote("it's here"), `'it'\\''s here'`);
  assert.deepEqual(splitCommandLine(`node "/opt/my lab/bin/moelab.js" --flag 'a b'`), ['node', '/opt/my lab/bin/moelab.js', '--flag', 'a b']);
});

test('renderBatchScript runs the array task chosen by SLURM_ARRAY_TASK_ID, logs to its file, writes its exit marker', () => {
  const dir = tmp();
  const script = path.join(dir, 'job.sh');
  const tasks = [0, 1, 2].map((i) => ({
    argv: ['/bin/bash', '-c', `echo "task ${i} $GREETING $PER_TASK" > "${dir}/out ${i}.txt"; exit ${i}`],
    markerPath: path.join(dir, 'markers', `t${i}.exit`),
    logFile: path.join(dir, 'logs', `t${i}.log`),
    env: { PER_TASK: `it's ${i}` },
  }));
  writeBatchScript(script, renderBatchScript({ tasks, workDir: dir, env: { GREETING: 'hello world' }, setup: ['true'], title: 'unit' }));
  const run = (task: string) =>
    spawnSync('/bin/bash', [script], {
      env: { ...process.env, SLURM_JOB_ID: `10${task}`, SLURM_ARRAY_JOB_ID: '7', SLURM_ARRAY_TASK_ID: task },
      encoding: 'utf8',
    });
  assert.equal(run('2').status, 2);
  assert.equal(fs.readFileSync(path.join(dir, 'out 2.txt'), 'utf8'), "task 2 hello world it's 2\n");
  assert.deepEqual(readExitMarker(tasks[2]!.markerPath), { jobId: '7_2', exitCode: 2 });
  assert.match(fs.readFileSync(tasks[2]!.logFile, 'utf8'), /slurm job 7_2/);
  assert.equal(fs.existsSync(path.join(dir, 'out 0.txt')), false);
  assert.equal(run('0').status, 0);
  assert.deepEqual(readExitMarker(tasks[0]!.markerPath), { jobId: '7_0', exitCode: 0 });
  assert.equal(run('5').status, 98);
});

test('renderBatchScript without an array runs task 0 and keys the marker by SLURM_JOB_ID', () => {
  const dir = tmp();
  const script = path.join(dir, 'job.sh');
  const task = { argv: ['/bin/true'], markerPath: path.join(dir, 'm.exit'), logFile: path.join(dir, 'l.log') };
  writeBatchScript(script, renderBatchScript({ tasks: [task], workDir: dir, title: 'single' }));
  const env: NodeJS.ProcessEnv = { ...process.env, SLURM_JOB_ID: '42' };
  delete env.SLURM_ARRAY_TASK_ID;
  assert.equal(spawnSync('/bin/bash', [script], { env }).status, 0);
  assert.deepEqual(readExitMarker(task.markerPath), { jobId: '42', exitCode: 0 });
});

test('SlurmState persists submissions atomically and forgets finished instances', () => {
  const dir = tmp();
  const file = path.join(dir, 'moelab.slurm.json');
  const s = new SlurmState(file);
  s.recordSubmit('train@a', 'train', 'k1', '5_0');
  s.recordSubmit('train@a', 'train', 'k1', '9');
  s.recordSubmit('train@b', 'train', 'k1', '5_1');
  const again = new SlurmState(file);
  assert.deepEqual(again.get('train@a')?.jobIds, ['5_0', '9']);
  again.recordSubmit('train@a', 'train', 'k2', '11');
  assert.deepEqual(again.get('train@a')?.jobIds, ['11'], 'a new fingerprint starts a new history');
  again.forget('train@a');
  again.forget('train@b');
  assert.equal(fs.existsSync(file), false);
  fs.writeFileSync(file, '{"version": 3}');
  assert.deepEqual(new SlurmState(file).all(), {});
});

test('cleanSlurmMessage strips the command prefixes and joins lines', () => {
  assert.equal(
    cleanSlurmMessage('sbatch: error: invalid partition specified: nope\nsbatch: error: Batch job submission failed: Invalid partition name specified\n'),
    'invalid partition specified: nope; Batch job submission failed: Invalid partition name specified',
  );
});

test('a missing sbatch binary is a SlurmNotFoundError naming slurm.binDir and --executor', async () => {
  const cli = new SlurmCli({ binDir: path.join(tmp(), 'no-slurm-here') });
  await assert.rejects(
    cli.sbatch('/dev/null', [], 'the job for x'),
    (e: unknown) =>
      e instanceof SlurmNotFoundError && /sbatch not found in slurm\.binDir=/.test(e.message) && /--executor/.test(e.message),
  );
  const onPath = new SlurmCli({ env: { ...process.env, PATH: tmp() } });
  await assert.rejects(onPath.checkAvailable('sbatch'), /sbatch not found on PATH/);
});

test('selectExecutor: local by default, the preset executor key next, --executor first; --profile implies slurm', async () => {
  const { selectExecutor } = await import('../../src/pipeline/executors/select');
  const base = { presetName: 'tiny', resultsDir: tmp(), repoRoot: tmp() };
  assert.equal((await selectExecutor({ ...base, config: {} })).kind, 'local');
  assert.equal((await selectExecutor({ ...base, config: { executor: 'slurm' }, executor: 'local' })).kind, 'local');
  await assert.rejects(selectExecutor({ ...base, config: { executor: 'k8s' } }), /preset tiny key 'executor' is "k8s"; use one of local, slurm/);
  await assert.rejects(selectExecutor({ ...base, config: {}, executor: 'local', profileFile: 'p.json' }), /only applies to --executor slurm/);
  await assert.rejects(
    selectExecutor({ ...base, config: { executor: 'slurm', slurm: { maxRetries: 'three' } } }),
    (e: unknown) => e instanceof SlurmProfileError && /preset tiny \(section 'slurm'\)/.test(e.message) && /maxRetries/.test(e.message),
  );
  // The slurm executor's preflight: no sbatch in binDir.
  await assert.rejects(
    selectExecutor({ ...base, config: { executor: 'slurm', slurm: { binDir: tmp() } } }),
    (e: unknown) => e instanceof SlurmNotFoundError && e.command === 'sbatch',
  );
});

test('moelab repro --executor slurm without sbatch exits 2 naming the executor setting', () => {
  const repo = path.resolve(__dirname, '..', '..');
  const dir = tmp();
  fs.writeFileSync(path.join(dir, 'preset.json'), JSON.stringify({ names: ['a'], steps: 1, stepMs: 1 }));
  const r = spawnSync(
    process.execPath,
    [path.join(repo, 'bin', 'moelab.js'), 'repro', '--dag', path.join(__dirname, 'fixtures', 'pipeline.ts'), '--preset', path.join(dir, 'preset.json'), '--results', path.join(dir, 'results'), '--executor', 'slurm'],
    { env: { ...process.env, PATH: dir }, encoding: 'utf8' },
  );
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /SlurmNotFoundError: sbatch not found on PATH: the slurm executor \(--executor slurm, or executor: slurm in the preset/);
});
