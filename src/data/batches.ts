import { DataError } from './errors';
import { mixSeed, seededPermutation } from './random';
import type { TokenShard } from './shard';

/** One batch of next-token prediction: row-major `[batchSize, seqLen]`, `targets[i] = next token of inputs[i]`. */
export interface TokenBatch {
  /** Input token ids, row-major `[batchSize, seqLen]`. */
  inputs: Int32Array;
  /** Target token ids: the inputs shifted left by one token. */
  targets: Int32Array;
  /** Rows in this batch. */
  batchSize: number;
  /** Tokens per row. */
  seqLen: number;
}

/** Options of `WindowBatches`. */
export interface WindowBatchesOptions {
  /** Shard to read (usually `train.bin`). */
  shard: TokenShard;
  /** Rows per batch (windows). */
  batchSize: number;
  /** Tokens per row (context length). */
  seqLen: number;
  /** Seed of the window order; epoch `e` uses a permutation seeded by (seed, e). */
  seed: number;
}

/** Resume point of a `WindowBatches` stream (plain JSON; store it in a checkpoint). */
export interface WindowBatchesState {
  /** Seed the stream was created with (checked on restore). */
  seed: number;
  /** Tokens per row the stream was created with (checked on restore). */
  seqLen: number;
  /** Number of windows per epoch the stream was created with (checked on restore). */
  windows: number;
  /** Current epoch (0-based). */
  epoch: number;
  /** Windows already consumed in the current epoch. */
  cursor: number;
  /** Batches returned so far, over all epochs. */
  batches: number;
}

function checkPositiveInt(name: string, v: number): void {
  if (!Number.isInteger(v) || v <= 0) throw new DataError(`${name} must be a positive integer, got ${v}`);
}

/**
 * Training batches of non-overlapping windows of a token shard in a seeded order.
 * The shard is cut into `windows = floor((tokens - 1) / seqLen)` windows; window `w` covers inputs
 * `[w·seqLen, (w+1)·seqLen)` and targets shifted by one. Each epoch visits every window once in a permutation
 * seeded by `(seed, epoch)`; batches continue across epoch boundaries. Only the rows of the current batch are read.
 */
export class WindowBatches {
  /** Number of windows per epoch. */
  readonly windows: number;
  /** Input tokens per epoch (`windows × seqLen`). */
  readonly tokensPerEpoch: number;
  private readonly shard: TokenShard;
  private readonly batchSize: number;
  private readonly seqLen: number;
  private readonly seed: number;
  private epoch = 0;
  private cursor = 0;
  private batchCount = 0;
  private perm: Uint32Array;
  private readonly row: Int32Array;

  constructor(options: WindowBatchesOptions) {
    checkPositiveInt('batchSize', options.batchSize);
    checkPositiveInt('seqLen', options.seqLen);
    if (!Number.isInteger(options.seed)) throw new DataError(`seed must be an integer, got ${options.seed}`);
    this.shard = options.shard;
    this.batchSize = options.batchSize;
    this.seqLen = options.seqLen;
    this.seed = options.seed;
    this.windows = Math.max(0, Math.floor((this.shard.tokens - 1) / this.seqLen));
    if (this.windows === 0) {
      throw new DataError(
        `token shard ${this.shard.path} has ${this.shard.tokens} tokens, fewer than one window of seqLen+1 = ${this.seqLen + 1}; use a bigger corpus or a shorter seqLen`,
      );
    }
    this.tokensPerEpoch = this.windows * this.seqLen;
    this.perm = seededPermutation(this.windows, mixSeed(this.seed, 0));
    this.row = new Int32Array(this.seqLen + 1);
  }

  /** The next batch (never ends; epochs roll over). */
  next(): TokenBatch {
    const { batchSize, seqLen } = this;
    const inputs = new Int32Array(batchSize * seqLen);
    const targets = new Int32Array(batchSize * seqLen);
    for (let b = 0; b < batchSize; b++) {
      if (this.cursor >= this.windows) {
        this.epoch += 1;
        this.cursor = 0;
        this.perm = seededPermutation(this.windows, mixSeed(this.seed, this.epoch));
      }
      const w = this.perm[this.cursor++];
      this.shard.readInto(w * seqLen, this.row);
      inputs.set(this.row.subarray(0, seqLen), b * seqLen);
      targets.set(this.row.subarray(1, seqLen + 1), b * seqLen);
    }
    this.batchCount += 1;
    return { inputs, targets, batchSize, seqLen };
  }

  /** Current epoch (0-based) and fraction of it consumed. */
  get position(): { epoch: number; epochFraction: number; batches: number } {
    return { epoch: this.epoch, epochFraction: this.cursor / this.windows, batches: this.batchCount };
  }

  /** A JSON-serialisable resume point. */
  state(): WindowBatchesState {
    return { seed: this.seed, seqLen: this.seqLen, windows: this.windows, epoch: this.epoch, cursor: this.cursor, batches: this.batchCount };
  }

  /** Continues from `state` (from `state()` of a stream over the same shard, seed and seqLen). */
  restore(state: WindowBatchesState): void {
    if (state.seed !== this.seed || state.seqLen !== this.seqLen || state.windows !== this.windows) {
      throw new DataError(
        `cannot restore batch state (seed ${state.seed}, seqLen ${state.seqLen}, windows ${state.windows}) into a stream with seed ${this.seed}, seqLen ${this.seqLen}, windows ${this.windows}; the corpus or config changed, restart the run`,
      );
    }
    if (!Number.isInteger(state.cursor) || state.cursor < 0 || state.cursor > this.windows || !Number.isInteger(state.epoch) || state.epoch < 0) {
      throw new DataError(`invalid batch state epoch ${state.epoch} cursor ${state.cursor}`);
    }
    this.epoch = state.epoch;
    this.cursor = state.cursor;
    this.batchCount = state.batches;
    this.perm = seededPermutation(this.windows, mixSeed(this.seed, this.epoch));
  }
}

/** Options of `evalWindows`. */
export interface EvalWindowsOptions {
  /** Rows per batch. */
  batchSize: number;
  /** Tokens per row. */
  seqLen: number;
  /** Upper bound on evaluated input tokens (rounded down to whole batches); default: the whole shard. */
  maxTokens?: number;
}

/** Number of windows `evalWindows` will use for these options (a multiple of batchSize, ≥ batchSize). */
export function evalWindowCount(shard: TokenShard, options: EvalWindowsOptions): number {
  checkPositiveInt('batchSize', options.batchSize);
  checkPositiveInt('seqLen', options.seqLen);
  const available = Math.floor((shard.tokens - 1) / options.seqLen);
  const cap = options.maxTokens === undefined ? available : Math.min(available, Math.floor(options.maxTokens / options.seqLen));
  const count = Math.floor(cap / options.batchSize) * options.batchSize;
  if (count === 0) {
    throw new DataError(
      `evaluation needs at least batchSize × seqLen + 1 = ${options.batchSize * options.seqLen + 1} tokens in ${shard.path} (has ${shard.tokens}, maxTokens ${options.maxTokens ?? 'unbounded'}); raise maxTokens, lower batchSize/seqLen or raise corpus.valFraction`,
    );
  }
  return count;
}

/**
 * The fixed validation batches: `evalWindowCount` windows spread evenly over the whole shard (so a cap on
 * tokens still samples every part of the split), in shard order, as full batches. Same shard + options,
 * same batches.
 */
export function* evalWindows(shard: TokenShard, options: EvalWindowsOptions): Generator<TokenBatch> {
  const { batchSize, seqLen } = options;
  const count = evalWindowCount(shard, options);
  const available = Math.floor((shard.tokens - 1) / seqLen);
  const row = new Int32Array(seqLen + 1);
  for (let start = 0; start < count; start += batchSize) {
    const inputs = new Int32Array(batchSize * seqLen);
    const targets = new Int32Array(batchSize * seqLen);
    for (let b = 0; b < batchSize; b++) {
      const w = Math.floor(((start + b) * available) / count);
      shard.readInto(w * seqLen, row);
      inputs.set(row.subarray(0, seqLen), b * seqLen);
      targets.set(row.subarray(1, seqLen + 1), b * seqLen);
    }
    yield { inputs, targets, batchSize, seqLen };
  }
}
