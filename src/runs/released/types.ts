/**
 * Released run tables: training curves that other authors published with their papers (e.g. Clark et al.
 * 2022's 223 routed-LM runs), read into typed rows so the laws, figures and notebooks can use them without
 * training anything. A released run is not a `RunSummary` (it lacks what only our trainer knows: layers of
 * our model, smoothed training loss, wall time…); `./laws.ts` maps the columns the laws read.
 *
 * The input is one row per (run, evaluation step) ("long" format). A `ReleasedFormat` names which file column
 * holds each field; `MOELAB_RELEASED_FORMAT` is moelab's own column names, `CLARK_ROUTING_FORMAT` Clark's.
 */

/** File columns of a released table, by the field they fill (`null`: the table has no such column). */
export interface ReleasedColumns {
  /** Run id (any string; Clark: `hyper_id`). */
  runId: string;
  /** Training step of the evaluation (integer ≥ 0). */
  step: string;
  /** Router (free text, e.g. `S-Base`, `token-choice`); the format's `denseRouter` marks dense runs. */
  router: string;
  /** Experts E (integer ≥ 1; 1 for dense). */
  experts: string;
  /** Experts per token k (integer ≥ 1). */
  topK: string;
  /** Fraction of blocks with a routed layer, (0, 1] (Clark: 0.5 = every other block). */
  routingFrequency: string;
  /** N: parameters a token passes through, the dense model's count (Clark: `dense_parameter_count`). */
  paramsDense: string;
  /** P: all parameters, every expert included (≥ N). */
  paramsTotal: string;
  /** Training FLOPs per step, in the table's own convention. */
  flopsPerStep: string;
  /** Seed (integer ≥ 0). */
  seed: string;
  /** Model size label (e.g. `130M`), or null. */
  sizeLabel: string | null;
  /** Tokens seen by the step of the row (≥ 0), or null when the table does not record D. */
  tokens: string | null;
  /** Width d_model, or null. */
  dModel: string | null;
  /** Transformer blocks, or null. */
  layers: string | null;
  /** Attention heads, or null. */
  heads: string | null;
}

/** Names of the per-run configuration fields (`ReleasedColumns` less the per-row step and tokens). */
export type ReleasedConfigField = Exclude<keyof ReleasedColumns, 'step' | 'tokens'>;

/** How to read one kind of released table. `L` is the union of its loss column names. */
export interface ReleasedFormat<L extends string = string> {
  /** Format id (`moelab`, `clark`). */
  name: string;
  /** One line: whose table it is. */
  description: string;
  columns: ReleasedColumns;
  /**
   * Loss columns (nats/token). `null`: every column whose name starts with `loss_`. An empty cell is a loss
   * not evaluated at that step; anything else must be a finite number > 0.
   */
  lossColumns: readonly L[] | null;
  /** Loss the laws read as `valLoss`, unless the import names another (`--target`). */
  defaultTarget: L;
  /** `router` value of dense runs, compared case-insensitively (they must have experts = 1). */
  denseRouter: string;
  /**
   * Further numeric per-run columns kept in `ReleasedRun.extras` under their names (e.g. Clark's `kqv_size`,
   * `flop_increase`). `null`: every column whose name starts with `extra_`, kept without that prefix.
   */
  extraColumns: readonly string[] | null;
}

/** One released run at its final step. */
export interface ReleasedRun<L extends string = string> {
  /** Table the run came from (e.g. `clark-routing`). */
  table: string;
  runId: string;
  /** Router as released (Clark: `S-Base`, `RL-R`, `Hash`, `Dense`). */
  router: string;
  /** `dense` when `router` is the format's dense router, else `moe`. */
  family: 'dense' | 'moe';
  experts: number;
  topK: number;
  routingFrequency: number;
  /** A routed layer in every `moeEvery`-th block: 1 / routingFrequency (moelab's `RunSummary.moeEvery`). */
  moeEvery: number;
  /** N, the parameters a token passes through (dense-equivalent count; Clark's N, Yun's N). */
  paramsDense: number;
  /** P, all parameters. */
  paramsTotal: number;
  /** Training FLOPs per step (the table's convention). */
  flopsPerStep: number;
  /** flopsPerStep × finalStep: training FLOPs up to the final evaluation. */
  flops: number;
  seed: number;
  sizeLabel: string | null;
  dModel: number | null;
  layers: number | null;
  heads: number | null;
  /** The run's last evaluation step. */
  finalStep: number;
  /** Tokens seen at finalStep, or null when the table does not record D. */
  tokens: number | null;
  /**
   * Each loss at the end of training: at finalStep, or, where the table did not record that loss there, at
   * its last evaluation within the import's final-step tolerance (`lossSteps` says which step; the import's
   * notes list every such case).
   */
  losses: Record<L, number>;
  /** Step each of `losses` was read at. */
  lossSteps: Record<L, number>;
  /** Name of the target loss column (what the laws read as `valLoss`). */
  target: L;
  /** losses[target]. */
  valLoss: number;
  /** The format's extra numeric columns. */
  extras: Record<string, number>;
}

/** One released run's curves: every evaluation step with every loss. */
export interface ReleasedCurve<L extends string = string> {
  runId: string;
  /** Evaluation steps, ascending. */
  steps: number[];
  /** Tokens seen at each step, or null when the table does not record D. */
  tokens: number[] | null;
  /** Per loss column, the value at each step (`null` where it was not evaluated). */
  losses: Record<L, Array<number | null>>;
}

/** Kinds of findings the importer writes into its notes (data oddities that are not errors). */
export type ImportNoteKind =
  | 'loss-before-final-step'
  | 'final-step-differs'
  | 'missing-evaluations'
  | 'empty-loss-cells'
  | 'repeated-configuration'
  | 'dense-params-total'
  | 'size-label-params'
  | 'unread-columns';

/** A finding about the table that is not an error: what it is, with numbers, and which runs. */
export interface ImportNote {
  kind: ImportNoteKind;
  /** One or two sentences with the numbers. */
  message: string;
  /** Runs concerned (empty when the note is about columns). */
  runIds: string[];
}

/** An imported released table. */
export interface ReleasedTable<L extends string = string> {
  /** Table name (e.g. `clark-routing`, or the file's base name). */
  table: string;
  /** Format read (`clark`, `moelab`). */
  format: string;
  /** Absolute path of the file read. */
  file: string;
  /** sha256 of the file's bytes (compressed, when it is). */
  sha256: string;
  /** Data rows read (one per run and step). */
  rows: number;
  lossColumns: readonly L[];
  target: L;
  /** Final-step tolerance the import used (fraction of training steps). */
  finalStepTolerance: number;
  /** Runs in order of first appearance in the file. */
  runs: ReleasedRun<L>[];
  /** Curves, same order as `runs`. */
  curves: ReleasedCurve<L>[];
  notes: ImportNote[];
}
