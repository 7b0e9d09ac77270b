import { formatTokens, withSeedReplicates, type ModelShape, type Replicates, type SweepRun } from './types';

/**
 * The shared-expert sweep (Dai et al. 2024, DeepSeekMoE §3.2 and §4.5's ablation; DeepSeek-V2 uses 2 shared +
 * 160 routed experts): fine-grained MoE models (E · G experts of width d_ff/G, token choice of G · topK) with and
 * without shared-expert isolation, at equal total and active parameters: s of the E · G experts are always on and
 * the router picks G · topK − s of the other E · G − s. Every (shape, tokens, G) cell has one run per s, so the claim
 * compares them pairwise.
 */
export interface SharedGrid {
  /** Expansion rate E: total expert width E · d_ff (the fine-grained sweep's meaning). */
  expansionRate: number;
  /** Dense model shapes; d_ff defaults to 4 · d_model (GELU experts, as in the fine-grained sweep). */
  shapes: ModelShape[];
  /** Training-token counts D. */
  tokens: number[];
  /** Granularities G (powers of two); G · topK must exceed the largest count of shared experts. */
  granularities: number[];
  /** Shared-expert counts per cell, 0 (no sharing) included for the comparison (e.g. [0, 1]). */
  sharedExperts: number[];
  /** Base k at G = 1 (the effective k is G · topK, shared ones included). */
  topK: number;
  /**
   * LayerNorm on the MoE output (`moe.outputLayerNorm`), in both arms. Token choice's gates are the router's
   * unrenormalised probabilities (≈ 1/(E·G) early in training), so without it the routed experts' output starts
   * E·G times smaller than a shared expert's (gate 1), and the comparison measures that scale, not the isolation.
   */
  outputLayerNorm: boolean;
  /** Also train the dense baseline of every (shape, tokens), so the report shows whether either arm beats dense. */
  dense: boolean;
  /** Seed replicates of chosen runs (`-s<seed>` ids). */
  replicates?: Replicates;
}

/** Expands a shared-expert grid into runs with stable ids `sh-e{E}-g{G}-sh{s}-d{d}x{L}-t{D}` (dense: `sh-dense-d{d}x{L}-t{D}`). */
export function expandShared(grid: SharedGrid): SweepRun[] {
  const runs: SweepRun[] = [];
  for (const shape of grid.shapes) {
    for (const tokens of grid.tokens) {
      if (grid.dense) {
        const dense: SweepRun = {
          runId: `sh-dense-d${shape.dModel}x${shape.layers}-t${formatTokens(tokens)}`,
          sweep: 'shared',
          family: 'dense',
          router: 'none',
          dModel: shape.dModel,
          layers: shape.layers,
          heads: shape.heads,
          dFF: shape.dFF ?? 4 * shape.dModel,
          ffn: 'gelu',
          expansionRate: 1,
          granularity: 1,
          topK: 1,
          moeEvery: 1,
          tokens,
          ...(shape.lr !== undefined ? { lr: shape.lr } : {}),
        };
        runs.push(...withSeedReplicates(dense, grid.replicates));
      }
      for (const granularity of grid.granularities) {
        for (const shared of grid.sharedExperts) {
          const run: SweepRun = {
            runId: `sh-e${grid.expansionRate}-g${granularity}-sh${shared}-d${shape.dModel}x${shape.layers}-t${formatTokens(tokens)}`,
            sweep: 'shared',
            family: 'moe',
            router: 'token-choice',
            dModel: shape.dModel,
            layers: shape.layers,
            heads: shape.heads,
            dFF: shape.dFF ?? 4 * shape.dModel,
            ffn: 'gelu',
            expansionRate: grid.expansionRate,
            granularity,
            topK: grid.topK,
            moeEvery: 1,
            tokens,
            ...(shared > 0 ? { sharedExperts: shared } : {}),
            outputLayerNorm: grid.outputLayerNorm,
            ...(shape.lr !== undefined ? { lr: shape.lr } : {}),
          };
          runs.push(...withSeedReplicates(run, grid.replicates));
        }
      }
    }
  }
  return runs;
}
