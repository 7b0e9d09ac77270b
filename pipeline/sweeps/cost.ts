/**
 * Cost model of a `train@<runId>` instance (issue 20 item 3: cost before running), the `cost` hook of the train
 * stage. In order of preference:
 * 1. **Measured, lock file**: earlier train instances in this results dir's lock file with the same throughput
 *    shape (`throughputShapeKey`: every sweep coordinate except tokens, and the recipe's seqLen, batchSize,
 *    backend, capacity and group size); pooled tokens/s = Σ tokens / Σ wall seconds (child start to commit, so
 *    start-up and evaluations are included); estimate = tokens / (tokens/s).
 * 2. **Measured, final.json**: finished runs under `<results>/runs/*` and the committed references
 *    `results/reference/*\/runs/*` whose `final.json` has the same model coordinates and whose first
 *    `metrics.jsonl` row the same tokens per step (batchSize · seqLen; neither is recorded on its own); their wall
 *    seconds are the training loop's, so `RUN_STARTUP_SECONDS` is added per run.
 * 3. **FLOPs model**: (6 · N_all · tokens + 2 · N_all · evalTokens · evalsPerRun) / achieved FLOP/s +
 *    `RUN_STARTUP_SECONDS`, N_all = every active parameter including the (un)embedding (`trainingFlops(..).sixNDAll`,
 *    Hoffmann et al. App. F's count; attention scores are left out), the achieved rate per backend below.
 */
import fs from 'node:fs';
import path from 'node:path';
import { trainingFlops } from '../../src/accounting/model-params';
import { isPeerLayer } from '../../src/model/config';
import type { CostContext, CostRecord, InstanceCost } from '../../src/pipeline/types';
import { parseTrainConfig } from '../../src/train/config';
import { readRunSummaryFile } from '../../src/runs/table';
import type { RunSummary } from '../../src/runs/types';
import type { TrainSection } from '../presets/sections';
import { sweepRunToTrainConfig } from './to-train-config';
import type { SweepRun } from './types';

/**
 * Achieved training FLOP/s (6 · N_all per token) of one CPU core on the wasm backend with the native kernels,
 * measured with `moelab train` on the project's 2-core machine (2026-12-02, busy with other jobs; training loop
 * seconds of final.json): 12.9 GFLOP/s over the 56 `tiny` reference runs of 2026-11-23 (d32-d64, 9-22 by shape;
 * 4.2 in the 2026-12-02 regeneration, trained beside two other jobs), 34.5 for d128 × 2 dense at 32×128 tokens a
 * step, 52 for d256 × 4 dense at 32×128 (50 with process start-up). The
 * rate grows with width (per-kernel overhead dominates small matrices); the d256 × 4 rate is used, since presets
 * whose cost matters train d ≥ 128, while small shapes are usually measured (committed reference runs). For
 * d ≥ 512 it is pessimistic: OpenBLAS's own 1-thread sgemm reaches 89-98 GFLOP/s here (README "Measured numbers").
 */
export const CPU_CORE_TRAINING_FLOPS_PER_SECOND = 50e9;

/**
 * Achieved training FLOP/s of the webgpu backend on one H100 (README "GPU": d768 dense 8.2% and MoE 5.7% MFU of
 * 67 TFLOP/s fp32, plain tfjs ops, 2026-11-23): 4.5e12, the mean of the two.
 */
export const WEBGPU_TRAINING_FLOPS_PER_SECOND = 4.5e12;

/** Seconds a run spends outside its training loop (process start, TypeScript load, backend init): 1.8-2.8 s measured for `moelab train` here, a stage child a little more. */
export const RUN_STARTUP_SECONDS = 3;

/**
 * Seconds per retrieved expert per PEER layer of a training step (forward and backward), a + b · √N: the JS
 * retrieval and the [tokens · h · k, d_model] gathers and scatters, which the FLOPs model does not see. Fitted to
 * `moelab train` on the wasm backend here (2026-12-03, d48 × 2, h 4, k 16, 16×64 tokens a step): 143 ms a step at
 * N = 1024 and 280 ms at N = 65536 against 30 ms for the dense model.
 */
export const PEER_SECONDS_PER_RETRIEVAL = { a: 0.7e-6, perSqrtExperts: 4.7e-9 };

/** The recipe fields that change a step's speed. */
type ThroughputRecipe = Pick<TrainSection, 'seqLen' | 'batchSize' | 'backend' | 'capacityFactor' | 'groupSize'>;

/** The coordinates of a run that decide its tokens/s (all but tokens and runId), plus the recipe's, as a string key. */
export function throughputShapeKey(run: SweepRun, train: ThroughputRecipe): string {
  return JSON.stringify([
    modelShapeKey(run),
    train.seqLen,
    train.batchSize,
    train.backend,
    run.family === 'moe' ? train.capacityFactor : null,
    run.family === 'moe' ? train.groupSize : null,
  ]);
}

/** The model coordinates a `final.json` records (ffn follows from the sweep: fine-grained GELU, experts SwiGLU). */
type ModelShape = Pick<SweepRun, 'sweep' | 'family' | 'router' | 'dModel' | 'layers' | 'heads' | 'dFF' | 'expansionRate' | 'granularity' | 'topK' | 'moeEvery' | 'peer' | 'sharedExperts'>;

/** The sweeps whose finished runs can stand for a planned run of the same shape. */
const SWEEP_NAMES: readonly SweepRun['sweep'][] = ['fine-grained', 'experts', 'shared', 'peer', 'lifelong'];
const isSweepName = (s: string): s is SweepRun['sweep'] => (SWEEP_NAMES as readonly string[]).includes(s);

/**
 * A dense run's MoE coordinates do not change its speed (and final.json records them as 1), so they are left out.
 * A PEER run's k is its experts per token h · k (final.json records that, not h), N is in its expansion rate.
 */
function modelShapeKey(r: ModelShape): string {
  const k = r.router === 'product-key' && r.peer ? r.peer.heads * r.peer.topK : r.topK;
  const moe = r.family === 'moe' ? [r.router, r.expansionRate, r.granularity, k, r.moeEvery, ...(r.sharedExperts ? [`s${r.sharedExperts}`] : [])] : ['dense'];
  return [r.sweep, r.dModel, r.layers, r.heads, r.dFF, ...moe].join('|');
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The sweep run and recipe of a lock-file record of a train instance, or null when it is not one (another project's stage). */
function recordedRun(rec: CostRecord): { run: SweepRun; train: ThroughputRecipe } | null {
  if (!isRecord(rec.params)) return null;
  const m = rec.params['@matrix'];
  const t = rec.params['train'];
  if (!isRecord(m) || !isRecord(t) || typeof m['tokens'] !== 'number' || typeof m['dModel'] !== 'number') return null;
  const run = m as Partial<SweepRun>;
  const train = t as Partial<ThroughputRecipe>;
  if (typeof train.seqLen !== 'number' || typeof train.batchSize !== 'number') return null;
  return {
    run: run as SweepRun,
    train: {
      seqLen: train.seqLen,
      batchSize: train.batchSize,
      backend: train.backend ?? 'auto',
      capacityFactor: train.capacityFactor === undefined ? 1.25 : train.capacityFactor,
      groupSize: train.groupSize ?? 256,
    },
  };
}

/** A measured run: its shape and throughput. */
interface FinishedRun {
  shape: string;
  tokens: number;
  seconds: number;
}

const finishedCache = new Map<string, FinishedRun[]>();

/** `final.json` of the finished runs under `<resultsDir>/runs/` and `<repoRoot>/results/reference/*\/runs/` (read once per process). */
function finishedRuns(resultsDir: string, repoRoot: string): FinishedRun[] {
  const cacheKey = `${resultsDir}\0${repoRoot}`;
  const cached = finishedCache.get(cacheKey);
  if (cached) return cached;
  const runDirs = new Set<string>();
  const addRunsOf = (dir: string) => {
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch {
      return;
    }
    for (const n of names) runDirs.add(fs.realpathSync(path.join(dir, n)));
  };
  addRunsOf(path.join(resultsDir, 'runs'));
  const refRoot = path.join(repoRoot, 'results', 'reference');
  let refs: string[] = [];
  try {
    refs = fs.readdirSync(refRoot);
  } catch {
    refs = [];
  }
  for (const r of refs) addRunsOf(path.join(refRoot, r, 'runs'));
  const out: FinishedRun[] = [];
  for (const dir of [...runDirs].sort()) {
    let r: RunSummary;
    try {
      r = readRunSummaryFile(path.join(dir, 'final.json'));
    } catch {
      continue; // not finished, or not a run summary: nothing to measure
    }
    const sweep = r.sweep;
    if (!(r.wallSeconds > 0) || !isSweepName(sweep)) continue;
    const shape = modelShapeKey({
      sweep,
      family: r.family,
      router: r.router,
      dModel: r.dModel,
      layers: r.layers,
      heads: r.heads,
      dFF: r.dFF,
      expansionRate: r.expansionRate,
      granularity: r.granularity,
      // The summary records the effective k (G · topK); the sweep coordinate is the base topK (PEER: h · k, see modelShapeKey).
      topK: r.router === 'product-key' ? r.topKEffective : r.topKEffective / Math.max(1, r.granularity),
      moeEvery: r.moeEvery,
      ...(r.sharedExperts ? { sharedExperts: r.sharedExperts } : {}),
    });
    const step = tokensPerStepOf(dir);
    if (step === null) continue;
    out.push({ shape: `${shape}|${step}`, tokens: r.tokens, seconds: r.wallSeconds + RUN_STARTUP_SECONDS });
  }
  finishedCache.set(cacheKey, out);
  return out;
}

/** Tokens of a run's first step (batchSize · seqLen), from the first row of its metrics.jsonl, or null. */
function tokensPerStepOf(runDir: string): number | null {
  let fd: number | undefined;
  try {
    fd = fs.openSync(path.join(runDir, 'metrics.jsonl'), 'r');
    const buf = Buffer.alloc(4096);
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    const first: unknown = JSON.parse(buf.subarray(0, n).toString('utf8').split('\n')[0]!);
    return isRecord(first) && first['kind'] === 'train' && first['step'] === 1 && typeof first['tokens'] === 'number' ? first['tokens'] : null;
  } catch {
    return null;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Pooled throughput of measured runs: Σ tokens / Σ seconds, or null when there are none. */
export function pooledTokensPerSecond(runs: readonly { tokens: number; seconds: number }[]): number | null {
  const seconds = runs.reduce((a, r) => a + r.seconds, 0);
  return runs.length === 0 || !(seconds > 0) ? null : runs.reduce((a, r) => a + r.tokens, 0) / seconds;
}

const fmtRate = (r: number) => (r >= 1000 ? `${(r / 1000).toPrecision(3)}k` : r.toPrecision(3));

/** Estimated wall seconds of one train instance (see the file comment for the three sources, in order). */
export function trainRunCost(run: SweepRun, train: TrainSection, ctx: CostContext): InstanceCost {
  const shape = throughputShapeKey(run, train);
  const device = train.backend === 'webgpu' ? ('gpu' as const) : ('cpu' as const);
  const fromLock: Array<{ tokens: number; seconds: number }> = [];
  for (const rec of ctx.history) {
    const r = recordedRun(rec);
    if (r && throughputShapeKey(r.run, r.train) === shape) fromLock.push({ tokens: r.run.tokens, seconds: rec.wallSeconds });
  }
  const lockRate = pooledTokensPerSecond(fromLock);
  if (lockRate !== null) {
    return { seconds: run.tokens / lockRate, basis: 'measured', device, detail: `${fromLock.length} run(s) of this shape in the lock file, ${fmtRate(lockRate)} tokens/s` };
  }
  if (train.backend !== 'webgpu') {
    const model = `${modelShapeKey(run)}|${train.batchSize * train.seqLen}`;
    const fromFinal = finishedRuns(ctx.resultsDir, ctx.repoRoot).filter((f) => f.shape === model);
    const finalRate = pooledTokensPerSecond(fromFinal);
    if (finalRate !== null) {
      return { seconds: run.tokens / finalRate, basis: 'measured', device, detail: `${fromFinal.length} finished run(s) of this model (final.json), ${fmtRate(finalRate)} tokens/s` };
    }
  }
  const cfg = parseTrainConfig(sweepRunToTrainConfig(run, train, path.join(ctx.repoRoot, 'data')));
  const perToken = trainingFlops(cfg.model, 1).sixNDAll;
  const flops = perToken * cfg.tokens + (perToken / 3) * train.evalTokens * train.evalsPerRun;
  const rate = train.backend === 'webgpu' ? WEBGPU_TRAINING_FLOPS_PER_SECOND : CPU_CORE_TRAINING_FLOPS_PER_SECOND;
  const peer = cfg.model.peer;
  const peerLayers = Array.from({ length: cfg.model.layers }, (_, l) => isPeerLayer(cfg.model, l)).filter(Boolean).length;
  const retrievalSeconds = peer ? cfg.tokens * peer.heads * peer.topK * peerLayers * (PEER_SECONDS_PER_RETRIEVAL.a + PEER_SECONDS_PER_RETRIEVAL.perSqrtExperts * Math.sqrt(peer.experts)) : 0;
  return {
    seconds: RUN_STARTUP_SECONDS + flops / rate + retrievalSeconds,
    basis: 'model',
    device,
    detail: `${flops.toExponential(2)} FLOPs at ${(rate / 1e9).toPrecision(3)} GFLOP/s${peer ? ` + ${retrievalSeconds.toFixed(0)} s of PEER retrieval` : ''}`,
  };
}
