/**
 * Fault matrix, security group (cases 45–50): hostile names that would become paths, folders moelab must not
 * replace, Slurm scripts built from hostile values, and network listeners. Names and folders go through the real
 * CLI; the Slurm script is executed by bash as sbatch would run it; listeners are read from /proc while the real
 * notebook kernel and the real Chromium run.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseSlurmProfile, reservedFlagOf } from '../../src/pipeline/executors/slurm/profile';
import { renderBatchScript } from '../../src/pipeline/executors/slurm/script';
import { SlurmProfileError } from '../../src/pipeline/executors/slurm/errors';
import { jupyterUnavailable } from '../../src/notebooks/execute';
import { findChromium } from '../../src/figures/render';
import { tinyCorpus, tinyTrainConfig } from '../train/fixtures';
import { PIPELINE_DAG, REPO_ROOT, escapeRe, listFiles, miniPreset, sandbox, waitFor } from './helpers';

describe('names that become paths', () => {
  it('45: a runId with ../ is refused before anything is written, and nothing outside the project is touched', () => {
    const sb = sandbox();
    const cwd = path.join(sb.root, 'work', 'a', 'b');
    fs.mkdirSync(cwd, { recursive: true });
    // where results/runs/<runId> would land without validation: <sb>/work/x/escaped, holding a metrics.jsonl
    const target = path.join(cwd, 'results', 'runs', '..', '..', '..', '..', 'x', 'escaped');
    fs.mkdirSync(target, { recursive: true });
    fs.writeFileSync(path.join(target, 'metrics.jsonl'), 'not moelab\n');
    const cfg = path.join(sb.root, 'cfg.json');
    tinyCorpus();
    for (const runId of ['../../../../x/escaped', '/etc/passwd', '..', '.hidden', 'a\nb']) {
      fs.writeFileSync(cfg, JSON.stringify(tinyTrainConfig({ runId, tokens: 128 })));
      const r = sb.run(['train', '--config', cfg], {}, cwd);
      assert.equal(r.status, 2, `${JSON.stringify(runId)}: ${r.stderr}`);
      assert.match(r.stderr, /ConfigError: runId: .* names the run's folder \(results\/runs\/<runId>\) but/);
    }
    assert.deepEqual(listFiles(path.join(sb.root, 'work')), ['x/escaped/metrics.jsonl']);
    assert.equal(fs.readFileSync(path.join(target, 'metrics.jsonl'), 'utf8'), 'not moelab\n');
  });

  it('46: corpus.name "../evil" is a PresetError naming the key, and figures --only ../.. is refused before anything is written', () => {
    const sb = sandbox();
    const preset = miniPreset(sb.root, {}, '../evil');
    const r = sb.run(['repro', '--preset', preset, '--results', sb.results, '--data', sb.data]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /PresetError: invalid preset .*: corpus\.name: use lowercase letters/);
    assert.ok(!fs.existsSync(sb.results) && !fs.existsSync(sb.data) && !fs.existsSync(path.join(sb.root, 'evil')));
    const out = path.join(sb.root, 'figs');
    for (const only of ['../..', 'krajewski.fig4,../../etc', '/tmp', 'nosuchfigure']) {
      const f = sb.run(['figures', '--only', only, '--results', path.join(REPO_ROOT, 'results', 'reference', 'tiny'), '--out', out, '--format', 'json']);
      assert.equal(f.status, 2, `--only ${only}: ${f.stderr}`);
      assert.match(f.stderr, /(UnsafeNameError: --only ".*" cannot be used as a file name|UsageError: --only: .*unknown figure id)/);
    }
    assert.ok(!fs.existsSync(out), 'nothing was written');
  });
});

describe('folders moelab must not replace', () => {
  function fixture() {
    const sb = sandbox();
    const fixtureDir = path.join(sb.root, 'fixture');
    fs.mkdirSync(fixtureDir);
    const preset = path.join(sb.root, 'preset.json');
    fs.writeFileSync(preset, JSON.stringify({ name: 'fixture', fixtureDir, a: { n: 1 }, b: { m: 1 }, c: { k: 1 }, grid: [1], slow: { size: 10 } }));
    const args = (results = sb.results) => ['--dag', PIPELINE_DAG, '--preset', preset, '--results', results, '--data', sb.data];
    return { sb, args };
  }

  it("47: a user's file inside a directory output stops the run before anything runs; nothing is deleted", () => {
    const { sb, args } = fixture();
    assert.equal(sb.run(['repro', 'sweep', ...args()]).status, 0);
    const dir = path.join(sb.results, 'sweep', 's1');
    assert.deepEqual(listFiles(dir), ['.moelab-output.json', 'value.txt']);
    fs.writeFileSync(path.join(dir, 'my-notes.md'), 'mine');
    const r = sb.run(['repro', 'sweep', '--force', 'sweep', ...args()]);
    assert.equal(r.status, 2, r.stdout + r.stderr);
    assert.match(r.stderr, new RegExp(`OutputOwnershipError: ${escapeRe(dir)}/ holds files moelab did not write \\(my-notes\\.md\\); sweep@s1 replaces that folder`));
    assert.equal(fs.readFileSync(path.join(dir, 'my-notes.md'), 'utf8'), 'mine');
    // a folder of the user's where an output would go (no marker, never recorded) is refused just the same
    const { sb: sb2, args: args2 } = fixture();
    fs.mkdirSync(path.join(sb2.results, 'sweep', 's1'), { recursive: true });
    fs.writeFileSync(path.join(sb2.results, 'sweep', 's1', 'data.csv'), '1,2\n');
    const r2 = sb2.run(['repro', 'sweep', ...args2()]);
    assert.equal(r2.status, 2, r2.stderr);
    assert.match(r2.stderr, /OutputOwnershipError: .*sweep\/s1\/ holds files moelab did not write \(data\.csv\)/);
    assert.equal(fs.readFileSync(path.join(sb2.results, 'sweep', 's1', 'data.csv'), 'utf8'), '1,2\n');
  });

  it('47: --results . (the repository), an ancestor of it, or any project folder is refused, exit 2, nothing written', () => {
    const { sb, args } = fixture();
    const repoBefore = spawnSync('git', ['status', '--porcelain', '--ignored'], { cwd: REPO_ROOT, encoding: 'utf8' }).stdout;
    const project = path.join(sb.root, 'project');
    fs.mkdirSync(project);
    fs.writeFileSync(path.join(project, 'package.json'), '{}');
    for (const [results, cwd, why] of [
      ['.', REPO_ROOT, /it is the repository/],
      [path.dirname(REPO_ROOT), REPO_ROOT, /it holds the repository/],
      [project, REPO_ROOT, /it holds package\.json, so it is a project folder/],
    ] as const) {
      const r = sb.run(['repro', 'a', ...args(results)], {}, cwd);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, new RegExp(`OutputOwnershipError: refusing --results ${escapeRe(path.resolve(cwd, results))}: ${why.source}`));
    }
    assert.equal(spawnSync('git', ['status', '--porcelain', '--ignored'], { cwd: REPO_ROOT, encoding: 'utf8' }).stdout, repoBefore);
    assert.deepEqual(listFiles(project), ['package.json']);
  });
});

describe('Slurm scripts and flags', () => {
  it('48: argv, env values and paths with $(), backticks, quotes and newlines reach the job verbatim; env keys are validated', () => {
    const sb = sandbox();
    const pwned = path.join(sb.root, 'pwned');
    const hostile = [`$(touch ${pwned})`, `\`touch ${pwned}\``, `it's "quoted"`, 'two\nlines', '; touch x #', '*', '$HOME'];
    const argvFile = path.join(sb.root, 'argv.json');
    const weird = path.join(sb.root, "dir with 'quotes' and $(x)");
    fs.mkdirSync(weird);
    const script = renderBatchScript({
      tasks: [
        {
          argv: [process.execPath, '-e', 'require("fs").writeFileSync(process.env.ARGV_FILE, JSON.stringify({ argv: process.argv.slice(1), env: process.env.HOSTILE, cwd: process.cwd() }))', ...hostile],
          markerPath: path.join(weird, 'marker'),
          logFile: path.join(weird, 'log $(touch x).txt'),
          env: { ARGV_FILE: argvFile, HOSTILE: hostile.join('|') },
        },
      ],
      workDir: weird,
      env: { ALSO: `$(touch ${pwned})` },
      title: `title\n$(touch ${pwned})`,
    });
    const file = path.join(sb.root, 'job.sh');
    fs.writeFileSync(file, script);
    const r = spawnSync('bash', [file], { env: { ...process.env, SLURM_JOB_ID: '7' }, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const got = JSON.parse(fs.readFileSync(argvFile, 'utf8')) as { argv: string[]; env: string; cwd: string };
    assert.deepEqual(got.argv, hostile);
    assert.equal(got.env, hostile.join('|'));
    assert.equal(got.cwd, weird);
    assert.ok(!fs.existsSync(pwned), 'nothing was executed from a value');
    assert.equal(fs.readFileSync(path.join(weird, 'marker'), 'utf8'), '7 0\n');
    for (const key of ['A;B', '$(x)', 'A B', '1X', 'A=B']) {
      assert.throws(() => parseSlurmProfile({ env: { [key]: 'v' } }, 'p'), (e: unknown) => e instanceof SlurmProfileError && /is not a valid variable name/.test((e as Error).message), key);
    }
  });

  it('49: reserved sbatch flags are refused in every spelling: short forms, clusters, abbreviations, "--chdir <dir>"', () => {
    const refused: Array<[string, string]> = [
      ['-o', '--output'], ['-ofile.out', '--output'], ['-o file.out', '--output'], ['-e', '--error'], ['-J', '--job-name'], ['-Jname', '--job-name'],
      ['-a', '--array'], ['-a0-3', '--array'], ['-D', '--chdir'], ['-D /tmp', '--chdir'], ['-vo x', '--output'], ['-Qa 1', '--array'],
      ['--arr=0-3', '--array'], ['--outp=x', '--output'], ['--out=x', '--output'], ['--err=x', '--error'], ['--job=x', '--job-name'],
      ['--chdir /tmp', '--chdir'], ['--chdir=/tmp', '--chdir'], ['--ch=/tmp', '--chdir'], ['--parsable', '--parsable'], ['--wrap=ls', '--wrap'], ['--test-only', '--test-only'],
    ];
    for (const [flag, reserved] of refused) {
      assert.equal(reservedFlagOf(flag), reserved, flag);
      for (const where of [{ extraArgs: [flag] }, { stages: { train: { extraArgs: [flag] } } }]) {
        assert.throws(
          () => parseSlurmProfile(where, 'profile.json'),
          (e: unknown) => e instanceof SlurmProfileError && (e as Error).message.includes(`which the slurm executor sets itself (${reserved})`),
          `${flag} in ${JSON.stringify(where)}`,
        );
      }
    }
    for (const ok of ['--exclusive', '--constraint=a100', '--partition=gpu', '--export=ALL', '-N1', '-p=gpu', '--time=10', '--qos=high', '--constraint=a100|v100']) {
      assert.equal(reservedFlagOf(ok), undefined, ok);
      assert.doesNotThrow(() => parseSlurmProfile({ extraArgs: [ok] }, 'p'), ok);
    }
    assert.throws(() => parseSlurmProfile({ extraArgs: ['--constraint a100'] }, 'p'), /holds a space; sbatch would get it as one argument/);
  });
});

/** Local addresses of TCP sockets in LISTEN state owned by `pids` (from /proc/<pid>/fd and /proc/net/tcp{,6}). */
function listeningAddresses(pids: number[]): string[] {
  const inodes = new Set<string>();
  for (const pid of pids) {
    try {
      for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
        const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m) inodes.add(m[1]!);
      }
    } catch {
      // exited
    }
  }
  const out: string[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!fs.existsSync(table)) continue;
    for (const line of fs.readFileSync(table, 'utf8').trim().split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f[3] === '0A' && inodes.has(f[9]!)) out.push(f[1]!);
    }
  }
  return out;
}
const LOOPBACK = /^(0100007F|00000000000000000000000001000000|0000000000000000FFFF00000100007F):/;

describe('no listener beyond loopback', () => {
  const run = async (what: 'browser' | 'notebook', up: (sb: ReturnType<typeof sandbox>) => boolean) => {
    const sb = sandbox();
    const env = { ...process.env, MOELAB_FAULTS_MARK: sb.mark, MOELAB_FAULTS_KERNEL_PID_FILE: path.join(sb.root, 'kernel.pid'), MOELAB_FAULTS_SLEEP_MS: '60000' };
    const p = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'fixtures', 'listeners.ts'), what, sb.root], { env, stdio: ['pipe', 'pipe', 'inherit'], detached: true });
    try {
      await waitFor(`${what} to be up`, () => up(sb), 180_000);
      const pids = sb.marked().map((x) => x.pid);
      const listening = listeningAddresses(pids);
      return { pids, listening };
    } finally {
      p.stdin!.end();
      try {
        process.kill(-p.pid!, 'SIGKILL');
      } catch {
        // gone
      }
    }
  };

  it('50: the notebook kernel listens on loopback only', { skip: jupyterUnavailable(REPO_ROOT) }, async () => {
    const { pids, listening } = await run('notebook', (sb) => fs.existsSync(path.join(sb.root, 'kernel.pid')));
    assert.ok(pids.length >= 3, 'nbconvert, the guard and the kernel are running');
    assert.ok(listening.length >= 1, 'the kernel listens on its ZMQ ports');
    assert.deepEqual(listening.filter((a) => !LOOPBACK.test(a)), [], `listeners beyond loopback: ${listening.join(', ')}`);
  });

  it('50: the figure renderer drives Chromium over a pipe and opens no listening port', { skip: findChromium() ? undefined : 'Chromium not found (scripts/setup-system.sh)' }, async () => {
    const { pids, listening } = await run('browser', (sb) => sb.marked().some((x) => /chrom/i.test(x.cmd)));
    assert.ok(pids.length >= 2);
    assert.deepEqual(listening.filter((a) => !LOOPBACK.test(a)), [], `listeners beyond loopback: ${listening.join(', ')}`);
  });
});


