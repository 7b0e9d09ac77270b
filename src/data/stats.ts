import path from 'node:path';
import { readCorpusManifest } from './build';
import { openTokenShard } from './shard';

/** Sizes and the unigram entropy of a built corpus. */
export interface CorpusStats {
  /** Corpus name (from the manifest). */
  name: string;
  /** Tokens in `train.bin`. */
  trainTokens: number;
  /** Tokens in `val.bin`. */
  valTokens: number;
  /** Tokenizer vocabulary size. */
  vocabSize: number;
  /**
   * Entropy of the unigram distribution of the training split, in nats/token: the loss of the best model
   * that ignores context (a trained LM should land well below it).
   */
  unigramEntropyNats: number;
  /** Same in bits/token. */
  unigramEntropyBits: number;
}

/** Reads a built corpus dir (`data/<name>/`) and returns its token counts and training-split unigram entropy. */
export function corpusStats(dir: string): CorpusStats {
  const manifest = readCorpusManifest(dir);
  const shard = openTokenShard(path.join(dir, manifest.splits.train.file), { dtype: manifest.dtype });
  const counts = new Float64Array(manifest.tokenizer.vocabSize);
  try {
    const chunk = 1 << 20;
    const buf = new Int32Array(chunk);
    for (let off = 0; off < shard.tokens; off += chunk) {
      const n = Math.min(chunk, shard.tokens - off);
      const view = n === chunk ? buf : buf.subarray(0, n);
      shard.readInto(off, view);
      for (let i = 0; i < n; i++) counts[view[i]] += 1;
    }
  } finally {
    shard.close();
  }
  let entropy = 0;
  const total = shard.tokens;
  for (const c of counts) if (c > 0) entropy -= (c / total) * Math.log(c / total);
  const valShard = openTokenShard(path.join(dir, manifest.splits.val.file), { dtype: manifest.dtype });
  const valTokens = valShard.tokens;
  valShard.close();
  return {
    name: manifest.name,
    trainTokens: total,
    valTokens,
    vocabSize: manifest.tokenizer.vocabSize,
    unigramEntropyNats: entropy,
    unigramEntropyBits: entropy / Math.LN2,
  };
}
