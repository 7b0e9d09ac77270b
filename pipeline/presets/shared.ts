/**
 * `shared`: does shared-expert isolation (Dai et al. 2024, DeepSeekMoE §3.2; DeepSeek-V2: 2 shared + 160 routed)
 * help a fine-grained MoE at this scale, and does its benefit depend on the granularity? Sized like `tiny`
 * for the 2-core machine (≈ 10 minutes):
 * - d_model 48/96 × 2 blocks (tiny's shapes, init and learning rates: 8e-3 and 4e-3), token choice (DeepSeekMoE's
 *   router; expert choice cannot hold the active count exact once shared experts leave the groups' capacity),
 *   E = 4, G ∈ {2, 4, 8}, base top-1 (G activated experts of width d_ff/G), × D ∈ {250k, 800k};
 * - each cell without and with one shared expert, at equal total and active parameters: the shared expert is one
 *   of the E·G and takes one of the G activated slots (the router picks G − 1 of E·G − 1), and its dense baseline;
 * - a LayerNorm on the MoE output in both arms: without it, token choice's unrenormalised gates (≈ 1/(E·G) at the
 *   start) leave the routed output far smaller than a gate-1 shared expert's, and a first trial without it measured
 *   that: every unshared run 0.12–0.53 nats worse than tiny's dense run of its cell, the shared arm −0.01–0.56 nats
 *   better than the unshared one (most at G = 2 and 4), and only 6 of its 12 cells ahead of dense;
 * - seed replicates (seeds 1, 2) of every d48 × 250k configuration, so the claim knows the run-to-run noise.
 * No law is fitted and no notebook executed: the claim (`deepseek.shared-expert-helps`) compares paired cells of the
 * run table, and the report states its verdict with the per-G effects.
 */
import type { PresetInput } from './schema';
import tiny from './tiny';

const shared = {
  name: 'shared',
  description: 'shared-expert isolation (DeepSeekMoE) vs none across G at equal total and active parameters, with dense baselines: 42 runs, ~12 minutes on 2 CPU cores',
  corpus: tiny.corpus,
  sweeps: {
    shared: {
      expansionRate: 4,
      shapes: [
        { dModel: 48, layers: 2, heads: 2, lr: 8e-3 },
        { dModel: 96, layers: 2, heads: 2, lr: 4e-3 },
      ],
      tokens: [250_000, 800_000],
      granularities: [2, 4, 8],
      sharedExperts: [0, 1],
      topK: 1,
      replicates: { seeds: [1, 2], dModels: [48], tokens: [250_000] },
    },
  },
  train: { ...tiny.train, capacityFactor: null },
  fit: { laws: [], sensitivity: false },
  // the notebooks walk through the two papers' sweeps and fits, which this preset does not have
  notebooks: { execute: false },
} satisfies PresetInput;
export default shared;
