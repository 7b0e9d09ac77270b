/**
 * The analytic tables of the reproduction: compute-optimal allocations (Krajewski Table 2 and Fig. 1b,
 * Chinchilla closed form, per-expert-count optima of Yun's law) and Yun's over-training searches
 * (Algorithms 1 and 2). Every number comes from a law-library or cost-model function; this module only
 * chooses budgets and coefficient sources and shapes rows.
 */
import {
  chinchillaOptimal,
  computeOverhead,
  expertsOptimal,
  fineGrainedOptimal,
  PUBLISHED,
  reproduceTable2,
  type ChinchillaCoefficients,
  type DenseCoefficients,
  type ExpertsCoefficients,
  type FineGrainedCoefficients,
  type LawFits,
} from '../laws';
import { describeBound } from '../laws/allocation/scan';
import { getGpu, minCostForBoundedLoss, minLossForBoundedCost, rooflineLatency } from '../inference';


export interface ComputeOptimalTables {
  /** Krajewski Table 2 from the published Table 1 coefficients, with the paper's row for comparison. */
  krajewskiTable2: Array<{
    label: string;
    flops: number;
    paper: { granularity: number; tokens: number; paramsActive: number; loss: number };
    ours: { granularity: number; tokens: number; paramsActive: number; loss: number };
    sameGranularity: boolean;
    flopsRelativeError: number;
    lossDifference: number;
  }>;
  /**
   * Compute-optimal (N_act, D, G) at each budget: from the published coefficients and from our fit (E of our sweep).
   * `bound` says when the optimum sits on an end of a searched range (the value is then a bound, not the optimum).
   */
  fineGrained: Array<{ source: string; flops: number; granularity: number; paramsActive: number; tokens: number; loss: number; bound: string | null }>;
  /** Fig. 1b: FLOPs a dense model and a G = 1 MoE need to match the compute-optimal MoE; `notes` say why one is not finite. */
  overhead: Array<{ source: string; flops: number; optimalGranularity: number; denseOverhead: number; g1Overhead: number; bound: string | null; notes: string[] }>;
  /** Chinchilla closed form at each budget for each coefficient source. */
  chinchilla: Array<{ source: string; flops: number; params: number; tokens: number; tokensPerParam: number; loss: number; a: number }>;
  /** Loss-optimal model per expert count (Yun Fig. 3), from our experts fit. */
  experts: Array<{ flops: number; experts: number; paramsDense: number; tokens: number; loss: number; bound: string | null }>;
  /** Rows that could not be computed, with the reason (never dropped silently). */
  failures: Array<{ table: string; source: string; flops: number; error: string }>;
}

/** Runs `f`; on an exception records the failure (table, source, budget, message) and returns undefined. */
function attempt<T>(failures: ComputeOptimalTables['failures'], table: string, source: string, flops: number, f: () => T): T | undefined {
  try {
    return f();
  } catch (err) {
    failures.push({ table, source, flops, error: `${(err as Error).name}: ${(err as Error).message}` });
    return undefined;
  }
}


/** Builds every compute-optimal table for the given budgets. `expansionRate` is our fine-grained sweep's E. */
export function computeOptimalTables(fits: LawFits, budgetsFlops: readonly number[], expansionRate: number): ComputeOptimalTables {
  const krajewskiTable2 = reproduceTable2().map((r) => ({
    label: r.label,
    flops: r.paper.flops,
    paper: { granularity: r.paper.granularity, tokens: r.paper.tokens, paramsActive: r.paper.paramsActive, loss: r.paper.loss },
    ours: { granularity: r.ours.granularity, tokens: r.ours.tokens, paramsActive: r.ours.paramsActive, loss: r.ours.loss },
    sameGranularity: r.sameGranularity,
    flopsRelativeError: r.flopsRelativeError,
    lossDifference: r.lossDifference,
  }));
  const pubMoe = PUBLISHED.krajewski.table1MoE.values;
  const pubDense = PUBLISHED.krajewski.table1Dense.values;
  const fgSources: Array<[string, FineGrainedCoefficients, number]> = [['Krajewski Table 1 (E = 64)', pubMoe, 64]];
  if (fits['fine-grained']) fgSources.push([`our fit (E = ${expansionRate})`, fits['fine-grained'], expansionRate]);
  const fineGrained: ComputeOptimalTables['fineGrained'] = [];
  const overhead: ComputeOptimalTables['overhead'] = [];
  const failures: ComputeOptimalTables['failures'] = [];
  for (const [source, c, e] of fgSources) {
    for (const flops of budgetsFlops) {
      const o = attempt(failures, 'fine-grained', source, flops, () => fineGrainedOptimal(c, flops, { expansionRate: e }));
      if (o) fineGrained.push({ source, flops, granularity: o.granularity, paramsActive: o.paramsActive, tokens: o.tokens, loss: o.loss, bound: o.bound ? describeBound(o.bound) : null });
    }
  }
  const overheadSources: Array<[string, FineGrainedCoefficients, DenseCoefficients, number]> = [['Krajewski Table 1', pubMoe, pubDense, 64]];
  if (fits['fine-grained'] && fits.dense) overheadSources.push(['our fits', fits['fine-grained'], fits.dense, expansionRate]);
  for (const [source, moe, dense, e] of overheadSources) {
    for (const flops of budgetsFlops) {
      const o = attempt(failures, 'overhead', source, flops, () => computeOverhead(flops, moe, dense, { expansionRate: e }));
      if (o) overhead.push({ source, flops, optimalGranularity: o.optimalGranularity, denseOverhead: o.denseOverhead, g1Overhead: o.g1Overhead, bound: o.bound ? describeBound(o.bound) : null, notes: o.notes });
    }
  }
  const chSources: Array<[string, ChinchillaCoefficients]> = [
    ['Hoffmann et al. 2022 (rounded)', PUBLISHED.chinchilla.approach3Rounded.values],
    ['Hoffmann et al. 2022 (unrounded)', PUBLISHED.chinchilla.approach3Unrounded.values],
    ['Besiroglu et al. 2024 (Epoch refit)', PUBLISHED.chinchilla.epochRefit.values],
  ];
  if (fits.chinchilla) chSources.push(['our fit', fits.chinchilla]);
  const chinchilla: ComputeOptimalTables['chinchilla'] = [];
  for (const [source, c] of chSources) {
    for (const flops of budgetsFlops) {
      const o = chinchillaOptimal(c, flops);
      chinchilla.push({ source, flops, params: o.params, tokens: o.tokens, tokensPerParam: o.tokensPerParam, loss: o.loss, a: o.a });
    }
  }
  const experts: ComputeOptimalTables['experts'] = [];
  if (fits.experts) {
    for (const flops of budgetsFlops) {
      for (const e of [1, 4, 8, 16, 32]) {
        const o = attempt(failures, 'experts', 'our fit', flops, () => expertsOptimal(fits.experts!, flops, e));
        if (o) experts.push({ flops, experts: e, paramsDense: o.paramsDense, tokens: o.tokens, loss: o.loss, bound: o.bound ? describeBound(o.bound) : null });
      }
    }
  }
  return { krajewskiTable2, fineGrained, overhead, chinchilla, experts, failures };
}

export interface InferenceTables {
  gpu: string;
  /** Algorithm 1: minimum serving cost for the loss of the base model (dense and 4 experts as bases). */
  boundedLoss: Array<{ base: number; flops: number; experts: number; paramsDense: number | null; sizeRatioToBase: number; costPerToken: number | null; baseCostPerToken: number }>;
  /** Algorithm 2: minimum loss for the serving cost of the base model. */
  boundedCost: Array<{ base: number; flops: number; experts: number; paramsDense: number | null; sizeRatioToBase: number; loss: number | null; baseLoss: number }>;
  /** Searches that could not be computed, with the reason. */
  failures: Array<{ table: string; source: string; flops: number; error: string }>;
}

/** Yun et al. App. E, Algorithms 1 and 2 on our fitted experts law with the roofline cost model of `gpu`. */
export function inferenceTables(experts: ExpertsCoefficients, budgetsFlops: readonly number[], gpuName: string): InferenceTables {
  const gpu = getGpu(gpuName);
  const serving = { gpu, latency: rooflineLatency(gpu) };
  const boundedLoss: InferenceTables['boundedLoss'] = [];
  const boundedCost: InferenceTables['boundedCost'] = [];
  const failures: InferenceTables['failures'] = [];
  const candidates = [4, 8, 16, 32];
  for (const base of [1, 4]) {
    for (const flops of budgetsFlops) {
      const a1 = attempt(failures, 'Algorithm 1', `base E = ${base}`, flops, () => minCostForBoundedLoss(experts, flops, base, candidates, { serving }));
      if (a1) {
        for (const r of a1.rows) {
          boundedLoss.push({
            base,
            flops,
            experts: r.experts,
            paramsDense: r.chosen?.paramsDense ?? null,
            sizeRatioToBase: r.sizeRatioToBase,
            costPerToken: r.serving?.costPerToken ?? null,
            baseCostPerToken: a1.base.serving.costPerToken,
          });
        }
      }
      const a2 = attempt(failures, 'Algorithm 2', `base E = ${base}`, flops, () => minLossForBoundedCost(experts, flops, base, candidates, { serving }));
      if (a2) {
        for (const r of a2.rows) {
          boundedCost.push({ base, flops, experts: r.experts, paramsDense: r.chosen?.paramsDense ?? null, sizeRatioToBase: r.sizeRatioToBase, loss: r.chosen?.loss ?? null, baseLoss: a2.base.allocation.loss });
        }
      }
    }
  }
  return { gpu: gpuName, boundedLoss, boundedCost, failures };
}
