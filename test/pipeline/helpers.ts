import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { repro, readLock, type ReproOptions, type ReproSummary } from '../../src/pipeline';
import type { FixtureConfig } from './fixtures/dag';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const FIXTURE_DAG = path.join(__dirname, 'fixtures', 'dag.ts');
export const MOELAB = path.join(REPO_ROOT, 'bin', 'moelab.js');

/** A temp workspace: results/data dirs, a fixture dir and a config file. */
export interface Workspace {
  root: string;
  results: string;
  data: string;
  fixtureDir: string;
  configFile: string;
  config: FixtureConfig;
  /** Rewrites the config file with changes applied. */
  setConfig(change: (c: FixtureConfig) => void): void;
  /** Runs repro through the engine API on this workspace. */
  repro(opts?: Partial<ReproOptions>): Promise<ReproSummary>;
  /** Instances that ran (events file), in order, then clears it. */
  takeEvents(): Array<{ instance: string; pid: number; start: number; end: number }>;
  lock(): ReturnType<typeof readLock>;
  /** Runs the CLI (`node bin/moelab.js …`) synchronously. */
  cli(args: string[]): { status: number | null; stdout: string; stderr: string };
}

export function workspace(): Workspace {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'moelab-pipe-'));
  const ws: Workspace = {
    root,
    results: path.join(root, 'results'),
    data: path.join(root, 'data'),
    fixtureDir: path.join(root, 'fixture'),
    configFile: path.join(root, 'preset.json'),
    config: { name: 'fixture', fixtureDir: path.join(root, 'fixture'), a: { n: 1 }, b: { m: 1 }, c: { k: 1 }, grid: [1, 2], slow: { size: 1000 } },
    setConfig(change) {
      change(ws.config);
      fs.writeFileSync(ws.configFile, JSON.stringify(ws.config));
    },
    repro: (opts = {}) =>
      repro({
        pipelineModule: FIXTURE_DAG,
        preset: ws.configFile,
        repoRoot: REPO_ROOT,
        resultsDir: ws.results,
        dataDir: ws.data,
        jobs: 2,
        warn: () => {},
        ...opts,
      }),
    takeEvents() {
      const f = path.join(ws.fixtureDir, 'events.jsonl');
      if (!fs.existsSync(f)) return [];
      const ev = fs.readFileSync(f, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
      fs.rmSync(f);
      return ev;
    },
    lock: () => readLock(ws.results),
    cli(args) {
      const r = spawnSync(process.execPath, [MOELAB, ...args], { cwd: REPO_ROOT, encoding: 'utf8' });
      return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    },
  };
  fs.mkdirSync(ws.fixtureDir, { recursive: true });
  ws.setConfig(() => {});
  return ws;
}

/** Names of instances that ran, sorted. */
export function ranNames(s: ReproSummary): string[] {
  return s.ran.map((r) => r.instance).sort();
}

/** Polls until `file` exists (or throws after `ms`). */
export async function waitForFile(file: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!fs.existsSync(file)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${file}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
