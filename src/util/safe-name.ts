/**
 * Names that become one path segment (a run id, a corpus name, a figure id, an instance's file name) are
 * validated here, so that no name from a config file or the command line can climb out of the folder it is
 * joined to (`../../x`), hide (`.x`), or carry a separator, NUL or control character.
 */
import { MoelabError } from '../errors';

/** What a safe path segment may contain: it starts with a letter or digit, then letters, digits and `._=+-`. */
export const SAFE_SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._=+-]*$/;
/** Longest accepted segment (file systems allow 255 bytes; leave room for suffixes such as `.tmp-<pid>`). */
export const MAX_SEGMENT_LENGTH = 128;

/** A name that would not stay one path segment inside its folder. */
export class UnsafeNameError extends MoelabError {
  override name = 'UnsafeNameError';
}

/** Why `name` is not a safe path segment, or undefined when it is. */
export function unsafeSegmentReason(name: string): string | undefined {
  if (typeof name !== 'string' || name.length === 0) return 'it is empty';
  if (name.length > MAX_SEGMENT_LENGTH) return `it is longer than ${MAX_SEGMENT_LENGTH} characters`;
  if (/[/\\]/.test(name)) return 'it contains a path separator';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'it contains a control character';
  if (name === '.' || name === '..') return 'it names a folder, not a file';
  if (!SAFE_SEGMENT.test(name)) return 'it must start with a letter or digit and contain only letters, digits and . _ = + -';
  return undefined;
}

/** Whether `name` is a safe path segment. */
export function isSafeSegment(name: string): boolean {
  return unsafeSegmentReason(name) === undefined;
}

/**
 * Returns `name` when it is a safe path segment; otherwise throws an UnsafeNameError naming `what` (e.g.
 * `runId`, `--only`) and the rule.
 */
export function assertSafeSegment(name: string, what: string): string {
  const why = unsafeSegmentReason(name);
  if (why) throw new UnsafeNameError(`${what} ${JSON.stringify(name)} cannot be used as a file name: ${why}; use letters, digits and . _ = + - (starting with a letter or digit)`);
  return name;
}
