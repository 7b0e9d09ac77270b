/** Errors of the pipeline engine. Each message names the stage/file/field and the fix. */

/** A user-facing error: exit code 2, one line, no stack. */
export class PipelineError extends Error {
  override name = 'PipelineError';
  readonly exitCode: number = 2;
}

/** The DAG is malformed (unknown dependency, cycle, duplicate instance name, bad output path). */
export class DagError extends PipelineError {
  override name = 'DagError';
}

/** A preset is unknown, unreadable or invalid. */
export class PresetError extends PipelineError {
  override name = 'PresetError';
}

/** Another `repro` holds the results folder. */
export class ReproLockedError extends PipelineError {
  override name = 'ReproLockedError';
  constructor(
    message: string,
    /** Pid of the process holding the lock. */
    readonly holderPid: number,
  ) {
    super(message);
  }
}

/** A target named on the command line matches no stage or instance. */
export class TargetError extends PipelineError {
  override name = 'TargetError';
}

/** A stage instance failed (its own error, or it was killed). */
export class StageFailedError extends Error {
  override name = 'StageFailedError';
}
