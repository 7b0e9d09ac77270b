/**
 * Shapes law-library results into the Krajewski figures' inputs: every loss, allocation and overhead is computed
 * by a law-library function (one source of truth); this file only samples grids and reshapes.
 */
import { computeOverhead, fineGrainedLoss, fineGrainedOptimal, KRAJEWSKI_TABLE2, lossVersusFlops, type DenseCoefficients, type FineGrainedCoefficients } from '../../laws';
import type { RunSummary } from '../../runs/types';
import { groupBy } from '../../util/group-by';
import { logspace } from '../../util/logspace';
import { extent, uniqueSorted, type LossColumn } from '../validate';
import { krajewskiRuns, lossColumnOf, runsOf, type FigureInputs } from '../inputs';
import type { Fig1Curves, Fig4Options, GranularityCurve, OverheadCurves, ParamsCurve, ParamsFigureOptions } from './draw';

/** Fig. 1a curves for one pair of coefficient sets, via `lossVersusFlops` (Krajewski §6 allocation). */
export function fig1Curves(moe: FineGrainedCoefficients, dense: DenseCoefficients, flops: number[], expansionRate = 64): Fig1Curves {
  const rows = lossVersusFlops(flops, moe, dense, { expansionRate });
  const lo = flops[0]!;
  const hi = flops[flops.length - 1]!;
  const marks =
    expansionRate === 64
      ? KRAJEWSKI_TABLE2.filter((r) => ['64 x 1B', '64 x 7B', '64 x 70B', '64 x 1T'].includes(r.label) && r.flops >= lo && r.flops <= hi).map((r) => ({
          flops: r.flops,
          loss: fineGrainedOptimal(moe, r.flops, { expansionRate }).loss,
          label: r.label.replace(/ /g, ''),
        }))
      : [];
  return {
    moeOptimal: { flops, loss: rows.map((r) => r.lossOptimal), granularity: rows.map((r) => r.optimalGranularity) },
    moeG1: { flops, loss: rows.map((r) => r.lossG1) },
    dense: { flops, loss: rows.map((r) => r.lossDense) },
    marks,
  };
}

/**
 * Fig. 1b curves via `computeOverhead`. A budget where the dense law or a G = 1 MoE cannot reach the optimal
 * MoE's loss within the solver's bracket has no finite overhead: it is not drawn, and `omittedFlops` lists it
 * for the caption.
 */
export function overheadCurves(moe: FineGrainedCoefficients, dense: DenseCoefficients, flops: number[], expansionRate = 64): { curves: OverheadCurves; omittedFlops: number[] } {
  const all = flops.map((f) => computeOverhead(f, moe, dense, { expansionRate }));
  const rows = all.filter((r) => Number.isFinite(r.denseOverhead) && Number.isFinite(r.g1Overhead));
  const omittedFlops = all.filter((r) => !rows.includes(r)).map((r) => r.flops);
  return { curves: { flops: rows.map((r) => r.flops), overheadDense: rows.map((r) => r.denseOverhead), overheadG1: rows.map((r) => r.g1Overhead) }, omittedFlops };
}

/** Eq. 9 curves over a granularity grid for every (N_act, D) group of runs. */
export function granularityCurves(c: FineGrainedCoefficients, runs: readonly RunSummary[]): GranularityCurve[] {
  const gs = uniqueSorted(runs.map((r) => r.granularity));
  const grid = logspace(Math.min(...gs), Math.max(...gs), 24);
  return groupBy(runs, (r) => `${r.paramsActive}|${r.tokens}`).map(([, rows]) => ({
    paramsActive: rows[0]!.paramsActive,
    tokens: rows[0]!.tokens,
    granularity: grid,
    loss: grid.map((g) => fineGrainedLoss(c, rows[0]!.paramsTotal, rows[0]!.tokens, g)),
  }));
}

/** Eq. 9 curves over model size for every (G, D) of the runs. */
export function paramsCurves(c: FineGrainedCoefficients, runs: readonly RunSummary[]): ParamsCurve[] {
  const [lo, hi] = extent(runs.map((r) => r.paramsTotal));
  const grid = logspace(lo / 1.2, hi * 1.2, 24);
  return groupBy(runs, (r) => `${r.granularity}|${r.tokens}`).map(([, rows]) => ({
    granularity: rows[0]!.granularity,
    tokens: rows[0]!.tokens,
    paramsTotal: grid,
    loss: grid.map((n) => fineGrainedLoss(c, n, rows[0]!.tokens, rows[0]!.granularity)),
  }));
}

/** The G of a granularity limit: Eq. 9's g/G^γ term is below float precision there. */
const GRANULARITY_LIMIT = 1e12;

/**
 * Constant of Figs. 3a/7 for an (N, D) group: the fitted Eq. 9 limit G → ∞, c + a/N^α + b/D^β, evaluated with the
 * law itself (so the formula stays in the law library). Without a fit, or when that limit is not below the group's
 * losses, 95% of the group's lowest loss, and `note` says so.
 */
export function granularityLimitConstant(c: FineGrainedCoefficients | undefined, rows: readonly RunSummary[], col: LossColumn): { constLoss: number; note?: string } {
  const minLoss = Math.min(...rows.map((r) => r[col]));
  const limit = c ? fineGrainedLoss(c, rows[0]!.paramsTotal, rows[0]!.tokens, GRANULARITY_LIMIT) : undefined;
  if (limit !== undefined && limit < minLoss) return { constLoss: limit };
  const why = limit === undefined ? 'no Eq. 9 fit' : `the fitted G → ∞ limit ${limit.toPrecision(4)} is not below the lowest loss ${minLoss.toPrecision(4)}`;
  return { constLoss: 0.95 * minLoss, note: `The constant is 95% of the group's lowest loss (${why}).` };
}

/** Figs. 3b and 6: the fine-grained sweep's runs in the fit's loss column, with Eq. 9 over N per (G, D) when fitted. */
export function paramsFigureInput(inputs: FigureInputs): { runs: RunSummary[]; options: ParamsFigureOptions } {
  const fit = inputs.fits['fine-grained'];
  return { runs: krajewskiRuns(inputs), options: { lossColumn: lossColumnOf(inputs, 'fine-grained'), fitted: fit ? paramsCurves(fit, runsOf(inputs, 'fine-grained')) : undefined } };
}

/** Fig. 4: the fine-grained sweep's runs in the fit's loss column, with Eq. 9 over G per (N_act, D) when fitted. */
export function granularityFigureInput(inputs: FigureInputs): { runs: RunSummary[]; options: Fig4Options } {
  const fit = inputs.fits['fine-grained'];
  return { runs: krajewskiRuns(inputs), options: { lossColumn: lossColumnOf(inputs, 'fine-grained'), fitted: fit ? granularityCurves(fit, runsOf(inputs, 'fine-grained')) : undefined } };
}
