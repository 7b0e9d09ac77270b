import { chinchillaTokensAtFlops, chinchillaTrainingFlops, yunParamsActive, yunParamsTotal } from '../../accounting/formulas';
import type { ExpertsCoefficients } from '../coefficients';
import { expertsLaw } from '../forms';
import { lawLoss } from '../predict';
import { scanThenBrent, type SearchBound } from './scan';

/** Yun et al. 2024: experts per token (top-2 gating, §3.1). */
export const YUN_TOP_K = 2;
/** Fraction of the dense model's parameters that are routed: MLP = 2/3 of each layer, MoE every other layer. */
export const YUN_ROUTED_FRACTION = 1 / 3;

/** Yun et al. 2024 Eq. 4 loss (natural logs), via the law form. */
export function expertsLoss(c: ExpertsCoefficients, paramsDense: number, experts: number, tokens: number): number {
  return lawLoss(expertsLaw, c, [paramsDense, experts, tokens]);
}

/** Searched range of the dense size N of Yun's loss-optimal models (parameters). */
export const EXPERTS_PARAMS_RANGE: readonly [number, number] = [1e5, 1e14];

/** Activated parameters of a Yun-style MoE: top-2 of E experts in every other layer (E = 1: dense, N). */
export function yunActiveParams(paramsDense: number, experts: number, topK = YUN_TOP_K): number {
  if (experts <= 1) return paramsDense;
  return yunParamsActive(paramsDense, Math.min(topK, experts), YUN_ROUTED_FRACTION);
}

/**
 * Training FLOPs for the experts law: `6 · N_active · D`, N_active counting the top-2 experts in the MoE
 * layers (`yunParamsActive`, Yun §2.1, MoE every other layer). Convention: ours — Yun et al. state C = 6ND
 * only for dense models (App. A) and give no MoE training-FLOPs formula; routing FLOPs are not modelled. The run
 * table's `flops6ND` is the same convention on our exact parameter counts (6 · activated non-embedding · D).
 */
export function yunTrainingFlops(paramsDense: number, experts: number, tokens: number, topK = YUN_TOP_K): number {
  return chinchillaTrainingFlops(yunActiveParams(paramsDense, experts, topK), tokens);
}

export interface ExpertsAllocation {
  flops: number;
  experts: number;
  paramsDense: number;
  paramsActive: number;
  paramsTotal: number;
  tokens: number;
  loss: number;
  /** Set when the loss-optimal N sits on an end of `EXPERTS_PARAMS_RANGE` (only from `expertsOptimal`). */
  bound: SearchBound | null;
}

/** The model of `experts` experts and dense size N trained on the whole budget (D = flops / (6 N_active)). */
export function expertsAtSize(c: ExpertsCoefficients, flops: number, experts: number, paramsDense: number, topK = YUN_TOP_K): ExpertsAllocation {
  const paramsActive = yunActiveParams(paramsDense, experts, topK);
  const tokens = chinchillaTokensAtFlops(flops, paramsActive);
  return {
    flops,
    experts,
    paramsDense,
    paramsActive,
    paramsTotal: yunParamsTotal(paramsDense, experts),
    tokens,
    loss: expertsLoss(c, paramsDense, experts, tokens),
    bound: null,
  };
}

/**
 * Loss-optimal allocation for a fixed expert count under a training budget (Yun et al. §5, Fig. 3):
 * minimise L(N, D = C/(6 N_active), E) over log N with Brent's method.
 */
export function expertsOptimal(c: ExpertsCoefficients, flops: number, experts: number, topK = YUN_TOP_K): ExpertsAllocation {
  const [lo, hi] = EXPERTS_PARAMS_RANGE;
  const r = scanThenBrent((x) => expertsAtSize(c, flops, experts, Math.exp(x), topK).loss, Math.log(lo), Math.log(hi));
  const bound: SearchBound | null = r.atBound ? { variable: 'dense size N', range: [lo, hi], end: r.atBound } : null;
  return { ...expertsAtSize(c, flops, experts, Math.exp(r.x), topK), bound };
}
