/** Errors of the pipeline engine. Each message names the stage/file/field and the fix. */
import { EXIT_FAILURE, MoelabError } from '../errors';

/** A user-facing error of the engine: exit code 2, one line, no stack. */
export class PipelineError extends MoelabError {
  override name = 'PipelineError';
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
export class StageFailedError extends MoelabError {
  override name = 'StageFailedError';
  override readonly exitCode: number = EXIT_FAILURE;
}

/** A stage's plan-time `check` refused its parameters (the preset): the engine adds the preset file. */
export class StageCheckError extends PipelineError {
  override name = 'StageCheckError';
  constructor(
    /** The instance whose check failed. */
    readonly instance: string,
    /** The stage's own error (names the key and the fix). */
    readonly reason: Error,
  ) {
    super(`${instance}: ${reason.name && reason.name !== 'Error' ? `${reason.name}: ` : ''}${reason.message}`, { cause: reason });
  }
}
