/**
 * Stage `corpus`: builds `data/<corpus.name>/{train.bin,val.bin,manifest.json}` from the embedded
 * public-domain texts or the user files named in the preset's `corpus` section.
 */
import type { CorpusConfig } from '../../src/data/corpus-config';
import { buildCorpus } from '../../src/data/build';
import { sourceFiles, userSourceFiles } from '../../src/data/sources';
import { PresetError } from '../../src/pipeline/errors';
import { defineStage } from '../../src/pipeline/types';
import type { Preset } from '../presets/schema';
import { trainsItsRuns } from '../presets/sections';
import { OUTPUTS } from '../outputs';

/** The preset's corpus (present whenever the stage applies: the schema requires it for a preset that trains). */
function corpusOf(p: { readonly corpus: CorpusConfig | null }): CorpusConfig {
  if (p.corpus === null) throw new PresetError('this preset has no corpus section; a preset that trains its runs needs one');
  return p.corpus;
}

export default defineStage<Preset>()({
  name: 'corpus',
  module: __filename,
  description: 'tokenized train/val corpus (byte-level) from embedded texts or user files',
  params: ['corpus', 'source'],
  gridParams: ['source'],
  when: trainsItsRuns,
  inputs: (p) => corpusOf(p).sources.flatMap((s) => (s.kind === 'embedded' ? sourceFiles([s], process.cwd()) : [s.path])),
  outputs: (p) => {
    const { name } = corpusOf(p);
    return Object.values(OUTPUTS.corpus(name));
  },
  resources: { cpus: 1 },
  check: (p, _m, repoRoot) => {
    corpusOf(p).sources.forEach((s, i) => {
      if (s.kind !== 'embedded') userSourceFiles(s, `corpus.sources[${i}].path`, repoRoot);
    });
  },
  run(ctx) {
    const corpus = corpusOf(ctx.params);
    const name = corpus.name;
    const manifest = buildCorpus(
      corpus,
      {
        trainPath: ctx.out(OUTPUTS.corpus(name).train),
        valPath: ctx.out(OUTPUTS.corpus(name).val),
        manifestPath: ctx.out(OUTPUTS.corpus(name).manifest),
      },
      { cwd: ctx.repoRoot, onProgress: (fraction, message) => ctx.progress({ fraction, message }) },
    );
    const { train, val } = manifest.splits;
    ctx.log.info(`corpus ${name}: ${train.documents}+${val.documents} documents, ${train.tokens} train + ${val.tokens} val tokens`);
  },
});
