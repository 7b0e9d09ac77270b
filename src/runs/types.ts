/**
 * One finished training run: the row of the run table (`results/runs.csv`) and the content of a run's
 * `final.json`. The trainer writes it, the `runs` stage collects it, the laws and figures read it.
 * CSV columns are the snake_case forms of these keys (see `RUN_COLUMNS`). The type is the schema's output, so
 * the run table's reader returns parsed rows, not cast ones.
 */
import { z } from 'zod';

export const RunSummarySchema = z.object({
  /** Stable id, e.g. `fg-moe-e8-g4-d64-t1M` (the matrix instance name without the stage prefix). */
  runId: z.string(),
  /** Which sweep produced it: `fine-grained` (Krajewski), `experts` (Yun), or a user sweep name. */
  sweep: z.string(),
  family: z.enum(['dense', 'moe']),
  /** `product-key`: PEER's retrieval (He 2024); its N single-neuron experts give E = N / d_ff and G = d_ff. */
  router: z.enum(['none', 'token-choice', 'expert-choice', 'product-key']),
  layers: z.number(),
  dModel: z.number(),
  heads: z.number(),
  /** Dense FFN hidden width d_ff (the width a G = 1 expert has). */
  dFF: z.number(),
  /** Expansion rate E (Krajewski); 1 for dense. */
  expansionRate: z.number(),
  /** Granularity G (Krajewski); 1 for dense. */
  granularity: z.number(),
  /** Number of experts = expansionRate × granularity (Yun's E); 1 for dense. */
  experts: z.number(),
  /**
   * Effective k: experts activated per token (token choice) or the average (expert choice), G · the model
   * config's base `moe.topK`; 1 for dense. (Every other `topK` in the house is the base k at G = 1.)
   */
  topKEffective: z.number(),
  /** MoE replaces the FFN in every `moeEvery`-th block (1 = every block; Yun uses 2). */
  moeEvery: z.number(),
  /**
   * Shared (always-on) experts among `experts` and `topKEffective` (DeepSeekMoE's isolation, `moe.sharedExperts`);
   * absent = 0, and the run table has the column `shared_experts` only when some run has them.
   */
  sharedExperts: z.number().int().nonnegative().optional(),
  /**
   * Tokens the run's initial weights had already been trained on (a run continued from another with `initFrom`, e.g.
   * the lifelong sweep's arms); absent = 0 (a fresh initialisation), column `prior_tokens` only when some run has it.
   */
  priorTokens: z.number().int().nonnegative().optional(),
  /** Weights kept frozen at the base run's values (`initFrom.freeze`); absent = 0, column `frozen_weights` only when some run has it. */
  frozenWeights: z.number().int().nonnegative().optional(),
  /** All non-embedding weights (routers included). */
  paramsTotal: z.number(),
  /** Non-embedding weights used per token (routers excluded, as in Krajewski §2). */
  paramsActive: z.number(),
  /** Non-embedding weights of the corresponding dense model (same layers, d_model, d_ff) = Yun's N. */
  paramsDense: z.number(),
  /** Embedding + unembedding + position weights. */
  paramsEmbedding: z.number(),
  /** Training tokens D. */
  tokens: z.number(),
  /** Training FLOPs in Krajewski's convention (Eq. 10/11, c_f = 6, c_r = 14). */
  flopsKrajewski: z.number(),
  /** Training FLOPs 6 · paramsActive · tokens, non-embedding active parameters (Kaplan convention; Yun's activated N). */
  flops6ND: z.number(),
  /** Training FLOPs 6 · (paramsActive + paramsEmbedding) · tokens: every parameter, as Hoffmann et al. App. F count them. */
  flops6NDAll: z.number(),
  /** Final validation loss (nats/token) on the held-out split. */
  valLoss: z.number(),
  /** Exponentially smoothed training LM loss at the end (Krajewski fits this, App. A). */
  trainLossSmoothed: z.number(),
  seed: z.number(),
  backend: z.string(),
  wallSeconds: z.number(),
});

export type RunSummary = z.output<typeof RunSummarySchema>;

export type RunColumn = keyof RunSummary;

/** The optional numeric columns of `runs.csv` (absent = 0): written only when some run has a non-zero value. */
export type OptionalRunColumn = 'sharedExperts' | 'priorTokens' | 'frozenWeights';
export const OPTIONAL_RUN_COLUMNS: ReadonlyArray<readonly [OptionalRunColumn, string]> = [
  ['sharedExperts', 'shared_experts'],
  ['priorTokens', 'prior_tokens'],
  ['frozenWeights', 'frozen_weights'],
] as const;

/** Column order of `runs.csv`, camelCase key → snake_case CSV header (every one required). */
export const RUN_COLUMNS: ReadonlyArray<readonly [Exclude<RunColumn, OptionalRunColumn>, string]> = [
  ['runId', 'run_id'],
  ['sweep', 'sweep'],
  ['family', 'family'],
  ['router', 'router'],
  ['layers', 'layers'],
  ['dModel', 'd_model'],
  ['heads', 'heads'],
  ['dFF', 'd_ff'],
  ['expansionRate', 'expansion_rate'],
  ['granularity', 'granularity'],
  ['experts', 'experts'],
  ['topKEffective', 'top_k'],
  ['moeEvery', 'moe_every'],
  ['paramsTotal', 'params_total'],
  ['paramsActive', 'params_active'],
  ['paramsDense', 'params_dense'],
  ['paramsEmbedding', 'params_embedding'],
  ['tokens', 'tokens'],
  ['flopsKrajewski', 'flops_krajewski'],
  ['flops6ND', 'flops_6nd'],
  ['flops6NDAll', 'flops_6nd_all'],
  ['valLoss', 'val_loss'],
  ['trainLossSmoothed', 'train_loss_smoothed'],
  ['seed', 'seed'],
  ['backend', 'backend'],
  ['wallSeconds', 'wall_seconds'],
] as const;
