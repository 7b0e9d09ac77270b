/**
 * Stage `lifelong-corpora`: the lifelong sweep's two corpora (the old and the new distribution), each in its own
 * `data/<name>/`, built like the preset's corpus (`buildCorpus`).
 */
import { buildCorpus } from '../../src/data/build';
import { sourceFiles, userSourceFiles } from '../../src/data/sources';
import { defineStage } from '../../src/pipeline/types';
import type { Preset } from '../presets/schema';
import { OUTPUTS } from '../outputs';

export default defineStage<Preset>()({
  name: 'lifelong-corpora',
  module: __filename,
  description: "the lifelong sweep's old and new corpora (byte-level), one data folder each",
  params: ['sweeps.lifelong'],
  when: (p) => p['sweeps.lifelong'] !== null,
  inputs: (p) => {
    const c = p['sweeps.lifelong']!.corpora;
    return [c.old, c.new].flatMap((corpus) => corpus.sources.flatMap((s) => (s.kind === 'embedded' ? sourceFiles([s], process.cwd()) : [s.path])));
  },
  outputs: (p) => {
    const c = p['sweeps.lifelong']!.corpora;
    return [...Object.values(OUTPUTS.corpus(c.old.name)), ...Object.values(OUTPUTS.corpus(c.new.name))];
  },
  check: (p, _m, repoRoot) => {
    const c = p['sweeps.lifelong']!.corpora;
    for (const [role, corpus] of [['old', c.old], ['new', c.new]] as const) {
      corpus.sources.forEach((s, i) => {
        if (s.kind !== 'embedded') userSourceFiles(s, `sweeps.lifelong.corpora.${role}.sources[${i}].path`, repoRoot);
      });
    }
  },
  run(ctx) {
    const c = ctx.params['sweeps.lifelong']!.corpora;
    for (const [i, corpus] of [c.old, c.new].entries()) {
      const out = OUTPUTS.corpus(corpus.name);
      const manifest = buildCorpus(
        corpus,
        { trainPath: ctx.out(out.train), valPath: ctx.out(out.val), manifestPath: ctx.out(out.manifest) },
        { cwd: ctx.repoRoot, onProgress: (fraction, message) => ctx.progress({ fraction: (i + fraction) / 2, message }) },
      );
      ctx.log.info(`corpus ${corpus.name}: ${manifest.splits.train.tokens} train + ${manifest.splits.val.tokens} val tokens`);
    }
  },
});
