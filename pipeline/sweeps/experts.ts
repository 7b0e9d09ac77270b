import { formatTokens, withSeedReplicates, type ModelShape, type Replicates, type SweepRun } from './types';

/**
 * The expert-count sweep of Yun et al. 2024 (arXiv 2404.02852, §3.1, Table 1): dense sizes × expert counts
 * E ∈ {1 (dense), 4, 8, 16, 32} × training tokens, top-2 token-choice routing, SwiGLU experts, MoE replacing the
 * FFN in every second block.
 */
export interface ExpertsGrid {
  /** Dense model shapes (paper: 100M…730M, Table 1). dFF defaults to 8/3·d_model rounded to a multiple of 8. */
  shapes: ModelShape[];
  /** Expert counts; 1 means the dense baseline (paper: 1, 4, 8, 16, 32). */
  experts: number[];
  /** Training-token counts D (paper: 2.5B … 20B). */
  tokens: number[];
  /** Experts per token (paper: 2). */
  topK: number;
  /** MoE in every `moeEvery`-th block (paper: 2). */
  moeEvery: number;
  /** Seed replicates of chosen runs (`-s<seed>` ids). */
  replicates?: Replicates;
}

/** SwiGLU width used by Llama-style models: ≈ 8/3 · d_model, rounded up to a multiple of 8. */
export function swigluWidth(dModel: number): number {
  return Math.ceil((8 * dModel) / 3 / 8) * 8;
}

/** Expands an experts grid into runs with stable ids `ex-e{E}-d{d}x{L}-t{D}` (E = 1 is dense). */
export function expandExperts(grid: ExpertsGrid): SweepRun[] {
  const runs: SweepRun[] = [];
  for (const shape of grid.shapes) {
    const dFF = shape.dFF ?? swigluWidth(shape.dModel);
    for (const tokens of grid.tokens) {
      for (const experts of grid.experts) {
        const dense = experts === 1;
        const run: SweepRun = {
          runId: `ex-e${experts}-d${shape.dModel}x${shape.layers}-t${formatTokens(tokens)}`,
          sweep: 'experts',
          family: dense ? 'dense' : 'moe',
          router: dense ? 'none' : 'token-choice',
          dModel: shape.dModel,
          layers: shape.layers,
          heads: shape.heads,
          dFF,
          ffn: 'swiglu',
          expansionRate: experts,
          granularity: 1,
          topK: dense ? 1 : grid.topK,
          moeEvery: grid.moeEvery,
          tokens,
          ...(shape.lr !== undefined ? { lr: shape.lr } : {}),
        };
        runs.push(...withSeedReplicates(run, grid.replicates));
      }
    }
  }
  return runs;
}
