/**
 * Stage `lifelong@s<seed>`: one seed of the lifelong sweep (pipeline/sweeps/lifelong.ts): the base MoE on the old
 * corpus, then each arm from the base's final weights on the new corpus (fine-tune; added experts with the old ones
 * frozen; added experts, nothing frozen), every run evaluated on both corpora before its first step and after its
 * last. Writes each run's `runs/<runId>/final.json` and `metrics.jsonl` (the run table collects them) and the seed's
 * record `lifelong/s<seed>.json` (the claim reads it). Runs train in the instance's state folder, so a killed
 * instance resumes mid-run.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../../src/model/errors';
import { defineStage } from '../../src/pipeline/types';
import type { LifelongRecord } from '../../src/runs/lifelong';
import type { TrainConfigInput } from '../../src/train/config';
import { parseTrainConfig } from '../../src/train/config';
import type { Preset } from '../presets/schema';
import type { TrainSection } from '../presets/sections';
import { lifelongRuns, type LifelongGrid, type LifelongRun } from '../sweeps/lifelong';
import { sweepRunToTrainConfig } from '../sweeps/to-train-config';
import { trainRunCost } from '../sweeps/cost';
import { OUTPUTS } from '../outputs';

/** A seed's instance parameters: the grid (its seed list aside) and the seed. */
type SeedParams = Omit<LifelongGrid, 'seeds'> & { seed: number };

/** The trainer config of one run of the instance: old or new corpus, and for an arm the base's weights and what stays frozen. */
function trainerConfig(r: LifelongRun, grid: SeedParams, train: TrainSection, dataDir: string, baseDir: string): TrainConfigInput {
  const corpusDir = (role: 'old' | 'new') => path.join(dataDir, grid.corpora[role].name);
  const other = r.corpus === 'old' ? 'new' : 'old';
  return {
    ...sweepRunToTrainConfig(r.run, train, corpusDir(r.corpus)),
    ...(r.role === 'base' ? {} : { initFrom: { run: baseDir, freeze: r.freeze ?? [] } }),
    evalCorpora: [{ name: other, corpusDir: corpusDir(other) }],
  };
}

export default defineStage<Preset>()({
  name: 'lifelong',
  module: __filename,
  description: 'one seed of the lifelong sweep: base MoE on the old corpus, then fine-tune / grow-frozen / grow on the new one',
  params: ['sweeps.lifelong', 'train'],
  // the seed list only enumerates instances; each instance's own grid (seeds aside) is its matrix params
  gridParams: ['sweeps.lifelong'],
  when: (p) => p['sweeps.lifelong'] !== null,
  matrix: (p) => {
    const grid = p['sweeps.lifelong'];
    if (!grid) return [];
    const { seeds, ...rest } = grid;
    return seeds.map((seed) => ({ name: `s${seed}`, params: { ...rest, seed } satisfies SeedParams }));
  },
  deps: ['lifelong-corpora'],
  inputs: (_p, m: SeedParams) => [OUTPUTS.corpus(m.corpora.old.name).manifest, OUTPUTS.corpus(m.corpora.new.name).manifest],
  outputs: (_p, m: SeedParams) => [OUTPUTS.lifelong(m.seed), ...lifelongRuns(m, m.seed).flatMap((r) => Object.values(OUTPUTS.run(r.run.runId)))],
  resources: { cpus: 1 },
  state: true,
  check: (p, m, repoRoot) => {
    for (const r of lifelongRuns(m, m.seed)) {
      try {
        // initFrom is checked against the base's checkpoint when the arm starts; its shape is checked here
        parseTrainConfig({ ...trainerConfig(r, m, p.train, path.join(repoRoot, 'data'), '/base'), initFrom: undefined });
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        throw new ConfigError(`sweeps.lifelong (trainer field ${e.field})`, `${e.message} (run ${r.run.runId})`);
      }
    }
  },
  cost: (p, m, ctx) => {
    const parts = lifelongRuns(m, m.seed).map((r) => trainRunCost(r.run, p.train, ctx));
    const measured = parts.every((c) => c.basis === 'measured');
    return { seconds: parts.reduce((a, c) => a + c.seconds, 0), basis: measured ? 'measured' : 'model', device: parts[0]!.device, detail: `${parts.length} runs (base and arms): ${parts.map((c) => c.detail).join('; ')}` };
  },
  async run(ctx) {
    const m = ctx.matrix;
    const runs = lifelongRuns(m, m.seed);
    const { trainRun, EVALS_FILE } = await import('../../src/train/trainer');
    const { writeLifelongRecord } = await import('../../src/runs/lifelong');
    const baseDir = path.join(ctx.stateDir, runs[0]!.run.runId);
    const evalsOf = (dir: string): Record<string, { before: number; after: number }> => {
      const e = JSON.parse(fs.readFileSync(path.join(dir, EVALS_FILE), 'utf8')) as { corpora: Array<{ name: string; before: number; after: number }> };
      return Object.fromEntries(e.corpora.map((c) => [c.name, { before: c.before, after: c.after }]));
    };
    const results: Array<{ r: LifelongRun; experts: number; evals: Record<string, { before: number; after: number }>; valLoss: number }> = [];
    for (const [i, r] of runs.entries()) {
      const outDir = path.join(ctx.stateDir, r.run.runId);
      const config = trainerConfig(r, m, ctx.params.train, ctx.dataDir, baseDir);
      const resume = fs.existsSync(path.join(outDir, 'checkpoint.bin'));
      const summary = await trainRun(config, {
        outDir,
        resume,
        allowRepeatedData: ctx.params.train.allowRepeatedData,
        log: (line) => ctx.log.info(`${r.run.runId}: ${line}`),
        warn: (line) => ctx.log.warn(`${r.run.runId}: ${line}`),
        onProgress: (p) =>
          ctx.progress({
            fraction: (i + p.step / p.totalSteps) / runs.length,
            message: `${r.role} step ${p.step}/${p.totalSteps} loss ${p.loss.toFixed(3)}`,
            tokensPerSecond: p.tokensPerSecond,
          }),
      });
      const out = OUTPUTS.run(r.run.runId);
      fs.writeFileSync(ctx.out(out.summary), JSON.stringify(summary, null, 2) + '\n');
      fs.copyFileSync(path.join(outDir, 'metrics.jsonl'), ctx.out(out.metrics));
      results.push({ r, experts: summary.experts, evals: evalsOf(outDir), valLoss: summary.valLoss });
    }
    const [base, ...arms] = results;
    const record: LifelongRecord = {
      schema: 1,
      seed: m.seed,
      baseRunId: base!.r.run.runId,
      base: { experts: base!.experts, oldLoss: base!.valLoss },
      arms: arms.map((a) => ({
        arm: a.r.role as Exclude<LifelongRun['role'], 'base'>,
        runId: a.r.run.runId,
        experts: a.experts,
        freeze: a.r.freeze ?? [],
        old: a.evals['old']!,
        new: a.evals['own']!,
      })),
    };
    writeLifelongRecord(ctx.out(OUTPUTS.lifelong(m.seed)), record);
    ctx.log.info(`lifelong s${m.seed}: ${record.arms.map((a) => `${a.arm} forgetting ${(a.old.after - record.base.oldLoss).toFixed(3)}, new ${a.new.after.toFixed(3)}`).join('; ')}`);
  },
});
