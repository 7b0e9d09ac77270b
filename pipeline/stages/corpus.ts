/**
 * Stage `corpus`: builds `data/<corpus.name>/{train.bin,val.bin,manifest.json}` from the embedded
 * public-domain texts or the user files named in the preset's `corpus` section.
 */
import { buildCorpus } from '../../src/data/build';
import { sourceFiles, userSourceFiles } from '../../src/data/sources';
import { defineStage } from '../../src/pipeline/types';
import type { Preset } from '../presets/schema';

export default defineStage<Preset>()({
  name: 'corpus',
  module: __filename,
  description: 'tokenized train/val corpus (byte-level) from embedded texts or user files',
  params: ['corpus'],
  inputs: (p) => p.corpus.sources.flatMap((s) => (s.kind === 'embedded' ? sourceFiles([s], process.cwd()) : [s.path])),
  outputs: (p) => [`data:${p.corpus.name}/train.bin`, `data:${p.corpus.name}/val.bin`, `data:${p.corpus.name}/manifest.json`],
  resources: { cpus: 1 },
  check: (p, _m, repoRoot) => {
    p.corpus.sources.forEach((s, i) => {
      if (s.kind !== 'embedded') userSourceFiles(s, `corpus.sources[${i}].path`, repoRoot);
    });
  },
  run(ctx) {
    const name = ctx.params.corpus.name;
    const manifest = buildCorpus(
      ctx.params.corpus,
      {
        trainPath: ctx.out(`data:${name}/train.bin`),
        valPath: ctx.out(`data:${name}/val.bin`),
        manifestPath: ctx.out(`data:${name}/manifest.json`),
      },
      { cwd: ctx.repoRoot, onProgress: (fraction, message) => ctx.progress({ fraction, message }) },
    );
    const { train, val } = manifest.splits;
    ctx.log.info(`corpus ${name}: ${train.documents}+${val.documents} documents, ${train.tokens} train + ${val.tokens} val tokens`);
  },
});
