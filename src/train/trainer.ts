/**
 * `trainRun`: one training run from a `TrainConfig` to a `RunSummary`, with metrics.jsonl, atomic
 * checkpoints, bit-exact resume (same backend), periodic validation and NaN/Inf detection.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { countParams, trainingFlops } from '../accounting/model-params';
import { nativeBlasStatus } from '../backend/native-blas';
import { selectBackend } from '../backend/select';
import { evalWindows, openTokenShard, readCorpusManifest, TokenShard, WindowBatches, WindowBatchesState } from '../data';
import { expertCount } from '../model/config';
import type { MoeLayerStats } from '../model/moe/layer';
import { ConfigError, NonFiniteLossError } from '../model/errors';
import { resolveMoeStats } from '../model/ops-webgpu';
import { forward } from '../model/transformer';
import { initWeights, disposeWeights, Weights } from '../model/weights';
import { RunSummary } from '../runs/types';
import { CHECKPOINT_FILE, CheckpointError, loadCheckpoint, saveCheckpoint } from './checkpoint';
import { TrainConfig, parseTrainConfig, totalSteps } from './config';
import { AdamW } from './optimizer';
import { learningRate } from './schedule';
import { METRICS_FILE, MetricsWriter, truncateMetrics } from './metrics';
import { removeStaleTempFiles, writeFileAtomic } from '../util/atomic-write';
import { withDiskErrors } from '../util/fs-errors';
import { warnToStderr } from '../util/jsonl';

/** Progress report after each optimizer step (the pipeline shows it). */
export interface TrainProgress {
  /** Steps done. */
  step: number;
  totalSteps: number;
  /** Training tokens done. */
  tokens: number;
  totalTokens: number;
  /** LM loss of the last step (nats/token, aux losses excluded). */
  loss: number;
  /** Latest validation loss, if any evaluation ran. */
  valLoss: number | null;
  lr: number;
  /** Training throughput of this process so far. */
  tokensPerSecond: number;
  /** Estimated seconds left at the current throughput. */
  etaSeconds: number;
}

export interface TrainRunOptions {
  /** Directory for metrics.jsonl, checkpoint.bin, final.json (created if missing). */
  outDir: string;
  /** Continue from outDir/checkpoint.bin when it exists. Default false (an existing checkpoint is an error). */
  resume?: boolean;
  /** Called after every step. */
  onProgress?: (p: TrainProgress) => void;
  /** Log line sink (backend choice, evaluations). Default: none. */
  log?: (line: string) => void;
  /** Warnings (a torn metrics line dropped on resume). Default: stderr. */
  warn?: (line: string) => void;
  /** Stop (without error) after this many steps of this call: for tests of resume. Default: run to the end. */
  stopAfterSteps?: number;
  /**
   * Allow more training tokens than the corpus's train split holds (the data then repeats, epoch after epoch).
   * Default false: such a run is refused with a ConfigError before it starts, as the pipeline refuses it.
   */
  allowRepeatedData?: boolean;
}

interface TrainerState {
  step: number;
  batches: WindowBatchesState;
  emaLoss: number;
  emaWeight: number;
  lastValLoss: number | null;
  adamStep: number;
  wallSeconds: number;
  /** JSON of the resolved config, to refuse resuming a different run. */
  config: string;
}

/** Reads a scalar tensor asynchronously (works on every backend, webgpu included) and disposes it. */
async function readScalar(t: tf.Tensor): Promise<number> {
  const v = (await t.data())[0]!;
  t.dispose();
  return v;
}

/** Mean LM loss over the fixed validation windows. */
export async function evaluate(w: Weights, cfg: TrainConfig, shard: TokenShard): Promise<number> {
  let sum = 0;
  let n = 0;
  for (const batch of evalWindows(shard, { batchSize: cfg.data.batchSize, seqLen: cfg.data.seqLen, maxTokens: cfg.evalTokens })) {
    const r = tf.tidy(() => {
      const out = forward(w, cfg.model, batch.inputs, batch.targets, { batch: batch.batchSize, seqLen: batch.seqLen });
      for (const s of out.moeStats) s.pending?.dispose();
      return out.lmLoss!;
    });
    sum += await readScalar(r);
    n++;
  }
  return sum / n;
}

/** A run being trained: its config, data streams, model, optimizer, counters and output files. */
interface Run {
  readonly cfg: TrainConfig;
  readonly outDir: string;
  readonly log: (line: string) => void;
  readonly backend: string;
  readonly train: TokenShard;
  readonly val: TokenShard;
  readonly batches: WindowBatches;
  readonly weights: Weights;
  readonly vars: tf.Variable[];
  readonly opt: AdamW;
  /** Optimizer steps of the whole run. */
  readonly steps: number;
  readonly tokensPerStep: number;
  /** Checkpoint / evaluation intervals in steps. */
  readonly checkpointEvery: number;
  readonly evalEvery: number;
  state: TrainerState;
  metrics?: MetricsWriter;
  hasCheckpoint: boolean;
}

/** What one optimizer step measured (losses are LM nats/token; aux losses are weighted as in the objective). */
interface StepResult {
  lr: number;
  lm: number;
  balance: number;
  z: number;
  aux: number;
  gradNorm: number;
  stats: MoeLayerStats[];
}

/** Checks the corpus against the config, selects the backend, opens the data and builds the model and optimizer. */
async function openRun(cfg: TrainConfig, opts: TrainRunOptions): Promise<Run> {
  const log = opts.log ?? (() => {});
  const { outDir } = opts;
  const corpusDir = cfg.data.corpusDir;
  const manifest = readCorpusManifest(corpusDir);
  if (manifest.tokenizer.vocabSize > cfg.model.vocab) {
    throw new ConfigError('model.vocab', `${cfg.model.vocab} is smaller than the corpus vocabulary ${manifest.tokenizer.vocabSize} (${corpusDir}); set model.vocab ≥ ${manifest.tokenizer.vocabSize}`);
  }
  const splitTokens = manifest.splits.train.tokens;
  if (cfg.tokens > splitTokens && !opts.allowRepeatedData) {
    throw new ConfigError(
      'tokens',
      `${cfg.tokens} training tokens exceed the ${splitTokens} tokens of the train split of ${corpusDir}, so the run would repeat data; lower tokens, use a larger corpus, or allow it explicitly (--allow-repeated-data, allowRepeatedData)`,
    );
  }
  withDiskErrors(outDir, () => fs.mkdirSync(outDir, { recursive: true }));
  removeStaleTempFiles(outDir);
  const backend = await selectBackend(cfg.backend);
  log(`backend: ${backend.label}${backend.skipped.length ? ` (skipped ${backend.skipped.join('; ')})` : ''}`);
  if (backend.label === 'wasm' || backend.label === 'cpu') log(`native CPU kernels not in use: ${nativeBlasStatus().detail} (training runs 3-4x slower)`);

  const train = openTokenShard(path.join(corpusDir, manifest.splits.train.file), { dtype: manifest.dtype });
  const val = openTokenShard(path.join(corpusDir, manifest.splits.val.file), { dtype: manifest.dtype });
  const batches = new WindowBatches({ shard: train, batchSize: cfg.data.batchSize, seqLen: cfg.data.seqLen, seed: cfg.seed });
  const weights = initWeights(cfg.model, cfg.seed);
  const opt = new AdamW(weights, cfg.optimizer);
  const steps = totalSteps(cfg);
  const tokensPerStep = cfg.data.batchSize * cfg.data.seqLen;
  const checkpointEvery =
    cfg.checkpointEverySteps ??
    (cfg.checkpointEveryTokens ? Math.max(1, Math.round(cfg.checkpointEveryTokens / tokensPerStep)) : Math.max(1, Math.round(steps / 10)));
  return {
    cfg,
    outDir,
    log,
    backend: backend.label,
    train,
    val,
    batches,
    weights,
    vars: [...weights.values()],
    opt,
    steps,
    tokensPerStep,
    checkpointEvery,
    evalEvery: Math.max(1, Math.round(cfg.evalEveryTokens / tokensPerStep)),
    state: {
      step: 0,
      batches: batches.state(),
      emaLoss: 0,
      emaWeight: 0,
      lastValLoss: null,
      adamStep: 0,
      wallSeconds: 0,
      config: JSON.stringify(cfg),
    },
    hasCheckpoint: false,
  };
}

/**
 * Continues from `outDir/checkpoint.bin` (weights, Adam moments, data position, counters; the metrics rows after
 * it, and a torn last line, are dropped) when `resume` is set, refuses a checkpoint without `resume` or of another
 * config, or starts fresh (an old metrics file removed). Then opens the metrics file for appending.
 */
function resume(run: Run, opts: TrainRunOptions): void {
  const { outDir, weights, opt } = run;
  const file = path.join(outDir, CHECKPOINT_FILE);
  const ckpt = loadCheckpoint<TrainerState>(outDir);
  if (ckpt && !opts.resume) throw new CheckpointError(file, 'a checkpoint exists; pass resume (--resume) to continue it, or use an empty --out directory');
  if (ckpt) {
    if (ckpt.state.config !== run.state.config) {
      throw new CheckpointError(file, 'was written by a different config; use another --out directory or the original config');
    }
    const restore = (name: string, v: tf.Variable) => {
      const saved = ckpt.values.get(name);
      if (!saved) throw new CheckpointError(file, `lacks tensor ${name}`);
      v.assign(tf.tensor(saved.data, saved.shape));
    };
    tf.tidy(() => {
      for (const [n, v] of weights) restore(`w/${n}`, v);
      for (const [n, v] of opt.m) restore(`m/${n}`, v);
      for (const [n, v] of opt.v) restore(`v/${n}`, v);
    });
    run.state = ckpt.state;
    opt.step = run.state.adamStep;
    run.batches.restore(run.state.batches);
    // Rows written after the checkpoint are recomputed identically; a torn last line (kill, full disk) goes too.
    truncateMetrics(outDir, run.state.step, opts.warn ?? warnToStderr);
    run.log(`resumed at step ${run.state.step}/${run.steps}`);
  } else if (fs.existsSync(path.join(outDir, METRICS_FILE))) {
    fs.unlinkSync(path.join(outDir, METRICS_FILE));
  }
  run.hasCheckpoint = fs.existsSync(file);
  run.metrics = new MetricsWriter(outDir);
}

/**
 * One optimizer step on the next batch: forward + backward, one readback of the losses and routing stats, AdamW
 * (skipped when the loss is not finite). Every read is asynchronous and outside tf.tidy, so the same step runs on
 * webgpu (no synchronous readback). Throws NonFiniteLossError on a NaN/Inf loss or gradient norm.
 */
async function step(run: Run): Promise<StepResult> {
  const { cfg, weights, opt, state } = run;
  const batch = run.batches.next();
  const lr = learningRate(state.step, { lr: cfg.optimizer.lr, totalSteps: run.steps, ...cfg.schedule });
  let lm = NaN;
  let balance = 0;
  let z = 0;
  let aux = 0;
  let gradNorm = 0;
  let stats: MoeLayerStats[] = [];
  const kept: tf.Tensor[] = [];
  const { value, grads } = tf.variableGrads(() => {
    const r = forward(weights, cfg.model, batch.inputs, batch.targets, { batch: batch.batchSize, seqLen: batch.seqLen });
    kept.push(tf.keep(r.lmLoss!), tf.keep(r.balanceLoss), tf.keep(r.zLoss), tf.keep(r.auxLoss));
    for (const s of r.moeStats) if (s.pending) tf.keep(s.pending);
    stats = r.moeStats;
    return tf.add(r.lmLoss!, r.auxLoss) as tf.Scalar;
  }, run.vars);
  value.dispose();
  try {
    // webgpu: the update is queued before the step's only readback (its fused AdamW leaves everything untouched on
    // a non-finite norm, and a non-finite loss has non-finite gradients), so a step costs one GPU round trip
    // instead of two. Host backends keep "read the loss, then update only if finite".
    const updateFirst = tf.getBackend() === 'webgpu';
    if (updateFirst) kept.push(tf.tidy(() => opt.apply(grads, lr)));
    // One readback for the losses and all layers' routing stats (each GPU readback costs a round trip).
    const pending = stats.flatMap((s) => (s.pending ? [s.pending] : []));
    const packed = tf.tidy(() => tf.concat([...kept.map((t) => tf.reshape(t, [1])), ...pending]));
    const values = await packed.data();
    packed.dispose();
    tf.dispose(kept);
    [lm, balance, z, aux] = Array.from(values.subarray(0, 4)) as [number, number, number, number];
    const off = updateFirst ? 5 : 4;
    if (updateFirst) gradNorm = values[4]!;
    await resolveMoeStats(stats, values.subarray(off));
    if (!updateFirst && Number.isFinite(lm) && Number.isFinite(aux)) gradNorm = await readScalar(tf.tidy(() => opt.apply(grads, lr)));
  } finally {
    tf.dispose(Object.values(grads));
    for (const s of stats) s.pending?.dispose();
  }
  if (!Number.isFinite(lm) || !Number.isFinite(aux) || !Number.isFinite(gradNorm)) {
    throw new NonFiniteLossError(state.step, Number.isFinite(lm) ? aux : lm, run.hasCheckpoint ? run.outDir : null);
  }
  return { lr, lm, balance, z, aux, gradNorm, stats };
}

/** Counts a finished step (step, loss EMA, wall time) and appends its metrics row; returns the throughput so far. */
function record(run: Run, r: StepResult, clock: { t0: number; wall0: number; steps: number }): number {
  const { cfg, state } = run;
  state.step++;
  clock.steps++;
  state.emaLoss = cfg.lossEmaDecay * state.emaLoss + (1 - cfg.lossEmaDecay) * r.lm;
  state.emaWeight = cfg.lossEmaDecay * state.emaWeight + (1 - cfg.lossEmaDecay);
  const elapsed = (Date.now() - clock.t0) / 1000;
  state.wallSeconds = clock.wall0 + elapsed;
  const tokensPerSecond = (clock.steps * run.tokensPerStep) / Math.max(elapsed, 1e-9);
  run.metrics!.write({
    kind: 'train',
    step: state.step,
    tokens: state.step * run.tokensPerStep,
    loss: r.lm,
    lr: r.lr,
    auxLoss: r.aux,
    balanceLoss: r.balance,
    zLoss: r.z,
    gradNorm: r.gradNorm,
    droppedFraction: r.stats.length ? r.stats.reduce((a, s) => a + s.droppedFraction, 0) / r.stats.length : 0,
    expertLoad: r.stats.map((s) => s.load),
    tokensPerSecond,
  });
  return tokensPerSecond;
}

/** Validation loss over the fixed windows, every `evalEvery` steps and at the end (appended as an `eval` row). */
async function evaluateIfDue(run: Run): Promise<void> {
  const { state } = run;
  if (state.step % run.evalEvery !== 0 && state.step !== run.steps) return;
  state.lastValLoss = await evaluate(run.weights, run.cfg, run.val);
  run.metrics!.write({ kind: 'eval', step: state.step, tokens: state.step * run.tokensPerStep, valLoss: state.lastValLoss });
  run.log(`step ${state.step}/${run.steps} val loss ${state.lastValLoss.toFixed(4)}`);
}

/** Writes the checkpoint (weights, Adam moments, data position, counters), every `checkpointEvery` steps and at the end. */
async function checkpointIfDue(run: Run): Promise<void> {
  const { state, weights, opt } = run;
  if (state.step % run.checkpointEvery !== 0 && state.step !== run.steps) return;
  const tensors: Array<[string, tf.Tensor]> = [];
  for (const [n, v] of weights) tensors.push([`w/${n}`, v]);
  for (const [n, v] of opt.m) tensors.push([`m/${n}`, v]);
  for (const [n, v] of opt.v) tensors.push([`v/${n}`, v]);
  // webgpu reads only asynchronously; once read, the values are cached and saveCheckpoint's dataSync works.
  if (tf.getBackend() === 'webgpu') await Promise.all(tensors.map(([, t]) => t.data()));
  saveCheckpoint(run.outDir, { ...state, batches: run.batches.state(), adamStep: opt.step }, tensors);
  run.hasCheckpoint = true;
}

function closeRun(run: Run): void {
  run.metrics?.close();
  run.opt.dispose();
  disposeWeights(run.weights);
  run.train.close();
  run.val.close();
}

/**
 * Run (or resume) one training run; writes metrics.jsonl, checkpoint.bin and final.json into outDir. The steps:
 * `openRun` (corpus, backend, model), `resume` (checkpoint or a fresh start), then per optimizer step `step`,
 * `record`, `evaluateIfDue`, `checkpointIfDue`, and finally the RunSummary.
 */
export async function trainRun(config: TrainConfig | unknown, opts: TrainRunOptions): Promise<RunSummary> {
  const cfg = isResolved(config) ? config : parseTrainConfig(config);
  const run = await openRun(cfg, opts);
  try {
    resume(run, opts);
    const clock = { t0: Date.now(), wall0: run.state.wallSeconds, steps: 0 };
    while (run.state.step < run.steps) {
      if (opts.stopAfterSteps !== undefined && clock.steps >= opts.stopAfterSteps) break;
      const r = await step(run);
      const tokensPerSecond = record(run, r, clock);
      await evaluateIfDue(run);
      await checkpointIfDue(run);
      const { state, steps, tokensPerStep } = run;
      opts.onProgress?.({
        step: state.step,
        totalSteps: steps,
        tokens: state.step * tokensPerStep,
        totalTokens: steps * tokensPerStep,
        loss: r.lm,
        valLoss: state.lastValLoss,
        lr: r.lr,
        tokensPerSecond,
        etaSeconds: ((steps - state.step) * tokensPerStep) / Math.max(tokensPerSecond, 1e-9),
      });
    }
    const summary = summarize(cfg, run.state, run.backend, run.steps * run.tokensPerStep);
    if (run.state.step >= run.steps) writeFileAtomic(path.join(run.outDir, 'final.json'), JSON.stringify(summary, null, 2) + '\n');
    return summary;
  } finally {
    closeRun(run);
  }
}

function isResolved(c: unknown): c is TrainConfig {
  return typeof c === 'object' && c !== null && typeof (c as TrainConfig).model?.contextLength === 'number' && typeof (c as TrainConfig).evalEveryTokens === 'number';
}

function summarize(cfg: TrainConfig, state: TrainerState, backend: string, tokens: number): RunSummary {
  const m = cfg.model;
  const p = countParams(m);
  const f = trainingFlops(m, tokens);
  return {
    runId: cfg.runId,
    sweep: cfg.sweep,
    family: m.moe ? 'moe' : 'dense',
    router: m.moe ? m.moe.router : 'none',
    layers: m.layers,
    dModel: m.dModel,
    heads: m.heads,
    dFF: m.dFF,
    expansionRate: m.moe ? m.moe.expansionRate : 1,
    granularity: m.moe ? m.moe.granularity : 1,
    experts: m.moe ? expertCount(m.moe) : 1,
    topKEffective: p.expertsPerToken,
    moeEvery: m.moe ? m.moe.every : 1,
    paramsTotal: p.total,
    paramsActive: p.active,
    paramsDense: p.dense,
    paramsEmbedding: p.embedding,
    tokens,
    flopsKrajewski: f.krajewski,
    flops6ND: f.sixNDNonEmbedding,
    flops6NDAll: f.sixNDAll,
    valLoss: state.lastValLoss ?? NaN,
    trainLossSmoothed: state.emaWeight > 0 ? state.emaLoss / state.emaWeight : NaN,
    seed: cfg.seed,
    backend,
    wallSeconds: state.wallSeconds,
  };
}
