/**
 * Typed, zod-validated model configuration. `parseModelConfig` turns user JSON into a fully resolved
 * `ModelConfig` (defaults filled in) or throws a `ConfigError` naming the field and the fix, before
 * anything is built or trained.
 */
import { z } from 'zod';
import { ConfigError } from './errors';

const posInt = z.number().int().positive();

/** Default capacity factor of token choice (llm-random's 1.25). */
export const TOKEN_CHOICE_CAPACITY_FACTOR = 1.25;
/** Default capacity factor of expert choice: each expert takes exactly its share of the group (Krajewski et al.). */
export const EXPERT_CHOICE_CAPACITY_FACTOR = 1;

/** MoE layer settings, parametrised as in Krajewski et al. 2024 (expansion rate E, granularity G). */
export const MoeConfigSchema = z
  .object({
    /** `token-choice` (softmax, top-k per token, capacity) or `expert-choice` (each expert takes its top tokens). */
    router: z.enum(['token-choice', 'expert-choice']),
    /** Expansion rate E: total expert width = E · d_ff (Krajewski). Default 8. */
    expansionRate: posInt.default(8),
    /** Granularity G: E·G experts of width d_ff/G; a token activates G·topK of them. Default 1. */
    granularity: posInt.default(1),
    /** Base k (experts per token at G = 1); the effective k is G · topK. Default 1. */
    topK: posInt.default(1),
    /**
     * Capacity factor: each expert processes at most ceil(cf · k_eff · groupTokens / experts) tokens.
     * `null` = unlimited (token choice only). Default 1.25 (token choice, llm-random), 1 (expert choice).
     */
    capacityFactor: z.number().positive().nullable().optional(),
    /** Routing group size in tokens (expert choice groups tokens of one position across sequences). Default 256. */
    groupSize: posInt.default(256),
    /** MoE replaces the FFN in every `every`-th block (1 = all; Yun et al. use 2). Default 1. */
    every: posInt.default(1),
    /**
     * Shared-expert isolation (Dai et al. 2024, DeepSeekMoE §3.2): this many of the E·G experts (each of width
     * d_ff/G) are always active and this many of the G·topK activated experts are they, so the router chooses
     * G·topK − s of E·G − s routed experts, and total and active parameters equal those of the same E, G, topK
     * without sharing. Default 0.
     */
    sharedExperts: z.number().int().nonnegative().default(0),
    /** Load-balancing loss coefficient (token choice). Default 0.01. */
    lbCoef: z.number().nonnegative().default(0.01),
    /** Router z-loss coefficient. Default 0.001. */
    zCoef: z.number().nonnegative().default(0.001),
    /** LayerNorm on the MoE output (Krajewski: crucial for G > 1). Default: true for expert choice, else false. */
    outputLayerNorm: z.boolean().optional(),
  })
  .strict();

/**
 * PEER layer settings (He 2024, "Mixture of A Million Experts", arXiv 2407.04202): N single-neuron experts
 * e_i(x) = GELU(u_i·x)·v_i retrieved per token by product keys: each of `heads` query heads maps x to a query of
 * `keyDim` split in two halves, scores each half against one of two sets of √N sub-keys, keeps the top k of each
 * set and then the top k of the k² sums (exactly the top k over all N product keys), and weights the k retrieved
 * experts by a softmax over their scores. Every head shares the experts and the sub-keys; the layer's output is
 * the sum over heads.
 */
export const PeerConfigSchema = z
  .object({
    /** Experts N, a perfect square (√N sub-keys per half), at least 4. */
    experts: posInt,
    /** Retrieval heads h (each its own query). Default 4. */
    heads: posInt.default(4),
    /** Experts each head retrieves, k (≤ √N). Default 16. */
    topK: posInt.default(16),
    /** Query width (even; each sub-key has keyDim / 2). Default 32. */
    keyDim: posInt.default(32),
    /** PEER replaces the FFN in every `every`-th block (1 = all). Default 1. */
    every: posInt.default(1),
  })
  .strict();

/** Initialisations of the weight matrices (`ModelConfig.init`; see `matrixInitStd` in ./weights.ts). */
export const INIT_KINDS = ['gpt2', 'fan-in'] as const;

export const ModelConfigSchema = z
  .object({
    /** Vocabulary size (256 for bytes). Default 256. */
    vocab: z.number().int().min(2).default(256),
    /** Hidden size d_model. */
    dModel: posInt,
    /** Number of transformer blocks. */
    layers: posInt,
    /** Attention heads (must divide dModel). */
    heads: posInt,
    /** Dense FFN width d_ff. Default 4 · dModel. */
    dFF: posInt.optional(),
    /** Feed-forward kind: `gelu` (2 matrices) or `swiglu` (3 matrices, Yun et al.). Default gelu. */
    ffn: z.enum(['gelu', 'swiglu']).default('gelu'),
    /** Share the token embedding with the unembedding. Default true. */
    tiedEmbeddings: z.boolean().default(true),
    /** Maximum sequence length (rows of the position embedding). Default: the data's seqLen. */
    contextLength: posInt.optional(),
    /**
     * Std σ of the truncated-normal init (±2σ) of the embeddings, and under `init: 'gpt2'` of every weight matrix
     * (residual output projections σ/sqrt(2·layers)). Default 0.02 (GPT-2).
     */
    initStd: z.number().positive().default(0.02),
    /**
     * Initialisation of the weight matrices (see `matrixInitStd` in ./weights.ts): `gpt2` (default) gives every
     * matrix σ = initStd, a width-independent value made for d_model 768+; `fan-in` gives an [in, out] matrix the
     * std sqrt(initScale / in) (LeCun normal; μP's hidden-weight scaling), so narrow models and narrow experts
     * (width d_ff/G) start with unit-scale activations. Residual projections are divided by sqrt(2·layers) in both;
     * embeddings keep initStd in both.
     */
    init: z.enum(INIT_KINDS).default('gpt2'),
    /** Variance scale s of `init: 'fan-in'` (std = sqrt(s / fan_in)). Default 1; only with `init: 'fan-in'`. */
    initScale: z.number().positive().optional(),
    /** MoE settings, or null for a dense model. Default null. */
    moe: MoeConfigSchema.nullable().default(null),
    /** PEER settings (product-key retrieval of single-neuron experts), or null; not together with `moe`. Default null. */
    peer: PeerConfigSchema.nullable().default(null),
  })
  .strict();

export type ModelConfigInput = z.input<typeof ModelConfigSchema>;

export interface MoeConfig {
  router: 'token-choice' | 'expert-choice';
  expansionRate: number;
  granularity: number;
  topK: number;
  /** null = unlimited capacity. */
  capacityFactor: number | null;
  groupSize: number;
  every: number;
  sharedExperts: number;
  lbCoef: number;
  zCoef: number;
  outputLayerNorm: boolean;
}

export interface PeerConfig {
  experts: number;
  heads: number;
  topK: number;
  keyDim: number;
  every: number;
}

export interface ModelConfig {
  vocab: number;
  dModel: number;
  layers: number;
  heads: number;
  dFF: number;
  ffn: 'gelu' | 'swiglu';
  tiedEmbeddings: boolean;
  contextLength: number;
  initStd: number;
  /** `gpt2`: every matrix σ = initStd; `fan-in`: std sqrt(initScale / fan_in). */
  init: (typeof INIT_KINDS)[number];
  /** Variance scale of `fan-in` (1 when not set; unused by `gpt2`). */
  initScale: number;
  moe: MoeConfig | null;
  peer: PeerConfig | null;
}

/** Convert the first zod issue into a ConfigError naming the dotted field path. */
export function zodToConfigError(err: z.ZodError, prefix: string): ConfigError {
  const issue = err.issues[0]!;
  const field = [prefix, ...issue.path.map(String)].filter((s) => s !== '').join('.');
  let hint = issue.message;
  if (issue.code === 'unrecognized_keys') {
    const keys = (issue as { keys?: string[] }).keys ?? [];
    return new ConfigError(
      field || prefix || '(root)',
      `unknown key(s) ${keys.map((k) => `"${k}"`).join(', ')}; remove them or fix the spelling`,
    );
  }
  return new ConfigError(field || prefix || '(root)', `${hint}; fix this value in the config`);
}

/** Experts per MoE layer, shared ones included: E · G. */
export function expertCount(moe: MoeConfig): number {
  return moe.expansionRate * moe.granularity;
}
/** Experts a token activates (token choice) or the average per token (expert choice), shared ones included: G · topK. */
export function effectiveTopK(moe: MoeConfig): number {
  return moe.granularity * moe.topK;
}
/** Experts the router chooses among: E · G − shared (DeepSeekMoE's mN − K_s). */
export function routedExpertCount(moe: MoeConfig): number {
  return expertCount(moe) - moe.sharedExperts;
}
/** Routed experts a token activates (token choice) or the average per token (expert choice): G · topK − shared (mK − K_s). */
export function routedTopK(moe: MoeConfig): number {
  return effectiveTopK(moe) - moe.sharedExperts;
}
/** Width of one expert: d_ff / G. */
export function expertWidth(cfg: ModelConfig): number {
  return cfg.moe ? cfg.dFF / cfg.moe.granularity : cfg.dFF;
}
/** Whether block `layer` (0-based) is an MoE block: blocks every-1, 2·every-1, … (Yun: the second of each pair). */
export function isMoeLayer(cfg: ModelConfig, layer: number): boolean {
  return cfg.moe !== null && (layer + 1) % cfg.moe.every === 0;
}
/** Whether block `layer` (0-based) is a PEER block: blocks every-1, 2·every-1, … as for MoE. */
export function isPeerLayer(cfg: ModelConfig, layer: number): boolean {
  return cfg.peer !== null && (layer + 1) % cfg.peer.every === 0;
}
/** Sub-keys per half of a PEER layer: √N. */
export function peerSubKeys(peer: PeerConfig): number {
  return Math.round(Math.sqrt(peer.experts));
}

/**
 * Validate and resolve a model configuration. `defaults.contextLength` fills `contextLength` when the
 * JSON leaves it out (the trainer passes its data seqLen). Throws `ConfigError`.
 */
export function parseModelConfig(input: unknown, defaults: { contextLength?: number } = {}, prefix = 'model'): ModelConfig {
  const parsed = ModelConfigSchema.safeParse(input);
  if (!parsed.success) throw zodToConfigError(parsed.error, prefix);
  const m = parsed.data;
  const dFF = m.dFF ?? 4 * m.dModel;
  const contextLength = m.contextLength ?? defaults.contextLength;
  if (contextLength === undefined) {
    throw new ConfigError(`${prefix}.contextLength`, 'missing; set it (or data.seqLen) to the longest sequence the model sees');
  }
  if (m.dModel % m.heads !== 0) {
    throw new ConfigError(`${prefix}.heads`, `${m.heads} heads do not divide dModel ${m.dModel}; pick a divisor of dModel`);
  }
  if (m.initScale !== undefined && m.init !== 'fan-in') {
    throw new ConfigError(`${prefix}.initScale`, `applies only to init 'fan-in' (init is '${m.init}'); set init: 'fan-in' or remove initScale`);
  }
  let moe: MoeConfig | null = null;
  if (m.moe) {
    const e = m.moe;
    if (dFF % e.granularity !== 0) {
      throw new ConfigError(
        `${prefix}.moe.granularity`,
        `granularity ${e.granularity} does not divide dFF ${dFF}; choose G dividing d_ff so experts have integer width`,
      );
    }
    const experts = e.expansionRate * e.granularity;
    const k = e.topK * e.granularity;
    if (k > experts) {
      throw new ConfigError(
        `${prefix}.moe.topK`,
        `effective k = G·topK = ${k} exceeds the ${experts} experts (E·G); lower topK to at most expansionRate (${e.expansionRate})`,
      );
    }
    if (e.sharedExperts >= k) {
      throw new ConfigError(
        `${prefix}.moe.sharedExperts`,
        `${e.sharedExperts} shared experts take all ${k} activated experts (G·topK), leaving the router nothing to choose; use at most ${k - 1}, or raise granularity or topK`,
      );
    }
    if (e.every > m.layers) {
      throw new ConfigError(`${prefix}.moe.every`, `every = ${e.every} exceeds layers = ${m.layers}, so no block would be MoE; use every ≤ layers`);
    }
    if (e.router === 'expert-choice' && e.capacityFactor === null) {
      throw new ConfigError(`${prefix}.moe.capacityFactor`, 'expert choice needs a finite capacity factor; set a positive number (default 1)');
    }
    moe = {
      router: e.router,
      expansionRate: e.expansionRate,
      granularity: e.granularity,
      topK: e.topK,
      capacityFactor: e.capacityFactor === undefined ? (e.router === 'expert-choice' ? EXPERT_CHOICE_CAPACITY_FACTOR : TOKEN_CHOICE_CAPACITY_FACTOR) : e.capacityFactor,
      groupSize: e.groupSize,
      every: e.every,
      sharedExperts: e.sharedExperts,
      lbCoef: e.lbCoef,
      zCoef: e.zCoef,
      outputLayerNorm: e.outputLayerNorm ?? e.router === 'expert-choice',
    };
  }
  let peer: PeerConfig | null = null;
  if (m.peer) {
    const q = m.peer;
    if (m.moe) throw new ConfigError(`${prefix}.peer`, 'a model has either moe or peer layers, not both; set one of them to null');
    const root = Math.round(Math.sqrt(q.experts));
    if (root * root !== q.experts || root < 2) {
      throw new ConfigError(`${prefix}.peer.experts`, `${q.experts} is not a perfect square ≥ 4 (product keys need √N sub-keys per half); use e.g. ${Math.max(2, Math.floor(Math.sqrt(q.experts))) ** 2} or ${(Math.max(2, Math.floor(Math.sqrt(q.experts))) + 1) ** 2}`);
    }
    if (q.topK > root) throw new ConfigError(`${prefix}.peer.topK`, `k = ${q.topK} exceeds the ${root} sub-keys per half (√N); use k ≤ ${root}`);
    if (q.keyDim % 2 !== 0) throw new ConfigError(`${prefix}.peer.keyDim`, `${q.keyDim} is odd; the query splits into two halves, so use an even width`);
    if (q.every > m.layers) throw new ConfigError(`${prefix}.peer.every`, `every = ${q.every} exceeds layers = ${m.layers}, so no block would be PEER; use every ≤ layers`);
    peer = { experts: q.experts, heads: q.heads, topK: q.topK, keyDim: q.keyDim, every: q.every };
  }
  return {
    vocab: m.vocab,
    dModel: m.dModel,
    layers: m.layers,
    heads: m.heads,
    dFF,
    ffn: m.ffn,
    tiedEmbeddings: m.tiedEmbeddings,
    contextLength,
    initStd: m.initStd,
    init: m.init,
    initScale: m.initScale ?? 1,
    moe,
    peer,
  };
}
