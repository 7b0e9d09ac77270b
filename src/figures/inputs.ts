/**
 * What every figure is prepared from: the run table and the fit stage's records, nothing recomputed. Figures read
 * fitted coefficients from the records (`results/fits/<law>.json`), select runs with the same rule the fit used
 * (`runsForLaw`) and draw run points in the loss column the fit targeted, so a figure's points and its curves agree
 * and a notebook shows exactly the numbers of the report.
 */
import { fitsOf, fitTargetOf, recordOf, runsForLaw, type CoefficientsOf, type FitRecord, type LawFits, type LawName, type LossTarget } from '../laws';
import type { LifelongRecord } from '../runs/lifelong';
import type { RunSummary } from '../runs/types';
import type { TrainingCurve } from './krajewski/draw';
import { FigureInputError } from './types';
import type { YunAnalyticOptions } from './yun/inputs';

/** The one bundle every figure's `prepare` reads. */
export interface FigureInputs {
  /** The run table (`results/runs.csv`). */
  runs: RunSummary[];
  /** The fit stage's records (`results/fits/<law>.json`). */
  records: readonly FitRecord[];
  /** Coefficients of the successful fits among `records`, by law. */
  fits: LawFits;
  /** Training curves for Krajewski Fig. 5b (`readTrainingCurves`). */
  trainingCurves?: TrainingCurve[];
  /** Hardware label for Fig. 5b. */
  hardware?: string;
  /** Points per analytic curve. */
  curvePoints: number;
  /** Serving-cost settings of Yun Figs. 2–6 (GPU, budgets, expert counts); defaults follow the paper. */
  yun: YunAnalyticOptions;
  /** The lifelong sweep's records (`lifelong/s<seed>.json`), when the preset has that sweep. */
  lifelong?: readonly LifelongRecord[];
}

export interface FigureInputOptions {
  runs: RunSummary[];
  /** The fit stage's records; none gives the figures that need no fit (points only, published curves). */
  records?: readonly FitRecord[];
  trainingCurves?: TrainingCurve[];
  hardware?: string;
  /** Points per analytic curve. Default 25. */
  curvePoints?: number;
  yun?: YunAnalyticOptions;
  lifelong?: readonly LifelongRecord[];
}

/** The figure inputs of a run table and its fit records. */
export function figureInputs(options: FigureInputOptions): FigureInputs {
  const records = options.records ?? [];
  return {
    runs: options.runs,
    records,
    fits: fitsOf(records),
    trainingCurves: options.trainingCurves,
    hardware: options.hardware,
    curvePoints: options.curvePoints ?? 25,
    yun: options.yun ?? {},
    ...(options.lifelong?.length ? { lifelong: options.lifelong } : {}),
  };
}

/** The runs law `law` is fitted to, by the fit stage's own rule. */
export function runsOf(inputs: FigureInputs, law: LawName): RunSummary[] {
  return runsForLaw(law, inputs.runs);
}

/** The runs of Krajewski's fine-grained sweep: the MoE runs of Eq. 9 and the dense baselines of Eq. 1. */
export function krajewskiRuns(inputs: FigureInputs): RunSummary[] {
  const ids = new Set<string>();
  return [...runsOf(inputs, 'fine-grained'), ...runsOf(inputs, 'dense')].filter((r) => !ids.has(r.runId) && ids.add(r.runId));
}

/** The loss column law `law`'s points are drawn in: its fit's target (the paper protocol's when it has no record). */
export function lossColumnOf(inputs: FigureInputs, law: LawName): LossTarget {
  return fitTargetOf(inputs.records, law);
}

/** The coefficients of law `law`'s successful fit, or a `FigureInputError` saying why there are none. */
export function requireFit<L extends LawName>(figureId: string, inputs: FigureInputs, law: L): CoefficientsOf<L> {
  const c: CoefficientsOf<L> | undefined = inputs.fits[law];
  if (c) return c;
  const record = recordOf(inputs.records, law);
  const why = !record ? 'no fit record (results/fits/' + law + '.json); run `moelab repro fit`' : `its fit failed: ${record.error ?? 'no coefficients recorded'}`;
  throw new FigureInputError(figureId, `needs the ${law} law fitted on our runs; ${why}`);
}

/**
 * Groups of MoE runs sharing (N_act, D), richest first: most distinct granularities, then larger model, then more
 * tokens. The one rule Figs. 3a, 5b and 7 pick their model by.
 */
export function groupsByRichness(runs: readonly RunSummary[]): RunSummary[][] {
  const groups = new Map<string, RunSummary[]>();
  for (const r of runs) {
    const key = `${r.paramsActive}|${r.tokens}`;
    const g = groups.get(key);
    if (g) g.push(r);
    else groups.set(key, [r]);
  }
  const distinct = (rows: RunSummary[]) => new Set(rows.map((r) => r.granularity)).size;
  return [...groups.values()].sort((a, b) => distinct(b) - distinct(a) || b[0]!.paramsActive - a[0]!.paramsActive || b[0]!.tokens - a[0]!.tokens);
}
