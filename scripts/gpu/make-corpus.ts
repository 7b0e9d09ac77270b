/**
 * Builds the byte-level Moby-Dick corpus that `gpu-compare` trains on into DIR (default .gpu-bundle/corpus),
 * so the GPU box needs no npm dataset package. Usage: npx tsx scripts/gpu/make-corpus.ts [DIR]
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildCorpus } from '../../src/data';

const dir = path.resolve(process.argv[2] ?? '.gpu-bundle/corpus');
fs.mkdirSync(dir, { recursive: true });
buildCorpus(
  { name: 'moby-dick-bytes', sources: [{ kind: 'embedded', dataset: 'moby-dick' }], valFraction: 0.05, splitSeed: 1, tokenizer: 'byte' },
  { trainPath: path.join(dir, 'train.bin'), valPath: path.join(dir, 'val.bin'), manifestPath: path.join(dir, 'manifest.json') },
);
console.log(`corpus in ${dir}: ${fs.readdirSync(dir).map((f) => `${f} ${fs.statSync(path.join(dir, f)).size} B`).join(', ')}`);
