/**
 * Shared tools of the fault-matrix suite (test/faults/): temp sandboxes, the CLI run synchronously or as its own
 * process group (so a test can `kill -9` the group as a user's Ctrl-\ or an OOM killer would), orphan detection
 * through a marker variable every descendant inherits, tmpfs and read-only bind mounts (root only), and a mini
 * preset of the real project (real corpus, train, runs, fit and analysis stages at a few seconds per run).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const MOELAB = path.join(REPO_ROOT, 'bin', 'moelab.js');
/** The faults fixture DAG (same shape as the project's: matrix train with state, fit@ glob, figures/ dir, …). */
export const FAULTS_DAG = path.join(__dirname, 'fixtures', 'dag.ts');
/** The engine test fixture DAG (a → b, c, sweep@… → agg, slow). */
export const PIPELINE_DAG = path.join(REPO_ROOT, 'test', 'pipeline', 'fixtures', 'dag.ts');

/** Environment variable that marks every process a test started (inherited by stage children, Jupyter, kernels). */
export const MARK_VAR = 'MOELAB_FAULTS_MARK';

export interface RunResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Sandbox {
  root: string;
  results: string;
  data: string;
  /** Unique marker of this sandbox's processes. */
  mark: string;
  /** `moelab <args>` synchronously (cwd: the repo root unless given; marker set). */
  run(args: string[], env?: Record<string, string>, cwd?: string): RunResult;
  /** `moelab <args>` as the leader of a new process group (detached), output collected. */
  start(args: string[], env?: Record<string, string>): Started;
  /** Live processes carrying this sandbox's marker (orphans, once the group was killed). */
  marked(): Array<{ pid: number; cmd: string }>;
}

export interface Started {
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code and signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Signals the whole process group (`kill -<sig> -<pgid>`). */
  killGroup(signal: NodeJS.Signals): void;
}

export function sandbox(prefix = 'moelab-faults-'): Sandbox {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const mark = crypto.randomBytes(6).toString('hex');
  const results = path.join(root, 'results');
  const data = path.join(root, 'data');
  const env = (extra: Record<string, string> = {}) => ({ ...process.env, [MARK_VAR]: mark, MOELAB_SKIP_SYSTEM_SETUP: '1', ...extra });
  return {
    root,
    results,
    data,
    mark,
    run(args, extra, cwd = REPO_ROOT) {
      const r = spawnSync(process.execPath, [MOELAB, ...args], { cwd, encoding: 'utf8', env: env(extra), timeout: 10 * 60_000 });
      return { status: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
    },
    start(args, extra) {
      const child = spawn(process.execPath, [MOELAB, ...args], { cwd: REPO_ROOT, env: env(extra), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
      child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
      return {
        child,
        output: () => out,
        exited,
        killGroup(signal) {
          try {
            process.kill(-child.pid!, signal);
          } catch {
            // already gone
          }
        },
      };
    },
    marked: () => processesWithEnv(MARK_VAR, mark),
  };
}

/** Live processes whose environment holds `name=value` (Linux /proc; zombies excluded). */
export function processesWithEnv(name: string, value: string): Array<{ pid: number; cmd: string }> {
  const needle = `${name}=${value}`;
  const out: Array<{ pid: number; cmd: string }> = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
      const environ = fs.readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
      if (!environ.includes(needle)) continue;
      out.push({ pid: Number(entry), cmd: fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ').trim() });
    } catch {
      // exited meanwhile, or not ours to read
    }
  }
  return out;
}

/** `s` with RegExp metacharacters escaped. */
export function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Polls `predicate` every 20 ms until it is true; throws naming `what` after `ms`. */
export async function waitFor(what: string, predicate: () => boolean, ms = 120_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Waits until no process carries the sandbox's marker (children exit after their parent is killed). */
export async function waitNoMarked(sb: Sandbox, ms = 20_000): Promise<Array<{ pid: number; cmd: string }>> {
  const deadline = Date.now() + ms;
  let left = sb.marked();
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    left = sb.marked();
  }
  return left;
}

/** Every file under `dir` (relative paths, sorted), skipping nothing. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(path.relative(dir, p));
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return out.sort();
}

/** `relative path → sha256` of every file under `dir`. */
export function treeHashes(dir: string, skip: (rel: string) => boolean = () => false): Record<string, string> {
  const out: Record<string, string> = {};
  for (const rel of listFiles(dir)) {
    if (skip(rel)) continue;
    out[rel] = crypto.createHash('sha256').update(fs.readFileSync(path.join(dir, rel))).digest('hex');
  }
  return out;
}

/** Temp files and engine leftovers that a finished run must not leave behind. */
export function leftovers(dir: string): string[] {
  return listFiles(dir).filter((f) => /\.tmp-\d+|\.moelab-tmp\/.|\.moelab-old-|\.takeover$|\.moelab-repro\.pid$/.test(f));
}

/** Why mounting is impossible here (not root, or the kernel refuses), or undefined when tmpfs and bind mounts work. */
export const cannotMount: string | undefined = (() => {
  if (process.platform !== 'linux') return 'tmpfs and bind mounts need Linux';
  if (process.getuid?.() !== 0) return 'mounting a small tmpfs / read-only bind needs root (CI runs as root in a container)';
  const probe = fs.mkdtempSync(path.join(os.tmpdir(), 'moelab-mount-probe-'));
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { encoding: 'utf8' });
  if (r.status !== 0) {
    fs.rmSync(probe, { recursive: true, force: true });
    return `mount -t tmpfs failed here (${(r.stderr || r.error?.message || '').trim()}): the container lacks CAP_SYS_ADMIN`;
  }
  spawnSync('umount', [probe]);
  fs.rmSync(probe, { recursive: true, force: true });
  return undefined;
})();

function sh(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
}

/** Mounts a tmpfs of `sizeKB` at `dir` (created); returns a function that resizes it and one that unmounts it. */
export function mountTmpfs(dir: string, sizeKB: number): { resize(kb: number): void; unmount(): void } {
  fs.mkdirSync(dir, { recursive: true });
  sh('mount', ['-t', 'tmpfs', '-o', `size=${sizeKB}k`, 'tmpfs', dir]);
  return {
    resize: (kb) => sh('mount', ['-o', `remount,size=${kb}k`, dir]),
    unmount: () => sh('umount', ['-l', dir]),
  };
}

/** Makes `dir` read-only in place (a read-only bind mount over itself: writes fail with EROFS, even for root). */
export function bindReadOnly(dir: string): { unmount(): void } {
  sh('mount', ['--bind', dir, dir]);
  sh('mount', ['-o', 'remount,ro,bind', dir]);
  return { unmount: () => sh('umount', ['-l', dir]) };
}

/**
 * A preset of the real project, small enough for fault tests: a 300 kB slice of the embedded corpus, d16 one-block
 * models trained for 16-32 steps (dense and expert-choice MoE), the run table, and fits without bootstrap.
 */
export function miniPreset(dir: string, over: Record<string, unknown> = {}, name = 'mini'): string {
  const shape = (dModel: number) => ({ dModel, layers: 1, heads: 2 });
  const preset = {
    name: 'faults-mini',
    corpus: { name, sources: [{ kind: 'embedded', dataset: 'moby-dick' }], valFraction: 0.1, splitSeed: 0, maxBytes: 300_000 },
    sweeps: {
      fineGrained: {
        expansionRate: 4,
        moe: [{ shapes: [shape(16)], tokens: [8192], granularities: [1, 2] }],
        dense: [{ shapes: [shape(16)], tokens: [4096, 8192] }],
      },
      experts: null,
    },
    train: { seqLen: 32, batchSize: 8, evalsPerRun: 1, evalTokens: 2048, checkpointsPerRun: 4, backend: 'wasm' },
    fit: { bootstrap: 0, laws: ['chinchilla', 'fine-grained'] },
    figures: { formats: ['json'] },
    notebooks: { execute: false },
    ...over,
  };
  const file = path.join(dir, `preset-${crypto.randomBytes(3).toString('hex')}.json`);
  fs.writeFileSync(file, JSON.stringify(preset, null, 1));
  return file;
}

/** The run table without the column that legitimately differs between identical runs (wall seconds), rows sorted. */
export function runTableWithoutWall(file: string): string {
  const [header, ...rows] = fs.readFileSync(file, 'utf8').trim().split('\n');
  const wall = header!.split(',').indexOf('wall_seconds');
  const drop = (line: string) => line.split(',').filter((_, i) => i !== wall).join(',');
  return [drop(header!), ...rows.map(drop).sort()].join('\n');
}

/** Losses of a metrics.jsonl (train and eval rows; throughput fields, which depend on the machine, left out). */
export function lossesOf(file: string): Array<[string, number, number]> {
  return fs
    .readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { kind: string; step: number; loss?: number; valLoss?: number })
    .map((r) => [r.kind, r.step, r.kind === 'train' ? r.loss! : r.valLoss!]);
}

/** final.json without its wall time. */
export function summaryWithoutWall(file: string): Record<string, unknown> {
  const s = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  delete s.wallSeconds;
  return s;
}
