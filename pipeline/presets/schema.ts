/**
 * The preset schema: one strict zod object per section. An unknown key anywhere is an error naming the
 * preset file and the dotted key.
 * Sections other than `corpus` are declared in ./sections.ts.
 */
import { z } from 'zod';
import { corpusConfigSchema } from '../../src/data/corpus-config';
import { slurmProfileSchema } from '../../src/pipeline/executors/slurm/profile';
import { expandSweeps } from '../sweeps';
import { analysisSchema, figuresSchema, fitSchema, notebooksSchema, sourceSchema, sweepsSchema, trainSchema } from './sections';

/** `data/released/` holds vendored released tables, so no corpus may take that name. */
const RELEASED_DATA_FOLDER = 'released';

export const presetSchema = z
  .object({
    /** Preset name (`tiny`, `smoke`, …); results record it. */
    name: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'use lowercase letters, digits, ".", "_" or "-"'),
    /** One line on what the preset is for and how long it takes. */
    description: z.string().default(''),
    /** Where the runs come from: trained by this preset (default) or a released run table (README "Released run tables"). */
    source: sourceSchema,
    /** Corpus built by the `corpus` stage (src/data/corpus-config.ts); null (or absent) when the runs come from a released table. */
    corpus: corpusConfigSchema.nullable().default(null),
    /** Sweep grids (pipeline/sweeps): Krajewski fine-grained and Yun expert-count sweeps. */
    sweeps: sweepsSchema.default({ fineGrained: null, experts: null, shared: null, peer: null, lifelong: null }),
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
  .strict()
  .superRefine((p, ctx) => {
    if (p.source.kind === 'train' && p.corpus === null) {
      ctx.addIssue({ code: 'custom', path: ['corpus'], message: 'a preset that trains its runs needs a corpus section (or a source of kind "released")' });
    }
    if (p.source.kind === 'released' && (p.sweeps.fineGrained !== null || p.sweeps.experts !== null || p.sweeps.shared !== null || p.sweeps.peer !== null || p.sweeps.lifelong !== null)) {
      ctx.addIssue({ code: 'custom', path: ['sweeps'], message: 'a preset whose runs come from a released table trains nothing; remove its sweeps (or use source kind "train")' });
    }
    const replicated: Array<{ path: (string | number)[]; seeds: number[] }> = [
      ...(p.sweeps.fineGrained?.moe ?? []).map((b, i) => ({ path: ['sweeps', 'fineGrained', 'moe', i, 'replicates', 'seeds'], seeds: b.replicates?.seeds ?? [] })),
      ...(p.sweeps.fineGrained?.dense ?? []).map((b, i) => ({ path: ['sweeps', 'fineGrained', 'dense', i, 'replicates', 'seeds'], seeds: b.replicates?.seeds ?? [] })),
      { path: ['sweeps', 'experts', 'replicates', 'seeds'], seeds: p.sweeps.experts?.replicates?.seeds ?? [] },
      { path: ['sweeps', 'shared', 'replicates', 'seeds'], seeds: p.sweeps.shared?.replicates?.seeds ?? [] },
      { path: ['sweeps', 'peer', 'replicates', 'seeds'], seeds: p.sweeps.peer?.replicates?.seeds ?? [] },
    ];
    for (const r of replicated) {
      if (r.seeds.includes(p.train.seed)) {
        ctx.addIssue({ code: 'custom', path: r.path, message: `seed ${p.train.seed} is the preset's train.seed, which every run already has; list only the extra seeds` });
      }
    }
    try {
      expandSweeps(p.sweeps);
    } catch (e) {
      ctx.addIssue({ code: 'custom', path: ['sweeps'], message: (e as Error).message });
    }
    if (p.train.initScale !== undefined && p.train.init !== 'fan-in') {
      ctx.addIssue({ code: 'custom', path: ['train', 'initScale'], message: `applies only to init 'fan-in' (init is '${p.train.init ?? 'gpt2'}'); set train.init: 'fan-in' or remove initScale` });
    }
    if (p.corpus?.name === RELEASED_DATA_FOLDER) {
      ctx.addIssue({ code: 'custom', path: ['corpus', 'name'], message: `corpus name '${RELEASED_DATA_FOLDER}' is reserved for the vendored released tables (data/${RELEASED_DATA_FOLDER}/); pick another` });
    }
  });

/** A validated preset (what stages read). */
export type Preset = z.infer<typeof presetSchema>;
/** What a preset file contains before validation/defaults. */
export type PresetInput = z.input<typeof presetSchema>;
