import { formatCount } from '../../src/util/format';

/**
 * Typed sweep grids: each sweep expands to a list of `SweepRun`s with stable ids. A run id encodes
 * every grid coordinate, so an instance name (`train@<runId>`) never changes when other runs are added.
 */
export type Router = 'none' | 'token-choice' | 'expert-choice' | 'product-key';

/** One model shape of a sweep (the dense "corresponding model" of the paper). */
export interface ModelShape {
  /** Hidden size d_model. */
  dModel: number;
  /** Number of transformer blocks. */
  layers: number;
  /** Attention heads (dModel must be divisible by it). */
  heads: number;
  /** Dense FFN width d_ff; defaults to 4·d_model (GELU) when omitted. */
  dFF?: number;
  /** Peak learning rate of this shape's runs; defaults to the preset's `train.lr` when omitted. */
  lr?: number;
}

/** One training run of a sweep, before it is turned into a trainer config. */
export interface SweepRun {
  /** Stable id, e.g. `fg-moe-e4-g2-d64x2-t500k`. */
  runId: string;
  /** Sweep name: `fine-grained` (Krajewski), `experts` (Yun) or `shared` (DeepSeekMoE's shared experts). */
  sweep: 'fine-grained' | 'experts' | 'shared' | 'peer' | 'lifelong';
  family: 'dense' | 'moe';
  router: Router;
  dModel: number;
  layers: number;
  heads: number;
  dFF: number;
  ffn: 'gelu' | 'swiglu';
  /** Expansion rate E (Krajewski); for the experts sweep it equals the expert count at G = 1. */
  expansionRate: number;
  /** Granularity G; 1 for dense and for the experts sweep. */
  granularity: number;
  /**
   * Base k: experts per token at G = 1, the model config's `moe.topK` (token choice activates G · topK; expert
   * choice uses capacity = G tokens' worth). The run table records the effective k, G · topK.
   */
  topK: number;
  /** MoE in every `moeEvery`-th block (Krajewski: 1, Yun: 2). */
  moeEvery: number;
  /** Training tokens D. */
  tokens: number;
  /** Shared (always-on) experts among the E · G (DeepSeekMoE isolation); absent = none. */
  sharedExperts?: number;
  /** PEER layers in place of every FFN (router `product-key`, family `moe`); absent = none. */
  peer?: { experts: number; heads: number; topK: number; keyDim: number };
  /** LayerNorm on the MoE output; absent = the model config's default (on for expert choice only). */
  outputLayerNorm?: boolean;
  /** Peak learning rate when the shape sets one; absent = the preset's `train.lr`. */
  lr?: number;
  /** Seed of a replicate (init and data order); absent = the preset's `train.seed`. Its id ends in `-s<seed>`. */
  seed?: number;
}

/** Seed replicates of a grid or block: extra seeds for the runs whose d_model and tokens pass the filters. */
export interface Replicates {
  /** Seeds beyond the preset's `train.seed`. */
  seeds: number[];
  /** Only runs of these d_model values (absent: every shape). */
  dModels?: number[];
  /** Only runs of these token counts (absent: every token count). */
  tokens?: number[];
}

/**
 * The run itself (seed absent: the preset's `train.seed`) followed, when it passes the filters, by one replicate per
 * extra seed, each with the id suffix `-s<seed>`.
 */
export function withSeedReplicates(run: SweepRun, replicates: Replicates | undefined): SweepRun[] {
  if (!replicates) return [run];
  if (replicates.dModels && !replicates.dModels.includes(run.dModel)) return [run];
  if (replicates.tokens && !replicates.tokens.includes(run.tokens)) return [run];
  return [run, ...replicates.seeds.map((seed) => ({ ...run, runId: `${run.runId}-s${seed}`, seed }))];
}

/** Formats a token count compactly for ids: 500000 → `500k`, 1500000 → `1p5M`, 16e9 → `16B` (`.` → `p`). */
export function formatTokens(tokens: number): string {
  return formatCount(tokens).replace('.', 'p');
}
