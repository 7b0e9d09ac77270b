/**
 * The base of every named error moelab throws. A `MoelabError`'s message is one line (or a short block) that
 * names what went wrong, where (file, field, instance) and the fix; `exitCode` is what the CLI exits with when
 * the error ends a command, so CLI code throws a named error instead of decorating a plain `Error`.
 */

/** Exit code of an error the user fixes (bad input, a refused lock, a full disk): fix it and run again. */
export const EXIT_USER_ERROR = 2;
/** Exit code of work that failed (a stage, a training run, a notebook cell). */
export const EXIT_FAILURE = 1;

export class MoelabError extends Error {
  override name = 'MoelabError';
  /** Exit code of the CLI when this error ends a command (default 2: the input or environment needs fixing). */
  readonly exitCode: number = EXIT_USER_ERROR;
}

/** A command-line usage error (unknown value, malformed option): exit 2. */
export class UsageError extends MoelabError {
  override name = 'UsageError';
}
