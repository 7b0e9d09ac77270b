/**
 * A deterministic synthetic run table shaped like the `smoke`/`tiny` sweeps (fine-grained: E = 8, G ∈ {1,2,4,8},
 * three model sizes, three token budgets, dense baselines; experts: E ∈ {1,4,8,16}, two budgets). Notebooks fall
 * back to it when no results exist, and the figures bench uses it. Losses come from the law library
 * (`fineGrainedLoss`, `chinchillaLoss`, `expertsLoss`) with planted coefficients chosen for byte-level tiny
 * models, times seeded multiplicative noise; parameter and FLOPs counts from `src/accounting`.
 */
import { chinchillaTrainingFlops, krajewskiParamsActive, krajewskiParamsTotal, krajewskiTrainingFlops, yunParamsTotal } from '../accounting/formulas';
import { chinchillaLoss, expertsLoss, fineGrainedLoss, SeededRandom, yunActiveParams, yunTrainingFlops } from '../laws';
import type { ChinchillaCoefficients, ExpertsCoefficients, FineGrainedCoefficients } from '../laws';
import type { RunSummary } from '../runs/types';

/** Planted coefficients for tiny byte-level models (our choice; not from a paper). */
export const SYNTHETIC_COEFFICIENTS = {
  fineGrained: { a: 9, alpha: 0.18, b: 40, beta: 0.22, c: 1.2, g: 3, gamma: 0.5 } as FineGrainedCoefficients,
  dense: { A: 12, alpha: 0.18, B: 40, beta: 0.22, E: 1.2 } as ChinchillaCoefficients,
  experts: { A: 12, alpha: 0.18, B: 0.4, beta: 0.9, C: 40, gamma: 0.22, F: 1.0, d: 0.001, eStart: 2, eMax: 64 } as ExpertsCoefficients,
} as const;

export interface SyntheticRunTableOptions {
  /** Noise seed. Default 0. */
  seed?: number;
  /** Multiplicative noise σ on losses. Default 0.004. */
  noise?: number;
}

function base(): Omit<RunSummary, 'runId' | 'sweep' | 'family'> {
  return {
    router: 'none',
    layers: 2,
    dModel: 64,
    heads: 4,
    dFF: 256,
    expansionRate: 1,
    granularity: 1,
    experts: 1,
    topKEffective: 1,
    moeEvery: 1,
    paramsTotal: 0,
    paramsActive: 0,
    paramsDense: 0,
    paramsEmbedding: 0,
    tokens: 0,
    flopsKrajewski: 0,
    flops6ND: 0,
    flops6NDAll: 0,
    valLoss: 0,
    trainLossSmoothed: 0,
    seed: 0,
    backend: 'synthetic',
    wallSeconds: 0,
  };
}

/** The synthetic run table (about 80 rows). */
export function syntheticRunTable(options: SyntheticRunTableOptions = {}): RunSummary[] {
  const rng = new SeededRandom(options.seed ?? 0);
  const sigma = options.noise ?? 0.004;
  const jitter = () => Math.exp(sigma * rng.normal());
  const rows: RunSummary[] = [];
  const vocab = 256;
  const E = 8;
  for (const [dModel, layers] of [
    [64, 2],
    [96, 3],
    [128, 4],
  ] as const) {
    const shape = { dModel, nBlocks: layers, expansionRate: E };
    const paramsActive = krajewskiParamsActive(shape);
    const paramsTotal = krajewskiParamsTotal(shape);
    for (const tokens of [1e6, 2e6, 4e6]) {
      for (const granularity of [1, 2, 4, 8]) {
        const loss = fineGrainedLoss(SYNTHETIC_COEFFICIENTS.fineGrained, paramsTotal, tokens, granularity) * jitter();
        rows.push({
          ...base(),
          runId: `fg-moe-e${E}-g${granularity}-d${dModel}x${layers}-t${tokens / 1e6}M`,
          sweep: 'fine-grained',
          family: 'moe',
          router: 'expert-choice',
          dModel,
          layers,
          heads: dModel / 32,
          dFF: 4 * dModel,
          expansionRate: E,
          granularity,
          experts: E * granularity,
          topKEffective: granularity,
          paramsTotal,
          paramsActive,
          paramsDense: paramsActive,
          paramsEmbedding: 2 * vocab * dModel,
          tokens,
          flopsKrajewski: krajewskiTrainingFlops({ ...shape, granularity, tokens }),
          flops6ND: chinchillaTrainingFlops(paramsActive, tokens),
          flops6NDAll: chinchillaTrainingFlops(paramsActive + 2 * vocab * dModel, tokens),
          trainLossSmoothed: loss,
          valLoss: loss * 1.01,
          wallSeconds: chinchillaTrainingFlops(paramsActive, tokens) / 4e9 + 2e-6 * tokens * granularity,
        });
      }
      const dense = chinchillaLoss(SYNTHETIC_COEFFICIENTS.dense, paramsActive, tokens) * jitter();
      rows.push({
        ...base(),
        runId: `fg-dense-d${dModel}x${layers}-t${tokens / 1e6}M`,
        sweep: 'fine-grained',
        family: 'dense',
        dModel,
        layers,
        heads: dModel / 32,
        dFF: 4 * dModel,
        paramsTotal: paramsActive,
        paramsActive,
        paramsDense: paramsActive,
        paramsEmbedding: 2 * vocab * dModel,
        tokens,
        flopsKrajewski: chinchillaTrainingFlops(paramsActive, tokens),
        flops6ND: chinchillaTrainingFlops(paramsActive, tokens),
        flops6NDAll: chinchillaTrainingFlops(paramsActive + 2 * vocab * dModel, tokens),
        trainLossSmoothed: dense,
        valLoss: dense * 1.01,
        wallSeconds: chinchillaTrainingFlops(paramsActive, tokens) / 4e9,
      });
    }
  }
  for (const [dModel, layers] of [
    [64, 2],
    [96, 4],
    [128, 4],
  ] as const) {
    const paramsDense = krajewskiParamsActive({ dModel, nBlocks: layers });
    for (const tokens of [1e6, 2e6]) {
      for (const experts of [1, 4, 8, 16]) {
        const loss = expertsLoss(SYNTHETIC_COEFFICIENTS.experts, paramsDense, experts, tokens) * jitter();
        rows.push({
          ...base(),
          runId: `ex-e${experts}-d${dModel}x${layers}-t${tokens / 1e6}M`,
          sweep: 'experts',
          family: experts === 1 ? 'dense' : 'moe',
          router: experts === 1 ? 'none' : 'token-choice',
          dModel,
          layers,
          heads: dModel / 32,
          dFF: 4 * dModel,
          expansionRate: experts,
          experts,
          topKEffective: experts === 1 ? 1 : 2,
          moeEvery: 2,
          paramsTotal: yunParamsTotal(paramsDense, experts),
          paramsActive: yunActiveParams(paramsDense, experts),
          paramsDense,
          paramsEmbedding: 2 * vocab * dModel,
          tokens,
          flopsKrajewski: yunTrainingFlops(paramsDense, experts, tokens),
          flops6ND: yunTrainingFlops(paramsDense, experts, tokens),
          flops6NDAll: yunTrainingFlops(paramsDense, experts, tokens) + chinchillaTrainingFlops(2 * vocab * dModel, tokens),
          valLoss: loss,
          trainLossSmoothed: loss * 0.99,
          wallSeconds: yunTrainingFlops(paramsDense, experts, tokens) / 4e9,
        });
      }
    }
  }
  return rows;
}
