/**
 * Benchmark suites for `moelab bench` / `npm run bench`. Each suite lives in `src/bench/<name>.ts`, exports a
 * `BenchSuite`, and is listed in `src/bench/index.ts`. Speed claims go here, never into unit tests.
 */

/** Options every suite receives. */
export interface BenchOptions {
  /** Fewer repetitions / smaller sizes, for a quick look (`--quick`); default false. */
  quick: boolean;
  /** Scratch directory (a fresh temp dir per suite; removed afterwards). */
  tmpDir: string;
  /** Repository root (for fixtures and `node_modules`). */
  repoRoot: string;
  /** Progress/log line sink (stderr); suites stay quiet otherwise. */
  log: (message: string) => void;
  /**
   * Side-by-side repetitions for suites that compare against a reference measured in the same run (`--repeat`;
   * default 1): each repetition measures the reference and ours again, and the results give medians and ranges.
   */
  repeat?: number;
}

/** One measured number. */
export interface BenchResult {
  /** What was measured, e.g. `no-op repro, 240 instances`. */
  label: string;
  /** The measurement. */
  value: number;
  /** Its unit, e.g. `s`, `MB/s`, `tokens/s`, `GFLOP/s`. */
  unit: string;
  /** A reference measured in the same run (same unit), e.g. a baseline implementation. */
  reference?: number;
  /** What the reference is, e.g. `sha256 of the same bytes`. */
  referenceLabel?: string;
  /** value / reference (filled in by the runner when both are present and this is absent). */
  ratio?: number;
  /** A goal the value should meet (same unit), e.g. 1 for "under 1 s". */
  goal?: number;
  /** Whether lower values are better (`s`) or higher (`MB/s`); decides the goal check. Default: higher. */
  lowerIsBetter?: boolean;
  /** Free-form context: sizes, repetitions, caveats. */
  notes?: string;
}

/** Throughput of timed training steps, by wall clock and by the process's CPU time (robust on a shared machine). */
export interface StepThroughput {
  /** Tokens per wall-clock second. */
  tokensPerSecond: number;
  /** Tokens per second of process CPU time (user + system, all threads). */
  tokensPerCpuSecond: number;
}

/** A benchmark suite. */
export interface BenchSuite {
  /** Suite name used on the command line (`moelab bench <name>`). */
  name: string;
  /** One line saying what it measures. */
  description: string;
  /** Runs the suite and returns its measurements. */
  run(opts: BenchOptions): Promise<BenchResult[]>;
}
