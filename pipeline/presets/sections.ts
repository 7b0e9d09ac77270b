/**
 * Strict preset sections owned by the reproduction (sweeps, training recipe, fitting, figures, notebooks,
 * report). Every field documents its unit and default; an unknown key is a named error (see ./index.ts).
 */
import { z } from 'zod';
import { INIT_KINDS, MoeConfigSchema, TOKEN_CHOICE_CAPACITY_FACTOR } from '../../src/model/config';
import { RunRecipeSchema } from '../../src/runs/recipe';
import { corpusConfigSchema } from '../../src/data/corpus-config';
import { FREEZE_GROUPS } from '../../src/train/grow';

const posInt = z.number().int().positive();
const powerOfTwo = posInt.refine((g) => (g & (g - 1)) === 0, 'granularity must be a power of two (1, 2, 4, …)');

const shapeSchema = z
  .object({
    /** Hidden size d_model. */
    dModel: posInt,
    /** Transformer blocks. */
    layers: posInt,
    /** Attention heads (must divide dModel). */
    heads: posInt,
    /** Dense FFN width; default 4·d_model (fine-grained) or 8/3·d_model (experts, SwiGLU). */
    dFF: posInt.optional(),
    /** Peak learning rate of this shape's runs (the papers tune lr per size); default: the preset's train.lr. */
    lr: z.number().positive().optional(),
  })
  .strict()
  .refine((s) => s.dModel % s.heads === 0, { message: 'heads must divide dModel' });

const tokensList = z.array(posInt).min(1);

/**
 * Seed replicates: each run of the grid (or block) whose d_model and tokens pass the filters is also trained with
 * each of these seeds (init and data order), as a run of its own whose id ends in `-s<seed>`; the run with the
 * preset's train.seed keeps its plain id. Claims average replicates within a (size, tokens) cell and learn the
 * run-to-run noise from them.
 */
const replicatesSchema = z
  .object({
    /** Seeds beyond the preset's train.seed (distinct). */
    seeds: z.array(z.number().int().nonnegative()).min(1).refine((s) => new Set(s).size === s.length, 'seeds must be distinct'),
    /** Only runs of these d_model values (default: every shape). */
    dModels: z.array(posInt).min(1).optional(),
    /** Only runs of these token counts (default: every token count). */
    tokens: z.array(posInt).min(1).optional(),
  })
  .strict()
  .optional();

export const fineGrainedSchema = z
  .object({
    /** Fixed expansion rate E (paper: 64). */
    expansionRate: posInt,
    /** MoE blocks: shapes × tokens × granularities. */
    moe: z.array(z.object({ shapes: z.array(shapeSchema).min(1), tokens: tokensList, granularities: z.array(powerOfTwo).min(1), replicates: replicatesSchema }).strict()).min(1),
    /** Dense baselines: shapes × tokens. */
    dense: z.array(z.object({ shapes: z.array(shapeSchema).min(1), tokens: tokensList, replicates: replicatesSchema }).strict()),
  })
  .strict();

export const expertsSchema = z
  .object({
    shapes: z.array(shapeSchema).min(1),
    /** Expert counts; 1 = dense baseline (paper: 1, 4, 8, 16, 32). */
    experts: z.array(posInt).min(1),
    tokens: tokensList,
    /** Experts per token (paper: 2). */
    topK: posInt.default(2),
    /** MoE in every n-th block (paper: 2). */
    moeEvery: posInt.default(2),
    /** Seed replicates of chosen runs of the grid. */
    replicates: replicatesSchema,
  })
  .strict()
  .refine((g) => g.experts.every((e) => e === 1 || e >= g.topK), { message: 'every expert count above 1 must be ≥ topK' });

export const sharedSchema = z
  .object({
    /** Expansion rate E (total expert width E · d_ff). */
    expansionRate: posInt,
    shapes: z.array(shapeSchema).min(1),
    tokens: tokensList,
    /** Granularities G (powers of two). */
    granularities: z.array(powerOfTwo).min(1),
    /** Shared-expert counts per cell; list 0 too, the runs without sharing the claim compares against (e.g. [0, 1]). */
    sharedExperts: z.array(z.number().int().nonnegative()).min(2).refine((s) => new Set(s).size === s.length, 'shared-expert counts must be distinct'),
    /** Base k at G = 1 (default 1): a token activates G · topK experts, shared ones included. */
    topK: posInt.default(1),
    /** LayerNorm on the MoE output in both arms (default true; see SharedGrid.outputLayerNorm for why). */
    outputLayerNorm: z.boolean().default(true),
    /** Also train each (shape, tokens)'s dense baseline (default true). */
    dense: z.boolean().default(true),
    /** Seed replicates of chosen runs of the grid. */
    replicates: replicatesSchema,
  })
  .strict()
  .refine((g) => g.sharedExperts.includes(0), { message: 'list 0 among sharedExperts: the claim compares each shared count against no sharing', path: ['sharedExperts'] })
  .refine((g) => Math.max(...g.sharedExperts) < Math.min(...g.granularities) * g.topK, {
    message: 'every shared-expert count must be below G · topK of the smallest granularity (the router needs at least one expert to choose)',
    path: ['sharedExperts'],
  });

const perfectSquare = posInt.refine((n) => Number.isInteger(Math.sqrt(n)) && n >= 4, 'a PEER expert count must be a perfect square ≥ 4 (√N sub-keys per half), e.g. 1024, 4096, 16384, 65536');

export const peerSchema = z
  .object({
    shapes: z.array(shapeSchema).min(1),
    tokens: tokensList,
    /** Expert counts N (perfect squares), at least two: the claim compares each N with the next larger. */
    experts: z.array(perfectSquare).min(2).refine((e) => new Set(e).size === e.length, 'expert counts must be distinct'),
    /** Retrieval heads h (default 4). */
    heads: posInt.default(4),
    /** Experts each head retrieves, k (default 16; at most √N of the smallest N). */
    topK: posInt.default(16),
    /** Query width d_key (even; default 32). */
    keyDim: posInt.refine((d) => d % 2 === 0, 'keyDim must be even (the query splits into two halves)').default(32),
    /** Also train each (shape, tokens)'s dense baseline (default true). */
    dense: z.boolean().default(true),
    /** A fine-grained token-choice MoE baseline (E, G; G activated experts of width d_ff/G), or null (default). */
    moe: z.object({ expansionRate: posInt, granularity: powerOfTwo }).strict().nullable().default(null),
    /** Seed replicates of chosen runs of the grid. */
    replicates: replicatesSchema,
  })
  .strict()
  .refine((g) => g.topK * g.topK <= Math.min(...g.experts), { message: 'topK exceeds √N of the smallest expert count; lower topK or drop that N', path: ['topK'] });

export const lifelongSchema = z
  .object({
    shape: shapeSchema,
    /** The base MoE (token choice): expansion rate E, granularity G, base topK (G · topK active). */
    moe: z.object({ expansionRate: posInt, granularity: powerOfTwo.default(1), topK: posInt.default(1) }).strict(),
    /** The old and the new distribution, each a corpus of its own (names distinct from the preset's corpus). */
    corpora: z.object({ old: corpusConfigSchema, new: corpusConfigSchema }).strict(),
    /** Tokens of the base run on the old corpus and of each arm on the new one. */
    tokens: z.object({ old: posInt, new: posInt }).strict(),
    /** The grown arms: their expansion rate (above the base's) and what the frozen arm keeps (default: old experts and router columns). */
    grow: z
      .object({ expansionRate: posInt, freeze: z.array(z.enum(FREEZE_GROUPS)).min(1).default(['old-experts', 'old-router']) })
      .strict(),
    /** LayerNorm on the MoE output (default true). */
    outputLayerNorm: z.boolean().default(true),
    /** One base run and its arms per seed; at least 2 (the claim pairs arms per seed and needs their spread). */
    seeds: z.array(z.number().int().nonnegative()).min(2).refine((s) => new Set(s).size === s.length, 'seeds must be distinct'),
  })
  .strict()
  .refine((g) => g.grow.expansionRate > g.moe.expansionRate, { message: 'grow.expansionRate must exceed moe.expansionRate (the grown arms add experts)', path: ['grow', 'expansionRate'] })
  .refine((g) => g.corpora.old.name !== g.corpora.new.name, { message: 'the old and new corpora need different names (each is its own data folder)', path: ['corpora', 'new', 'name'] });

export const sweepsSchema = z
  .object({
    /** Krajewski et al. fine-grained sweep, or null to skip it. */
    fineGrained: fineGrainedSchema.nullable().default(null),
    /** Yun et al. expert-count sweep, or null to skip it. */
    experts: expertsSchema.nullable().default(null),
    /** Shared-expert sweep (DeepSeekMoE isolation at equal total and active parameters), or null to skip it. */
    shared: sharedSchema.nullable().default(null),
    /** PEER sweep (He 2024: loss vs number of product-key experts at fixed retrieval), or null to skip it. */
    peer: peerSchema.nullable().default(null),
    /** Lifelong sweep (Chen et al. 2023: grow experts with the old ones frozen vs fine-tune, on a distribution shift), or null to skip it. */
    lifelong: lifelongSchema.nullable().default(null),
  })
  .strict();

/**
 * The training recipe shared by every run of the preset: the run recipe (src/runs/recipe.ts: sequence shape,
 * AdamW, schedule, evaluation tokens, seed, backend, loss EMA, with its defaults) plus what only a sweep has:
 * evaluation and checkpoint counts per run (fractions of each run, so small and large runs get the same number),
 * repeated-data permission, and the MoE routing settings every MoE run shares (defaults: the model config's).
 */
export const trainSchema = RunRecipeSchema.extend({
  /** Validation evaluations per run (evenly spaced; the last one is at the end). */
  evalsPerRun: posInt.default(2),
  /** Checkpoints per run (evenly spaced), so a killed sweep resumes mid-run. */
  checkpointsPerRun: posInt.default(4),
  /** Allow a run to consume more tokens than the train split holds (repeated data). Default false. */
  allowRepeatedData: z.boolean().default(false),
  /** Token-choice capacity factor (null = unlimited); expert-choice runs always use 1. */
  capacityFactor: MoeConfigSchema.shape.capacityFactor.unwrap().default(TOKEN_CHOICE_CAPACITY_FACTOR),
  /** Expert-choice group size in tokens (Krajewski: 256). */
  groupSize: MoeConfigSchema.shape.groupSize,
  /** Load-balancing loss coefficient (token choice; expert-choice runs use 0). */
  lbCoef: MoeConfigSchema.shape.lbCoef,
  /** Router z-loss coefficient. */
  zCoef: MoeConfigSchema.shape.zCoef,
  /** Weight-matrix initialisation of every run (model.init: `gpt2` σ = initStd, or `fan-in` std sqrt(initScale/fan_in)); absent = gpt2. */
  init: z.enum(INIT_KINDS).optional(),
  /** model.initStd of every run: σ of the embeddings (and of every matrix under `gpt2`); absent = the model's 0.02. */
  initStd: z.number().positive().optional(),
  /** model.initScale of every run (only with init `fan-in`); absent = 1. */
  initScale: z.number().positive().optional(),
}).strict();

/** Keys of the preset's `train` section beyond the run recipe (per-sweep knobs and shared MoE routing settings; test/sweeps/recipe.test.ts). */
export const PRESET_ONLY_TRAIN_KEYS = ['evalsPerRun', 'checkpointsPerRun', 'allowRepeatedData', 'capacityFactor', 'groupSize', 'lbCoef', 'zCoef', 'init', 'initStd', 'initScale'] as const;

export const fitSchema = z
  .object({
    /**
     * Fitting protocol of the reproduction: `paper` (each law's defining paper: target column, objective, weight
     * decay, shared coefficients, starts, hold-out rule, bootstrap scheme; see `src/laws/forms/*`) or `moelab`.
     */
    protocol: z.enum(['paper', 'moelab']).default('paper'),
    /** Bootstrap resamples per law instead of the protocol's own count (null = the protocol's; 0 = none). Recorded as an override. */
    bootstrap: z.number().int().nonnegative().nullable().default(null),
    /** Seed of the bootstrap resampling. */
    bootstrapSeed: z.number().int().nonnegative().default(0),
    /**
     * Refit every law under each protocol alternative (the other target column, hold-out rule, Huber δ, bootstrap
     * scheme, and the other protocol) for the report's protocol-sensitivity table.
     */
    sensitivity: z.boolean().default(true),
    /** Bootstrap resamples of each sensitivity refit (fewer than the main fit's, to keep the DAG short). */
    sensitivityBootstrap: z.number().int().nonnegative().default(100),
    /** Laws to fit, possibly none (a preset whose claims read the run table only, e.g. `shared`); `dense` is Krajewski's Eq. 1 on the dense baselines, fitted after `fine-grained`, whose c it shares). */
    laws: z.array(z.enum(['chinchilla', 'fine-grained', 'dense', 'experts', 'clark'])).default(['chinchilla', 'fine-grained', 'dense', 'experts']),
  })
  .strict();

export const analysisSchema = z
  .object({
    /** FLOPs budgets for the compute-optimal tables (our fit and published coefficients). */
    budgetsFlops: z.array(z.number().positive()).min(1).default([1e15, 1e17, 1e19, 1e21, 1e23, 1e25]),
    /** Training budgets for Yun's over-training analysis (Fig. 3-6, Alg. 1-2), FLOPs. */
    inferenceBudgetsFlops: z.array(z.number().positive()).min(1).default([2e21, 4e21, 6e21, 8e21]),
    /** GPU preset of the serving-cost model. */
    gpu: z.enum(['A100-40GB', 'H100-80GB']).default('A100-40GB'),
  })
  .strict();

export const figuresSchema = z
  .object({
    /** Export formats. */
    formats: z.array(z.enum(['json', 'html', 'png', 'svg'])).min(1).default(['json', 'html', 'png', 'svg']),
  })
  .strict();

export const notebooksSchema = z
  .object({
    /** Execute the notebooks headlessly in the pipeline (needs Debian Jupyter; skipped with a note otherwise). */
    execute: z.boolean().default(true),
  })
  .strict();

export type SweepsSection = z.infer<typeof sweepsSchema>;
export type TrainSection = z.infer<typeof trainSchema>;
export type FitSection = z.infer<typeof fitSchema>;
export type AnalysisSection = z.infer<typeof analysisSchema>;

/** Fraction of training a released run's final evaluations may spread over (`FINAL_STEP_TOLERANCE` in src/runs/released). */
const FINAL_STEP_TOLERANCE_DEFAULT = 0.01;

export const sourceSchema = z
  .discriminatedUnion('kind', [
    z
      .object({
        /** The preset trains its runs: corpus → train@… → runs (the default). */
        kind: z.literal('train'),
      })
      .strict(),
    z
      .object({
        /** The runs come from a released run table: the `import` stage reads it; nothing is trained. */
        kind: z.literal('released'),
        /** A vendored table (`clark`: Clark et al. 2022) or a .csv/.csv.gz file, relative to the repository root. */
        table: z.string().min(1),
        /** The file's columns: moelab's released format, Clark et al.'s, or `auto` (from the header). */
        format: z.enum(['auto', 'moelab', 'clark']).default('auto'),
        /** Loss column the laws read as the validation loss (default: the format's, `loss_validation`). */
        target: z.string().min(1).optional(),
        /** How far before its run's end a loss may last have been evaluated, and a run may end before the longest, as a fraction of training. */
        finalStepTolerance: z.number().min(0).lt(1).default(FINAL_STEP_TOLERANCE_DEFAULT),
      })
      .strict(),
  ])
  .default({ kind: 'train' });

export type SourceSection = z.infer<typeof sourceSchema>;

/** `when` of the stages that train or read trained runs (corpus, runs, fit, analysis, figures, notebooks, report). */
export function trainsItsRuns(p: { readonly source: SourceSection }): boolean {
  return p.source.kind === 'train';
}

/** `when` of the `import` stage. */
export function importsReleasedRuns(p: { readonly source: SourceSection }): boolean {
  return p.source.kind === 'released';
}
