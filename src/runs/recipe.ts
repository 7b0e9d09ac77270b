/**
 * The run recipe: the training settings every run shares (sequence shape, AdamW, schedule, evaluation, seed,
 * backend), declared once with their defaults (nanoGPT's `GPTConfig` idea). The preset's `train` section
 * (pipeline/presets/sections.ts) extends it with per-sweep knobs; the trainer config (src/train/config.ts) picks
 * its groups from it (`data`, `optimizer`, `schedule` and the top-level keys), so a default changes in one place.
 *
 * Defaults unified here (issue 13 item 4): `lr` 3e-3 and `evalTokens` 32768, the values of the preset section,
 * which the committed presets (tiny, smoke) use; the trainer's own copies said 1e-3 and 65536.
 */
import { z } from 'zod';
import type { BackendName } from '../backend/select';

const posInt = z.number().int().positive();

/** Longest training sequence (tokens): the position embedding and attention grow with it; far beyond any run here. */
export const MAX_SEQ_LEN = 65536;

/** tfjs backends a run may ask for (`auto`: the first that loads, see src/backend/select.ts). */
export const BACKEND_NAMES = ['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu'] as const satisfies readonly BackendName[];

export const RunRecipeSchema = z
  .object({
    /** Tokens per training sequence (at most MAX_SEQ_LEN). Default 64. */
    seqLen: posInt.max(MAX_SEQ_LEN, `at most ${MAX_SEQ_LEN} tokens per sequence`).default(64),
    /** Sequences per optimizer step. Default 16. */
    batchSize: posInt.default(16),
    /** Peak learning rate (AdamW). Default 3e-3. */
    lr: z.number().positive().default(3e-3),
    /** Adam β1, β2. Default [0.9, 0.95]. */
    betas: z.tuple([z.number().min(0).lt(1), z.number().min(0).lt(1)]).default([0.9, 0.95]),
    /** Adam ε. Default 1e-8. */
    eps: z.number().positive().default(1e-8),
    /** Decoupled weight decay (AdamW) on matrices. Default 0.1 (Krajewski). */
    weightDecay: z.number().nonnegative().default(0.1),
    /** Global-norm gradient clip; 0 disables. Default 1. */
    gradClip: z.number().nonnegative().default(1),
    /** Linear warm-up over this fraction of steps. Default 0.01 (Krajewski; Yun: 0.03). */
    warmupFraction: z.number().min(0).lt(1).default(0.01),
    /** Cosine decay ends at this fraction of the peak lr. Default 0.1 (both papers). */
    finalLrFraction: z.number().min(0).max(1).default(0.1),
    /** Validation tokens per evaluation (whole batches). Default 32768. */
    evalTokens: posInt.default(32768),
    /** Seed of init and data order (same seed + backend ⇒ same losses). Default 0. */
    seed: z.number().int().nonnegative().default(0),
    /** tfjs backend. Default auto. */
    backend: z.enum(BACKEND_NAMES).default('auto'),
    /** Decay of the exponential moving average of the training loss (trainLossSmoothed). Default 0.98. */
    lossEmaDecay: z.number().min(0).lt(1).default(0.98),
  })
  .strict();

export type RunRecipe = z.output<typeof RunRecipeSchema>;
export type RunRecipeInput = z.input<typeof RunRecipeSchema>;
export type RunRecipeKey = keyof RunRecipe;

/** Recipe keys the trainer groups under `data` (beside `corpusDir`). */
export const RECIPE_DATA_KEYS = { seqLen: true, batchSize: true } as const;
/** Recipe keys the trainer groups under `optimizer`. */
export const RECIPE_OPTIMIZER_KEYS = { lr: true, betas: true, eps: true, weightDecay: true, gradClip: true } as const;
/** Recipe keys the trainer groups under `schedule`. */
export const RECIPE_SCHEDULE_KEYS = { warmupFraction: true, finalLrFraction: true } as const;
/** Recipe keys the trainer keeps at its top level. */
export const RECIPE_TOP_LEVEL_KEYS = { evalTokens: true, seed: true, backend: true, lossEmaDecay: true } as const;
