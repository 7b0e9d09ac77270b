import { yunParamsTotal } from '../accounting/formulas';
import { yunActiveParams } from '../laws/allocation/experts';

/** What the serving-cost model needs to know about a model. */
export interface ServedModel {
  /** All weights held in GPU memory N_m (every expert). */
  paramsTotal: number;
  /** Weights used per token (top-k experts). */
  paramsActive: number;
  /** hidden size × layers (h·l): the KV cache holds 2·h·l values per token. */
  hiddenLayers: number;
  /** Number of layers l (for the interconnect term). */
  layers: number;
  /** Bytes per weight and per KV value. Default 2 (fp16/bf16). */
  bytesPerValue: number;
}

/** Yun et al. 2024 Table 1 configurations (d_model, n_layers, n_heads, non-embedding params; "184, 64, 768" read as 184,064,768). */
export const YUN_TABLE1_SHAPES: ReadonlyArray<{ name: string; hidden: number; layers: number; heads: number; params: number }> = [
  { name: '100M', hidden: 768, layers: 12, heads: 8, params: 81_395_712 },
  { name: '200M', hidden: 896, layers: 14, heads: 8, params: 184_064_768 },
  { name: '320M', hidden: 1024, layers: 16, heads: 12, params: 289_406_976 },
  { name: '730M', hidden: 1536, layers: 16, heads: 16, params: 679_477_248 },
];

/**
 * Least-squares fit (in log space) of Yun et al.'s shape assumption `h·l = μ · N^(2/3)` (App. C, Fig. 8):
 * log μ = mean(log(h·l) − (2/3) log N). Returns μ and the points for Fig. 8.
 */
export function fitHiddenLayers(configs: ReadonlyArray<{ hidden: number; layers: number; params: number }> = YUN_TABLE1_SHAPES): {
  mu: number;
  points: { params: number; hiddenLayers: number; fitted: number }[];
} {
  const logMu = configs.reduce((s, c) => s + Math.log(c.hidden * c.layers) - (2 / 3) * Math.log(c.params), 0) / configs.length;
  const mu = Math.exp(logMu);
  return { mu, points: configs.map((c) => ({ params: c.params, hiddenLayers: c.hidden * c.layers, fitted: mu * Math.pow(c.params, 2 / 3) })) };
}

export interface YunModelOptions {
  /** μ of h·l = μ N^(2/3). Default: fitted on Yun Table 1. */
  mu?: number;
  /** Experts per token. Default 2. */
  topK?: number;
  /** Bytes per value. Default 2. */
  bytesPerValue?: number;
  /** Aspect ratio d_model / n_layers used to split h·l into h and l. Default 64 (Yun Table 1's smaller models). */
  aspectRatio?: number;
}

/** A Yun-style MoE (MoE every other layer, top-2) of dense size N and E experts, as served. */
export function yunServedModel(paramsDense: number, experts: number, options: YunModelOptions = {}): ServedModel {
  const mu = options.mu ?? fitHiddenLayers().mu;
  const hiddenLayers = mu * Math.pow(paramsDense, 2 / 3);
  return {
    paramsTotal: yunParamsTotal(paramsDense, experts),
    paramsActive: yunActiveParams(paramsDense, experts, options.topK),
    hiddenLayers,
    layers: Math.max(1, Math.sqrt(hiddenLayers / (options.aspectRatio ?? 64))),
    bytesPerValue: options.bytesPerValue ?? 2,
  };
}
