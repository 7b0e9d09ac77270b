/**
 * Parameter and training-FLOPs formulas exactly as each paper states them.
 *
 * This is the single home of these formulas: the model tests, the sweeps, the law fits and the
 * allocation solvers all call these functions. Exact weight counts of a built model live in
 * `./model-params.ts` (they follow our architecture, not a paper's approximation).
 *
 * Units are in the names: `params*` are counts of weights, `tokens` are training tokens,
 * `flops` are floating-point operations (a multiply-add counts as 2).
 */

/** Krajewski et al. 2024 (arXiv 2402.07871) §6.1: constant of the FFN FLOPs (forward + backward), "following Hoffmann et al.". */
export const KRAJEWSKI_C_F = 6;
/** Krajewski et al. 2024 §6.1 / App. E: routing FLOPs per token per expert per d_model (7 pairs of 2 FLOPs). */
export const KRAJEWSKI_C_R = 14;
/** Krajewski et al. 2024 §6.1: fixed aspect ratio d_model = 64 · n_blocks. */
export const KRAJEWSKI_DMODEL_PER_BLOCK = 64;

export interface KrajewskiShape {
  /** Hidden size d_model. */
  dModel: number;
  /** Number of transformer blocks n_blocks. */
  nBlocks: number;
  /** Expansion rate E = N_MoE / N_ff (E = 1 with G = 1 is the dense model). */
  expansionRate: number;
}

/**
 * Total non-embedding parameters, Krajewski et al. 2024 §6.1: `N = d_model² · (8E + 4) · n_blocks`
 * (4d² attention + 8d² per unit of expansion in the MoE feed-forward; routing excluded).
 */
export function krajewskiParamsTotal(shape: KrajewskiShape): number {
  const { dModel, nBlocks, expansionRate } = shape;
  return dModel * dModel * (8 * expansionRate + 4) * nBlocks;
}

/** Active non-embedding parameters, Krajewski et al. 2024 §6.1: `N_act = 12 · d_model² · n_blocks`. */
export function krajewskiParamsActive(shape: Pick<KrajewskiShape, 'dModel' | 'nBlocks'>): number {
  return 12 * shape.dModel * shape.dModel * shape.nBlocks;
}

/**
 * Training FLOPs with routing cost, Krajewski et al. 2024 Eq. 10/11:
 * `F = (12 · d_model² · c_f + d_model · E · G · c_r) · D · n_blocks`.
 * Embedding/unembedding and attention-score (seq²) FLOPs are excluded, as in the paper.
 */
export function krajewskiTrainingFlops(
  shape: KrajewskiShape & { granularity: number; tokens: number },
  constants: { cF?: number; cR?: number } = {},
): number {
  const cF = constants.cF ?? KRAJEWSKI_C_F;
  const cR = constants.cR ?? KRAJEWSKI_C_R;
  const { dModel, nBlocks, expansionRate, granularity, tokens } = shape;
  return (12 * dModel * dModel * cF + dModel * expansionRate * granularity * cR) * tokens * nBlocks;
}

/**
 * Dense training FLOPs in Krajewski's convention (no routing term): `6 · N_act · D`, which equals
 * `krajewskiTrainingFlops` with E·G·c_r = 0.
 */
export function krajewskiDenseTrainingFlops(shape: Pick<KrajewskiShape, 'dModel' | 'nBlocks'> & { tokens: number }): number {
  return KRAJEWSKI_C_F * krajewskiParamsActive(shape) * shape.tokens;
}

/**
 * Total parameters of an MoE with MoE in every other layer, Yun et al. 2024 (arXiv 2404.02852) §4.2 / App. C:
 * `N_MoE = (1 + (E − 1) / 3) · N`, where N is the corresponding dense model (the gated MLP holds 2/3 of it).
 */
export function yunParamsTotal(paramsDense: number, experts: number): number {
  return (1 + (experts - 1) / 3) * paramsDense;
}

/**
 * Activated parameters, Yun et al. 2024 §2.1: `(K·a + (1 − a)) · N` with a the FFN fraction of the dense
 * model's parameters (2/3 for the gated MLP) and K experts per token; with MoE in every other layer only half
 * of the FFN parameters are routed, so `a` is halved by the caller when that applies.
 */
export function yunParamsActive(paramsDense: number, topK: number, ffnFraction: number): number {
  return (topK * ffnFraction + (1 - ffnFraction)) * paramsDense;
}

/** Yun et al. 2024 App. C: attention parameters per layer, `4h² + 4h`. */
export function yunAttentionParamsPerLayer(hidden: number): number {
  return 4 * hidden * hidden + 4 * hidden;
}

/** Yun et al. 2024 App. C: gated-MLP parameters per layer (intermediate ≈ 2.67h), `8.01h² + 6.34h`. */
export function yunGatedMlpParamsPerLayer(hidden: number): number {
  return 8.01 * hidden * hidden + 6.34 * hidden;
}

/** Hoffmann et al. 2022 (Chinchilla) App. F / Kaplan et al. 2020: training FLOPs `C = 6 · N · D`. */
export function chinchillaTrainingFlops(params: number, tokens: number): number {
  return 6 * params * tokens;
}

/**
 * Hoffmann et al. 2022 App. F / Kaplan et al. 2020 inverted: tokens `D = C / (6 · N)` that a budget of `flops`
 * buys a model of `params` parameters (with `params` = 1: the product N · D = C / 6).
 */
export function chinchillaTokensAtFlops(flops: number, params: number): number {
  return flops / chinchillaTrainingFlops(params, 1);
}

/** A PEER layer's shape (He 2024, arXiv 2407.04202 §2; `ModelConfig.peer`). */
export interface PeerShape {
  dModel: number;
  /** Experts N (a perfect square). */
  experts: number;
  /** Retrieval heads h. */
  heads: number;
  /** Experts each head retrieves, k. */
  topK: number;
  /** Query width d_key (each half scores √N sub-keys of width d_key / 2). */
  keyDim: number;
}

/**
 * Multiply-adds per token of one PEER layer, He 2024 §2 ("the complexity of retrieval is O((√N + k²)·d)"): the
 * h queries (d_model · h · d_key), each head's scores against both halves' √N sub-keys (h · √N · d_key), and the
 * h · k retrieved single-neuron experts (2 · d_model each: u_i · x and the scaled v_i). The top-k selections
 * (h · (2√N + k²) comparisons) are not multiply-adds and are left out, as Krajewski et al. leave out routing's sort.
 */
export function peerMultiplyAddsPerToken(shape: PeerShape): number {
  const { dModel, experts, heads, topK, keyDim } = shape;
  return dModel * heads * keyDim + heads * Math.sqrt(experts) * keyDim + heads * topK * 2 * dModel;
}
