/**
 * `tiny`: the default main job. Full embedded corpus (Moby Dick + State of the Union, ~12 MB of English), sized so
 * the whole DAG finishes in under ten minutes on 2 CPU cores (7.5 min measured, 2026-12-04; 15.5 min on 2026-12-02, before the fused CPU kernels) and every run ends well below the unigram
 * plateau (the claims stage checks it per run: moelab.off-plateau):
 * - fine-grained (Krajewski): d_model 24/48/96 (active non-embedding N 1.4e4–2.2e5, 1.2 decades) × D ∈ {80k, 250k,
 *   800k} (a decade) × G ∈ {1, 2, 4, 8} at E = 4, plus dense baselines (45 runs), and seed replicates (seeds 1, 2)
 *   of the d48 × 250k cell (10 runs), so the claims know the run-to-run noise. d_model 24 starts at 125k tokens,
 *   not 80k: at 79 steps its runs leave the unigram plateau late and seed-dependently (d24 × 80k over seeds 0–3:
 *   dense 2.66–2.89, G = 1 2.59–2.79 against the 2.82 threshold; the G = 1 run of seed 0 was the one configuration
 *   the plateau diagnostic could not decide); at 125k seed 0 ends at 2.45–2.59 and three of four seeds below 2.62;
 * - experts (Yun): d_model 24/48 × E ∈ {1, 4, 8, 16, 32} × D ∈ {160k, 640k}, top-2, MoE every second block
 *   (20 runs), with seed replicates of the d24 × 160k cell (10 runs).
 *
 * Initialisation and learning rates come from a documented sweep (README, "How tiny was chosen"): GPT-2's width-blind
 * σ = 0.02 left most runs of the previous design on the plateau (valLoss 2.97–3.05 against a unigram entropy of
 * 3.02); LeCun fan-in scaling with variance 0.25/fan_in (σ = 0.5/√d_model for d_model-wide inputs, the μP hidden
 * weight scaling) and embeddings at σ 0.0625 gave the lowest loss for dense GELU, dense SwiGLU and both routers at
 * d_model 32 and 64 (128k tokens). Peak lr per size is the best of {2, 4, 8}·1e-3 at 200k tokens for dense and
 * G = 4 MoE together: 8e-3 at d_model 24 and 48, 4e-3 at 96 (8e-3 destabilised the d96 dense run). The experts
 * sweep (SwiGLU, token choice) at 8e-3 spread its seeds by up to 0.4 nats and spiked one d48 run; 5e-3 had the
 * lowest seed-mean loss of {3, 5, 8}·1e-3 on d24 dense and E = 16 (3 seeds each, 128k tokens).
 */
import type { PresetInput } from './schema';

const shape = (dModel: number, layers: number, heads: number, lr: number) => ({ dModel, layers, heads, lr });

const tiny = {
  name: 'tiny',
  description: 'default main job: embedded corpus, 85 small runs (seed replicates included), ~8 minutes on 2 CPU cores',
  corpus: {
    name: 'stdlib-en',
    sources: [
      { kind: 'embedded', dataset: 'moby-dick' },
      { kind: 'embedded', dataset: 'sotu' },
    ],
    valFraction: 0.05,
    splitSeed: 0,
    tokenizer: 'byte',
  },
  sweeps: {
    fineGrained: {
      expansionRate: 4,
      moe: [
        {
          shapes: [shape(24, 2, 2, 8e-3)],
          tokens: [125_000, 250_000, 800_000],
          granularities: [1, 2, 4, 8],
        },
        {
          shapes: [shape(48, 2, 2, 8e-3), shape(96, 2, 2, 4e-3)],
          tokens: [80_000, 250_000, 800_000],
          granularities: [1, 2, 4, 8],
          replicates: { seeds: [1, 2], dModels: [48], tokens: [250_000] },
        },
      ],
      dense: [
        { shapes: [shape(24, 2, 2, 8e-3)], tokens: [125_000, 250_000, 800_000] },
        {
          shapes: [shape(48, 2, 2, 8e-3), shape(96, 2, 2, 4e-3)],
          tokens: [80_000, 250_000, 800_000],
          replicates: { seeds: [1, 2], dModels: [48], tokens: [250_000] },
        },
      ],
    },
    experts: {
      shapes: [shape(24, 2, 2, 5e-3), shape(48, 2, 2, 5e-3)],
      experts: [1, 4, 8, 16, 32],
      tokens: [160_000, 640_000],
      topK: 2,
      moeEvery: 2,
      replicates: { seeds: [1, 2], dModels: [24], tokens: [160_000] },
    },
  },
  train: { seqLen: 64, batchSize: 16, lr: 8e-3, init: 'fan-in', initScale: 0.25, initStd: 0.0625, evalsPerRun: 2, evalTokens: 32_768, checkpointsPerRun: 4 },
  analysis: { budgetsFlops: [1e10, 1e11, 1e12, 1e14, 1e17, 1e20, 1e23, 1e25] },
} satisfies PresetInput;
export default tiny;
