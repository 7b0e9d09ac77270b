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
import { CheckpointError, loadCheckpoint, saveCheckpoint } from './checkpoint';
import { TrainConfig, parseTrainConfig, totalSteps } from './config';
import { AdamW } from './optimizer';
import { learningRate } from './schedule';
import { METRICS_FILE, MetricsWriter, truncateMetrics, type MetricsRow } from './metrics';
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

/** Run (or resume) one training run; writes metrics.jsonl, checkpoint.bin and final.json into outDir. */
export async function trainRun(config: TrainConfig | unknown, opts: TrainRunOptions): Promise<RunSummary> {
  const cfg = isResolved(config) ? config : parseTrainConfig(config);
  const log = opts.log ?? (() => {});
  const warn = opts.warn ?? warnToStderr;
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
  const configJson = JSON.stringify(cfg);
  const metricsFile = path.join(outDir, METRICS_FILE);
  let state: TrainerState = {
    step: 0,
    batches: batches.state(),
    emaLoss: 0,
    emaWeight: 0,
    lastValLoss: null,
    adamStep: 0,
    wallSeconds: 0,
    config: configJson,
  };
  let metrics: MetricsWriter | undefined;
  try {
    const ckpt = loadCheckpoint<TrainerState>(outDir);
    if (ckpt && !opts.resume) {
      throw new CheckpointError(path.join(outDir, 'checkpoint.bin'), 'a checkpoint exists; pass resume (--resume) to continue it, or use an empty --out directory');
    }
    if (ckpt) {
      if (ckpt.state.config !== configJson) {
        throw new CheckpointError(path.join(outDir, 'checkpoint.bin'), 'was written by a different config; use another --out directory or the original config');
      }
      const restore = (name: string, v: tf.Variable) => {
        const saved = ckpt.values.get(name);
        if (!saved) throw new CheckpointError(path.join(outDir, 'checkpoint.bin'), `lacks tensor ${name}`);
        v.assign(tf.tensor(saved.data, saved.shape));
      };
      tf.tidy(() => {
        for (const [n, v] of weights) restore(`w/${n}`, v);
        for (const [n, v] of opt.m) restore(`m/${n}`, v);
        for (const [n, v] of opt.v) restore(`v/${n}`, v);
      });
      state = ckpt.state;
      opt.step = state.adamStep;
      batches.restore(state.batches);
      // Drop metrics rows written after the checkpoint (they will be recomputed identically), and a torn last
      // line left by a kill or a full disk.
      truncateMetrics(outDir, state.step, warn);
      log(`resumed at step ${state.step}/${steps}`);
    } else if (fs.existsSync(metricsFile)) {
      fs.unlinkSync(metricsFile);
    }

    const ckptEvery =
      cfg.checkpointEverySteps ??
      (cfg.checkpointEveryTokens ? Math.max(1, Math.round(cfg.checkpointEveryTokens / tokensPerStep)) : Math.max(1, Math.round(steps / 10)));
    const evalEvery = Math.max(1, Math.round(cfg.evalEveryTokens / tokensPerStep));
    const vars = [...weights.values()];
    metrics = new MetricsWriter(outDir);
    const appendMetrics = (row: MetricsRow) => metrics!.write(row);
    const writeCheckpoint = async () => {
      const tensors: Array<[string, tf.Tensor]> = [];
      for (const [n, v] of weights) tensors.push([`w/${n}`, v]);
      for (const [n, v] of opt.m) tensors.push([`m/${n}`, v]);
      for (const [n, v] of opt.v) tensors.push([`v/${n}`, v]);
      // webgpu reads only asynchronously; once read, the values are cached and saveCheckpoint's dataSync works.
      if (tf.getBackend() === 'webgpu') await Promise.all(tensors.map(([, t]) => t.data()));
      saveCheckpoint(outDir, { ...state, batches: batches.state(), adamStep: opt.step }, tensors);
    };
    let hasCheckpoint = fs.existsSync(path.join(outDir, 'checkpoint.bin'));
    const t0 = Date.now();
    const wall0 = state.wallSeconds;
    let stepsThisCall = 0;
    let lastLoss = NaN;
    while (state.step < steps) {
      if (opts.stopAfterSteps !== undefined && stepsThisCall >= opts.stopAfterSteps) break;
      const batch = batches.next();
      const lr = learningRate(state.step, { lr: cfg.optimizer.lr, totalSteps: steps, ...cfg.schedule });
      let lm = NaN;
      let bal = 0;
      let z = 0;
      let aux = 0;
      let gradNorm = 0;
      let stats: MoeLayerStats[] = [];
      // Every read is asynchronous and outside tf.tidy, so the same step runs on webgpu (no sync readback).
      const kept: tf.Tensor[] = [];
      const { value, grads } = tf.variableGrads(() => {
        const r = forward(weights, cfg.model, batch.inputs, batch.targets, { batch: batch.batchSize, seqLen: batch.seqLen });
        kept.push(tf.keep(r.lmLoss!), tf.keep(r.balanceLoss), tf.keep(r.zLoss), tf.keep(r.auxLoss));
        for (const s of r.moeStats) if (s.pending) tf.keep(s.pending);
        stats = r.moeStats;
        return tf.add(r.lmLoss!, r.auxLoss) as tf.Scalar;
      }, vars);
      value.dispose();
      try {
        // One readback for the losses and all layers' routing stats (each GPU readback costs a round trip).
        const pending = stats.flatMap((s) => (s.pending ? [s.pending] : []));
        const packed = tf.tidy(() => tf.concat([...kept.map((t) => tf.reshape(t, [1])), ...pending]));
        const values = await packed.data();
        packed.dispose();
        tf.dispose(kept);
        [lm, bal, z, aux] = Array.from(values.subarray(0, 4)) as [number, number, number, number];
        await resolveMoeStats(stats, values.subarray(4));
        if (Number.isFinite(lm) && Number.isFinite(aux)) gradNorm = await readScalar(tf.tidy(() => opt.apply(grads, lr)));
      } finally {
        tf.dispose(Object.values(grads));
        for (const s of stats) s.pending?.dispose();
      }
      if (!Number.isFinite(lm) || !Number.isFinite(aux) || !Number.isFinite(gradNorm)) {
        throw new NonFiniteLossError(state.step, Number.isFinite(lm) ? aux : lm, hasCheckpoint ? outDir : null);
      }
      state.step++;
      stepsThisCall++;
      lastLoss = lm;
      state.emaLoss = cfg.lossEmaDecay * state.emaLoss + (1 - cfg.lossEmaDecay) * lm;
      state.emaWeight = cfg.lossEmaDecay * state.emaWeight + (1 - cfg.lossEmaDecay);
      const elapsed = (Date.now() - t0) / 1000;
      state.wallSeconds = wall0 + elapsed;
      const tps = (stepsThisCall * tokensPerStep) / Math.max(elapsed, 1e-9);
      const dropped = stats.length ? stats.reduce((a, s) => a + s.droppedFraction, 0) / stats.length : 0;
      appendMetrics({
        kind: 'train',
        step: state.step,
        tokens: state.step * tokensPerStep,
        loss: lm,
        lr,
        auxLoss: aux,
        balanceLoss: bal,
        zLoss: z,
        gradNorm,
        droppedFraction: dropped,
        expertLoad: stats.map((s) => s.load),
        tokensPerSecond: tps,
      });
      if (state.step % evalEvery === 0 || state.step === steps) {
        state.lastValLoss = await evaluate(weights, cfg, val);
        appendMetrics({ kind: 'eval', step: state.step, tokens: state.step * tokensPerStep, valLoss: state.lastValLoss });
        log(`step ${state.step}/${steps} val loss ${state.lastValLoss.toFixed(4)}`);
      }
      if (state.step % ckptEvery === 0 || state.step === steps) {
        await writeCheckpoint();
        hasCheckpoint = true;
      }
      opts.onProgress?.({
        step: state.step,
        totalSteps: steps,
        tokens: state.step * tokensPerStep,
        totalTokens: steps * tokensPerStep,
        loss: lm,
        valLoss: state.lastValLoss,
        lr,
        tokensPerSecond: tps,
        etaSeconds: ((steps - state.step) * tokensPerStep) / Math.max(tps, 1e-9),
      });
    }
    void lastLoss;
    const summary = summarize(cfg, state, backend.label, steps * tokensPerStep);
    if (state.step >= steps) writeFileAtomic(path.join(outDir, 'final.json'), JSON.stringify(summary, null, 2) + '\n');
    return summary;
  } finally {
    metrics?.close();
    opt.dispose();
    disposeWeights(weights);
    train.close();
    val.close();
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
    topK: p.expertsPerToken,
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
