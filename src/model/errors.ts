/**
 * Named errors of the model and trainer. Every message names the offending field (or file) and the fix.
 */
import { EXIT_FAILURE, MoelabError } from '../errors';

/** An invalid model or training configuration, raised before any training starts. */
export class ConfigError extends MoelabError {
  /** Dotted path of the offending field, e.g. `model.moe.granularity`. */
  readonly field: string;
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'ConfigError';
    this.field = field;
  }
}

/** The training loss became NaN or ±Inf; the last good checkpoint is kept untouched. */
export class NonFiniteLossError extends MoelabError {
  override readonly exitCode: number = EXIT_FAILURE;
  /** Optimizer step at which the non-finite loss appeared. */
  readonly step: number;
  constructor(step: number, loss: number, checkpointDir: string | null) {
    super(
      `training loss became ${loss} at step ${step}; ` +
        (checkpointDir ? `the last good checkpoint is kept in ${checkpointDir}; ` : 'no checkpoint was written yet; ') +
        'lower optimizer.lr, tighten optimizer.gradClip or raise schedule.warmupFraction',
    );
    this.name = 'NonFiniteLossError';
    this.step = step;
  }
}
