/**
 * The README's "Using moelab" table, run on a fresh clone of the committed tree as a new user would after
 * `npm install` (node_modules from this checkout, dist/ built for the clone) with `node_modules/.bin` on the PATH
 * as the README says. Every row must have a case here: a row added to the README without one fails this test.
 * Rows that run for minutes are run as `--dry-run` or skipped with the reason and the test that covers them.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { syntheticObservations } from '../../src/laws/synthetic';

const REPO = path.resolve(__dirname, '..', '..');
const README = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');

/** The rows of the table under "## Using moelab": [what the user wants, the command cell]. */
function tableRows(): Array<[string, string]> {
  const section = README.slice(README.indexOf('## Using moelab'), README.indexOf('\n## ', README.indexOf('## Using moelab') + 5));
  return section
    .split('\n')
    .filter((l) => l.startsWith('| ') && !l.startsWith('| I want to') && !l.startsWith('|---'))
    .map((l) => {
      const cells = l.split(' | ');
      return [cells[0]!.replace(/^\| /, '').trim(), cells.slice(1).join(' | ').replace(/ \|$/, '').trim()];
    });
}

/** The backticked commands of a cell that start with `moelab` or `npm`. */
const commandsOf = (cell: string) => [...cell.matchAll(/`((?:moelab|npm) [^`]+)`/g)].map((m) => m[1]!);

interface Clone {
  dir: string;
  run(cmd: string, env?: Record<string, string>): { status: number | null; stdout: string; stderr: string };
}

function freshClone(): Clone {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'moelab-readme-')), 'moelab');
  const c = spawnSync('git', ['clone', '--quiet', '--no-hardlinks', REPO, dir], { encoding: 'utf8' });
  assert.equal(c.status, 0, c.stderr);
  // what `npm install` leaves: the dependencies (linked from this checkout), node_modules/moelab -> .., the
  // moelab command in node_modules/.bin, and dist/ for the clone's sources
  const nm = path.join(dir, 'node_modules');
  fs.mkdirSync(path.join(nm, '.bin'), { recursive: true });
  for (const entry of fs.readdirSync(path.join(REPO, 'node_modules'))) {
    if (entry === 'moelab' || entry === '.bin' || entry.startsWith('.')) continue;
    fs.symlinkSync(path.join(REPO, 'node_modules', entry), path.join(nm, entry));
  }
  for (const bin of fs.readdirSync(path.join(REPO, 'node_modules', '.bin'))) {
    if (bin === 'moelab') continue;
    fs.symlinkSync(path.join(REPO, 'node_modules', '.bin', bin), path.join(nm, '.bin', bin));
  }
  fs.symlinkSync('..', path.join(nm, 'moelab'), 'dir');
  fs.symlinkSync(path.join('..', '..', 'bin', 'moelab.js'), path.join(nm, '.bin', 'moelab'));
  if (fs.existsSync(path.join(REPO, 'build'))) fs.cpSync(path.join(REPO, 'build'), path.join(dir, 'build'), { recursive: true });
  if (fs.existsSync(path.join(REPO, '.jupyter'))) fs.cpSync(path.join(REPO, '.jupyter'), path.join(dir, '.jupyter'), { recursive: true });
  // dist/: this checkout's when it was built from the same sources (the record's hashes decide), else built anew
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const stamp = require('../../bin/dist-stamp.js') as { distStaleReason(root: string): string | undefined };
  if (fs.existsSync(path.join(REPO, 'dist'))) fs.cpSync(path.join(REPO, 'dist'), path.join(dir, 'dist'), { recursive: true });
  if (stamp.distStaleReason(dir)) {
    const b = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: dir, encoding: 'utf8' });
    assert.ok(b.status === 0 || b.status === 2, `npm run build in the clone: ${b.stdout}${b.stderr}`);
  }
  const env = { ...process.env, PATH: `${path.join(nm, '.bin')}${path.delimiter}${process.env.PATH ?? ''}`, MOELAB_SKIP_SYSTEM_SETUP: '1' };
  return {
    dir,
    run(cmd, extra = {}) {
      const r = spawnSync('bash', ['-c', cmd], { cwd: dir, encoding: 'utf8', env: { ...env, ...extra }, timeout: 10 * 60_000 });
      return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
    },
  };
}

/** Why the clone's reference fit records cannot be read by this moelab (written by an older one), or undefined. */
function referenceFitsStale(dir: string): string | undefined {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { readFitRecords } = require('../../src/laws/record') as typeof import('../../src/laws/record');
  try {
    readFitRecords(path.join(dir, 'results', 'reference', 'tiny', 'fits'));
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

type Case = { run: (clone: Clone, commands: string[]) => void } | { skip: string };

const ok = (r: { status: number | null; stdout: string; stderr: string }, what: string) => assert.equal(r.status, 0, `${what}: exit ${r.status}\n${r.stdout}\n${r.stderr}`);
const dry = (cmd: string) => `${cmd} --dry-run`;
const hasJupyter = fs.existsSync('/usr/bin/jupyter') && fs.existsSync(path.join(REPO, '.jupyter', 'share', 'jupyter', 'kernels', 'tslab', 'kernel.json'));

const CASES: Record<string, Case> = {
  'run everything (default preset `tiny`)': {
    // the whole tiny DAG trains 85 models (~17 min on 2 cores): planned here, run end to end on the smoke preset by test/e2e/smoke.test.ts
    run: (c) => {
      const r = c.run('npm run --silent repro -- --dry-run');
      ok(r, 'npm run repro -- --dry-run');
      assert.match(r.stdout, /would run corpus: never run/);
    },
  },
  'see what is stale and why': {
    run: (c, cmds) => {
      assert.deepEqual(cmds, ['moelab status', 'moelab repro --dry-run']);
      const st = c.run('moelab status');
      ok(st, 'moelab status');
      assert.match(st.stdout, /^stage +instances +up to date +stale +why stale$/m);
      ok(c.run('moelab repro --dry-run'), 'moelab repro --dry-run');
    },
  },
  'run one stage (and what it needs)': {
    // training takes minutes: planned (--dry-run) here; test/e2e/smoke.test.ts runs stages for real
    run: (c, cmds) => {
      for (const cmd of cmds) {
        const r = c.run(dry(cmd));
        ok(r, dry(cmd));
        assert.match(r.stdout, /would run/);
      }
    },
  },
  're-run a stage that is up to date': {
    run: (c, [cmd]) => {
      const r = c.run(dry(cmd!));
      ok(r, dry(cmd!));
      assert.match(r.stdout, /would run report/);
    },
  },
  'run a sweep at another scale': {
    run: (c, [cmd]) => ok(c.run(dry(cmd!)), dry(cmd!)),
  },
  "test the survey's other MoE designs": {
    run: (c, cmds) => {
      assert.deepEqual(cmds, ['moelab repro --preset shared', 'moelab repro --preset peer', 'moelab repro --preset lifelong']);
      for (const cmd of cmds) ok(c.run(dry(cmd)), dry(cmd));
    },
  },
  "use Clark et al.'s 223 released runs (no training)": {
    run: (c, cmds) => {
      assert.deepEqual(cmds, ['moelab repro --preset clark', 'moelab import --source clark --out results/clark']);
      ok(c.run(dry(cmds[0]!)), dry(cmds[0]!));
      const r = c.run(cmds[1]!);
      ok(r, cmds[1]!);
      assert.ok(fs.existsSync(path.join(c.dir, 'results', 'clark', 'runs.csv')));
    },
  },
  'import my own released run table': { skip: "needs the user's own table: test/runs/released/ imports tables in moelab's released format and Clark's" },
  'run my own sweep': {
    run: (c, cmds) => {
      fs.copyFileSync(path.join(c.dir, 'pipeline', 'presets', 'tiny.ts'), path.join(c.dir, 'my-preset.ts'));
      const r = c.run(dry(cmds.at(-1)!));
      ok(r, dry(cmds.at(-1)!));
      assert.match(r.stdout, /preset tiny/);
    },
  },
  'run the sweep on Slurm': { skip: 'needs a Slurm cluster: test/slurm/cluster.test.ts runs the executor against a local slurmctld/slurmd (as root)' },
  'train one model': {
    // 8M tokens take 3.7 min on one core: the config is checked here, training by test/train/ and the smoke e2e test
    run: (c, [cmd]) => {
      assert.match(cmd!, /--config examples\/train-moe-100k\.json/);
      assert.ok(fs.existsSync(path.join(c.dir, 'examples', 'train-moe-100k.json')));
      ok(c.run('moelab train --help'), 'moelab train --help');
    },
  },
  'fit a law to any CSV': {
    run: (c, [cmd]) => {
      const obs = syntheticObservations('chinchilla', { seed: 1, nPoints: 60 });
      fs.writeFileSync(path.join(c.dir, 'my.csv'), `params,tokens,loss\n${obs.x.map((x, i) => `${x[0]},${x[1]},${obs.loss[i]}`).join('\n')}\n`);
      const r = c.run(cmd!);
      ok(r, cmd!);
      assert.match(r.stdout, /alpha +0\.3\d+ +95% interval/);
    },
  },
  'fit a law to our runs as the pipeline does': {
    run: (c, [cmd]) => {
      const r = c.run(cmd!);
      ok(r, cmd!);
      assert.match(r.stdout, /runs: 44 of 85 \(the pipeline's selection for fine-grained/);
    },
  },
  'compute-optimal allocations': {
    run: (c, [cmd]) => {
      const r = c.run(cmd!);
      ok(r, cmd!);
      assert.match(r.stdout, /C \(FLOPs\) +G +E /);
    },
  },
  "serving cost / Yun's Algorithms 1-2": {
    run: (c, cmds) => {
      assert.equal(cmds.length, 2);
      for (const cmd of cmds) ok(c.run(cmd), cmd);
    },
  },
  'export figures': {
    // PNG/SVG need Chromium and ~20 s: exported as json,html here (test/figures/export.test.ts renders PNG/SVG)
    run: (c, [cmd]) => {
      assert.match(cmd!, /^moelab figures/);
      const r = c.run('moelab figures --only krajewski.fig1a --format json,html');
      // a fresh clone's figures come from the committed reference: its fit records must be readable by this moelab
      assert.equal(referenceFitsStale(c.dir), undefined, 'the committed reference must be regenerated with the current fit-record schema');
      assert.match(r.stderr, /drawing the committed reference results\/reference\/tiny/);
      ok(r, 'moelab figures --only krajewski.fig1a --format json,html');
      for (const f of ['krajewski/fig1a.html', 'krajewski/fig1a.json', 'plotly.min.js', 'index.html']) assert.ok(fs.existsSync(path.join(c.dir, 'results', 'figures', f)), f);
      // drawing the committed reference never writes into it
      assert.equal(c.run('git status --porcelain results/reference').stdout, '', 'moelab figures wrote into results/reference');
    },
  },
  'open the notebooks': { skip: 'serves until stopped: test/notebooks/lab.test.ts starts `npm run lab` and checks its kernel and notebooks' },
  'use the notebooks in my own Jupyter or VS Code': {
    run: (c, [cmd]) => {
      const data = fs.mkdtempSync(path.join(os.tmpdir(), 'moelab-readme-jupyter-'));
      ok(c.run(cmd!, { JUPYTER_DATA_DIR: data }), cmd!);
      assert.ok(fs.existsSync(path.join(data, 'kernels', 'tslab', 'kernel.json')));
    },
  },
  'execute the notebooks headlessly': hasJupyter
    ? {
        // all five take ~2 min on 2 cores: one here, all five in test/notebooks/execute.test.ts
        run: (c, [cmd]) => {
          const r = c.run(`${cmd!} --only 02 --no-html`);
          ok(r, cmd!);
          assert.ok(fs.existsSync(path.join(c.dir, 'results', 'notebooks', '02-chinchilla-fit.ipynb')));
        },
      }
    : { skip: 'no Jupyter/tslab kernel here (scripts/setup-system.sh + npm install)' },
  'compare with the reference': {
    // `results/` exists after a repro: here it is the reference itself, which must compare as the same (exit 0)
    run: (c, [cmd]) => {
      assert.equal(referenceFitsStale(c.dir), undefined, 'the committed reference must be regenerated with the current fit-record schema');
      fs.mkdirSync(path.join(c.dir, 'results'), { recursive: true });
      fs.copyFileSync(path.join(c.dir, 'results', 'reference', 'tiny', 'runs.csv'), path.join(c.dir, 'results', 'runs.csv'));
      fs.cpSync(path.join(c.dir, 'results', 'reference', 'tiny', 'fits'), path.join(c.dir, 'results', 'fits'), { recursive: true });
      const r = c.run(cmd!);
      ok(r, cmd!);
      assert.match(r.stdout, /verdict: same within the tolerances/);
    },
  },
  'measure speed': { skip: 'benchmarks run for minutes and are measured, never tested (README: Measured numbers)' },
};

describe('README "Using moelab" on a fresh clone', () => {
  const rows = tableRows();

  it('every row of the table has a case here (run, or skipped with its reason)', () => {
    assert.ok(rows.length >= 15);
    const missing = rows.map(([want]) => want).filter((w) => !(w in CASES));
    assert.deepEqual(missing, [], 'add a case for each new README row');
    const stale = Object.keys(CASES).filter((k) => !rows.some(([w]) => w === k));
    assert.deepEqual(stale, [], 'cases for rows the README no longer has');
  });

  it('the README says how to run moelab after npm install', () => {
    assert.match(README, /`npm install` links the `moelab` command into `node_modules\/.bin\/`\. Run it as `npx moelab …`, or put that folder on\s+your PATH/);
  });

  let clone: Clone | undefined;
  const getClone = () => (clone ??= freshClone());
  for (const [want, cell] of rows) {
    const c = CASES[want];
    it(`${want}: ${commandsOf(cell).join(' · ') || cell}`, { skip: c && 'skip' in c ? c.skip : false, timeout: 15 * 60_000 }, () => {
      assert.ok(c && 'run' in c, `no case for "${want}"`);
      c.run(getClone(), commandsOf(cell));
    });
  }
});
