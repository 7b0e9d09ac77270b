/**
 * Chooses the executor of a `repro`: `--executor local|slurm` on the command line, else the preset's
 * `executor` setting, else local. For slurm, the profile is `--profile FILE` when given, else the preset's
 * `slurm` section; `--profile` alone implies `--executor slurm`.
 */
import { loadPipeline } from '../load';
import type { PipelineTarget } from '../repro';
import type { Executor } from '../types';
import { createSlurmExecutor, type SlurmEvent } from './slurm';
import { SlurmProfileError } from './slurm/errors';
import { loadSlurmProfile, parseSlurmProfile } from './slurm/profile';

/** Executor kinds `repro` knows. */
export const EXECUTOR_KINDS = ['local', 'slurm'] as const;
/** An executor kind. */
export type ExecutorKind = (typeof EXECUTOR_KINDS)[number];

/** Options of {@link selectExecutor}. */
export interface SelectExecutorOptions {
  /** `--executor` value, if given. */
  executor?: string;
  /** `--profile FILE`, if given. */
  profileFile?: string;
  /** The loaded preset (its optional `executor` and `slurm` keys are read). */
  config: unknown;
  /** Preset name, for error messages. */
  presetName: string;
  /** Results dir of the run. */
  resultsDir: string;
  /** Repository root. */
  repoRoot: string;
  /** Observer of Slurm submissions and state changes. */
  onEvent?: (event: SlurmEvent) => void;
}

/** The chosen executor (undefined = the engine's default local executor) and its default `--jobs`. */
export interface SelectedExecutor {
  kind: ExecutorKind;
  executor?: Executor;
  /** Parallel instances when `-j` is not given (slurm: the profile's maxJobs). */
  defaultJobs?: number;
}

/** Resolves the executor setting; for slurm, validates the profile and runs the preflight checks. */
export async function selectExecutor(options: SelectExecutorOptions): Promise<SelectedExecutor> {
  const config = (options.config ?? {}) as { executor?: unknown; slurm?: unknown };
  const requested = options.executor ?? (options.profileFile ? 'slurm' : undefined) ?? config.executor ?? 'local';
  if (typeof requested !== 'string' || !(EXECUTOR_KINDS as readonly string[]).includes(requested)) {
    const where = options.executor !== undefined ? '--executor' : `preset ${options.presetName} key 'executor'`;
    throw new SlurmProfileError(`${where} is ${JSON.stringify(requested)}; use one of ${EXECUTOR_KINDS.join(', ')}`);
  }
  if (requested === 'local') {
    if (options.profileFile) {
      throw new SlurmProfileError(`--profile ${options.profileFile} only applies to --executor slurm; drop one of them`);
    }
    return { kind: 'local' };
  }
  const profile = options.profileFile
    ? loadSlurmProfile(options.profileFile)
    : parseSlurmProfile(config.slurm ?? {}, `preset ${options.presetName} (section 'slurm')`);
  const executor = await createSlurmExecutor({
    resultsDir: options.resultsDir,
    repoRoot: options.repoRoot,
    profile,
    onEvent: options.onEvent,
  });
  return { kind: 'slurm', executor, defaultJobs: profile.maxJobs };
}

/**
 * {@link selectExecutor} for a pipeline target: loads its preset to read the `executor` / `slurm` keys.
 * What `moelab repro` calls with its `--executor` and `--profile` flags.
 */
export async function selectExecutorForTarget(
  target: PipelineTarget,
  flags: { executor?: string; profile?: string; onEvent?: (event: SlurmEvent) => void },
): Promise<SelectedExecutor> {
  if (flags.executor === 'local' && !flags.profile) return { kind: 'local' };
  const pipeline = loadPipeline(target.pipelineModule);
  const loaded = pipeline.loadConfig(target.preset ?? pipeline.defaultPreset, target.repoRoot);
  return selectExecutor({
    executor: flags.executor,
    profileFile: flags.profile,
    config: loaded.config,
    presetName: loaded.name,
    resultsDir: target.resultsDir,
    repoRoot: target.repoRoot,
    onEvent: flags.onEvent,
  });
}
