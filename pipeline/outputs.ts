/**
 * What each stage of the project writes, by name. A stage declares its outputs from this table and reads its
 * upstreams' outputs through it, so each path is spelled once (results-relative; a `data:` prefix for the data
 * folder; a trailing `/` for a directory output). `asInput(path)` is the same path as an input spec.
 */

/** Outputs of every stage, by stage. */
export const OUTPUTS = {
  /** Stage `corpus`: the token shards and manifest of `data/<corpus.name>/`. */
  corpus: (name: string) => ({ train: `data:${name}/train.bin`, val: `data:${name}/val.bin`, manifest: `data:${name}/manifest.json` }) as const,
  /** Stage `train@<runId>`: the run's summary and its metrics log. */
  run: (runId: string) => ({ summary: `runs/${runId}/final.json`, metrics: `runs/${runId}/metrics.jsonl` }) as const,
  /** Stage `lifelong@s<seed>`: the seed's record (base and arms on both corpora, before and after). */
  lifelong: (seed: number) => `lifelong/s${seed}.json`,
  lifelongAll: 'lifelong/s*.json',
  lifelongDir: 'lifelong',
  /** Stage `runs`: the run table. */
  runTable: 'runs.csv',
  /** Stage `import`: a released run table and its curves. */
  released: 'released/',
  /** The files of the import a later stage reads (inside `released`). */
  releasedManifest: 'released/import.json',
  releasedCurves: 'released/curves.csv.gz',
  /** Stage `fit@<law>`: one fit record per law (`fits` is every law's), and per protocol variant. */
  fit: (law: string) => `fits/${law}.json`,
  fits: 'fits/*.json',
  fitVariant: (variant: string, law: string) => `fits/variants/${variant}/${law}.json`,
  fitVariants: 'fits/variants/*/*.json',
  /** Stage `released-fit@<set>`: one fit record per fit set of a released table (Clark et al.: per router). */
  releasedFit: (law: string, set: string) => `fits/released/${law}/${set}.json`,
  releasedFits: 'fits/released/*/*.json',
  /** Stage `released-report`: Clark et al.'s Eq. 1 against the released runs, per router (json + png). */
  releasedFigures: 'figures/released/',
  /** Stage `released-claims`: the experts claims on a released table's runs. */
  releasedClaims: 'tables/released-claims.json',
  /** Stage `claims` of a trained preset: the same experts claims on Clark et al.'s released runs, beside ours. */
  claimsAtScale: 'tables/claims-at-scale.json',
  /** Stage `analysis`: compute-optimal and inference-optimal tables. */
  computeOptimal: 'tables/compute-optimal.json',
  inference: 'tables/inference.json',
  /** Stage `claims`: the papers' claims as tests. */
  claims: 'tables/claims.json',
  /** Stage `figures`: the figure folder and its manifest. */
  figures: 'figures/',
  figureManifest: 'figures/manifest.json',
  /** Stage `notebooks`: the executed notebooks. */
  notebooks: 'notebooks/',
  /** Stage `report`. */
  report: 'REPORT.md',
  reportHtml: 'REPORT.html',
} as const;

/** The input spec of an output path (`runs.csv` → `results:runs.csv`; `data:` paths stay as they are). */
export function asInput(output: string): string {
  return output.startsWith('data:') ? output : `results:${output}`;
}

/**
 * The fit records a downstream stage reads, as input specs: none when the preset fits no law (`fit.laws: []`, a
 * preset whose claims read the run table only), else the main records and, with `sensitivity`, the variants'.
 */
export function fitsInputs(laws: readonly string[], sensitivity = false): string[] {
  if (laws.length === 0) return [];
  return [asInput(OUTPUTS.fits), ...(sensitivity ? [asInput(OUTPUTS.fitVariants)] : [])];
}
