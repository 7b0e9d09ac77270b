/**
 * What an import writes (`moelab import --out DIR`, the `import` stage's `results/released/`), each file atomically:
 * - `runs.csv`: the released run table, one row per run at its final step (columns in `RELEASED_RUN_TABLE_COLUMNS`,
 *   then each loss, each loss's step as `<loss>_step`, and `extra_<name>` columns);
 * - `curves.csv.gz`: every evaluation step of every run, in moelab's released format (so it is itself a released
 *   table: `readReleasedImport` reads it back with the same validation);
 * - `import.json`: where it came from (file, format, sha256), counts per router, the source's own run selection
 *   and the importer's notes on the data.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { formatCsv } from '../../util/csv';
import { writeFileAtomic } from '../../util/atomic-write';
import { ReleasedTableError } from './errors';
import { EXTRA_PREFIX, MOELAB_RELEASED_FORMAT, readReleasedFile } from './import';
import { countByRouter, selectReleasedRuns, type ReleasedRunFilter } from './select';
import type { ImportNote, ReleasedRun, ReleasedTable } from './types';

/** Format tag of `import.json`. */
export const RELEASED_IMPORT_FORMAT = 'moelab-released-import/1';

/** Files an import writes into its folder. */
export const RELEASED_IMPORT_FILES = { runs: 'runs.csv', curves: 'curves.csv.gz', manifest: 'import.json' } as const;

/** The leading columns of `runs.csv` and the run field each holds. */
export const RELEASED_RUN_TABLE_COLUMNS = [
  ['run_id', 'runId'],
  ['table', 'table'],
  ['router', 'router'],
  ['family', 'family'],
  ['experts', 'experts'],
  ['top_k', 'topK'],
  ['routing_frequency', 'routingFrequency'],
  ['moe_every', 'moeEvery'],
  ['params_dense', 'paramsDense'],
  ['params_total', 'paramsTotal'],
  ['flops_per_step', 'flopsPerStep'],
  ['flops', 'flops'],
  ['seed', 'seed'],
  ['size_label', 'sizeLabel'],
  ['d_model', 'dModel'],
  ['layers', 'layers'],
  ['heads', 'heads'],
  ['final_step', 'finalStep'],
  ['tokens', 'tokens'],
  ['target', 'target'],
  ['val_loss', 'valLoss'],
] as const satisfies ReadonlyArray<readonly [string, keyof ReleasedRun]>;

/** Content of `import.json`. */
export interface ReleasedImportManifest {
  format: typeof RELEASED_IMPORT_FORMAT;
  table: string;
  source: {
    /** What was asked for (`clark` or the path as given). */
    ref: string;
    /** The file read: repository-relative when inside `repoRoot`, else absolute. */
    file: string;
    format: string;
    sha256: string;
    citation: string | null;
  };
  rows: number;
  runs: number;
  byRouter: Record<string, number>;
  target: string;
  lossColumns: string[];
  extraColumns: string[];
  finalStepTolerance: number;
  /** The source's own run selection for its fits (Clark: the authors' notebook), with its counts. */
  selection: { description: string; filter: ReleasedRunFilter; runs: number; byRouter: Record<string, number> } | null;
  notes: ImportNote[];
}

/** Where an import came from, for its manifest. */
export interface ReleasedImportSource {
  ref: string;
  citation?: string | null;
  selection?: { description: string; filter: ReleasedRunFilter } | null;
  /** Paths inside it are recorded relative to it (default: absolute). */
  repoRoot?: string;
}

/** The manifest of an import. */
export function releasedImportManifest(table: ReleasedTable<string>, source: ReleasedImportSource): ReleasedImportManifest {
  const rel = source.repoRoot ? path.relative(source.repoRoot, table.file) : '';
  const selected = source.selection ? selectReleasedRuns(table.runs, source.selection.filter) : null;
  return {
    format: RELEASED_IMPORT_FORMAT,
    table: table.table,
    source: {
      ref: source.ref,
      file: source.repoRoot && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : table.file,
      format: table.format,
      sha256: table.sha256,
      citation: source.citation ?? null,
    },
    rows: table.rows,
    runs: table.runs.length,
    byRouter: countByRouter(table.runs),
    target: table.target,
    lossColumns: [...table.lossColumns],
    extraColumns: Object.keys(table.runs[0]?.extras ?? {}),
    finalStepTolerance: table.finalStepTolerance,
    selection: source.selection && selected ? { ...source.selection, runs: selected.length, byRouter: countByRouter(selected) } : null,
    notes: table.notes,
  };
}

/** `runs.csv` text of a table. */
export function releasedRunTableCsv(table: ReleasedTable<string>): string {
  const extras = Object.keys(table.runs[0]?.extras ?? {});
  const header = [
    ...RELEASED_RUN_TABLE_COLUMNS.map(([h]) => h),
    ...table.lossColumns,
    ...table.lossColumns.map((c) => `${c}_step`),
    ...extras.map((e) => `${EXTRA_PREFIX}${e}`),
  ];
  const rows = table.runs.map((r) => [
    ...RELEASED_RUN_TABLE_COLUMNS.map(([, k]) => r[k]),
    ...table.lossColumns.map((c) => r.losses[c]),
    ...table.lossColumns.map((c) => r.lossSteps[c]),
    ...extras.map((e) => r.extras[e]),
  ]);
  return formatCsv(header, rows);
}

/** `curves.csv.gz`'s CSV text of a table: one row per run and step, in moelab's released format. */
export function releasedCurvesCsv(table: ReleasedTable<string>): string {
  const c = MOELAB_RELEASED_FORMAT.columns;
  const first = table.runs[0];
  const optional = (['sizeLabel', 'dModel', 'layers', 'heads'] as const).filter((f) => first !== undefined && first[f] !== null);
  const hasTokens = table.curves[0]?.tokens != null;
  const extras = Object.keys(first?.extras ?? {});
  const header = [
    c.runId,
    c.step,
    c.router,
    c.experts,
    c.topK,
    c.routingFrequency,
    c.paramsDense,
    c.paramsTotal,
    c.flopsPerStep,
    c.seed,
    ...optional.map((f) => c[f]!),
    ...(hasTokens ? [c.tokens!] : []),
    ...table.lossColumns,
    ...extras.map((e) => `${EXTRA_PREFIX}${e}`),
  ];
  const rows: Array<Array<string | number | null>> = [];
  table.runs.forEach((r, i) => {
    const curve = table.curves[i];
    curve.steps.forEach((step, j) => {
      rows.push([
        r.runId,
        step,
        r.router,
        r.experts,
        r.topK,
        r.routingFrequency,
        r.paramsDense,
        r.paramsTotal,
        r.flopsPerStep,
        r.seed,
        ...optional.map((f) => r[f]),
        ...(hasTokens ? [curve.tokens![j]] : []),
        ...table.lossColumns.map((l) => curve.losses[l][j]),
        ...extras.map((e) => r.extras[e]),
      ]);
    });
  });
  return formatCsv(header, rows);
}

/**
 * Writes an import into `dir` (created if needed): `runs.csv`, `curves.csv.gz`, `import.json`, each atomically.
 * Refuses a `dir` that is a file. Returns the paths written.
 */
export function writeReleasedImport(dir: string, table: ReleasedTable<string>, source: ReleasedImportSource): string[] {
  if (fs.existsSync(dir) && !fs.statSync(dir).isDirectory()) {
    throw new ReleasedTableError('missing-file', `--out ${dir} is a file; name a folder (it is created if missing)`, dir);
  }
  fs.mkdirSync(dir, { recursive: true });
  const files = {
    runs: path.join(dir, RELEASED_IMPORT_FILES.runs),
    curves: path.join(dir, RELEASED_IMPORT_FILES.curves),
    manifest: path.join(dir, RELEASED_IMPORT_FILES.manifest),
  };
  writeFileAtomic(files.runs, releasedRunTableCsv(table));
  // gzip (level 9, no file name or time in the header): the same curves give the same bytes.
  writeFileAtomic(files.curves, zlib.gzipSync(releasedCurvesCsv(table), { level: 9 }));
  // The manifest last: a folder with import.json holds a complete import.
  writeFileAtomic(files.manifest, JSON.stringify(releasedImportManifest(table, source), null, 2) + '\n');
  return [files.runs, files.curves, files.manifest];
}

/** An import read back from its folder: the manifest and the table (runs, curves, notes) re-imported from `curves.csv.gz`. */
export interface ReleasedImport {
  manifest: ReleasedImportManifest;
  table: ReleasedTable<string>;
}

/** Reads an import folder written by `writeReleasedImport` (validating `curves.csv.gz` like any released table). */
export function readReleasedImport(dir: string): ReleasedImport {
  const manifestFile = path.join(dir, RELEASED_IMPORT_FILES.manifest);
  if (!fs.existsSync(manifestFile)) {
    throw new ReleasedTableError('not-an-import', `${dir} holds no ${RELEASED_IMPORT_FILES.manifest}; import a released table into it first (moelab import --source … --out ${dir}, or moelab repro --preset clark)`, manifestFile);
  }
  let manifest: ReleasedImportManifest;
  try {
    manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as ReleasedImportManifest;
  } catch (err) {
    throw new ReleasedTableError('not-an-import', `${manifestFile} is not valid JSON (${(err as Error).message}); re-run the import`, manifestFile);
  }
  if (manifest.format !== RELEASED_IMPORT_FORMAT) {
    throw new ReleasedTableError('not-an-import', `${manifestFile} has format ${JSON.stringify(manifest.format)}, not ${RELEASED_IMPORT_FORMAT}; re-run the import with this moelab`, manifestFile);
  }
  const table = readReleasedFile(path.join(dir, RELEASED_IMPORT_FILES.curves), MOELAB_RELEASED_FORMAT, {
    table: manifest.table,
    target: manifest.target,
    finalStepTolerance: manifest.finalStepTolerance,
  });
  return { manifest, table };
}
