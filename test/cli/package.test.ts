/**
 * The package as a user gets it: `moelab --version`/`--help` from the built CLI, the launcher running dist/ only
 * while it matches the sources, light subpath exports (a fit loads no tfjs/danfojs), and `npm pack` shipping
 * what a user needs and nothing else.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';

const REPO = path.resolve(__dirname, '..', '..');
const MOELAB = path.join(REPO, 'bin', 'moelab.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const stamp = require('../../bin/dist-stamp.js') as {
  currentStamp(root: string): unknown;
  writeStamp(root: string, s: unknown): void;
  distStaleReason(root: string, refresh?: boolean): string | undefined;
  readStamp(root: string): { files: Record<string, [number, number, string]> } | undefined;
};
const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string; exports: Record<string, unknown> };
const distStale = stamp.distStaleReason(REPO, false);
const moelab = (args: string[], env: Record<string, string> = {}) => spawnSync(process.execPath, [MOELAB, ...args], { cwd: os.tmpdir(), encoding: 'utf8', env: { ...process.env, ...env } });

describe('moelab --version and --help', () => {
  it('--version prints the package version; --help lists every command; every command has --help (exit 0)', () => {
    const v = moelab(['--version']);
    assert.equal(v.status, 0, v.stderr);
    assert.equal(v.stdout.trim(), pkg.version);
    const h = moelab(['--help']);
    assert.equal(h.status, 0);
    const commands = ['repro', 'status', 'dag', 'run-stage', 'bench', 'train', 'fit', 'compare', 'optimal', 'inference', 'figures', 'notebooks', 'kernel'];
    for (const c of commands) assert.match(h.stdout, new RegExp(`^  ${c}\\b`, 'm'), `--help lists ${c}`);
    for (const c of [...commands, 'inference cost', 'inference alg1', 'kernel install']) {
      const r = moelab([...c.split(' '), '--help']);
      assert.equal(r.status, 0, `${c} --help: ${r.stderr}`);
      assert.match(r.stdout, new RegExp(`^Usage: moelab ${c}`, 'm'));
    }
  });

  it('an unknown command or option is a usage error: exit 2', () => {
    assert.equal(moelab(['frobnicate']).status, 2);
    assert.equal(moelab(['fit', '--frobnicate']).status, 2);
  });

  it('runs from dist/ when dist/ matches the sources (the fast start), from src/ through tsx otherwise', { skip: distStale ? `dist/ does not match the sources here (${distStale}); run \`npm run build\`` : false }, () => {
    const fast = moelab(['--version'], { MOELAB_DEBUG: '1' });
    assert.match(fast.stderr, /running dist\/ \(built from the current sources\)/);
    const forced = moelab(['--version'], { MOELAB_DEBUG: '1', MOELAB_FROM_SOURCE: '1' });
    assert.match(forced.stderr, /running src\/ through tsx \(MOELAB_FROM_SOURCE=1\)/);
    assert.equal(forced.stdout, fast.stdout);
    // pipeline commands run from the TypeScript sources (stage modules, presets, fingerprints), --help from dist/
    assert.match(moelab(['dag', '--help'], { MOELAB_DEBUG: '1' }).stderr, /running dist\//);
  });
});

describe('bin/dist-stamp.js: dist/ is run only while it matches the sources', () => {
  const fakeRepo = () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'moelab-stamp-'));
    fs.mkdirSync(path.join(root, 'src', 'cli'), { recursive: true });
    fs.mkdirSync(path.join(root, 'dist', 'src', 'cli'), { recursive: true });
    fs.writeFileSync(path.join(root, 'src', 'cli', 'main.ts'), 'export const a = 1;\n');
    fs.writeFileSync(path.join(root, 'src', 'cli', 'types.d.ts'), 'export type T = 1;\n');
    fs.writeFileSync(path.join(root, 'dist', 'src', 'cli', 'main.js'), 'exports.a = 1;\n');
    return root;
  };

  it('fresh after a build; a changed, added or removed source makes it stale, naming the file', () => {
    const root = fakeRepo();
    assert.match(stamp.distStaleReason(root)!, /\.moelab-build\.json is missing/);
    stamp.writeStamp(root, stamp.currentStamp(root));
    assert.equal(stamp.distStaleReason(root), undefined);
    fs.writeFileSync(path.join(root, 'src', 'cli', 'main.ts'), 'export const a = 2;\n');
    assert.equal(stamp.distStaleReason(root), 'src/cli/main.ts changed');
    stamp.writeStamp(root, stamp.currentStamp(root));
    fs.writeFileSync(path.join(root, 'src', 'new.ts'), 'export {};\n');
    assert.equal(stamp.distStaleReason(root), 'src/new.ts was added');
    fs.rmSync(path.join(root, 'src', 'new.ts'));
    fs.rmSync(path.join(root, 'src', 'cli', 'main.ts'));
    assert.equal(stamp.distStaleReason(root), 'src/cli/main.ts was removed');
    fs.rmSync(path.join(root, 'dist'), { recursive: true });
    assert.equal(stamp.distStaleReason(root), 'dist/ is not built');
  });

  it('a new mtime with the same content (git checkout, npm pack) stays fresh, and the record is refreshed', () => {
    const root = fakeRepo();
    stamp.writeStamp(root, stamp.currentStamp(root));
    const file = path.join(root, 'src', 'cli', 'main.ts');
    const later = new Date(Date.now() + 60_000);
    fs.utimesSync(file, later, later);
    assert.equal(stamp.distStaleReason(root), undefined);
    assert.equal(stamp.readStamp(root)!.files['src/cli/main.ts']![1], fs.statSync(file).mtimeMs);
    // same size, different content: stale
    fs.writeFileSync(file, 'export const b = 1;\n');
    assert.equal(stamp.distStaleReason(root), 'src/cli/main.ts changed');
  });
});

describe('package exports', () => {
  const built = fs.existsSync(path.join(REPO, 'dist', 'src', 'laws', 'index.js'));
  it('moelab/laws, moelab/runs, moelab/inference, moelab/figures load neither tfjs nor danfojs (a fit stays light)', { skip: built ? false : 'dist/ not built (npm run build)' }, () => {
    for (const sub of Object.keys(pkg.exports).filter((k) => k !== './package.json')) assert.ok(fs.existsSync(path.join(REPO, (pkg.exports[sub] as { default: string }).default)), `${sub} points at a built file`);
    for (const sub of ['moelab/laws', 'moelab/runs', 'moelab/inference', 'moelab/figures']) {
      const r = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(sub)}); process.stdout.write(JSON.stringify(Object.keys(require.cache)))`], { cwd: REPO, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      const loaded = JSON.parse(r.stdout) as string[];
      assert.ok(!loaded.some((f) => f.includes(`${path.sep}@tensorflow${path.sep}`)), `${sub} loads tfjs`);
      assert.ok(!loaded.some((f) => f.includes(`${path.sep}danfojs`)), `${sub} loads danfojs`);
    }
  });

  it("the subpaths resolve for tslab's TypeScript (node10 resolution ignores exports; typesVersions maps them)", { skip: built ? false : 'dist/ not built' }, () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const ts = require('@tslab/typescript-for-tslab') as typeof import('typescript');
    for (const sub of ['laws', 'figures', 'notebooks']) {
      const r = ts.resolveModuleName(`moelab/${sub}`, path.join(REPO, 'notebooks', 'x.ts'), { moduleResolution: ts.ModuleResolutionKind.NodeJs }, ts.sys);
      assert.equal(r.resolvedModule?.resolvedFileName, path.join(REPO, 'dist', 'src', sub, 'index.d.ts'));
    }
  });
});

describe('npm pack', () => {
  it('ships the CLI, dist/, the sources the pipeline runs from, notebooks and set-up scripts; no tests, results or build output', { timeout: 120_000 }, () => {
    const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: REPO, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const [info] = JSON.parse(r.stdout) as Array<{ size: number; files: Array<{ path: string }> }>;
    const files = info!.files.map((f) => f.path);
    for (const f of ['bin/moelab.js', 'bin/dist-stamp.js', 'src/cli/main.ts', 'pipeline/dag.ts', 'scripts/postinstall.mjs', 'scripts/setup-system.sh', 'scripts/build-native.mjs', 'src/backend/native/blas.c', 'notebooks/01-corpus-and-runs.ipynb', 'README.md', 'results/reference/tiny/runs.csv']) {
      assert.ok(files.includes(f), `${f} is shipped`);
    }
    if (fs.existsSync(path.join(REPO, 'dist', 'src', 'cli', 'main.js'))) assert.ok(files.includes('dist/src/cli/main.js') && files.includes('dist/.moelab-build.json'));
    for (const prefix of ['test/', 'node_modules/', 'build/', '.jupyter/', 'results/reference/tiny/figures/', 'results/runs', '.ci/']) {
      assert.deepEqual(files.filter((f) => f.startsWith(prefix)), [], `${prefix} is not shipped`);
    }
    assert.ok(info!.size < 3e6, `package is ${(info!.size / 1e6).toFixed(1)} MB`);
  });
});
