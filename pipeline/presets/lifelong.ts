/**
 * `lifelong`: on a shift of the data distribution, does growing experts with the old ones frozen (Chen et al. 2023,
 * Lifelong-MoE) forget less than fine-tuning? Sized for the 2-core machine (≈ 5 minutes):
 * - old distribution: Moby-Dick (the embedded novel, 1.2 MB); new: State of the Union addresses (a 2 MB seeded subset);
 * - base: token-choice MoE at tiny's d_model 48 × 2 blocks (fan-in init, lr 8e-3), E = 4, G = 2 (8 experts of width
 *   96, 2 active), output LayerNorm, 500k tokens of Moby-Dick;
 * - from each base, 250k tokens of State of the Union in three arms: fine-tune (same model, nothing frozen),
 *   grow-frozen (E = 8: 8 new experts and router columns; the base's experts and their router columns frozen) and
 *   grow (the same 16 experts, nothing frozen, to tell freezing from added capacity);
 * - seeds 0-4 (each its own base), so the claim pairs the arms per seed.
 * Every run is evaluated on both corpora before its first step and after its last (`lifelong/s<seed>.json`).
 */
import type { PresetInput } from './schema';
import tiny from './tiny';

const lifelong = {
  name: 'lifelong',
  description: 'Lifelong-MoE: grow experts with the old ones frozen vs fine-tune after a shift from Moby-Dick to State of the Union: 5 seeds × 4 runs, ~5 minutes on 2 CPU cores',
  corpus: tiny.corpus,
  sweeps: {
    lifelong: {
      shape: { dModel: 48, layers: 2, heads: 2, lr: 8e-3 },
      moe: { expansionRate: 4, granularity: 2, topK: 1 },
      corpora: {
        old: { name: 'lifelong-moby-dick', sources: [{ kind: 'embedded', dataset: 'moby-dick' }], valFraction: 0.1, splitSeed: 0, tokenizer: 'byte' },
        new: { name: 'lifelong-sotu', sources: [{ kind: 'embedded', dataset: 'sotu' }], valFraction: 0.1, splitSeed: 0, tokenizer: 'byte', maxBytes: 2_000_000 },
      },
      tokens: { old: 500_000, new: 250_000 },
      grow: { expansionRate: 8, freeze: ['old-experts', 'old-router'] },
      seeds: [0, 1, 2, 3, 4],
    },
  },
  train: { ...tiny.train, capacityFactor: null },
  fit: { laws: [], sensitivity: false },
  // the notebooks walk through the two papers' sweeps and fits, which this preset does not have
  notebooks: { execute: false },
} satisfies PresetInput;
export default lifelong;
