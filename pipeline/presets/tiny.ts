/**
 * `tiny`: the default main job. Full embedded corpus (Moby Dick + State of the Union, ~12 MB of English),
 * small sweeps; target under ~45 min on 2 CPU cores.
 */
import type { PresetInput } from './schema';

const tiny: PresetInput = {
  name: 'tiny',
  description: 'default main job: embedded corpus, small sweeps, < ~45 min on 2 CPU cores',
  corpus: {
    name: 'stdlib-en',
    sources: [
      { kind: 'embedded', dataset: 'moby-dick' },
      { kind: 'embedded', dataset: 'sotu' },
    ],
    valFraction: 0.05,
    splitSeed: 0,
    tokenizer: 'byte',
  },
};
export default tiny;
