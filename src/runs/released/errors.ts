/** What is wrong with a released table that cannot be imported. */
import { MoelabError } from '../../errors';
export type ReleasedTableErrorKind =
  | 'missing-file'
  | 'unreadable'
  | 'empty'
  | 'missing-column'
  | 'duplicate-column'
  | 'ragged-row'
  | 'missing-value'
  | 'not-a-number'
  | 'non-finite'
  | 'out-of-range'
  | 'duplicate-step'
  | 'inconsistent-run'
  | 'no-final-loss'
  | 'ended-early'
  | 'unknown-target'
  | 'unknown-format'
  | 'unmapped-column'
  | 'not-an-import';

/**
 * A released table that cannot be imported. The message names the file, the line and column where it can, what
 * was found and the fix; `kind` says which check failed (tests and scripts match on it).
 */
export class ReleasedTableError extends MoelabError {
  override readonly name = 'ReleasedTableError';
  /** The CLI's exit code for input errors. */
  constructor(
    readonly kind: ReleasedTableErrorKind,
    message: string,
    readonly file: string,
    /** 1-based line of the file (the header is line 1), when one line is at fault. */
    readonly line?: number,
    /** File column name, when one column is at fault. */
    readonly column?: string,
  ) {
    super(message);
  }
}
