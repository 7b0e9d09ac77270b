/**
 * Every figure and table moelab draws, with how each is built from one bundle of inputs. The exporter, the
 * gallery, the notebooks and the pipeline's `figures` stage all go through this list.
 */
import type { RunSummary } from '../runs/types';
import { isoflop, type IsoflopCurve } from './chinchilla';
import * as krajewski from './krajewski';
import type { FigureOrTable, PaperId } from './types';
import { FigureInputError } from './types';
import * as yun from './yun';
import type { LossColumn } from './validate';

/** Inputs for the Krajewski figures beyond the run table (computed by `./adapters`). */
export interface KrajewskiInputs {
  fig1a?: krajewski.Fig1aInput;
  fig1b?: krajewski.Fig1bInput;
  /** Constant subtracted in Fig. 3a (per the chosen group). */
  fig3a?: { constLoss: number; paramsActive?: number; tokens?: number; fitted?: krajewski.GranularityCurve };
  /** Fitted Eq. 9 curves over G per (N_act, D), for Figs. 4 and 7. */
  fittedByGranularity?: krajewski.GranularityCurve[];
  /** Fitted Eq. 9 curves over N per (G, D), for Figs. 3b and 6. */
  fittedByParams?: krajewski.ParamsCurve[];
  fitPoints?: krajewski.FitPoint[];
  trainingCurves?: krajewski.TrainingCurve[];
  hardware?: string;
  fig7Groups?: krajewski.Fig7Group[];
  table1?: krajewski.Table1Input;
  table2?: krajewski.ComputeOptimalRow[];
  bootstrap?: krajewski.BootstrapTableInput;
  lossColumn?: LossColumn;
}

export interface YunInputs {
  fitted?: yun.ExpertsCurve[];
  fig2?: yun.Fig2Input;
  fig3?: yun.Fig3Input;
  fig4?: yun.Fig4Input;
  fig5?: yun.BoundedSearchInput;
  fig6?: yun.BoundedSearchInput;
  fig8?: yun.Fig8Input;
  table1?: yun.ModelConfigPoint[];
}

export interface ChinchillaInputs {
  frontier?: { flops: number[]; loss: number[] };
  slices?: IsoflopCurve[];
}

/** Everything the figures need: the run table plus what the law library computed from it. */
export interface FigureInputs {
  /** The run table (results/runs.csv). */
  runs: RunSummary[];
  krajewski?: KrajewskiInputs;
  yun?: YunInputs;
  chinchilla?: ChinchillaInputs;
  /** The fitted coefficients the analytic inputs were computed from, by law (for display). */
  fits?: { [law: string]: object | undefined };
}

export interface FigureEntry {
  /** `<paper>.<figure>`. */
  id: string;
  paper: PaperId;
  kind: 'figure' | 'table';
  /** Builds the spec; throws `FigureInputError` when the inputs cannot support it (the exporter skips it). */
  build(inputs: FigureInputs): FigureOrTable;
}

/** Runs of a sweep, or all runs when none carry that sweep name (user tables). */
export function runsOfSweep(runs: RunSummary[], sweep: string): RunSummary[] {
  const mine = runs.filter((r) => r.sweep === sweep);
  return mine.length > 0 ? mine : runs;
}

function need<T>(id: string, value: T | undefined, what: string): T {
  if (value === undefined) throw new FigureInputError(id, `${what} not available (needs a fit of our runs / the law library)`);
  return value;
}

const fg = (i: FigureInputs) => runsOfSweep(i.runs, 'fine-grained');
const ex = (i: FigureInputs) => runsOfSweep(i.runs, 'experts');
const lc = (i: FigureInputs) => i.krajewski?.lossColumn ?? 'trainLossSmoothed';

export const FIGURES: readonly FigureEntry[] = [
  { id: 'krajewski.fig1a', paper: 'krajewski', kind: 'figure', build: (i) => krajewski.fig1a(need('krajewski.fig1a', i.krajewski?.fig1a, 'Fig. 1a curves')) },
  { id: 'krajewski.fig1b', paper: 'krajewski', kind: 'figure', build: (i) => krajewski.fig1b(need('krajewski.fig1b', i.krajewski?.fig1b, 'Fig. 1b curves')) },
  {
    id: 'krajewski.fig3a',
    paper: 'krajewski',
    kind: 'figure',
    build: (i) => krajewski.fig3a(fg(i), { ...need('krajewski.fig3a', i.krajewski?.fig3a, 'the constant of Fig. 3a'), lossColumn: lc(i) }),
  },
  { id: 'krajewski.fig3b', paper: 'krajewski', kind: 'figure', build: (i) => krajewski.fig3b(fg(i), { lossColumn: lc(i), fitted: i.krajewski?.fittedByParams }) },
  { id: 'krajewski.fig3c', paper: 'krajewski', kind: 'figure', build: (i) => krajewski.fig3c(fg(i), { lossColumn: lc(i) }) },
  { id: 'krajewski.fig4', paper: 'krajewski', kind: 'figure', build: (i) => krajewski.fig4(fg(i), { lossColumn: lc(i), fitted: i.krajewski?.fittedByGranularity }) },
  { id: 'krajewski.fig5a', paper: 'krajewski', kind: 'figure', build: (i) => krajewski.fig5a(need('krajewski.fig5a', i.krajewski?.fitPoints, 'fit points'), { lossColumn: lc(i) }) },
  {
    id: 'krajewski.fig5b',
    paper: 'krajewski',
    kind: 'figure',
    build: (i) => krajewski.fig5b(need('krajewski.fig5b', i.krajewski?.trainingCurves, 'training curves (metrics.jsonl)'), { hardware: i.krajewski?.hardware }),
  },
  { id: 'krajewski.fig6', paper: 'krajewski', kind: 'figure', build: (i) => krajewski.fig6(fg(i), { lossColumn: lc(i), fitted: i.krajewski?.fittedByParams }) },
  {
    id: 'krajewski.fig7',
    paper: 'krajewski',
    kind: 'figure',
    build: (i) =>
      krajewski.fig7(fg(i), {
        lossColumn: lc(i),
        groups: need('krajewski.fig7', i.krajewski?.fig7Groups, 'Fig. 7 groups and constants'),
        fitted: i.krajewski?.fittedByGranularity,
      }),
  },
  { id: 'krajewski.table1', paper: 'krajewski', kind: 'table', build: (i) => krajewski.table1(need('krajewski.table1', i.krajewski?.table1, 'coefficients')) },
  { id: 'krajewski.table2', paper: 'krajewski', kind: 'table', build: (i) => krajewski.table2(need('krajewski.table2', i.krajewski?.table2, 'compute-optimal rows')) },
  { id: 'krajewski.bootstrap', paper: 'krajewski', kind: 'table', build: (i) => krajewski.tableBootstrap(need('krajewski.bootstrap', i.krajewski?.bootstrap, 'bootstrap intervals')) },
  { id: 'yun.fig1', paper: 'yun', kind: 'figure', build: (i) => yun.fig1(ex(i), { fitted: i.yun?.fitted }) },
  { id: 'yun.fig2', paper: 'yun', kind: 'figure', build: (i) => yun.fig2(need('yun.fig2', i.yun?.fig2, 'the cost-model curves')) },
  { id: 'yun.fig3', paper: 'yun', kind: 'figure', build: (i) => yun.fig3(need('yun.fig3', i.yun?.fig3, 'loss-optimal series')) },
  { id: 'yun.fig4', paper: 'yun', kind: 'figure', build: (i) => yun.fig4(need('yun.fig4', i.yun?.fig4, 'loss–cost curves')) },
  { id: 'yun.fig5', paper: 'yun', kind: 'figure', build: (i) => yun.fig5(need('yun.fig5', i.yun?.fig5, 'Algorithm 1 results')) },
  { id: 'yun.fig6', paper: 'yun', kind: 'figure', build: (i) => yun.fig6(need('yun.fig6', i.yun?.fig6, 'Algorithm 2 results')) },
  { id: 'yun.fig8', paper: 'yun', kind: 'figure', build: (i) => yun.fig8(need('yun.fig8', i.yun?.fig8, 'configurations and μ')) },
  { id: 'yun.table1', paper: 'yun', kind: 'table', build: (i) => yun.table1(need('yun.table1', i.yun?.table1, 'configurations')) },
  {
    id: 'chinchilla.isoflop',
    paper: 'chinchilla',
    kind: 'figure',
    build: (i) => isoflop(i.runs, { frontier: i.chinchilla?.frontier, slices: i.chinchilla?.slices }),
  },
];

/** Entries whose id equals or starts with one of `only` (`krajewski`, `yun.fig3`); all when `only` is empty. */
export function selectFigures(only: readonly string[] | undefined): FigureEntry[] {
  if (!only || only.length === 0) return [...FIGURES];
  const picked = FIGURES.filter((f) => only.some((o) => f.id === o || f.id.startsWith(`${o}.`) || f.paper === o));
  const unknown = only.filter((o) => !FIGURES.some((f) => f.id === o || f.id.startsWith(`${o}.`) || f.paper === o));
  if (unknown.length > 0) {
    throw new FigureInputError(unknown.join(','), `unknown figure id; known: ${FIGURES.map((f) => f.id).join(', ')}`);
  }
  return picked;
}
