/**
 * Exact parameter counts and training FLOPs of moelab's own architecture (src/model), per paper convention.
 * Counts follow `weightSpecs` (the list the model is built from), so they equal the built model's weights
 * by construction and a test checks it against the tfjs variables. Paper formulas come from `./formulas`.
 */
import { ModelConfig, isMoeLayer, isPeerLayer, routedExpertCount, routedTopK } from '../model/config';
import { weightSpecs } from '../model/weights';
import {
  chinchillaTrainingFlops,
  krajewskiDenseTrainingFlops,
  krajewskiTrainingFlops,
  KRAJEWSKI_C_F,
  peerMultiplyAddsPerToken,
} from './formulas';

export interface ParamCounts {
  /** All non-embedding weights, routers included (RunSummary.paramsTotal). */
  total: number;
  /** Non-embedding weights used per token, routers excluded (Krajewski §2; RunSummary.paramsActive). */
  active: number;
  /** Non-embedding weights of the corresponding dense model (same layers, d_model, d_ff): Yun's N. */
  dense: number;
  /** Token + position embedding, plus the unembedding when untied. */
  embedding: number;
  /** Router weights (all MoE layers). */
  router: number;
  /** PEER retrieval weights: queries and both sub-key tables (all PEER layers; active, as every token uses them). */
  retrieval: number;
  /** Routed expert weights (all experts, all MoE layers; a PEER layer's N expert input and output vectors). */
  experts: number;
  /** Shared-expert weights. */
  shared: number;
  /** Attention weights. */
  attention: number;
  /** Dense FFN weights (non-MoE blocks). */
  ffn: number;
  /** LayerNorm gains and biases. */
  norm: number;
  /** Every weight of the built model: total + embedding. */
  all: number;
  /** Experts a token uses on average in each MoE layer, shared ones included (routed per token + shared); h · k for PEER. */
  expertsPerToken: number;
}

/** Average routed experts per token: k_routed for token choice, capacityFactor · k_routed for expert choice; 0 for dense. */
export function routedExpertsPerToken(cfg: ModelConfig): number {
  if (!cfg.moe) return 0;
  const k = routedTopK(cfg.moe);
  return cfg.moe.router === 'expert-choice' ? (cfg.moe.capacityFactor ?? 1) * k : k;
}

/** Average experts per token, shared ones included: routed per token + shared; heads · k for PEER; 1 for dense. */
export function expertsPerToken(cfg: ModelConfig): number {
  if (cfg.peer) return cfg.peer.heads * cfg.peer.topK;
  if (!cfg.moe) return 1;
  return routedExpertsPerToken(cfg) + cfg.moe.sharedExperts;
}

/** Exact weight counts of the model `cfg` describes. */
export function countParams(cfg: ModelConfig): ParamCounts {
  const sums = { embedding: 0, attention: 0, ffn: 0, expert: 0, shared: 0, router: 0, retrieval: 0, norm: 0 };
  for (const s of weightSpecs(cfg)) sums[s.group] += s.shape.reduce((a, b) => a * b, 1);
  const total = sums.attention + sums.ffn + sums.expert + sums.shared + sums.router + sums.retrieval + sums.norm;
  let active = total - sums.router;
  if (cfg.moe) {
    // routed experts count as often as tokens use them; shared experts (group `shared`) are always active
    const experts = routedExpertCount(cfg.moe);
    const moeLayers = Array.from({ length: cfg.layers }, (_, l) => isMoeLayer(cfg, l)).filter(Boolean).length;
    const perExpert = sums.expert / (experts * moeLayers);
    active = active - sums.expert + Math.min(experts, routedExpertsPerToken(cfg)) * perExpert * moeLayers;
  }
  if (cfg.peer) {
    // a token uses every retrieval weight and the h · k experts its heads retrieve (2 · d_model weights each)
    const peerLayers = Array.from({ length: cfg.layers }, (_, l) => isPeerLayer(cfg, l)).filter(Boolean).length;
    active = active - sums.expert + Math.min(cfg.peer.experts, expertsPerToken(cfg)) * 2 * cfg.dModel * peerLayers;
  }
  const dense = cfg.moe || cfg.peer ? countParams({ ...cfg, moe: null, peer: null }).total : total;
  return {
    total,
    active,
    dense,
    embedding: sums.embedding,
    router: sums.router,
    retrieval: sums.retrieval,
    experts: sums.expert,
    shared: sums.shared,
    attention: sums.attention,
    ffn: sums.ffn,
    norm: sums.norm,
    all: total + sums.embedding,
    expertsPerToken: expertsPerToken(cfg),
  };
}

export interface TrainingFlops {
  /**
   * Krajewski et al. Eq. 10/11 with c_f = 6, c_r = 14: (12d²·c_f + d·E·G·c_r)·D per MoE block and
   * 12d²·c_f·D per dense block (the formula's dense case). Assumes the paper's d_ff = 4d shape. A PEER block
   * counts c_f · (4d² attention + its multiply-adds per token, `peerMultiplyAddsPerToken`) · D: the formula's
   * routing term c_r · E · G prices a softmax over every expert, which product-key retrieval replaces.
   */
  krajewski: number;
  /**
   * 6 · N_active · D with N_active the active *non-embedding* parameters (Kaplan et al.'s convention; also Yun et
   * al.'s activated parameters (K·a + 1 − a)·N, §2.1, counted exactly; `RunSummary.flops6ND`).
   */
  sixNDNonEmbedding: number;
  /**
   * 6 · N · D with N *all* active parameters, embeddings and unembedding included, as Hoffmann et al. (App. F) and
   * Besiroglu et al. count them (`RunSummary.flops6NDAll`).
   */
  sixNDAll: number;
}

/** Training FLOPs of `tokens` tokens of the model `cfg`, in each paper's convention. */
export function trainingFlops(cfg: ModelConfig, tokens: number): TrainingFlops {
  const p = countParams(cfg);
  const dModel = cfg.dModel;
  let krajewski: number;
  if (cfg.peer) {
    const peer = cfg.peer;
    const peerBlocks = Array.from({ length: cfg.layers }, (_, l) => isPeerLayer(cfg, l)).filter(Boolean).length;
    const denseBlocks = cfg.layers - peerBlocks;
    krajewski =
      KRAJEWSKI_C_F * (4 * dModel * dModel + peerMultiplyAddsPerToken({ dModel, ...peer })) * tokens * peerBlocks +
      (denseBlocks > 0 ? krajewskiDenseTrainingFlops({ dModel, nBlocks: denseBlocks, tokens }) : 0);
  } else if (!cfg.moe) {
    krajewski = krajewskiDenseTrainingFlops({ dModel, nBlocks: cfg.layers, tokens });
  } else {
    const moeBlocks = Array.from({ length: cfg.layers }, (_, l) => isMoeLayer(cfg, l)).filter(Boolean).length;
    const denseBlocks = cfg.layers - moeBlocks;
    krajewski =
      krajewskiTrainingFlops({
        dModel,
        nBlocks: moeBlocks,
        expansionRate: cfg.moe.expansionRate,
        granularity: cfg.moe.granularity,
        tokens,
      }) + (denseBlocks > 0 ? krajewskiDenseTrainingFlops({ dModel, nBlocks: denseBlocks, tokens }) : 0);
  }
  return {
    krajewski,
    sixNDNonEmbedding: chinchillaTrainingFlops(p.active, tokens),
    sixNDAll: chinchillaTrainingFlops(p.active + p.embedding, tokens),
  };
}
