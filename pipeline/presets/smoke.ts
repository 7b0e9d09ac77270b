/** `smoke`: CI end-to-end check in minutes. A 2 MB seeded subset of the embedded corpus. */
import type { PresetInput } from './schema';
import tiny from './tiny';

const smoke: PresetInput = {
  ...tiny,
  name: 'smoke',
  description: 'CI smoke run: 2 MB corpus subset, minimal sweeps, minutes on 2 cores',
  corpus: { ...tiny.corpus, name: 'stdlib-en-2mb', maxBytes: 2_000_000, valFraction: 0.1 },
};
export default smoke;
