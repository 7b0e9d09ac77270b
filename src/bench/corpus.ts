import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { buildCorpus } from '../data/build';
import { corpusConfigSchema } from '../data/corpus-config';
import { sourceFiles } from '../data/sources';
import type { BenchSuite } from './types';

export const suite: BenchSuite = {
  name: 'corpus',
  description: 'corpus build throughput (read, normalise, split, byte-tokenize, write) on the embedded texts, MB/s of source text',
  async run(opts) {
    const sources = opts.quick
      ? [{ kind: 'embedded' as const, dataset: 'moby-dick' as const }]
      : [
          { kind: 'embedded' as const, dataset: 'moby-dick' as const },
          { kind: 'embedded' as const, dataset: 'sotu' as const },
        ];
    const config = corpusConfigSchema.parse({ name: 'bench', sources, valFraction: 0.05, splitSeed: 0 });
    const files = sourceFiles(config.sources, opts.repoRoot);
    const bytes = files.reduce((s, f) => s + fs.statSync(f).size, 0);
    const reps = opts.quick ? 2 : 3;
    const build: number[] = [];
    const ref: number[] = [];
    for (let r = 0; r < reps; r++) {
      const out = path.join(opts.tmpDir, `out${r}`);
      let t = process.hrtime.bigint();
      buildCorpus(config, { trainPath: path.join(out, 'train.bin'), valPath: path.join(out, 'val.bin'), manifestPath: path.join(out, 'manifest.json') }, { cwd: opts.repoRoot });
      build.push(Number(process.hrtime.bigint() - t) / 1e9);
      // reference: just read every source file and sha256 it (the I/O + hashing floor)
      t = process.hrtime.bigint();
      const h = crypto.createHash('sha256');
      for (const f of files) h.update(fs.readFileSync(f));
      h.digest();
      ref.push(Number(process.hrtime.bigint() - t) / 1e9);
    }
    const mb = bytes / 1e6;
    const best = Math.min(...build);
    const bestRef = Math.min(...ref);
    return [
      {
        label: `buildCorpus, ${files.length} files, ${mb.toFixed(1)} MB`,
        value: mb / best,
        unit: 'MB/s',
        reference: mb / bestRef,
        referenceLabel: 'read + sha256 of the same files',
        notes: `best of ${reps}: ${best.toFixed(2)} s (reference ${bestRef.toFixed(3)} s)`,
      },
    ];
  },
};
