/** A corpus, shard or batch request that cannot be served; the message names the file/field and the fix. */
import { MoelabError } from '../errors';
export class DataError extends MoelabError {
  override name = 'DataError';
}

/** A corpus source (preset field) that is missing, unreadable or empty; the message names the field and the fix. */
export class CorpusError extends MoelabError {
  override name = 'CorpusError';
}
