/** Test fixtures: a tiny byte corpus in a temp dir (built with the real corpus builder) and tiny configs. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildCorpus } from '../../src/data';
import { TrainConfigInput } from '../../src/train/config';

let corpusDir: string | null = null;

/** A ~60 kB Moby-Dick byte corpus, built once per test process. */
export function tinyCorpus(): string {
  if (corpusDir) return corpusDir;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moelab-corpus-'));
  buildCorpus(
    { name: 'tiny', sources: [{ kind: 'embedded', dataset: 'moby-dick' }], valFraction: 0.2, splitSeed: 1, tokenizer: 'byte', maxBytes: 60000 },
    { trainPath: path.join(dir, 'train.bin'), valPath: path.join(dir, 'val.bin'), manifestPath: path.join(dir, 'manifest.json') },
  );
  corpusDir = dir;
  return dir;
}

export function tempDir(prefix = 'moelab-train-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A tiny token-choice MoE run config (4 steps of 4×16 tokens by default). */
export function tinyTrainConfig(over: Partial<TrainConfigInput> = {}, backend: 'cpu' | 'wasm' = 'cpu'): TrainConfigInput {
  return {
    model: { dModel: 16, layers: 2, heads: 2, moe: { router: 'token-choice', expansionRate: 4, topK: 2, every: 2 } },
    data: { corpusDir: tinyCorpus(), seqLen: 16, batchSize: 4 },
    tokens: 4 * 16 * 6,
    optimizer: { lr: 3e-3 },
    evalEveryTokens: 4 * 16 * 3,
    evalTokens: 4 * 16 * 2,
    checkpointEverySteps: 2,
    seed: 7,
    backend,
    ...over,
  };
}
