/**
 * The preset schema: one strict zod object per section. An unknown key anywhere is an error naming the
 * preset file and the dotted key.
 * Sections other than `corpus` are declared in ./sections.ts.
 */
import { z } from 'zod';
import { corpusConfigSchema } from '../../src/data/corpus-config';
import { slurmProfileSchema } from '../../src/pipeline/executors/slurm-profile';
import { analysisSchema, figuresSchema, fitSchema, notebooksSchema, sweepsSchema, trainSchema } from './sections';

export const presetSchema = z
  .object({
    /** Preset name (`tiny`, `smoke`, …); results record it. */
    name: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'use lowercase letters, digits, ".", "_" or "-"'),
    /** One line on what the preset is for and how long it takes. */
    description: z.string().default(''),
    /** Corpus built by the `corpus` stage (src/data/corpus-config.ts). */
    corpus: corpusConfigSchema,
    /** Sweep grids (pipeline/sweeps): Krajewski fine-grained and Yun expert-count sweeps. */
    sweeps: sweepsSchema.default({ fineGrained: null, experts: null }),
    /** Training recipe shared by every run (batch, lr schedule, evaluation, checkpoints). */
    train: trainSchema.default(trainSchema.parse({})),
    /** Law fitting (laws, bootstrap, hold-out, target column). */
    fit: fitSchema.default(fitSchema.parse({})),
    /** Compute-optimal and inference-optimal analyses (budgets, GPU). */
    analysis: analysisSchema.default(analysisSchema.parse({})),
    /** Figure export. */
    figures: figuresSchema.default(figuresSchema.parse({})),
    /** Headless notebook execution. */
    notebooks: notebooksSchema.default(notebooksSchema.parse({})),
    /** Where `repro` runs stage instances unless `--executor` says otherwise (README "Running on a cluster"). */
    executor: z.enum(['local', 'slurm']).default('local'),
    /** Slurm profile for `executor: slurm` (partition, account, resources, retries); `--profile FILE` replaces it. */
    slurm: slurmProfileSchema.optional(),
  })
  .strict();

/** A validated preset (what stages read). */
export type Preset = z.infer<typeof presetSchema>;
/** What a preset file contains before validation/defaults. */
export type PresetInput = z.input<typeof presetSchema>;
