/**
 * The slurm executor's small state file, kept next to the lock file: which Slurm jobs this repository
 * submitted for which stage instance (and with which fingerprint). A restarted `repro` reads it to
 * re-attach to jobs still queued or running instead of submitting duplicates. Only the submitter writes
 * it, atomically.
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../../../util/atomic-write';
import { z } from 'zod';

const recordSchema = z.object({
  /** Stage name. */
  stage: z.string(),
  /** Instance fingerprint the jobs were submitted for; a different one means stale jobs. */
  fingerprint: z.string(),
  /** Every job key submitted for this instance, oldest first (`123` or `123_4`). */
  jobIds: z.array(z.string()),
  /** Whether the last job is still believed active (submitted and not yet seen ending). */
  active: z.boolean(),
  /** ISO time of the last change. */
  updatedAt: z.string(),
});

const stateSchema = z.object({
  version: z.literal(1),
  instances: z.record(z.string(), recordSchema),
});

/** One instance's submission history. */
export type SlurmInstanceRecord = z.output<typeof recordSchema>;
/** The whole state file. */
export type SlurmStateFile = z.output<typeof stateSchema>;

/** Default file name, placed in the lock file's directory. */
export const SLURM_STATE_FILE_NAME = 'moelab.slurm.json';

/** Reads and writes the state file. */
export class SlurmState {
  readonly file: string;
  private data: SlurmStateFile;

  constructor(file: string) {
    this.file = file;
    this.data = SlurmState.read(file);
  }

  private static read(file: string): SlurmStateFile {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      return { version: 1, instances: {} };
    }
    const parsed = stateSchema.safeParse(JSON.parse(text));
    // A corrupt or foreign state file is not trusted: start afresh (jobs are re-run, never double-committed).
    return parsed.success ? parsed.data : { version: 1, instances: {} };
  }

  /** The record of an instance, if any. */
  get(instance: string): SlurmInstanceRecord | undefined {
    return this.data.instances[instance];
  }

  /** Every record (instance → record). */
  all(): Record<string, SlurmInstanceRecord> {
    return { ...this.data.instances };
  }

  /** Appends a submitted job to an instance (starting a new history when the fingerprint changed). */
  recordSubmit(instance: string, stage: string, fingerprint: string, jobId: string): void {
    const previous = this.data.instances[instance];
    const jobIds = previous && previous.fingerprint === fingerprint ? [...previous.jobIds, jobId] : [jobId];
    this.data.instances[instance] = { stage, fingerprint, jobIds, active: true, updatedAt: new Date().toISOString() };
    this.save();
  }

  /** Marks an instance's last job as ended (kept for its job ids until {@link forget}). */
  markEnded(instance: string): void {
    const record = this.data.instances[instance];
    if (!record) return;
    this.data.instances[instance] = { ...record, active: false, updatedAt: new Date().toISOString() };
    this.save();
  }

  /** Drops an instance (after its outputs were committed and its job ids went into the lock file). */
  forget(instance: string): void {
    if (!(instance in this.data.instances)) return;
    delete this.data.instances[instance];
    this.save();
  }

  private save(): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    if (Object.keys(this.data.instances).length === 0) {
      fs.rmSync(this.file, { force: true });
      return;
    }
    writeFileAtomic(this.file, `${JSON.stringify(this.data, null, 2)}\n`);
  }
}
