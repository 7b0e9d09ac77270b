/**
 * `gpu`: sized for one H100/H200 through the WebGPU backend (Dawn; see README "GPU"). Models of d_model
 * 256-768 and 10-50M tokens per run, 64 × 256 tokens per step (batch a multiple of the expert-choice group,
 * as the device-side routing needs). The embedded corpus holds ~12M byte tokens, so the longer runs repeat
 * data (allowRepeatedData); point `corpus` at a larger one for clean scaling fits.
 * Measured (2026-11-23, H100, tfjs-webgpu): ~13-31k tokens/s per step at these widths, so a 10M-token run
 * takes ~6-13 min and the whole preset days, not hours: trim `tokens` or the shapes for a first pass.
 */
import type { PresetInput } from './schema';
import small from './small';

const shape = (dModel: number, layers: number, heads: number) => ({ dModel, layers, heads });
const M = 1_000_000;

const gpu: PresetInput = {
  ...small,
  name: 'gpu',
  description: 'one H100/H200 (WebGPU backend): d_model 256-768, 10-50M tokens per run, 64×256 tokens per step',
  sweeps: {
    fineGrained: {
      expansionRate: 8,
      moe: [{ shapes: [shape(256, 4, 4), shape(384, 6, 6), shape(512, 8, 8), shape(768, 8, 12)], tokens: [10 * M, 25 * M, 50 * M], granularities: [1, 2, 4, 8] }],
      dense: [{ shapes: [shape(256, 4, 4), shape(384, 6, 6), shape(512, 8, 8), shape(768, 8, 12)], tokens: [10 * M, 25 * M, 50 * M] }],
    },
    experts: { shapes: [shape(256, 4, 4), shape(512, 8, 8), shape(768, 8, 12)], experts: [1, 4, 8, 16, 32], tokens: [10 * M, 25 * M, 50 * M], topK: 2, moeEvery: 2 },
  },
  train: {
    ...small.train,
    seqLen: 256,
    batchSize: 64,
    lr: 1e-3,
    evalsPerRun: 4,
    evalTokens: 262_144,
    checkpointsPerRun: 10,
    backend: 'webgpu',
    allowRepeatedData: true,
  },
};
export default gpu;
