import type { FineGrainedGrid } from './fine-grained';
import type { ExpertsGrid } from './experts';

/**
 * The papers' own grids, for clusters. Krajewski et al. 2024 Tables 3 (MoE, E = 64) and 4 (dense);
 * Yun et al. 2024 Table 1 (dense shapes) × E ∈ {1, 4, 8, 16, 32} × D ∈ {2.5B, 5B, 10B, 20B} ("from 2.5B to 20B").
 */
const B = 1e9;
const s = (dModel: number, layers: number, heads: number) => ({ dModel, layers, heads });

export const KRAJEWSKI_PAPER_GRID: FineGrainedGrid = {
  expansionRate: 64,
  moe: [
    { shapes: [s(256, 4, 4), s(384, 4, 6), s(512, 4, 8)], tokens: [16 * B, 33 * B, 66 * B], granularities: [1, 2, 4, 8, 16] },
    { shapes: [s(512, 4, 8)], tokens: [130 * B], granularities: [1, 2, 4] },
    { shapes: [s(512, 8, 8), s(640, 10, 10)], tokens: [16 * B, 33 * B], granularities: [1, 2, 4, 8, 16] },
    { shapes: [s(512, 8, 8)], tokens: [66 * B], granularities: [1, 2, 4, 8] },
    { shapes: [s(640, 10, 10)], tokens: [66 * B], granularities: [1, 2, 4] },
    { shapes: [s(768, 12, 12)], tokens: [33 * B], granularities: [1, 2, 4] },
  ],
  dense: [
    { shapes: [s(256, 4, 4), s(256, 8, 4), s(512, 4, 8), s(512, 8, 8), s(640, 10, 10)], tokens: [16 * B, 24 * B, 33 * B, 66 * B] },
    { shapes: [s(768, 12, 12)], tokens: [16 * B, 33 * B] },
  ],
};

export const YUN_PAPER_GRID: ExpertsGrid = {
  // Table 1 prints 12 heads for d_model 1024, which does not divide it; 16 heads (head size 64) is used here.
  shapes: [s(768, 12, 8), s(896, 14, 8), s(1024, 16, 16), s(1536, 16, 16)],
  experts: [1, 4, 8, 16, 32],
  tokens: [2.5 * B, 5 * B, 10 * B, 20 * B],
  topK: 2,
  moeEvery: 2,
};
