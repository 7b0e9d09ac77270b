import { bisectRoot } from '../laws/fit/brent';
import { expertsAtSize, expertsOptimal, type ExpertsAllocation } from '../laws/allocation/experts';
import type { ExpertsCoefficients } from '../laws/published';
import { servingCost, type ServingOptions, type ServingPoint } from './cost';
import { yunServedModel, type YunModelOptions } from './model';

export interface OvertrainOptions {
  serving: ServingOptions;
  model?: YunModelOptions;
}

export interface OvertrainRow {
  experts: number;
  /** Loss-optimal model of this expert count at the budget. */
  lossOptimal: ExpertsAllocation;
  /** Chosen (over-trained) model; null when infeasible. */
  chosen: ExpertsAllocation | null;
  serving: ServingPoint | null;
  /** chosen.paramsDense / base loss-optimal paramsDense. */
  sizeRatioToBase: number;
  /** chosen.paramsDense / this expert count's loss-optimal paramsDense. */
  sizeRatioToOwnOptimal: number;
}

export interface OvertrainResult {
  flops: number;
  base: { allocation: ExpertsAllocation; serving: ServingPoint };
  rows: OvertrainRow[];
}

function costOf(c: ExpertsCoefficients, alloc: ExpertsAllocation, o: OvertrainOptions): ServingPoint {
  return servingCost(yunServedModel(alloc.paramsDense, alloc.experts, o.model), o.serving).best;
}

/**
 * Yun et al. App. E, Algorithm 1 (minimum inference cost for a bounded loss): take the base expert count's
 * loss-optimal model at budget `flops` and its loss L_E; for each candidate E′ bisect (in log N) for the
 * smallest N whose model, trained on the whole budget, reaches L_E — smaller and over-trained, so cheapest
 * to serve — and price it with the serving-cost model.
 */
export function minCostForBoundedLoss(
  c: ExpertsCoefficients,
  flops: number,
  baseExperts: number,
  candidates: readonly number[],
  o: OvertrainOptions,
): OvertrainResult {
  const base = expertsOptimal(c, flops, baseExperts);
  const rows = candidates.map((e): OvertrainRow => {
    const own = expertsOptimal(c, flops, e);
    let chosen: ExpertsAllocation | null = null;
    if (own.loss <= base.loss) {
      const lo = Math.log(own.paramsDense) - Math.log(1e4);
      const root = bisectRoot((x) => expertsAtSize(c, flops, e, Math.exp(x)).loss - base.loss, lo, Math.log(own.paramsDense), 200, 1e-13);
      chosen = Number.isFinite(root) ? expertsAtSize(c, flops, e, Math.exp(root)) : own;
    }
    return {
      experts: e,
      lossOptimal: own,
      chosen,
      serving: chosen ? costOf(c, chosen, o) : null,
      sizeRatioToBase: chosen ? chosen.paramsDense / base.paramsDense : NaN,
      sizeRatioToOwnOptimal: chosen ? chosen.paramsDense / own.paramsDense : NaN,
    };
  });
  return { flops, base: { allocation: base, serving: costOf(c, base, o) }, rows };
}

/**
 * Yun et al. App. E, Algorithm 2 (minimum loss for a bounded inference cost): the base expert count's
 * loss-optimal model sets the cost bound I_E; for each candidate E′ bisect (in log N) for the largest N whose
 * serving cost stays within I_E (capped at E′'s loss-optimal size, beyond which loss rises), train it on the
 * whole budget (D = budget / (6 N_active)) and report its loss.
 */
export function minLossForBoundedCost(
  c: ExpertsCoefficients,
  flops: number,
  baseExperts: number,
  candidates: readonly number[],
  o: OvertrainOptions,
): OvertrainResult {
  const base = expertsOptimal(c, flops, baseExperts);
  const baseCost = costOf(c, base, o).costPerToken;
  const rows = candidates.map((e): OvertrainRow => {
    const own = expertsOptimal(c, flops, e);
    const cost = (logN: number) => servingCost(yunServedModel(Math.exp(logN), e, o.model), o.serving).best.costPerToken;
    let chosen: ExpertsAllocation | null;
    if (cost(Math.log(own.paramsDense)) <= baseCost) chosen = own;
    else {
      const lo = Math.log(own.paramsDense) - Math.log(1e4);
      if (!(cost(lo) <= baseCost)) chosen = null;
      else {
        // bisect on the predicate cost ≤ bound (cost is a step-wise increasing function of N)
        let a = lo;
        let b = Math.log(own.paramsDense);
        for (let i = 0; i < 100 && b - a > 1e-12; i++) {
          const m = 0.5 * (a + b);
          if (cost(m) <= baseCost) a = m;
          else b = m;
        }
        chosen = expertsAtSize(c, flops, e, Math.exp(a));
      }
    }
    return {
      experts: e,
      lossOptimal: own,
      chosen,
      serving: chosen ? costOf(c, chosen, o) : null,
      sizeRatioToBase: chosen ? chosen.paramsDense / base.paramsDense : NaN,
      sizeRatioToOwnOptimal: chosen ? chosen.paramsDense / own.paramsDense : NaN,
    };
  });
  return { flops, base: { allocation: base, serving: costOf(c, base, o) }, rows };
}

/**
 * Yun et al. Fig. 3 data: for each budget and expert count, the loss-optimal model, its loss and its serving
 * cost per token.
 */
export function lossOptimalServing(
  c: ExpertsCoefficients,
  flopsList: readonly number[],
  expertCounts: readonly number[],
  o: OvertrainOptions,
): { flops: number; experts: number; allocation: ExpertsAllocation; serving: ServingPoint }[] {
  const out: { flops: number; experts: number; allocation: ExpertsAllocation; serving: ServingPoint }[] = [];
  for (const flops of flopsList) {
    for (const e of expertCounts) {
      const allocation = expertsOptimal(c, flops, e);
      out.push({ flops, experts: e, allocation, serving: costOf(c, allocation, o) });
    }
  }
  return out;
}

/**
 * Yun et al. Fig. 4 data: at a fixed budget and expert count, loss and serving cost along model size
 * (smaller = over-trained, larger = under-trained), N from `fromRatio`·N_opt to `toRatio`·N_opt.
 */
export function lossCostCurve(
  c: ExpertsCoefficients,
  flops: number,
  experts: number,
  o: OvertrainOptions,
  points = 25,
  fromRatio = 0.1,
  toRatio = 2,
): { sizeRatio: number; allocation: ExpertsAllocation; serving: ServingPoint }[] {
  const own = expertsOptimal(c, flops, experts);
  return Array.from({ length: points }, (_, i) => {
    const ratio = fromRatio * Math.pow(toRatio / fromRatio, i / (points - 1));
    const allocation = expertsAtSize(c, flops, experts, own.paramsDense * ratio);
    return { sizeRatio: ratio, allocation, serving: costOf(c, allocation, o) };
  });
}

/** Yun et al. Fig. 2 (left) data: serving cost per token and chosen GPU count against model size. */
export function costVersusModelSize(
  paramsDenseList: readonly number[],
  experts: number,
  o: OvertrainOptions,
): { paramsDense: number; paramsTotal: number; serving: ServingPoint }[] {
  return paramsDenseList.map((paramsDense) => {
    const m = yunServedModel(paramsDense, experts, o.model);
    return { paramsDense, paramsTotal: m.paramsTotal, serving: servingCost(m, o.serving).best };
  });
}
