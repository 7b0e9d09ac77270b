/** A corpus, shard or batch request that cannot be served; the message names the file/field and the fix. */
export class DataError extends Error {
  override name = 'DataError';
}

/** A corpus source (preset field) that is missing, unreadable or empty; the message names the field and the fix. */
export class CorpusError extends Error {
  override name = 'CorpusError';
  /** CLI exit code: a user error. */
  readonly exitCode = 2;
}
