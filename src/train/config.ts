/**
 * `TrainConfig`: everything one training run needs, zod-validated and strict. `parseTrainConfig` returns the
 * resolved config or throws a `ConfigError` naming the field and the fix, before any training starts.
 * The shared training settings and their defaults come from the run recipe (src/runs/recipe.ts), picked into
 * the trainer's `data`, `optimizer` and `schedule` groups; only what one run alone has (model, corpus, budget,
 * intervals in tokens, run id) is declared here.
 */
import { z } from 'zod';
import { ConfigError } from '../model/errors';
import { ModelConfig, ModelConfigSchema, parseModelConfig, zodToConfigError } from '../model/config';
import { RECIPE_OPTIMIZER_KEYS, RECIPE_SCHEDULE_KEYS, RECIPE_TOP_LEVEL_KEYS, RunRecipeSchema } from '../runs/recipe';
import { unsafeSegmentReason } from '../util/safe-name';
import { InitFromSchema } from './grow';

const posInt = z.number().int().positive();

export const TrainConfigSchema = z
  .object({
    /** Model architecture (see ModelConfigSchema). */
    model: ModelConfigSchema,
    /** Corpus and sequence shape; seqLen and batchSize have no default here: a trainer config names its data shape. */
    data: z
      .object({
        /** Corpus directory holding train.bin, val.bin, manifest.json. */
        corpusDir: z.string().min(1),
        seqLen: RunRecipeSchema.shape.seqLen.unwrap(),
        batchSize: RunRecipeSchema.shape.batchSize.unwrap(),
      })
      .strict(),
    /** Training budget in tokens D (rounded up to whole steps of batchSize · seqLen). */
    tokens: posInt,
    /** AdamW: lr, betas, eps, weightDecay, gradClip (defaults: the run recipe's). */
    optimizer: RunRecipeSchema.pick(RECIPE_OPTIMIZER_KEYS).prefault({}),
    /** Warm-up and cosine decay: warmupFraction, finalLrFraction (defaults: the run recipe's). */
    schedule: RunRecipeSchema.pick(RECIPE_SCHEDULE_KEYS).prefault({}),
    /** Evaluate on the validation split every this many training tokens (and at the end). Default: tokens/10. */
    evalEveryTokens: posInt.optional(),
    /** Checkpoint every this many training tokens. Default: none by tokens. */
    checkpointEveryTokens: posInt.optional(),
    /** Checkpoint every this many optimizer steps. Default: none by steps (if neither is set: every 10% of the run). */
    checkpointEverySteps: posInt.optional(),
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
    /**
     * Start from a finished run's weights instead of a fresh initialisation, optionally with more experts and some
     * weights frozen (Lifelong-MoE's expert growth; src/train/grow.ts). Default: none.
     */
    initFrom: InitFromSchema.optional(),
    /**
     * Other corpora to evaluate on (their validation split, `evalTokens` tokens) before the first step and after the
     * last, written to `evals.json` (e.g. the old distribution after training on a new one: forgetting). Default: none.
     */
    evalCorpora: z
      .array(z.object({ name: z.string().min(1).refine((n) => n !== 'own', '"own" names this run\'s own validation split in evals.json; pick another name'), corpusDir: z.string().min(1) }).strict())
      .optional()
      .refine((c) => !c || new Set(c.map((x) => x.name)).size === c.length, 'evalCorpora names must be distinct'),
  })
  .extend(RunRecipeSchema.pick(RECIPE_TOP_LEVEL_KEYS).shape)
  .strict();

export type TrainConfigInput = z.input<typeof TrainConfigSchema>;

/** The resolved config: the schema's output with the model resolved and the evaluation interval filled in. */
export type TrainConfig = Omit<z.output<typeof TrainConfigSchema>, 'model' | 'evalEveryTokens'> & {
  model: ModelConfig;
  evalEveryTokens: number;
};

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
    // only when set, so every other config serialises (and fingerprints) as before
    ...(c.initFrom ? { initFrom: c.initFrom } : {}),
    ...(c.evalCorpora ? { evalCorpora: c.evalCorpora } : {}),
  };
}

/** Optimizer steps of a run: ceil(tokens / (batchSize · seqLen)). */
export function totalSteps(c: TrainConfig): number {
  return Math.ceil(c.tokens / (c.data.batchSize * c.data.seqLen));
}
