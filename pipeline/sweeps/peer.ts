import { formatTokens, withSeedReplicates, type ModelShape, type Replicates, type SweepRun } from './types';

/**
 * The PEER sweep (He 2024, "Mixture of A Million Experts", arXiv 2407.04202): the FFN of every block replaced by a
 * PEER layer of N single-neuron experts retrieved by product keys, N growing at fixed heads h, retrievals per head
 * k and query width, so the experts a token uses (h · k of 2 · d_model weights each) stay fixed while the pool
 * grows; retrieval grows as h · √N · d_key. Beside it, in every (shape, tokens) cell: the dense model and a
 * fine-grained token-choice MoE (E · G experts of width d_ff/G, G activated) at the dense model's active parameters.
 */
export interface PeerGrid {
  /** Dense model shapes; d_ff defaults to 4 · d_model (the baselines' FFN). */
  shapes: ModelShape[];
  /** Training-token counts D. */
  tokens: number[];
  /** Expert counts N (perfect squares; √N sub-keys per half), e.g. 1024 … 65536. */
  experts: number[];
  /** Retrieval heads h. */
  heads: number;
  /** Experts each head retrieves, k (≤ √N of the smallest N). */
  topK: number;
  /** Query width d_key (even). */
  keyDim: number;
  /** Also train each cell's dense baseline. */
  dense: boolean;
  /** A fine-grained token-choice MoE baseline per cell (E, G; top-1 at G = 1, so G activated), or null for none. */
  moe: { expansionRate: number; granularity: number } | null;
  /** Seed replicates of chosen runs (`-s<seed>` ids). */
  replicates?: Replicates;
}

/**
 * Expands a PEER grid into runs with stable ids `peer-n{N}-h{h}k{k}-d{d}x{L}-t{D}` (N written out: `peer-n65536-…`),
 * `peer-dense-d{d}x{L}-t{D}` and `peer-moe-e{E}-g{G}-d{d}x{L}-t{D}`.
 */
export function expandPeer(grid: PeerGrid): SweepRun[] {
  const runs: SweepRun[] = [];
  for (const shape of grid.shapes) {
    const dFF = shape.dFF ?? 4 * shape.dModel;
    const at = `d${shape.dModel}x${shape.layers}`;
    for (const tokens of grid.tokens) {
      const base = {
        sweep: 'peer' as const,
        dModel: shape.dModel,
        layers: shape.layers,
        heads: shape.heads,
        dFF,
        ffn: 'gelu' as const,
        moeEvery: 1,
        tokens,
        ...(shape.lr !== undefined ? { lr: shape.lr } : {}),
      };
      const t = formatTokens(tokens);
      if (grid.dense) {
        runs.push(...withSeedReplicates({ ...base, runId: `peer-dense-${at}-t${t}`, family: 'dense', router: 'none', expansionRate: 1, granularity: 1, topK: 1 }, grid.replicates));
      }
      if (grid.moe) {
        const { expansionRate, granularity } = grid.moe;
        runs.push(
          ...withSeedReplicates(
            { ...base, runId: `peer-moe-e${expansionRate}-g${granularity}-${at}-t${t}`, family: 'moe', router: 'token-choice', expansionRate, granularity, topK: 1, outputLayerNorm: true },
            grid.replicates,
          ),
        );
      }
      for (const experts of grid.experts) {
        const run: SweepRun = {
          ...base,
          runId: `peer-n${experts}-h${grid.heads}k${grid.topK}-${at}-t${t}`,
          family: 'moe',
          router: 'product-key',
          // Krajewski's terms for the run table: N experts of width 1
          expansionRate: experts / dFF,
          granularity: dFF,
          topK: grid.topK,
          peer: { experts, heads: grid.heads, topK: grid.topK, keyDim: grid.keyDim },
        };
        runs.push(...withSeedReplicates(run, grid.replicates));
      }
    }
  }
  return runs;
}
