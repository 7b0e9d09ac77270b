/** Why a fit failed; lets callers (pipeline, CLI) react without parsing messages. */
import { MoelabError } from '../errors';
export type FitErrorCode =
  | 'input' // non-finite / non-positive observation
  | 'too-few' // fewer observations than the law has parameters
  | 'grid-edge' // best start / best grid point sits on the edge of the initialisation grid
  | 'bound' // fitted parameter sits on (or beyond) a plausibility bound
  | 'not-finite' // objective or parameters not finite at the optimum
  | 'unknown-law';

/**
 * A scaling-law fit that cannot be trusted. The message names the law, the offending parameter or
 * observation, and the fix (widen the grid, drop the row, pass `edgePolicy: 'warn'`, ...).
 */
export class FitError extends MoelabError {
  override readonly name = 'FitError';
  constructor(
    readonly code: FitErrorCode,
    message: string,
  ) {
    super(message);
  }
}
