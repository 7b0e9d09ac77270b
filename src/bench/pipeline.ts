import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { InProcessExecutor, repro } from '../pipeline';
import type { BenchResult, BenchSuite } from './types';

/** Writes a synthetic pipeline module: `train@r000…` (matrix, each with its own input and a shared 1 MB one) → `fit@f00…` → `report`. */
export function writeSyntheticDag(dir: string, trainInstances: number, fitInstances: number): { module: string; preset: string } {
  const types = path.resolve(__dirname, '..', 'pipeline', 'types').replace(/\\/g, '/');
  fs.mkdirSync(path.join(dir, 'inputs'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'inputs', 'shared.bin'), Buffer.alloc(1 << 20, 7));
  for (let i = 0; i < trainInstances; i++) fs.writeFileSync(path.join(dir, 'inputs', `r${i}.txt`), `input ${i}\n`);
  const module = path.join(dir, 'synthetic-dag.ts');
  fs.writeFileSync(
    module,
    `import fs from 'node:fs';
import path from 'node:path';
import { defineStage, definePipeline } from ${JSON.stringify(types)};
type C = { dir: string; runs: number; fits: number; lr: number };
const stage = defineStage<C>();
const train = stage({
  name: 'train', module: __filename, params: ['runs', 'lr', 'dir'], gridParams: ['runs'],
  matrix: (p) => Array.from({ length: p.runs }, (_, i) => ({ name: 'r' + String(i).padStart(3, '0'), params: { i } })),
  inputs: (p, m) => [path.join(p.dir, 'inputs', 'r' + m.i + '.txt'), path.join(p.dir, 'inputs', 'shared.bin')],
  outputs: (_p, m) => ['runs/r' + m.i + '/'],
  run(ctx) { const d = ctx.out('runs/r' + ctx.matrix.i + '/'); fs.writeFileSync(path.join(d, 'final.json'), JSON.stringify({ i: ctx.matrix.i, lr: ctx.params.lr })); fs.writeFileSync(path.join(d, 'metrics.jsonl'), '{}\\n'); },
});
const fit = stage({
  name: 'fit', module: __filename, deps: ['train'], params: ['fits'], gridParams: ['fits'],
  matrix: (p) => Array.from({ length: p.fits }, (_, i) => ({ name: 'f' + String(i).padStart(2, '0'), params: { i } })),
  outputs: (_p, m) => ['fits/f' + m.i + '.json'],
  run(ctx) { fs.writeFileSync(ctx.out('fits/f' + ctx.matrix.i + '.json'), '{}'); },
});
const report = stage({ name: 'report', module: __filename, deps: ['fit'], params: [], outputs: ['report.md'], run(ctx) { fs.writeFileSync(ctx.out('report.md'), '# report'); } });
export default definePipeline<C>({
  stages: [train, fit, report], defaultPreset: 'x',
  loadConfig: (ref) => { const file = path.resolve(ref); const config = JSON.parse(fs.readFileSync(file, 'utf8')); return { config, name: 'synthetic', file, ref: file }; },
});
`,
  );
  const preset = path.join(dir, 'preset.json');
  fs.writeFileSync(preset, JSON.stringify({ dir, runs: trainInstances, fits: fitInstances, lr: 0.001 }));
  return { module, preset };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export const suite: BenchSuite = {
  name: 'pipeline',
  description: 'no-op repro wall time on a synthetic DAG of 241 stage instances (goal < 1 s)',
  async run(opts) {
    const trainInstances = 200;
    const fitInstances = 40;
    const total = trainInstances + fitInstances + 1;
    const { module, preset } = writeSyntheticDag(opts.tmpDir, trainInstances, fitInstances);
    const target = {
      pipelineModule: module,
      preset,
      repoRoot: opts.repoRoot,
      resultsDir: path.join(opts.tmpDir, 'results'),
      dataDir: path.join(opts.tmpDir, 'data'),
      warn: () => {},
    };
    opts.log(`building the synthetic DAG (${total} instances, in-process executor)`);
    const first = await repro({ ...target, executor: new InProcessExecutor(), jobs: 1 });
    if (first.ran.length !== total) throw new Error(`setup ran ${first.ran.length}/${total} instances: ${JSON.stringify(first.failed[0])}`);
    const reps = opts.quick ? 3 : 7;
    const api: number[] = [];
    for (let r = 0; r < reps; r++) {
      const t = process.hrtime.bigint();
      const s = await repro(target);
      api.push(Number(process.hrtime.bigint() - t) / 1e9);
      if (s.ran.length !== 0) throw new Error(`no-op repro ran ${s.ran.length} instances`);
    }
    const bin = path.join(opts.repoRoot, 'bin', 'moelab.js');
    const timeCli = (args: string[]) => {
      const t = process.hrtime.bigint();
      const r = spawnSync(process.execPath, [bin, ...args, '--dag', module, '--preset', preset, '--results', target.resultsDir, '--data', target.dataDir], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`moelab ${args.join(' ')} failed: ${r.stderr}`);
      return Number(process.hrtime.bigint() - t) / 1e9;
    };
    const cli: number[] = [];
    const cliRef: number[] = [];
    for (let r = 0; r < (opts.quick ? 2 : 3); r++) {
      cli.push(timeCli(['repro']));
      cliRef.push(timeCli(['dag']));
    }
    const timeNode = (code: string) => {
      const t = process.hrtime.bigint();
      const r = spawnSync(process.execPath, ['-e', code], { cwd: opts.repoRoot, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`node -e failed: ${r.stderr}`);
      return Number(process.hrtime.bigint() - t) / 1e9;
    };
    const projectDag: number[] = [];
    const bare: number[] = [];
    for (let r = 0; r < (opts.quick ? 2 : 3); r++) {
      projectDag.push(timeNode("require('tsx/cjs'); require('./pipeline/dag.ts')"));
      bare.push(timeNode("require('tsx/cjs')"));
    }
    const results: BenchResult[] = [
      {
        label: `no-op repro, ${total} instances (engine API: load DAG + preset, fingerprint, check outputs)`,
        value: median(api),
        unit: 's',
        goal: 1,
        lowerIsBetter: true,
        notes: `median of ${reps}; min ${Math.min(...api).toFixed(3)} s; inputs: ${trainInstances + 1} files incl. a shared 1 MB one (hash cache by size+mtime+inode)`,
      },
      {
        label: `no-op \`moelab repro\` CLI, ${total} instances (process start-up included)`,
        value: median(cli),
        unit: 's',
        reference: median(cliRef),
        referenceLabel: '`moelab dag` on the same DAG (start-up + DAG load, no checks)',
        goal: 1,
        lowerIsBetter: true,
        notes: `median of ${cli.length}`,
      },
      {
        label: 'load the project DAG (pipeline/dag.ts: every stage module and the presets) in a fresh process',
        value: median(projectDag),
        unit: 's',
        reference: median(bare),
        referenceLabel: 'node + tsx start-up alone',
        lowerIsBetter: true,
        notes: 'paid by every repro/status/dag start-up; stage modules should import heavy libraries inside run()',
      },
    ];
    return results;
  },
};
