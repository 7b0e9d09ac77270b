/**
 * `peer`: does a PEER layer (He 2024, "Mixture of A Million Experts") keep improving as its pool of single-neuron
 * experts grows at fixed retrieval, at this scale? Sized like `tiny` for the 2-core machine (≈ 15 minutes):
 * - d_model 48 × 2 blocks (tiny's shape, fan-in init and learning rate 8e-3), the FFN of both blocks replaced by a
 *   PEER layer of N ∈ {1024, 4096, 16384, 65536} experts (32 … 256 sub-keys per half), h = 4 heads retrieving
 *   k = 16 experts each from 32-wide queries, so every token uses 64 experts (6,144 expert weights per layer,
 *   a third of the dense FFN's 18,432) at every N while the pool grows 64×; × D ∈ {250k, 800k};
 * - in each cell the dense model and a fine-grained token-choice MoE (E = 4, G = 4: 16 experts of width 48, 4
 *   active, the dense model's active parameters) as baselines;
 * - seed replicates (seeds 1, 2) of every 250k configuration, so the claim knows the run-to-run noise.
 * Retrieval grows with N (h · √N · d_key multiply-adds a token: 4k at N = 1024, 33k at N = 65536), so the largest
 * pools spend up to ~2× the dense model's FLOPs; the claim's evidence states each N's FLOPs against dense.
 * No law is fitted and no notebook executed: the claim (`he.peer-more-experts-help`) compares paired cells.
 */
import type { PresetInput } from './schema';
import tiny from './tiny';

const peer = {
  name: 'peer',
  description: 'PEER (product-key retrieval of single-neuron experts) at N = 1k-65k experts and fixed retrieval, with dense and fine-grained MoE baselines: 24 runs, ~15 minutes on 2 CPU cores',
  corpus: tiny.corpus,
  sweeps: {
    peer: {
      shapes: [{ dModel: 48, layers: 2, heads: 2, lr: 8e-3 }],
      tokens: [250_000, 800_000],
      experts: [1024, 4096, 16384, 65536],
      heads: 4,
      topK: 16,
      keyDim: 32,
      dense: true,
      moe: { expansionRate: 4, granularity: 4 },
      replicates: { seeds: [1, 2], tokens: [250_000] },
    },
  },
  train: { ...tiny.train, capacityFactor: null },
  fit: { laws: [], sensitivity: false },
  // the notebooks walk through the two papers' sweeps and fits, which this preset does not have
  notebooks: { execute: false },
} satisfies PresetInput;
export default peer;
