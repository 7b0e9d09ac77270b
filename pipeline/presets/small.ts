/** `small`: hours on one GPU or a big CPU box. Full embedded corpus, denser sweeps. */
import type { PresetInput } from './schema';
import tiny from './tiny';

const small: PresetInput = {
  ...tiny,
  name: 'small',
  description: 'hours on one GPU or a many-core CPU: full embedded corpus, denser sweeps',
};
export default small;
