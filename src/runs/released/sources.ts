/**
 * Known released tables and formats: `readReleasedTable('clark')` reads the vendored Clark et al. table,
 * `readReleasedTable('my.csv')` a user's table in moelab's released format or in a known paper's format
 * (detected from the header unless `format` names it).
 */
import fs from 'node:fs';
import path from 'node:path';
import { CLARK_CLAIM_SELECTION, CLARK_NOTEBOOK_SELECTION, CLARK_ROUTING_CITATION, CLARK_TRAINING_TOKENS, CLARK_ROUTING_FILE, CLARK_ROUTING_FORMAT, CLARK_ROUTING_TABLE, readClarkRouting } from './clark';
import { packageRoot } from '../../util/package-root';
import { ReleasedTableError } from './errors';
import { MOELAB_RELEASED_FORMAT, readReleasedFile, requiredReleasedColumns, type ReleasedImportOptions } from './import';
import { releasedImportManifest, writeReleasedImport, type ReleasedImportManifest } from './io';
import type { ReleasedRunFilter } from './select';
import type { ReleasedFormat, ReleasedTable } from './types';

/** Formats a released file can be in, by name. */
export const RELEASED_FORMATS = { moelab: MOELAB_RELEASED_FORMAT, clark: CLARK_ROUTING_FORMAT } as const;
export type ReleasedFormatName = keyof typeof RELEASED_FORMATS;
export const RELEASED_FORMAT_NAMES = Object.keys(RELEASED_FORMATS) as ReleasedFormatName[];

/** A released table vendored in this repository. */
export interface ReleasedSource {
  /** Short name (`--source clark`, preset `source.table: 'clark'`). */
  name: string;
  /** Table name written into its runs. */
  table: string;
  /** Repository-relative file. */
  file: string;
  format: ReleasedFormatName;
  citation: string;
  /** The paper's own run selection for its fits, with a one-line description. */
  selection: { filter: ReleasedRunFilter; description: string };
  /**
   * The paper's fits, one per router: the selection's runs of that router plus its dense runs (`id` names the
   * fit's record, a path segment). A table that is not vendored has one fit set of every run.
   */
  fitSets: ReadonlyArray<{ id: string; router: string }>;
  /** The runs the cross-paper claims read (`src/report/claims/released.ts`), with a one-line description. */
  claimSelection: { filter: ReleasedRunFilter; description: string };
  /** Training tokens of every run when the paper states them and the table does not record them (else null). */
  tokens: { value: number; source: string } | null;
}

/** Every vendored released table. */
export const RELEASED_SOURCES = {
  clark: {
    name: 'clark',
    table: CLARK_ROUTING_TABLE,
    file: CLARK_ROUTING_FILE,
    format: 'clark',
    citation: CLARK_ROUTING_CITATION,
    selection: { filter: CLARK_NOTEBOOK_SELECTION, description: "the authors' notebook: last step, routing_frequency 0.5, k = 1, seed 42, dense runs in every router's set" },
    fitSets: [
      { id: 's-base', router: 'S-Base' },
      { id: 'rl-r', router: 'RL-R' },
      { id: 'hash', router: 'Hash' },
    ],
    claimSelection: { filter: CLARK_CLAIM_SELECTION, description: 'last step, routing_frequency 0.5, k = 1, every seed (the 130M dense baseline has seeds 1, 2, 3)' },
    tokens: { value: CLARK_TRAINING_TOKENS, source: 'Clark et al. 2022 train every run on 130B tokens (the table records no tokens)' },
  },
} as const satisfies Record<string, ReleasedSource>;
export type ReleasedSourceName = keyof typeof RELEASED_SOURCES;
export const RELEASED_SOURCE_NAMES = Object.keys(RELEASED_SOURCES) as ReleasedSourceName[];

/** Whether `ref` names a vendored source (rather than a file). */
export function isReleasedSourceName(ref: string): ref is ReleasedSourceName {
  return Object.prototype.hasOwnProperty.call(RELEASED_SOURCES, ref);
}

/**
 * The format whose required columns a header has. Throws `unknown-format` naming, per format, the columns the
 * header lacks, when none fits; a header that fits several formats takes the first of `RELEASED_FORMATS`.
 */
export function detectReleasedFormat(header: readonly string[], file: string): ReleasedFormat<string> {
  const missing: string[] = [];
  for (const name of RELEASED_FORMAT_NAMES) {
    const format = RELEASED_FORMATS[name];
    const lacks = requiredReleasedColumns(format).filter((c) => !header.includes(c));
    if (lacks.length === 0) return format;
    missing.push(`${name} format lacks ${lacks.join(', ')}`);
  }
  throw new ReleasedTableError(
    'unknown-format',
    `${file}, line 1: the header (${header.join(', ')}) matches no released format (${missing.join('; ')}); rename the columns to moelab's released format (README "Released run tables") or pass --format`,
    file,
    1,
  );
}

/** Options of `readReleasedTable`. */
export interface ReadReleasedOptions extends ReleasedImportOptions {
  /** Format of a file (`auto`, the default, detects it from the header). Ignored for a source name. */
  format?: ReleasedFormatName | 'auto';
  /** Base of relative file paths (default: the working directory). */
  cwd?: string;
}

/** Reads a released table: a vendored source by name (`clark`) or a file (`.csv` or `.csv.gz`). */
export function readReleasedTable(ref: string, options: ReadReleasedOptions = {}): ReleasedTable<string> {
  const { format = 'auto', cwd = process.cwd(), ...importOptions } = options;
  // One vendored source so far; a second one adds its reader here.
  if (isReleasedSourceName(ref)) return readClarkRouting(importOptions);
  const file = path.resolve(cwd, ref);
  if (!fs.existsSync(file)) {
    throw new ReleasedTableError('missing-file', `released table ${file} does not exist; pass one of the vendored sources (${RELEASED_SOURCE_NAMES.join(', ')}) or an existing .csv/.csv.gz file`, file);
  }
  if (format !== 'auto') {
    if (!(format in RELEASED_FORMATS)) throw new ReleasedTableError('unknown-format', `unknown released format '${format}'; use one of auto, ${RELEASED_FORMAT_NAMES.join(', ')}`, file);
    return readReleasedFile(file, RELEASED_FORMATS[format] as ReleasedFormat<string>, importOptions);
  }
  return readReleasedFile(file, detectReleasedFormat, importOptions);
}

/** What `importReleased` did. */
export interface ReleasedImportResult {
  table: ReleasedTable<string>;
  manifest: ReleasedImportManifest;
  /** Files written. */
  written: string[];
}

/**
 * Reads a released table (`readReleasedTable`) and writes its import into `outDir` (`writeReleasedImport`): the
 * one path `moelab import` and the pipeline's `import` stage share. A vendored source's manifest carries its
 * citation and the paper's own run selection.
 */
export function importReleased(ref: string, outDir: string, options: ReadReleasedOptions = {}): ReleasedImportResult {
  const table = readReleasedTable(ref, options);
  const known = isReleasedSourceName(ref) ? RELEASED_SOURCES[ref] : null;
  const source = { ref, citation: known?.citation ?? null, selection: known?.selection ?? null, repoRoot: packageRoot() };
  const written = writeReleasedImport(outDir, table, source);
  return { table, manifest: releasedImportManifest(table, source), written };
}
