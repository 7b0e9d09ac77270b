import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import type { BenchResult, BenchSuite } from '../bench/types';
import { REPO_ROOT } from './paths';
import { UsageError } from '../errors';

const BENCH_DIR = path.join(REPO_ROOT, 'src', 'bench');

function isSuite(x: unknown): x is BenchSuite {
  return !!x && typeof (x as BenchSuite).name === 'string' && typeof (x as BenchSuite).run === 'function';
}

/** Every suite in `src/bench/*.ts` (a module exporting a BenchSuite as `suite` or default). No registration list to edit. */
export function discoverSuites(onError: (file: string, err: Error) => void = () => {}): BenchSuite[] {
  const suites: BenchSuite[] = [];
  for (const f of fs.readdirSync(BENCH_DIR).sort()) {
    if (!f.endsWith('.ts') || f === 'types.ts' || f.endsWith('.d.ts')) continue;
    let mod: Record<string, unknown>;
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      mod = require(path.join(BENCH_DIR, f)) as Record<string, unknown>;
    } catch (e) {
      onError(f, e as Error); // one broken suite must not take the others down
      continue;
    }
    const found = [mod.suite, mod.default].find(isSuite);
    if (found) suites.push(found);
  }
  return suites;
}

function formatResult(r: BenchResult): string {
  const v = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 1 ? x.toFixed(2) : x.toPrecision(3));
  let line = `  ${r.label}: ${v(r.value)} ${r.unit}`;
  if (r.reference !== undefined) line += `  (reference ${r.referenceLabel ?? ''} ${v(r.reference)} ${r.unit}, ratio ${v(r.ratio ?? r.value / r.reference)})`;
  if (r.goal !== undefined) {
    const met = r.lowerIsBetter ? r.value <= r.goal : r.value >= r.goal;
    line += `  goal ${r.lowerIsBetter ? '≤' : '≥'} ${r.goal} ${r.unit}: ${met ? 'met' : 'MISSED'}`;
  }
  if (r.notes) line += `\n      ${r.notes}`;
  return line;
}

export function register(program: Command): void {
  program
    .command('bench')
    .description('run benchmark suites (speed numbers live here, not in tests)')
    .argument('[suites...]', 'suite names; default: all (see --list)')
    .option('--list', 'list suites and exit')
    .option('--quick', 'smaller sizes, fewer repetitions')
    .option('--json', 'print results as JSON on stdout')
    .option('--repeat <n>', 'side-by-side repetitions of suites that measure a reference in the same run (train); results give medians and ranges', '1')
    .action(async (names: string[], o: { list?: boolean; quick?: boolean; json?: boolean; repeat: string }) => {
      const repeat = Number(o.repeat);
      if (!Number.isInteger(repeat) || repeat < 1) throw new UsageError(`--repeat ${o.repeat}: expected a positive integer`);
      const broken: string[] = [];
      const all = discoverSuites((file, err) => broken.push(`${file}: ${err.message.split('\n')[0]}`));
      for (const b of broken) process.stderr.write(`moelab bench: warning: could not load suite ${b}\n`);
      if (o.list) {
        for (const s of all) process.stdout.write(`${s.name.padEnd(14)} ${s.description}\n`);
        return;
      }
      const unknown = names.filter((n) => !all.some((s) => s.name === n));
      if (unknown.length) {
        throw new UsageError(`unknown bench suite(s) ${unknown.join(', ')}; known: ${all.map((s) => s.name).join(', ')}`);
      }
      const chosen = names.length ? all.filter((s) => names.includes(s.name)) : all;
      const report: Record<string, BenchResult[]> = {};
      for (const s of chosen) {
        const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), `moelab-bench-${s.name}-`));
        if (!o.json) process.stdout.write(`${s.name}: ${s.description}\n`);
        try {
          const results = await s.run({ quick: !!o.quick, tmpDir, repoRoot: REPO_ROOT, repeat, log: (m) => process.stderr.write(`  [${s.name}] ${m}\n`) });
          for (const r of results) if (r.reference !== undefined && r.ratio === undefined && r.reference !== 0) r.ratio = r.value / r.reference;
          report[s.name] = results;
          if (!o.json) for (const r of results) process.stdout.write(`${formatResult(r)}\n`);
        } finally {
          fs.rmSync(tmpDir, { recursive: true, force: true });
        }
      }
      if (o.json) process.stdout.write(JSON.stringify({ host: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version }, suites: report }, null, 1) + '\n');
    });
}
