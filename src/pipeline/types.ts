/**
 * Stage and executor types of the pipeline engine. The engine knows nothing of MoE: a stage reads a few
 * dotted keys of a config object (the preset), some input files, and writes outputs; the engine decides
 * when it is stale, runs it in a child process, and commits its outputs atomically.
 */

type Primitive = string | number | boolean | bigint | symbol | null | undefined;
type Leaf = Primitive | readonly unknown[] | ((...args: never[]) => unknown);

/** Dotted paths into a config object (up to 4 levels), e.g. `corpus` | `corpus.sources` | `fit.bootstrap`. */
export type DottedKey<T, Depth extends unknown[] = []> = Depth['length'] extends 4
  ? never
  : T extends Leaf
    ? never
    : {
        [K in keyof T & string]: K | (NonNullable<T[K]> extends Leaf ? never : `${K}.${DottedKey<NonNullable<T[K]>, [...Depth, 0]>}`);
      }[keyof T & string];

/** Type of the value at a dotted path. */
export type PathValue<T, P extends string> = P extends `${infer H}.${infer R}`
  ? H extends keyof NonNullable<T>
    ? PathValue<NonNullable<T>[H], R>
    : unknown
  : P extends keyof NonNullable<T>
    ? NonNullable<T>[P]
    : unknown;

/** The parameter values a stage receives: one entry per declared dotted key. */
export type ParamValues<C, K extends string> = { readonly [P in K]: PathValue<C, P> };

/** A progress report of a running stage instance. */
export interface StageProgress {
  /** Fraction done, 0..1. */
  fraction?: number;
  /** Short status, e.g. `step 120/400, loss 3.21`. */
  message?: string;
  /** Throughput, tokens per second (training stages). */
  tokensPerSecond?: number;
  /** Estimated seconds left. */
  etaSeconds?: number;
}

/** Log sink of a stage instance (lines go to the instance's log file, warnings also to the terminal). */
export interface StageLogger {
  info(message: string): void;
  warn(message: string): void;
}

/** What a stage's `run` receives. */
export interface StageContext<P, M> {
  /** Instance name, e.g. `corpus` or `train@moe-e8-g4`. */
  readonly instance: string;
  /** Stage name. */
  readonly stage: string;
  /** Values of the declared parameter keys. */
  readonly params: P;
  /** Per-instance parameters of a matrix stage (`undefined` otherwise). */
  readonly matrix: M;
  /** Fingerprint key of this instance. */
  readonly key: string;
  /** Absolute results dir. */
  readonly resultsDir: string;
  /** Absolute data dir. */
  readonly dataDir: string;
  /** Absolute repository root (relative input paths resolve against it). */
  readonly repoRoot: string;
  /**
   * Temp path to write the declared output `path` to (same spelling as in `outputs`); the engine renames it
   * into place only when `run` resolves. Parent directories are created.
   */
  out(path: string): string;
  /** Absolute path of a committed file: an input, an upstream output (`data:` / `results:` prefixes work). */
  resolve(path: string): string;
  /** Persistent directory for checkpoints (only when the stage declares `state: true`); kept across crashes, wiped when the key changes. */
  readonly stateDir: string;
  /** Reports progress to the parent (terminal, ETA). */
  progress(p: StageProgress): void;
  readonly log: StageLogger;
}

/** One instance of a matrix stage. */
export interface MatrixInstance<M> {
  /** Stable name within the stage (`[A-Za-z0-9._=+-]+`); the instance is `<stage>@<name>`. */
  name: string;
  /** Per-instance parameters (part of the instance's fingerprint). */
  params: M;
}

/** CPU slots etc. a stage instance occupies. */
export interface StageResources {
  /** CPU slots (of `-j N`) the instance occupies; default 1, capped at N. */
  cpus?: number;
  /** Free-form hints for other executors (e.g. Slurm time limit, GPUs); the local executor ignores them. */
  [hint: string]: unknown;
}

/** Either a value or a function of the stage's parameters and matrix instance parameters. */
export type PerInstance<P, M, T> = T | ((params: P, matrix: M) => T);

/**
 * A stage declaration. Paths: outputs are relative to the results dir, or to the data dir with a `data:`
 * prefix; a trailing `/` declares a directory output. Inputs are relative to the repository root (globs
 * allowed), or use `results:` / `data:` prefixes, or are absolute.
 */
export interface StageDef<C, K extends string, M> {
  /** Stage name (`[a-z][a-z0-9-]*`). */
  name: string;
  /** The file that declares the stage (`__filename`): its code, and the relative imports it makes, are fingerprinted. */
  module: string;
  /** One line for `moelab dag`. */
  description?: string;
  /** Upstream stage names (all their instances) or instance names. */
  deps?: PerInstance<ParamValues<C, K>, M, readonly string[]>;
  /** Dotted keys of the config this stage reads (never the whole config). */
  params: readonly K[];
  /** Input files/globs. */
  inputs?: PerInstance<ParamValues<C, K>, M, readonly string[]>;
  /** Outputs. */
  outputs: PerInstance<ParamValues<C, K>, M, readonly string[]>;
  /** Resources; default `{ cpus: 1 }`. */
  resources?: PerInstance<ParamValues<C, K>, M, StageResources>;
  /** Expands the stage into named instances (a sweep). */
  matrix?: (params: ParamValues<C, K>) => readonly MatrixInstance<M>[];
  /**
   * Whether the stage applies to this config (default: always). A stage that does not apply has no instances:
   * nothing of it is checked, planned or run, and stages that depend on it see an empty group (e.g. the
   * training stages of a preset whose runs come from a released table).
   */
  when?: (params: ParamValues<C, K>) => boolean;
  /**
   * Keys among `params` read only to enumerate instances (`matrix`, e.g. the sweep grid, or `when`): left out
   * of each instance's fingerprint, so adding a grid point does not re-run the others (their own matrix params
   * are in it).
   */
  gridParams?: readonly K[];
  /** Declares a persistent state dir (checkpoints) that survives crashes; removed after success unless `'keep'`. */
  state?: boolean | 'keep';
  /** Validates parameters at plan time (before anything runs); throw a named error that names the field and fix. */
  check?: (params: ParamValues<C, K>, matrix: M, repoRoot: string) => void;
  /**
   * Estimated wall time of one instance on its declared CPU slots, for `status` and `repro --dry-run` (see
   * ./cost.ts); `null` when it cannot be estimated. Stages without it are taken to cost nothing worth counting.
   */
  cost?: (params: ParamValues<C, K>, matrix: M, ctx: CostContext) => InstanceCost | null;
  /** Does the work, writing every declared output through `ctx.out`. */
  run(ctx: StageContext<ParamValues<C, K>, M>): Promise<void> | void;
}

/** What a stage's `cost` estimate may read: earlier runs of the same stage as the lock file records them. */
export interface CostContext {
  /** Lock-file records of this stage's instances (any preset that wrote this results dir): params as recorded, wall seconds. */
  readonly history: readonly CostRecord[];
  /** Absolute results dir. */
  readonly resultsDir: string;
  /** Absolute repository root. */
  readonly repoRoot: string;
}

/** One finished instance of a stage, as the lock file recorded it. */
export interface CostRecord {
  instance: string;
  /** The entry's `params` (declared keys; matrix params under `@matrix`). */
  params: unknown;
  /** Wall seconds the instance took (child process start to commit). */
  wallSeconds: number;
}

/** A stage's estimate of one instance. */
export interface InstanceCost {
  /** Wall seconds on the instance's declared CPU slots (`resources.cpus`). */
  seconds: number;
  /** `measured`: from earlier runs of the same shape; `model`: from a FLOPs-based throughput model. */
  basis: 'measured' | 'model';
  /** What the seconds occupy: CPU slots (core-hours, default) or one GPU (GPU-hours). */
  device?: 'cpu' | 'gpu';
  /** One line on where the number comes from (e.g. `3 runs of this shape, 41.2k tokens/s`). */
  detail?: string;
}

/** A stage with its generics erased (what DAGs hold). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyStage = StageDef<any, string, any>;

/**
 * Typed stage declarations for a config type: `export default defineStage<Preset>()({ name: 'corpus', params: ['corpus'], ... })`
 * infers the parameter keys and matrix type.
 */
export function defineStage<C>() {
  return <K extends DottedKey<C>, M = undefined>(def: StageDef<C, K, M>): StageDef<C, K, M> => def;
}

/** A loaded config (preset) and where it came from. */
export interface LoadedConfig<C> {
  /** The validated config. */
  config: C;
  /** Preset name (e.g. `tiny`) or the file name of a preset file. */
  name: string;
  /** Absolute path of the file it was read from. */
  file: string;
  /** What to pass to `--preset` so a child process loads the same config. */
  ref: string;
}

/** A project pipeline: its stages and how to load a preset. The default export of `pipeline/dag.ts`. */
export interface Pipeline<C = unknown> {
  stages: readonly AnyStage[];
  /** Preset used when `--preset` is not given. */
  defaultPreset: string;
  /** Loads and validates a preset by name or file path (throws a PresetError naming the file and key). */
  loadConfig(ref: string, repoRoot: string): LoadedConfig<C>;
}

/** Declares a pipeline (identity, for typing). */
export function definePipeline<C>(p: Pipeline<C>): Pipeline<C> {
  return p;
}

/** Messages a stage child sends its parent (JSON). */
export type ChildMessage =
  | ({ type: 'progress' } & StageProgress)
  | { type: 'log'; level: 'info' | 'warn'; message: string }
  | { type: 'done'; wallSeconds: number }
  | { type: 'error'; name: string; message: string };

/** Where/how an instance ran (recorded in the lock file). */
export interface ExecutorInfo {
  /** Executor kind, e.g. `local`, `slurm`. */
  kind: string;
  /** Process id (local). */
  pid?: number;
  /** Scheduler job id (slurm). */
  jobId?: string;
  /** Host name. */
  host?: string;
  [extra: string]: unknown;
}

/** A stage instance to execute: run `moelab <argv…>` in `cwd`. */
export interface StageJob {
  instance: string;
  stage: string;
  key: string;
  /** Arguments after the `moelab` executable, starting with `run-stage`. */
  argv: string[];
  /** Working directory (repository root). */
  cwd: string;
  /** CPU slots granted. */
  cpus: number;
  /** The stage's declared resources (hints for cluster executors). */
  resources: StageResources;
  /** File the child's stdout/stderr should go to. */
  logFile: string;
  /** Extra environment for the child. */
  env: Record<string, string>;
}

/** How a job ended. */
export interface JobOutcome {
  ok: boolean;
  exitCode: number | null;
  signal: string | null;
  /** The stage's own error (`Name: message`) when it reported one. */
  error?: string;
}

/** A launched job. */
export interface RunningJob {
  readonly info: ExecutorInfo;
  readonly done: Promise<JobOutcome>;
  /** Asks the job to stop (SIGTERM / scancel). */
  cancel(): void;
}

/** Runs stage jobs somewhere (local processes now; Slurm later). */
export interface Executor {
  readonly kind: string;
  /** Launches a job; `onMessage` receives the child's progress/log messages. */
  launch(job: StageJob, onMessage: (m: ChildMessage) => void): RunningJob;
  /** Releases resources (called once after the run). */
  close?(): Promise<void>;
}
