/**
 * The preset schema: one strict zod object per section. An unknown key anywhere is an error naming the
 * preset file and the dotted key.
 *
 * EXTENSION POINTS (integrator): `model`, `sweeps`, `train`, `fit`, `figures`, `notebooks`, `report` are
 * permissive placeholders (`Record<string, unknown>`) until their owners' strict schemas replace them here.
 */
import { z } from 'zod';
import { corpusConfigSchema } from '../../src/data/corpus-config';

/** A placeholder section: any keys, typed as `Record<string, unknown>`. Replace with a strict z.object. */
const placeholderSection = () => z.record(z.string(), z.unknown()).default({});

export const presetSchema = z
  .object({
    /** Preset name (`tiny`, `smoke`, …); results record it. */
    name: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'use lowercase letters, digits, ".", "_" or "-"'),
    /** One line on what the preset is for and how long it takes. */
    description: z.string().default(''),
    /** Corpus built by the `corpus` stage (src/data/corpus-config.ts). */
    corpus: corpusConfigSchema,
    // ---- EXTENSION POINT: model architecture defaults (model engineer / integrator) ----
    model: placeholderSection(),
    // ---- EXTENSION POINT: sweep grids (pipeline/sweeps) ----
    sweeps: placeholderSection(),
    // ---- EXTENSION POINT: training budgets, batch, lr, checkpointing ----
    train: placeholderSection(),
    // ---- EXTENSION POINT: law fitting (forms, bootstrap, tolerances) ----
    fit: placeholderSection(),
    // ---- EXTENSION POINT: figures ----
    figures: placeholderSection(),
    // ---- EXTENSION POINT: notebooks ----
    notebooks: placeholderSection(),
    // ---- EXTENSION POINT: report ----
    report: placeholderSection(),
  })
  .strict();

/** A validated preset (what stages read). */
export type Preset = z.infer<typeof presetSchema>;
/** What a preset file contains before validation/defaults. */
export type PresetInput = z.input<typeof presetSchema>;
