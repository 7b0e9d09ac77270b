import { chinchillaTrainingFlops, yunParamsActive, yunParamsTotal } from '../../accounting/formulas';
import { effectiveExperts } from '../forms/ehat';
import type { ExpertsCoefficients } from '../published';
import { scanThenBrent } from './scan';

/** Yun et al. 2024: experts per token (top-2 gating, §3.1). */
export const YUN_TOP_K = 2;
/** Fraction of the dense model's parameters that are routed: MLP = 2/3 of each layer, MoE every other layer. */
export const YUN_ROUTED_FRACTION = 1 / 3;

/** Yun et al. 2024 Eq. 4 loss (natural logs). */
export function expertsLoss(c: ExpertsCoefficients, paramsDense: number, experts: number, tokens: number): number {
  const eHat = effectiveExperts(experts, c.eStart, c.eMax);
  const lnN = Math.log(paramsDense);
  const inner = c.A / Math.pow(paramsDense, c.alpha) + c.B / Math.pow(eHat, c.beta) + c.C / Math.pow(tokens, c.gamma) + c.F;
  return Math.exp(Math.log(inner) + c.d * lnN * Math.log(eHat));
}

/** Activated parameters of a Yun-style MoE: top-2 of E experts in every other layer (E = 1: dense, N). */
export function yunActiveParams(paramsDense: number, experts: number, topK = YUN_TOP_K): number {
  if (experts <= 1) return paramsDense;
  return yunParamsActive(paramsDense, Math.min(topK, experts), YUN_ROUTED_FRACTION);
}

/**
 * Training FLOPs for the experts law: `6 · N_active · D`, N_active counting the top-2 experts in the MoE
 * layers (`yunParamsActive`, Yun §2.1, MoE every other layer). Convention: ours — Yun et al. state C = 6ND
 * only for dense models (App. A) and give no MoE training-FLOPs formula; routing FLOPs are not modelled.
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
}

/** The model of `experts` experts and dense size N trained on the whole budget (D = flops / (6 N_active)). */
export function expertsAtSize(c: ExpertsCoefficients, flops: number, experts: number, paramsDense: number, topK = YUN_TOP_K): ExpertsAllocation {
  const paramsActive = yunActiveParams(paramsDense, experts, topK);
  const tokens = flops / (6 * paramsActive);
  return {
    flops,
    experts,
    paramsDense,
    paramsActive,
    paramsTotal: yunParamsTotal(paramsDense, experts),
    tokens,
    loss: expertsLoss(c, paramsDense, experts, tokens),
  };
}

/**
 * Loss-optimal allocation for a fixed expert count under a training budget (Yun et al. §5, Fig. 3):
 * minimise L(N, D = C/(6 N_active), E) over log N with Brent's method.
 */
export function expertsOptimal(c: ExpertsCoefficients, flops: number, experts: number, topK = YUN_TOP_K): ExpertsAllocation {
  const r = scanThenBrent((x) => expertsAtSize(c, flops, experts, Math.exp(x), topK).loss, Math.log(1e5), Math.log(1e14));
  return expertsAtSize(c, flops, experts, Math.exp(r.x), topK);
}
