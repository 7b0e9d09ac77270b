/**
 * Tokenizers turn normalised text into integer token ids. The corpus stage stores the ids as unsigned
 * integers (`uint8` when the vocabulary fits in 256 ids, `uint16` up to 65536), so a trained BPE can replace
 * the byte tokenizer later without touching the readers.
 */
export interface Tokenizer {
  /** Stable name written into the corpus manifest, e.g. `byte`. */
  readonly name: string;
  /** Number of distinct token ids (ids are `0 … vocabSize-1`). */
  readonly vocabSize: number;
  /** Token ids of `text`. */
  encode(text: string): Uint8Array | Uint16Array;
  /** Text of token ids (invalid byte sequences decode to U+FFFD). */
  decode(tokens: ArrayLike<number>): string;
}

/** Storage type of token ids on disk. */
export type TokenDtype = 'uint8' | 'uint16';

/** Bytes per stored token id of a dtype. */
export function bytesPerToken(dtype: TokenDtype): number {
  return dtype === 'uint8' ? 1 : 2;
}

/** The smallest dtype that holds every id of a vocabulary of `vocabSize` ids. */
export function dtypeForVocab(vocabSize: number): TokenDtype {
  if (vocabSize <= 256) return 'uint8';
  if (vocabSize <= 65536) return 'uint16';
  throw new RangeError(`vocabSize ${vocabSize} exceeds 65536; uint32 shards are not supported`);
}

/** Byte-level tokenizer: one token per UTF-8 byte, vocabulary 256, lossless. */
export class ByteTokenizer implements Tokenizer {
  readonly name = 'byte';
  readonly vocabSize = 256;
  encode(text: string): Uint8Array {
    return new Uint8Array(Buffer.from(text, 'utf8'));
  }
  decode(tokens: ArrayLike<number>): string {
    return Buffer.from(Uint8Array.from(tokens)).toString('utf8');
  }
}

/** Names of the tokenizers `tokenizerByName` knows. */
export const TOKENIZER_NAMES = ['byte'] as const;
/** A tokenizer name that `tokenizerByName` knows. */
export type TokenizerName = (typeof TOKENIZER_NAMES)[number];

/** The tokenizer registered under `name` (throws a RangeError naming the known ones otherwise). */
export function tokenizerByName(name: string): Tokenizer {
  if (name === 'byte') return new ByteTokenizer();
  throw new RangeError(`unknown tokenizer '${name}'; known: ${TOKENIZER_NAMES.join(', ')}`);
}
