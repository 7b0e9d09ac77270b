/** `gpu`: sized for one H100/H200 through the WebGPU backend. Full embedded corpus. */
import type { PresetInput } from './schema';
import small from './small';

const gpu: PresetInput = {
  ...small,
  name: 'gpu',
  description: 'one H100/H200 (WebGPU backend): full embedded corpus, bigger models',
};
export default gpu;
