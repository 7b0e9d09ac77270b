/**
 * `TrainConfig`: everything one training run needs, zod-validated and strict. `parseTrainConfig` returns the
 * resolved config or throws a `ConfigError` naming the field and the fix, before any training starts.
 */
import { z } from 'zod';
import { ConfigError } from '../model/errors';
import { ModelConfig, ModelConfigSchema, parseModelConfig, zodToConfigError } from '../model/config';
import { unsafeSegmentReason } from '../util/safe-name';

const posInt = z.number().int().positive();

/** Longest training sequence (tokens): the position embedding and attention grow with it; far beyond any run here. */
export const MAX_SEQ_LEN = 65536;

export const TrainConfigSchema = z
  .object({
    /** Model architecture (see ModelConfigSchema). */
    model: ModelConfigSchema,
    data: z
      .object({
        /** Corpus directory holding train.bin, val.bin, manifest.json. */
        corpusDir: z.string().min(1),
        /** Tokens per training sequence (at most MAX_SEQ_LEN). */
        seqLen: posInt.max(MAX_SEQ_LEN, `at most ${MAX_SEQ_LEN} tokens per sequence`),
        /** Sequences per optimizer step. */
        batchSize: posInt,
      })
      .strict(),
    /** Training budget in tokens D (rounded up to whole steps of batchSize · seqLen). */
    tokens: posInt,
    optimizer: z
      .object({
        /** Peak learning rate. Default 1e-3. */
        lr: z.number().positive().default(1e-3),
        /** Adam β1, β2. Default [0.9, 0.95]. */
        betas: z.tuple([z.number().min(0).lt(1), z.number().min(0).lt(1)]).default([0.9, 0.95]),
        /** Adam ε. Default 1e-8. */
        eps: z.number().positive().default(1e-8),
        /** Decoupled weight decay (AdamW) on matrices. Default 0.1 (Krajewski). */
        weightDecay: z.number().nonnegative().default(0.1),
        /** Global-norm gradient clip; 0 disables. Default 1.0. */
        gradClip: z.number().nonnegative().default(1),
      })
      .strict()
      .default({ lr: 1e-3, betas: [0.9, 0.95], eps: 1e-8, weightDecay: 0.1, gradClip: 1 }),
    schedule: z
      .object({
        /** Linear warm-up over this fraction of steps. Default 0.01 (Krajewski). */
        warmupFraction: z.number().min(0).lt(1).default(0.01),
        /** Cosine decay ends at this fraction of the peak lr. Default 0.1. */
        finalLrFraction: z.number().min(0).max(1).default(0.1),
      })
      .strict()
      .default({ warmupFraction: 0.01, finalLrFraction: 0.1 }),
    /** Evaluate on the validation split every this many training tokens (and at the end). Default: tokens/10. */
    evalEveryTokens: posInt.optional(),
    /** Validation tokens per evaluation (whole batches). Default 65536. */
    evalTokens: posInt.default(65536),
    /** Checkpoint every this many training tokens. Default: none by tokens. */
    checkpointEveryTokens: posInt.optional(),
    /** Checkpoint every this many optimizer steps. Default: none by steps (if neither is set: every 10% of the run). */
    checkpointEverySteps: posInt.optional(),
    /** Seed of init and data order. Default 0. */
    seed: z.number().int().nonnegative().default(0),
    /** tfjs backend. Default auto. */
    backend: z.enum(['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu']).default('auto'),
    /** Run id recorded in the summary; it names the run's folder (`results/runs/<runId>`), so it must be a safe file name. Default `run`. */
    runId: z
      .string()
      .default('run')
      .superRefine((v, ctx) => {
        const why = unsafeSegmentReason(v);
        if (why) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(v)} names the run's folder (results/runs/<runId>) but ${why}; use letters, digits and . _ = + - (starting with a letter or digit)` });
      }),
    /** Sweep name recorded in the summary. Default `adhoc`. */
    sweep: z.string().min(1).default('adhoc'),
    /** Decay of the exponential moving average of the training loss (trainLossSmoothed). Default 0.98. */
    lossEmaDecay: z.number().min(0).lt(1).default(0.98),
  })
  .strict();

export type TrainConfigInput = z.input<typeof TrainConfigSchema>;

export interface TrainConfig {
  model: ModelConfig;
  data: { corpusDir: string; seqLen: number; batchSize: number };
  tokens: number;
  optimizer: { lr: number; betas: [number, number]; eps: number; weightDecay: number; gradClip: number };
  schedule: { warmupFraction: number; finalLrFraction: number };
  evalEveryTokens: number;
  evalTokens: number;
  checkpointEveryTokens?: number;
  checkpointEverySteps?: number;
  seed: number;
  backend: 'auto' | 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';
  runId: string;
  sweep: string;
  lossEmaDecay: number;
}

/** Validate and resolve a training config (JSON object). Throws ConfigError. */
export function parseTrainConfig(input: unknown): TrainConfig {
  const parsed = TrainConfigSchema.safeParse(input);
  if (!parsed.success) throw zodToConfigError(parsed.error, '');
  const c = parsed.data;
  const model = parseModelConfig(c.model, { contextLength: c.data.seqLen });
  if (model.contextLength < c.data.seqLen) {
    throw new ConfigError('model.contextLength', `${model.contextLength} is shorter than data.seqLen ${c.data.seqLen}; raise it or drop it`);
  }
  const tokensPerStep = c.data.batchSize * c.data.seqLen;
  if (c.tokens < tokensPerStep) {
    throw new ConfigError('tokens', `budget ${c.tokens} is less than one step (batchSize·seqLen = ${tokensPerStep}); raise tokens`);
  }
  return {
    model,
    data: c.data,
    tokens: c.tokens,
    optimizer: { ...c.optimizer, betas: [c.optimizer.betas[0], c.optimizer.betas[1]] },
    schedule: c.schedule,
    evalEveryTokens: c.evalEveryTokens ?? Math.max(tokensPerStep, Math.floor(c.tokens / 10)),
    evalTokens: c.evalTokens,
    checkpointEveryTokens: c.checkpointEveryTokens,
    checkpointEverySteps: c.checkpointEverySteps,
    seed: c.seed,
    backend: c.backend,
    runId: c.runId,
    sweep: c.sweep,
    lossEmaDecay: c.lossEmaDecay,
  };
}

/** Optimizer steps of a run: ceil(tokens / (batchSize · seqLen)). */
export function totalSteps(c: TrainConfig): number {
  return Math.ceil(c.tokens / (c.data.batchSize * c.data.seqLen));
}
