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
import { HostTrainStep, hostStepUnsupported } from '../model/host-step';
import type { MoeLayerStats } from '../model/moe/layer';
import { ConfigError, NonFiniteLossError } from '../model/errors';
import { resolveMoeStats } from '../model/ops-webgpu';
import { forward } from '../model/transformer';
import { initWeights, disposeWeights, Weights } from '../model/weights';
import { RunSummary } from '../runs/types';
import { CHECKPOINT_FILE, CheckpointError, loadCheckpoint, saveCheckpoint } from './checkpoint';
import { TrainConfig, parseTrainConfig, totalSteps } from './config';
import { AdamW } from './optimizer';
import { disposeFrozen, Frozen, initFromRun, maskFrozenGrads, restoreFrozen } from './grow';
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
   * Read the losses and routing statistics back once every this many steps (and before every evaluation,
   * checkpoint and the end). Only webgpu defers reading (a readback is a GPU round trip; the device's fused AdamW
   * makes deferral exact); host backends read every step whatever this says. Default: 16 on webgpu
   * (`WEBGPU_READ_EVERY_STEPS`). Losses do not depend on it.
   */
  readEverySteps?: number;
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
  /** `evalCorpora` runs only: the losses before the first step, by corpus name (`own`: this run's validation split). */
  evalsBefore?: Record<string, number>;
}

/** File a run with `evalCorpora` writes at the end: every corpus's validation loss before the first and after the last step. */
export const EVALS_FILE = 'evals.json';

/** Reads a scalar tensor asynchronously (works on every backend, webgpu included) and disposes it. */
async function readScalar(t: tf.Tensor): Promise<number> {
  const v = (await t.data())[0]!;
  t.dispose();
  return v;
}

/**
 * Mean LM loss over the fixed validation windows. The per-window losses stay on the backend until all windows
 * ran and are read back once (one GPU round trip on webgpu instead of one per window), then summed in window
 * order in float64.
 */
export async function evaluate(w: Weights, cfg: TrainConfig, shard: TokenShard): Promise<number> {
  const losses: tf.Tensor[] = [];
  try {
    for (const batch of evalWindows(shard, { batchSize: cfg.data.batchSize, seqLen: cfg.data.seqLen, maxTokens: cfg.evalTokens })) {
      losses.push(
        tf.tidy(() => {
          const out = forward(w, cfg.model, batch.inputs, batch.targets, { batch: batch.batchSize, seqLen: batch.seqLen });
          for (const s of out.moeStats) s.pending?.dispose();
          return tf.reshape(out.lmLoss!, [1]);
        }),
      );
    }
    if (losses.length === 0) return NaN;
    const values = await readAll(losses);
    let sum = 0;
    for (const v of values) sum += v;
    return sum / values.length;
  } finally {
    tf.dispose(losses);
  }
}

/** The values of tensors, flattened and concatenated in order, with one readback (the tensors stay the caller's). */
async function readAll(ts: tf.Tensor[]): Promise<Float32Array | Int32Array | Uint8Array> {
  if (ts.length === 1) return ts[0]!.data();
  const all = tf.concat(ts);
  try {
    return await all.data();
  } finally {
    all.dispose();
  }
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
  /** `initFrom` runs only: the entries kept at the base run's values. */
  readonly frozen: Frozen | null;
  /**
   * The host training step (src/model/host-step.ts) where it runs this model on this backend: the same float32
   * results as tf.variableGrads over `forward`, without tfjs's per-kernel bookkeeping. Null: the tfjs path.
   */
  readonly hostStep: HostTrainStep | null;
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
  const backend = await selectBackend(cfg.backend);
  log(`backend: ${backend.label}${backend.skipped.length ? ` (skipped ${backend.skipped.join('; ')})` : ''}`);
  if (backend.label === 'wasm' || backend.label === 'cpu') log(`native CPU kernels not in use: ${nativeBlasStatus().detail} (training runs 3-4x slower)`);

  const train = openTokenShard(path.join(corpusDir, manifest.splits.train.file), { dtype: manifest.dtype });
  const val = openTokenShard(path.join(corpusDir, manifest.splits.val.file), { dtype: manifest.dtype });
  const batches = new WindowBatches({ shard: train, batchSize: cfg.data.batchSize, seqLen: cfg.data.seqLen, seed: cfg.seed });
  const weights = initWeights(cfg.model, cfg.seed);
  // A resumed run's own checkpoint overwrites these weights right after (resume); the frozen set is the same.
  const frozen = cfg.initFrom ? initFromRun(weights, cfg.model, cfg.initFrom, { copy: true }) : null;
  if (frozen) log(`initFrom ${cfg.initFrom!.run}: ${frozen.summary}`);
  const opt = new AdamW(weights, cfg.optimizer);
  // Frozen entries need their gradients masked between backward and update: those runs keep the tfjs path.
  const hostWhy = frozen ? 'initFrom runs freeze weights' : hostStepUnsupported(cfg.model);
  const hostStep = hostWhy === null ? new HostTrainStep(weights, cfg.model) : null;
  if (tf.getBackend() === 'wasm' || tf.getBackend() === 'cpu') log(`training step: ${hostStep ? 'host step (native addon, no tfjs autodiff)' : `tfjs autodiff (host step not used: ${hostWhy})`}`);
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
    // whole frozen weights get no gradient, so AdamW (and the gradient norm) leave them out
    vars: [...weights].filter(([n]) => !frozen?.whole.has(n)).map(([, v]) => v),
    opt,
    frozen,
    hostStep,
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

/** Steps whose losses and routing statistics are read back together on webgpu (one GPU round trip for all). */
export const WEBGPU_READ_EVERY_STEPS = 16;

/**
 * An optimizer step that has run (host backends) or is queued on the device (webgpu): on webgpu its losses,
 * gradient norm and routing statistics sit in `packed` until `readSteps` reads a group of steps at once.
 */
type LaunchedStep = { kind: 'done'; result: StepResult } | { kind: 'queued'; lr: number; packed: tf.Tensor; stats: MoeLayerStats[] };

/** Forward + backward of the next batch; returns its losses and kept routing-stat tensors (the caller reads them). */
function forwardBackward(run: Run): { kept: tf.Tensor[]; stats: MoeLayerStats[]; grads: tf.NamedTensorMap } {
  const { cfg, weights } = run;
  const batch = run.batches.next();
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
  if (run.frozen) maskFrozenGrads(run.frozen, weights, grads);
  return { kept, stats, grads };
}

/**
 * Optimizer step number `index` (0-based) on the next batch.
 * - webgpu: forward, backward and the fused AdamW are queued and nothing is read: the losses, the gradient norm
 *   and all layers' routing statistics are packed into one small tensor for `readSteps` (the fused AdamW leaves
 *   every parameter untouched on a non-finite norm, and a non-finite loss has non-finite gradients, so updating
 *   before reading changes nothing).
 * - host backends: one read of the losses and routing stats, then AdamW only when the loss is finite (reads are
 *   memory copies there), so the step is done when this returns.
 */
async function launchStep(run: Run, index: number): Promise<LaunchedStep> {
  const { cfg, opt } = run;
  const lr = learningRate(index, { lr: cfg.optimizer.lr, totalSteps: run.steps, ...cfg.schedule });
  if (run.hostStep) {
    // The host step: forward, backward and AdamW on plain arrays; the values the tfjs path reads, bit for bit
    // (float32 scalars: the norm as tf.scalar would hold it).
    const batch = run.batches.next();
    const r = run.hostStep.run(batch.inputs, batch.targets, batch.batchSize, batch.seqLen);
    const gradNorm = Number.isFinite(r.lm) && Number.isFinite(r.aux) ? Math.fround(opt.applyArrays(r.grads, lr)) : 0;
    return { kind: 'done', result: checkFinite(run, index, { lr, lm: r.lm, balance: r.balance, z: r.z, aux: r.aux, gradNorm, stats: r.moeStats }) };
  }
  const { kept, stats, grads } = forwardBackward(run);
  const updateFirst = tf.getBackend() === 'webgpu';
  try {
    if (updateFirst) kept.push(tf.tidy(() => update(run, grads, lr)));
    const pending = stats.flatMap((s) => (s.pending ? [s.pending] : []));
    const packed = tf.tidy(() => tf.concat([...kept.map((t) => tf.reshape(t, [1])), ...pending]));
    tf.dispose(kept);
    if (updateFirst) return { kind: 'queued', lr, packed, stats };
    const values = await packed.data();
    packed.dispose();
    const [lm, balance, z, aux] = Array.from(values.subarray(0, 4)) as [number, number, number, number];
    await resolveMoeStats(stats, values.subarray(4));
    const gradNorm = Number.isFinite(lm) && Number.isFinite(aux) ? await readScalar(tf.tidy(() => update(run, grads, lr))) : 0;
    return { kind: 'done', result: checkFinite(run, index, { lr, lm, balance, z, aux, gradNorm, stats }) };
  } finally {
    tf.dispose(Object.values(grads));
    if (!updateFirst) for (const s of stats) s.pending?.dispose();
  }
}

/** The AdamW update, then the frozen router columns put back; returns the gradient norm. */
function update(run: Run, grads: tf.NamedTensorMap, lr: number): tf.Scalar {
  const norm = run.opt.apply(grads, lr);
  if (run.frozen) restoreFrozen(run.frozen, run.weights);
  return norm;
}

/** The step's result, or NonFiniteLossError naming step `index` (0-based, as the trainer counts before it). */
function checkFinite(run: Run, index: number, r: StepResult): StepResult {
  if (!Number.isFinite(r.lm) || !Number.isFinite(r.aux) || !Number.isFinite(r.gradNorm)) {
    throw new NonFiniteLossError(index, Number.isFinite(r.lm) ? r.aux : r.lm, run.hasCheckpoint ? run.outDir : null);
  }
  return r;
}

/**
 * Results of launched steps `first`, `first + 1`, … in order, with one readback for all queued ones, up to the
 * first non-finite step, which comes back as `error` (NonFiniteLossError): the steps before it are recorded as
 * they would have been one by one, it and its successors are dropped, and the last checkpoint precedes them
 * (steps are always read before a checkpoint is written).
 */
async function readSteps(run: Run, first: number, launched: LaunchedStep[]): Promise<{ results: StepResult[]; error?: NonFiniteLossError }> {
  const packed = launched.flatMap((l) => (l.kind === 'queued' ? [l.packed] : []));
  let values: Float32Array | Int32Array | Uint8Array = new Float32Array(0);
  if (packed.length) {
    try {
      values = await readAll(packed);
    } finally {
      tf.dispose(packed);
    }
  }
  const out: StepResult[] = [];
  let off = 0;
  try {
    for (let i = 0; i < launched.length; i++) {
      const l = launched[i]!;
      if (l.kind === 'done') {
        out.push(l.result);
        continue;
      }
      const v = values.subarray(off, off + l.packed.size);
      off += l.packed.size;
      const [lm, balance, z, aux, gradNorm] = Array.from(v.subarray(0, 5)) as [number, number, number, number, number];
      await resolveMoeStats(l.stats, v.subarray(5));
      out.push(checkFinite(run, first + i, { lr: l.lr, lm, balance, z, aux, gradNorm, stats: l.stats }));
    }
  } catch (e) {
    if (e instanceof NonFiniteLossError) return { results: out, error: e };
    throw e;
  } finally {
    for (const l of launched) if (l.kind === 'queued') for (const s of l.stats) s.pending?.dispose();
  }
  return { results: out };
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
    // only models with PEER layers have it, so other runs' metrics keep their bytes
    ...(r.stats.some((s) => s.expertsUsedFraction !== undefined) ? { expertsUsed: r.stats.map((s) => s.expertsUsedFraction ?? NaN) } : {}),
    tokensPerSecond,
  });
  return tokensPerSecond;
}

/** Whether the run evaluates after `step` steps: every `evalEvery` steps and at the end. */
function isEvalStep(run: Run, step: number): boolean {
  return step % run.evalEvery === 0 || step === run.steps;
}

/** Whether the run writes a checkpoint after `step` steps: every `checkpointEvery` steps and at the end. */
function isCheckpointStep(run: Run, step: number): boolean {
  return step % run.checkpointEvery === 0 || step === run.steps;
}

/** Validation loss over the fixed windows, every `evalEvery` steps and at the end (appended as an `eval` row). */
async function evaluateIfDue(run: Run): Promise<void> {
  const { state } = run;
  if (!isEvalStep(run, state.step)) return;
  state.lastValLoss = await evaluate(run.weights, run.cfg, run.val);
  run.metrics!.write({ kind: 'eval', step: state.step, tokens: state.step * run.tokensPerStep, valLoss: state.lastValLoss });
  run.log(`step ${state.step}/${run.steps} val loss ${state.lastValLoss.toFixed(4)}`);
}

/** Writes the checkpoint (weights, Adam moments, data position, counters), every `checkpointEvery` steps and at the end. */
async function checkpointIfDue(run: Run): Promise<void> {
  const { state, weights, opt } = run;
  if (!isCheckpointStep(run, state.step)) return;
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
  if (run.frozen) disposeFrozen(run.frozen);
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
  if (opts.readEverySteps !== undefined && !(Number.isInteger(opts.readEverySteps) && opts.readEverySteps >= 1)) {
    throw new ConfigError('readEverySteps', `${opts.readEverySteps} is not a whole number of steps ≥ 1; omit it for the default (${WEBGPU_READ_EVERY_STEPS} on webgpu)`);
  }
  const run = await openRun(cfg, opts);
  try {
    resume(run, opts);
    // Only a run that goes ahead clears what a killed one left half-written: a refused restart changes nothing.
    removeStaleTempFiles(run.outDir);
    // before the first step (kept in the checkpoint, so a resumed run reports the same)
    if (cfg.evalCorpora && run.state.step === 0) run.state.evalsBefore = await evaluateCorpora(run);
    const clock = { t0: Date.now(), wall0: run.state.wallSeconds, steps: 0 };
    const readEvery = opts.readEverySteps ?? (run.backend === 'webgpu' ? WEBGPU_READ_EVERY_STEPS : 1);
    const stopAt = opts.stopAfterSteps;
    let launched: LaunchedStep[] = [];
    while (run.state.step < run.steps && (stopAt === undefined || clock.steps < stopAt)) {
      launched.push(await launchStep(run, run.state.step + launched.length));
      // Read the group when it is full, and always before an evaluation, a checkpoint, a stop or the end, so
      // metrics rows keep their order and a checkpoint never holds a step whose loss was not checked.
      const n = run.state.step + launched.length;
      const due = isEvalStep(run, n) || isCheckpointStep(run, n) || launched.length >= readEvery || (stopAt !== undefined && clock.steps + launched.length >= stopAt);
      if (!due) continue;
      const group = launched;
      launched = [];
      const { results, error } = await readSteps(run, run.state.step, group);
      for (const r of results) {
        const tokensPerSecond = record(run, r, clock);
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
      if (error) throw error;
      await evaluateIfDue(run);
      await checkpointIfDue(run);
    }
    const summary = summarize(cfg, run.state, run.backend, run.steps * run.tokensPerStep, run.frozen);
    if (run.state.step >= run.steps && cfg.evalCorpora) {
      const after = await evaluateCorpora(run);
      const before = run.state.evalsBefore ?? {};
      const evals = Object.keys(after).map((name) => ({ name, before: before[name] ?? null, after: after[name]! }));
      writeFileAtomic(path.join(run.outDir, EVALS_FILE), JSON.stringify({ runId: cfg.runId, evalTokens: cfg.evalTokens, corpora: evals }, null, 2) + '\n');
    }
    if (run.state.step >= run.steps) writeFileAtomic(path.join(run.outDir, 'final.json'), JSON.stringify(summary, null, 2) + '\n');
    return summary;
  } finally {
    closeRun(run);
  }
}

/** Validation loss on this run's corpus (`own`) and on each of `evalCorpora`, by name. */
async function evaluateCorpora(run: Run): Promise<Record<string, number>> {
  const out: Record<string, number> = { own: await evaluate(run.weights, run.cfg, run.val) };
  for (const c of run.cfg.evalCorpora ?? []) {
    const manifest = readCorpusManifest(c.corpusDir);
    if (manifest.tokenizer.vocabSize > run.cfg.model.vocab) {
      throw new ConfigError('evalCorpora', `${c.name} (${c.corpusDir}) has a vocabulary of ${manifest.tokenizer.vocabSize}, more than the model's ${run.cfg.model.vocab}; evaluate on corpora of the same tokenizer`);
    }
    const shard = openTokenShard(path.join(c.corpusDir, manifest.splits.val.file), { dtype: manifest.dtype });
    try {
      out[c.name] = await evaluate(run.weights, run.cfg, shard);
    } finally {
      shard.close();
    }
  }
  return out;
}

function isResolved(c: unknown): c is TrainConfig {
  return typeof c === 'object' && c !== null && typeof (c as TrainConfig).model?.contextLength === 'number' && typeof (c as TrainConfig).evalEveryTokens === 'number';
}

function summarize(cfg: TrainConfig, state: TrainerState, backend: string, tokens: number, frozen: Frozen | null): RunSummary {
  const m = cfg.model;
  const p = countParams(m);
  const f = trainingFlops(m, tokens);
  return {
    runId: cfg.runId,
    sweep: cfg.sweep,
    family: m.moe || m.peer ? 'moe' : 'dense',
    router: m.moe ? m.moe.router : m.peer ? 'product-key' : 'none',
    layers: m.layers,
    dModel: m.dModel,
    heads: m.heads,
    dFF: m.dFF,
    // PEER in Krajewski's terms: N experts of width 1, so total expert width N = E · d_ff and G = d_ff / 1
    expansionRate: m.moe ? m.moe.expansionRate : m.peer ? m.peer.experts / m.dFF : 1,
    granularity: m.moe ? m.moe.granularity : m.peer ? m.dFF : 1,
    experts: m.moe ? expertCount(m.moe) : m.peer ? m.peer.experts : 1,
    topKEffective: p.expertsPerToken,
    moeEvery: m.moe ? m.moe.every : m.peer ? m.peer.every : 1,
    // only when there are shared experts, so the summaries (and run tables) of runs without them keep their bytes
    ...(m.moe && m.moe.sharedExperts > 0 ? { sharedExperts: m.moe.sharedExperts } : {}),
    // a run continued from another (initFrom) is not a fresh one: what its weights saw before, and what stayed frozen
    ...(frozen ? { priorTokens: frozen.baseTokens } : {}),
    ...(frozen && frozen.weights > 0 ? { frozenWeights: frozen.weights } : {}),
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
