/**
 * The slurm executor's profile: where and how jobs are submitted (partition, account, extra sbatch
 * flags, retries, polling) and default per-job resources. It comes from a preset's `slurm` section or
 * from `--profile FILE` (JSON), and is validated here, at the boundary, with zod.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { SlurmProfileError } from './errors';

/** Resources one stage instance asks Slurm for. */
export interface SlurmResources {
  /** CPUs per task (`--cpus-per-task`). Default 1. */
  cpus: number;
  /** Memory per job in MiB (`--mem`). Default 2048. */
  memMB: number;
  /** GPUs per job (`--gpus`, or `--gres=gpu:N` when gpuFlag is `gres`). Default 0. */
  gpus: number;
  /** Wall-clock limit in minutes (`--time`). Default 60. */
  timeMinutes: number;
}

const resourcesSchema = z
  .object({
    cpus: z.number().int().min(1),
    memMB: z.number().int().min(1),
    gpus: z.number().int().min(0),
    timeMinutes: z.number().positive(),
  })
  .strict();

const stageOverrideSchema = resourcesSchema
  .partial()
  .extend({
    partition: z.string().min(1).optional(),
    extraArgs: z.array(z.string()).optional(),
  })
  .strict();

/** Long flags we set ourselves (or that would break the job): users must not set them through extraArgs. */
const RESERVED_FLAGS = ['--array', '--output', '--error', '--job-name', '--parsable', '--chdir', '--wrap', '--test-only'];
/** Their short forms (sbatch: -a --array, -o --output, -e --error, -J --job-name, -D --chdir). */
const RESERVED_SHORT: Record<string, string> = { a: '--array', o: '--output', e: '--error', J: '--job-name', D: '--chdir' };
/** sbatch short flags that take no value, so a cluster such as `-vo file` goes on to the next letter. */
const SHORT_WITHOUT_VALUE = new Set(['h', 'H', 'I', 'k', 'O', 'Q', 's', 'v', 'V', 'W']);

/**
 * The reserved flag an extraArgs entry sets, or undefined: `--output=x`, an unambiguous abbreviation such as
 * `--outp=x` or `--arr=0-3` (sbatch, like getopt_long, accepts any prefix of a long option), a short form
 * `-o x` / `-ox`, also inside a cluster (`-vo x`), and the first word of an entry holding a space (`--chdir /x`).
 */
export function reservedFlagOf(entry: string): string | undefined {
  const word = entry.trim().split(/\s+/)[0] ?? '';
  if (word.startsWith('--')) {
    const name = word.slice(2).split('=')[0]!;
    if (name.length === 0) return undefined;
    return RESERVED_FLAGS.find((f) => f.slice(2).startsWith(name));
  }
  if (word.startsWith('-')) {
    for (const letter of word.slice(1)) {
      if (RESERVED_SHORT[letter]) return RESERVED_SHORT[letter];
      if (!SHORT_WITHOUT_VALUE.has(letter)) return undefined; // the rest of the word is this flag's value
    }
  }
  return undefined;
}

/** The profile's zod schema (a preset embeds it as its `slurm` section). */
export const slurmProfileSchema = z
  .object({
    /** Partition for every job unless a stage overrides it (`--partition`). Default: the cluster's default. */
    partition: z.string().min(1).optional(),
    /** Account to charge (`--account`). */
    account: z.string().min(1).optional(),
    /** Quality of service (`--qos`). */
    qos: z.string().min(1).optional(),
    /** Extra sbatch flags for every job, e.g. ["--constraint=a100", "--exclusive"]. */
    extraArgs: z.array(z.string()).default([]),
    /** Directory holding sbatch/squeue/scontrol/scancel. Default: found on PATH. */
    binDir: z.string().min(1).optional(),
    /** Resubmissions of a failed, timed-out, cancelled or preempted job before giving up. Default 2. */
    maxRetries: z.number().int().min(0).default(2),
    /** Seconds between squeue polls. Default 5. */
    pollIntervalS: z.number().positive().default(5),
    /** Most stage instances queued or running on Slurm at once (the engine's `--jobs` for this executor). Default 1000. */
    maxJobs: z.number().int().min(1).default(1000),
    /** Largest job array to submit at once; more ready instances make several arrays. Default 1000. */
    maxArraySize: z.number().int().min(1).default(1000),
    /** Default resources per job (each field falls back to its own default). */
    resources: resourcesSchema.partial().default({}),
    /** Per-stage overrides, keyed by stage name (resources, partition, extra flags). */
    stages: z.record(z.string(), stageOverrideSchema).default({}),
    /** Shell lines run in the job before moelab starts, e.g. ["module load nodejs/20"]. */
    setup: z.array(z.string()).default([]),
    /** Environment variables exported in the job. */
    env: z.record(z.string(), z.string()).default({}),
    /** Command that runs moelab on the compute node. Default: this node binary + this checkout's bin/moelab.js. */
    nodeCommand: z.string().min(1).optional(),
    /** How GPUs are requested: `gpus` (--gpus=N) or `gres` (--gres=gpu:N, older clusters). Default gpus. */
    gpuFlag: z.enum(['gpus', 'gres']).default('gpus'),
    /** Prefix of job names (`--job-name`), so `squeue -n` finds moelab's jobs. Default "moelab". */
    jobNamePrefix: z.string().regex(/^[A-Za-z0-9_.-]+$/).default('moelab'),
  })
  .strict();

/** A validated slurm profile (every default filled in). */
export type SlurmProfile = z.output<typeof slurmProfileSchema>;
/** What a preset section or profile file may contain (every field optional). */
export type SlurmProfileInput = z.input<typeof slurmProfileSchema>;

/** Built-in default resources per job. */
export const DEFAULT_SLURM_RESOURCES: SlurmResources = { cpus: 1, memMB: 2048, gpus: 0, timeMinutes: 60 };

/**
 * Validates a profile object. `source` names where it came from (a file path or "preset <name>.slurm")
 * and appears in the error, with the offending field.
 */
export function parseSlurmProfile(input: unknown, source: string): SlurmProfile {
  const parsed = slurmProfileSchema.safeParse(input ?? {});
  if (!parsed.success) {
    const issues = parsed.error.issues
      .map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`)
      .join('; ');
    throw new SlurmProfileError(`invalid slurm profile in ${source}: ${issues}`);
  }
  const profile = parsed.data;
  const checkFlags = (flags: string[], where: string): void => {
    for (const flag of flags) {
      const reserved = reservedFlagOf(flag);
      if (reserved) {
        const word = flag.trim().split(/[\s=]/)[0];
        throw new SlurmProfileError(
          `invalid slurm profile in ${source}: ${where} contains ${JSON.stringify(flag)}${word !== reserved ? ` (sbatch reads ${word} as ${reserved})` : ''}, which the slurm executor sets itself (${reserved}); remove it`,
        );
      }
      if (/\s/.test(flag.trim().split('=')[0]!)) {
        throw new SlurmProfileError(
          `invalid slurm profile in ${source}: ${where} entry ${JSON.stringify(flag)} holds a space; sbatch would get it as one argument: write "--flag=value" as one entry`,
        );
      }
      if (!flag.startsWith('-')) {
        throw new SlurmProfileError(
          `invalid slurm profile in ${source}: ${where} entry "${flag}" is not an sbatch flag (write "--flag=value")`,
        );
      }
    }
  };
  checkFlags(profile.extraArgs, 'extraArgs');
  for (const [stage, override] of Object.entries(profile.stages)) {
    checkFlags(override.extraArgs ?? [], `stages.${stage}.extraArgs`);
  }
  for (const key of Object.keys(profile.env)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
      throw new SlurmProfileError(`invalid slurm profile in ${source}: env.${key} is not a valid variable name`);
    }
  }
  return profile;
}

/** Reads and validates a JSON profile file (`--profile FILE`). */
export function loadSlurmProfile(file: string): SlurmProfile {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new SlurmProfileError(`cannot read slurm profile ${file}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new SlurmProfileError(`slurm profile ${file} is not valid JSON: ${(err as Error).message}`);
  }
  // A profile file may hold the section itself or { "slurm": { ... } }.
  const section =
    json && typeof json === 'object' && !Array.isArray(json) && 'slurm' in json
      ? (json as { slurm: unknown }).slurm
      : json;
  return parseSlurmProfile(section, path.resolve(file));
}

/** What a stage declaration may say about its resources (any subset). */
export interface StageResourceRequest {
  /** CPUs per task. */
  cpus?: number;
  /** Memory in MiB. */
  memMB?: number;
  /** GPUs. */
  gpus?: number;
  /** Wall-clock limit in minutes. */
  timeMinutes?: number;
}

/** Everything that goes into one job's sbatch flags for a stage. */
export interface ResolvedJobSpec {
  /** Resources after merging (profile stage override > stage declaration > profile defaults > built-in). */
  resources: SlurmResources;
  /** Partition, or undefined for the cluster default. */
  partition: string | undefined;
  /** Profile extraArgs followed by the stage override's extraArgs. */
  extraArgs: string[];
}

/** Merges resources for one stage: profile stage override > stage declaration > profile defaults > built-in. */
export function resolveJobSpec(profile: SlurmProfile, stage: string, declared: StageResourceRequest = {}): ResolvedJobSpec {
  const override = profile.stages[stage] ?? {};
  const pick = <K extends keyof SlurmResources>(key: K): SlurmResources[K] =>
    (override[key] ?? declared[key] ?? profile.resources[key] ?? DEFAULT_SLURM_RESOURCES[key]) as SlurmResources[K];
  return {
    resources: { cpus: pick('cpus'), memMB: pick('memMB'), gpus: pick('gpus'), timeMinutes: pick('timeMinutes') },
    partition: override.partition ?? profile.partition,
    extraArgs: [...profile.extraArgs, ...(override.extraArgs ?? [])],
  };
}

/** Formats minutes as Slurm's `--time` value (D-HH:MM:SS), rounding up to whole seconds. */
export function formatSlurmTime(minutes: number): string {
  const total = Math.ceil(minutes * 60);
  const days = Math.floor(total / 86400);
  const hh = Math.floor((total % 86400) / 3600);
  const mm = Math.floor((total % 3600) / 60);
  const ss = total % 60;
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${days > 0 ? `${days}-` : ''}${pad(hh)}:${pad(mm)}:${pad(ss)}`;
}

/** The sbatch flags for a resolved job spec (without array/output/name flags). */
export function sbatchResourceArgs(profile: SlurmProfile, spec: ResolvedJobSpec): string[] {
  const args = [
    `--cpus-per-task=${spec.resources.cpus}`,
    `--mem=${spec.resources.memMB}M`,
    `--time=${formatSlurmTime(spec.resources.timeMinutes)}`,
    '--ntasks=1',
    '--nodes=1',
  ];
  if (spec.resources.gpus > 0) {
    args.push(profile.gpuFlag === 'gres' ? `--gres=gpu:${spec.resources.gpus}` : `--gpus=${spec.resources.gpus}`);
  }
  if (spec.partition) args.push(`--partition=${spec.partition}`);
  if (profile.account) args.push(`--account=${profile.account}`);
  if (profile.qos) args.push(`--qos=${profile.qos}`);
  args.push(...spec.extraArgs);
  return args;
}
