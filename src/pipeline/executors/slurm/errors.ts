/**
 * Named errors of the slurm executor. Each message says what went wrong, quotes Slurm's own words when
 * Slurm produced them, and names the setting or flag that fixes it.
 */
import { MoelabError } from '../../../errors';

/** Base class: anything the slurm executor refuses or Slurm rejects. */
export class SlurmError extends MoelabError {
  constructor(message: string) {
    super(message);
    this.name = 'SlurmError';
  }
}

/** A Slurm client command (sbatch, squeue, scontrol, scancel) is not installed or not on PATH. */
export class SlurmNotFoundError extends SlurmError {
  /** The command that could not be run, e.g. `sbatch`. */
  readonly command: string;
  constructor(command: string, binDir: string | undefined) {
    const where = binDir ? `in slurm.binDir=${binDir}` : 'on PATH';
    super(
      `${command} not found ${where}: the slurm executor (--executor slurm, or executor: slurm in the preset/profile) ` +
        `needs Slurm's client commands. Install them (Debian: apt-get install slurm-client), set slurm.binDir in the ` +
        `profile to the directory holding ${command}, or run with --executor local.`,
    );
    this.name = 'SlurmNotFoundError';
    this.command = command;
  }
}

/** `sbatch` refused a job; `slurmMessage` is Slurm's stderr, quoted in the message. */
export class SlurmSubmitError extends SlurmError {
  /** Slurm's own error text (sbatch stderr, trimmed). */
  readonly slurmMessage: string;
  constructor(what: string, slurmMessage: string, hint?: string) {
    super(`sbatch rejected ${what}: "${slurmMessage}"${hint ? ` (${hint})` : ''}`);
    this.name = 'SlurmSubmitError';
    this.slurmMessage = slurmMessage;
  }
}

/** `sbatch` rejected the partition named in the profile or stage resources. */
export class SlurmPartitionError extends SlurmSubmitError {
  /** The partition that Slurm does not know. */
  readonly partition: string;
  constructor(what: string, partition: string, slurmMessage: string) {
    super(
      what,
      slurmMessage,
      `unknown partition "${partition}": set slurm.partition in the profile (or the stage's slurm.stages.<stage>.partition) ` +
        'to one that `sinfo -s` lists',
    );
    this.name = 'SlurmPartitionError';
    this.partition = partition;
  }
}

/** The Slurm profile (preset section or --profile FILE) is malformed. */
export class SlurmProfileError extends SlurmError {
  constructor(message: string) {
    super(message);
    this.name = 'SlurmProfileError';
  }
}

/** A stage instance's job failed on every attempt (the retries are spent). */
export class SlurmJobFailedError extends SlurmError {
  /** Stage instance id. */
  readonly instance: string;
  /** Slurm job ids of every attempt, oldest first. */
  readonly jobIds: string[];
  /** Final Slurm state of the last attempt, e.g. FAILED, TIMEOUT, CANCELLED. */
  readonly state: string;
  constructor(instance: string, jobIds: string[], state: string, detail: string) {
    super(
      `stage instance ${instance} failed on Slurm after ${jobIds.length} attempt(s) (jobs ${jobIds.join(', ')}; ` +
        `last state ${state})${detail ? `: ${detail}` : ''}. Raise slurm.maxRetries in the profile or see the job log.`,
    );
    this.name = 'SlurmJobFailedError';
    this.instance = instance;
    this.jobIds = jobIds;
    this.state = state;
  }
}
