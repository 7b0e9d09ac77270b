/**
 * Krajewski, Ludziejewski et al. 2024, "Scaling Laws for Fine-Grained Mixture of Experts" (arXiv 2402.07871):
 * one function per figure and table. Analytic figures (1a, 1b, Tables 1, 2, bootstrap) take curves and rows
 * computed by `./adapters` with the law library; empirical figures (3a–7) take the run table.
 * Granularity G is always coloured on the same sequential scale (`granularityColor`).
 */
import type { DenseCoefficients, FineGrainedCoefficients } from '../../laws';
import type { RunSummary } from '../../runs/types';
import {
  axis,
  composeCaption,
  finalize,
  formatCount,
  formatExp,
  granularityColor,
  log2Axis,
  orderedColor,
  panelGrid,
} from '../theme';
import { lineMarkerTrace, lineTrace, markerTrace, sortByX } from '../traces';
import type { FigureSpec, PlotlyAnnotation, PlotlyAxis, PlotlyTrace, TableSpec } from '../types';
import { FigureInputError } from '../types';
import {
  checkNumber,
  checkRuns,
  checkSeries,
  extent,
  groupBy,
  isEmptyList,
  lossLabel,
  uniqueSorted,
  type LossColumn,
} from '../validate';

const PAPER = 'krajewski' as const;
const CITE = 'Krajewski et al. 2024 (arXiv 2402.07871)';
/** Paper's parameter range of the fitted runs (§4: "129M to 3.7B" total non-embedding parameters). */
export const KRAJEWSKI_PAPER_PARAMS_RANGE: [number, number] = [1.29e8, 3.7e9];
/** Paper's granularity grid in the fits (Table 3). */
export const KRAJEWSKI_PAPER_GRANULARITIES = [1, 2, 4, 8, 16] as const;
/** Paper's Fig. 1 FLOPs axis. */
export const KRAJEWSKI_FIG1_FLOPS_RANGE: [number, number] = [1e18, 1e26];

// ---------------------------------------------------------------------------------------------------------
// Analytic: Figure 1a / 1b

/** A loss-vs-FLOPs curve of compute-optimal models. */
export interface FrontierCurve {
  /** Training FLOPs (Krajewski Eq. 10/11 convention). */
  flops: number[];
  /** Loss of the compute-optimal model at each budget (nats/token). */
  loss: number[];
  /** Optimal granularity G at each budget (required for the compute-optimal MoE curve). */
  granularity?: number[];
}

/** The three curves of Fig. 1a for one set of coefficients. */
export interface Fig1Curves {
  /** MoE with compute-optimal granularity and size ("MoE (optimal scaling)"). */
  moeOptimal: FrontierCurve;
  /** Vanilla MoE, G = 1, compute-optimal size. */
  moeG1: FrontierCurve;
  /** Dense Transformer, compute-optimal size. */
  dense: FrontierCurve;
  /** Labelled points on the optimal MoE curve, e.g. `64x1B`. */
  marks?: Array<{ flops: number; loss: number; label: string }>;
}

export interface Fig1aInput {
  /** Curves from the published coefficients (Table 1). */
  published: Fig1Curves;
  /** Curves from our fit; omitted when no fit exists yet. */
  ours?: Fig1Curves;
  /** FLOPs range [min, max] that our runs cover; shaded on the "our fit" panel. */
  oursFlopsRange?: [number, number];
  /** Expansion rate E the curves assume (paper: 64). */
  expansionRate?: number;
}

function checkFrontier(id: string, name: string, curve: FrontierCurve | undefined, needG = false): FrontierCurve {
  if (!curve) throw new FigureInputError(id, `curve "${name}" is missing`);
  checkSeries(id, name, curve.flops, curve.loss, { logX: true, logY: true, minLength: 2 });
  if (needG) checkSeries(id, `${name}.granularity`, curve.flops, curve.granularity, { logY: true, minLength: 2 });
  return curve;
}

/** A label on the shaded band of our runs' FLOPs range, so the band explains itself without the caption. */
function shadeLabel(range: [number, number] | undefined, xref: string, yref: string): PlotlyAnnotation[] {
  if (!range) return [];
  return [{ text: 'our runs', x: Math.log10(Math.sqrt(range[0] * range[1])), y: 0.98, xref, yref, showarrow: false, xanchor: 'center', yanchor: 'top', font: { size: 11 } }];
}

/**
 * Log-axis ticks for an overhead axis over [lo, hi]: 1–2–5 steps over up to four decades, powers of ten beyond
 * (an extrapolated fit can reach 10¹²×), labelled `20×` or `10⁶×`.
 */
function overheadTicks(lo: number, hi: number): { tickvals: number[]; ticktext: string[] } {
  const wide = hi / lo > 1e4;
  const tickvals: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    for (const m of wide ? [1] : [1, 2, 5]) {
      const v = Number((m * 10 ** e).toPrecision(3));
      if (v >= lo && v <= hi) tickvals.push(v);
    }
  }
  if (wide && tickvals.length > 8) {
    const step = Math.ceil(tickvals.length / 8);
    return overheadLabels(tickvals.filter((_, i) => (tickvals.length - 1 - i) % step === 0));
  }
  return overheadLabels(tickvals);
}

function overheadLabels(tickvals: number[]): { tickvals: number[]; ticktext: string[] } {
  return { tickvals, ticktext: tickvals.map((t) => (t >= 1e4 ? `10<sup>${Math.round(Math.log10(t))}</sup>×` : `${t}×`)) };
}

function shadeRange(range: [number, number] | undefined, xref: string, yref: string) {
  if (!range) return [];
  return [
    {
      type: 'rect' as const,
      xref,
      yref,
      x0: range[0],
      x1: range[1],
      y0: 0,
      y1: 1,
      fillcolor: '#9ecae1',
      opacity: 0.25,
      line: { width: 0 },
      layer: 'below' as const,
    },
  ];
}

/** Splits the optimal-MoE curve into one segment per optimal G, each drawn in G's colour. */
function granularitySegments(curve: FrontierCurve, maxG: number, ref: { xaxis: string; yaxis: string }, seen: Set<string>) {
  const traces: PlotlyTrace[] = [];
  const g = curve.granularity!;
  let start = 0;
  for (let i = 1; i <= curve.flops.length; i++) {
    if (i === curve.flops.length || g[i] !== g[start]) {
      const end = Math.min(i + 1, curve.flops.length); // overlap one point so segments join
      const name = `MoE (optimal scaling), G = ${g[start]}`;
      const segment = lineTrace(curve.flops.slice(start, end), curve.loss.slice(start, end), {
        name,
        color: granularityColor(g[start]!, maxG),
        width: 3,
        legendgroup: name,
        showlegend: !seen.has(name),
        ...ref,
      });
      segment.legendrank = g[start]!; // legend lists G ascending whichever panel introduces it
      traces.push(segment);
      seen.add(name);
      start = i;
    }
  }
  return traces;
}

/**
 * Krajewski Fig. 1a: loss of compute-optimal models vs training FLOPs, log–log; the optimal MoE curve coloured by
 * its optimal granularity, vanilla MoE (G = 1) and the dense Transformer (dashed). Published coefficients and our
 * fit side by side.
 */
export function fig1a(input: Fig1aInput): FigureSpec {
  const id = 'krajewski.fig1a';
  if (!input || !input.published) throw new FigureInputError(id, 'published curves are missing; build them with buildKrajewskiFig1');
  const sets: Array<[string, Fig1Curves]> = [['Published coefficients (Table 1)', input.published]];
  if (input.ours) sets.push(['Our fit', input.ours]);
  const notes: string[] = [];
  let maxG = 2;
  for (const [name, curves] of sets) {
    checkFrontier(id, `${name}: moeOptimal`, curves?.moeOptimal, true);
    checkFrontier(id, `${name}: moeG1`, curves.moeG1);
    checkFrontier(id, `${name}: dense`, curves.dense);
    maxG = Math.max(maxG, ...curves.moeOptimal.granularity!);
  }
  const grid = panelGrid(
    sets.map(([title]) => ({
      title,
      x: axis('training FLOPs', 'log'),
      y: axis('loss (nats/token)', 'log'),
    })),
    { title: 'Loss of compute-optimal models vs training compute' },
  );
  const data: PlotlyTrace[] = [];
  const seen = new Set<string>();
  sets.forEach(([, curves], i) => {
    const ref = { xaxis: grid.refs[i]!.xaxis, yaxis: grid.refs[i]!.yaxis };
    data.push(...granularitySegments(curves.moeOptimal, maxG, ref, seen));
    data.push(
      lineTrace(curves.moeG1.flops, curves.moeG1.loss, {
        name: 'MoE (G = 1)',
        color: granularityColor(1, maxG),
        width: 2,
        dash: 'dot',
        showlegend: i === 0,
        ...ref,
      }),
      lineTrace(curves.dense.flops, curves.dense.loss, {
        name: 'Dense Transformer',
        color: '#555555',
        width: 2,
        dash: 'dash',
        showlegend: i === 0,
        ...ref,
      }),
    );
    for (const mark of curves.marks ?? []) {
      checkNumber(id, `mark ${mark.label}.flops`, mark.flops, { positive: true });
      checkNumber(id, `mark ${mark.label}.loss`, mark.loss, { positive: true });
      grid.layout.annotations!.push({
        text: mark.label,
        x: Math.log10(mark.flops),
        y: Math.log10(mark.loss),
        xref: ref.xaxis,
        yref: ref.yaxis,
        showarrow: true,
        ax: 22,
        ay: -22,
        font: { size: 11 },
      });
    }
  });
  if (input.ours) {
    const ref = grid.refs[1]!;
    grid.layout.shapes = shadeRange(input.oursFlopsRange, ref.xaxis, ref.yref);
    grid.layout.annotations = [...(grid.layout.annotations ?? []), ...shadeLabel(input.oursFlopsRange, ref.xaxis, ref.yref)];
    if (input.oursFlopsRange) {
      const [lo, hi] = input.oursFlopsRange;
      notes.push(
        `Our runs cover ${formatExp(lo, 1)}–${formatExp(hi, 1)} FLOPs (shaded); the right panel beyond that range is an extrapolation of our fit, not a measurement.`,
      );
    } else {
      notes.push('The FLOPs range of our runs is unknown; the right panel is an extrapolation of our fit.');
    }
  } else {
    notes.push('No fit of our runs yet: only the published-coefficient panel is drawn.');
  }
  const E = input.expansionRate ?? 64;
  const caption = composeCaption(
    `${CITE}, Fig. 1a: loss of compute-optimal models vs training FLOPs (log–log), E = ${E}. ` +
      'Coloured: MoE with compute-optimal granularity (colour = optimal G); dotted: MoE with G = 1; dashed: dense Transformer. ' +
      'FLOPs follow Eq. 10/11 (c_f = 6, c_r = 14, d_model = 64·n_blocks); optimum per budget as in §6.',
    notes,
  );
  return finalize({ kind: 'figure', id, paper: PAPER, title: 'Fig. 1a: loss vs FLOPs, compute-optimal', data, layout: grid.layout, caption, notes });
}

/** Relative FLOPs the dense Transformer and vanilla MoE need to match compute-optimal MoE. */
export interface OverheadCurves {
  /** FLOPs of the compute-optimal MoE. */
  flops: number[];
  /** Dense FLOPs needed for the same loss ÷ `flops`. */
  overheadDense: number[];
  /** G = 1 MoE FLOPs needed for the same loss ÷ `flops`. */
  overheadG1: number[];
}

export interface Fig1bInput {
  published: OverheadCurves;
  ours?: OverheadCurves;
  /** FLOPs range our runs cover (shaded on the "our fit" panel). */
  oursFlopsRange?: [number, number];
}

/** Krajewski Fig. 1b: ×overhead of dense and G = 1 MoE against compute-optimal MoE vs FLOPs (log–log). */
export function fig1b(input: Fig1bInput): FigureSpec {
  const id = 'krajewski.fig1b';
  if (!input || !input.published) throw new FigureInputError(id, 'published overhead curves are missing');
  const sets: Array<[string, OverheadCurves]> = [['Published coefficients (Table 1)', input.published]];
  if (input.ours) sets.push(['Our fit', input.ours]);
  let minOverhead = 1;
  for (const [name, c] of sets) {
    checkSeries(id, `${name}: overheadDense`, c?.flops, c?.overheadDense, { logX: true, logY: true, minLength: 2 });
    checkSeries(id, `${name}: overheadG1`, c.flops, c.overheadG1, { logX: true, logY: true, minLength: 2 });
    minOverhead = Math.min(minOverhead, ...c.overheadDense, ...c.overheadG1);
  }
  // Below 1× the alternative is cheaper than compute-optimal MoE: keep such points on the axis, not clipped.
  // The axis stops at 0.1× (an extrapolated fit can fall far below; the caption says so). Each panel has its own
  // range: our extrapolated fit can reach overheads many decades above the published coefficients'.
  const floor = Math.max(0.1, Math.min(0.9, minOverhead / 1.2));
  const grid = panelGrid(
    sets.map(([title, c]) => {
      const top = Math.max(2, ...c.overheadDense, ...c.overheadG1) * 1.3;
      return {
        title,
        x: axis('training FLOPs of compute-optimal MoE', 'log'),
        y: axis('×overhead (FLOPs to match its loss)', 'log', { ...overheadTicks(floor, top), range: [Math.log10(floor), Math.log10(top)] }),
      };
    }),
    { title: 'Compute overhead against compute-optimal MoE' },
  );
  const data: PlotlyTrace[] = [];
  sets.forEach(([, c], i) => {
    const ref = { xaxis: grid.refs[i]!.xaxis, yaxis: grid.refs[i]!.yaxis };
    data.push(
      lineTrace(c.flops, c.overheadDense, { name: 'Dense Transformer', color: '#555555', dash: 'dash', showlegend: i === 0, ...ref }),
      lineTrace(c.flops, c.overheadG1, { name: 'MoE (G = 1)', color: granularityColor(1), dash: 'dot', showlegend: i === 0, ...ref }),
    );
  });
  const notes: string[] = [];
  if (minOverhead < 1) notes.push('Where a curve falls below 1×, that alternative reaches the loss with less compute than the compute-optimal MoE.');
  if (minOverhead < 0.1) notes.push(`A curve falls to ${minOverhead.toExponential(1)}×, below the plotted range (0.1×).`);
  if (input.ours) {
    const ref = grid.refs[1]!;
    grid.layout.shapes = shadeRange(input.oursFlopsRange, ref.xaxis, ref.yref);
    grid.layout.annotations = [...(grid.layout.annotations ?? []), ...shadeLabel(input.oursFlopsRange, ref.xaxis, ref.yref)];
    notes.push(
      input.oursFlopsRange
        ? `Our runs cover ${formatExp(input.oursFlopsRange[0], 1)}–${formatExp(input.oursFlopsRange[1], 1)} FLOPs (shaded); elsewhere the right panel extrapolates our fit.`
        : 'The right panel extrapolates our fit over the paper range.',
    );
  } else notes.push('No fit of our runs yet: only the published-coefficient panel is drawn.');
  const caption = composeCaption(
    `${CITE}, Fig. 1b: FLOPs the dense Transformer (dashed) and MoE with G = 1 (dotted) need to reach the loss of the compute-optimal MoE, ` +
      'relative to that MoE, vs its training FLOPs. The paper reports 20× for dense at 1e20 FLOPs, above 40× beyond 1e25.',
    notes,
  );
  return finalize({ kind: 'figure', id, paper: PAPER, title: 'Fig. 1b: ×overhead vs FLOPs', data, layout: grid.layout, caption, notes });
}

// ---------------------------------------------------------------------------------------------------------
// Empirical figures (3a–7)

/** Common options of the empirical figures. */
export interface RunFigureOptions {
  /** Loss column; default `trainLossSmoothed` (the paper fits the smoothed training loss, App. A). */
  lossColumn?: LossColumn;
}

/** A fitted-law curve for one (model size, tokens) pair over a granularity grid (from `./curves`). */
export interface GranularityCurve {
  /** Active non-embedding parameters N_act of the model. */
  paramsActive: number;
  /** Training tokens D. */
  tokens: number;
  granularity: number[];
  /** Loss predicted by the fitted Eq. 9. */
  loss: number[];
}

/** A fitted-law curve over model sizes at fixed (granularity, tokens). */
export interface ParamsCurve {
  granularity: number;
  tokens: number;
  /** Total non-embedding parameters N. */
  paramsTotal: number[];
  loss: number[];
}

const lossOf = (row: RunSummary, col: LossColumn): number => row[col];

function moeRuns(id: string, runs: readonly RunSummary[], col: LossColumn): RunSummary[] {
  const rows = checkRuns(id, runs, ['granularity', 'tokens', 'paramsActive', 'paramsTotal', col]);
  const moe = rows.filter((r) => r.family === 'moe');
  if (moe.length === 0) throw new FigureInputError(id, 'no MoE runs (family = "moe") in the run table; run the fine-grained sweep');
  return moe;
}

function tokensLabel(tokens: number): string {
  return `D = ${formatCount(tokens)} tokens`;
}

function sizeLabel(row: Pick<RunSummary, 'expansionRate' | 'paramsActive'>): string {
  return `${row.expansionRate}×${formatCount(row.paramsActive)}`;
}

function granularityCoverageNote(gs: number[]): string[] {
  const [lo, hi] = extent(gs);
  return lo <= 1 && hi >= 16 ? [] : [`Our runs cover G = ${lo}–${hi}; the paper's cover G = 1–16.`];
}

function paramsCoverageNote(params: number[]): string[] {
  const [lo, hi] = extent(params);
  const [plo, phi] = KRAJEWSKI_PAPER_PARAMS_RANGE;
  return lo >= plo && hi <= phi
    ? []
    : [`Our runs span ${formatCount(lo)}–${formatCount(hi)} total non-embedding parameters; the paper's span ${formatCount(plo)}–${formatCount(phi)}.`];
}

export interface Fig3aOptions extends RunFigureOptions {
  /** Constant subtracted from the loss (paper: 3.12); `./fig3a` derives it from the fit (`granularityLimitConstant`). */
  constLoss: number;
  /** Model (N_act) to show (`./fig3a` picks the richest group, `groupsByRichness`). */
  paramsActive: number;
  /** Tokens D to show. */
  tokens: number;
  /** Fitted curve for this (N_act, D) (dashed). */
  fitted?: GranularityCurve;
}

function lossMinusConstPanel(
  id: string,
  runs: RunSummary[],
  group: { paramsActive: number; tokens: number; constLoss: number },
  col: LossColumn,
  ref: { xaxis: string; yaxis: string },
  colorIndex: [number, number],
  fitted?: GranularityCurve,
  showlegend = true,
): PlotlyTrace[] {
  const rows = runs
    .filter((r) => r.paramsActive === group.paramsActive && r.tokens === group.tokens)
    .sort((a, b) => a.granularity - b.granularity);
  if (rows.length === 0) {
    throw new FigureInputError(id, `no MoE runs with paramsActive = ${group.paramsActive} and tokens = ${group.tokens}`);
  }
  const y = rows.map((r) => lossOf(r, col) - group.constLoss);
  const bad = y.findIndex((v) => v <= 0);
  if (bad >= 0) {
    throw new FigureInputError(
      id,
      `loss − const ≤ 0 for run ${rows[bad]!.runId} (loss ${lossOf(rows[bad]!, col)}, const ${group.constLoss}); pass a constLoss below every loss`,
    );
  }
  const color = orderedColor(colorIndex[0], colorIndex[1]);
  const label = `${sizeLabel(rows[0]!)}, ${formatCount(group.tokens)} tokens`;
  const traces = [
    markerTrace(
      rows.map((r) => r.granularity),
      y,
      { name: `${label} (runs)`, color, size: 10, showlegend, legendgroup: label, ...ref },
    ),
  ];
  if (fitted) {
    checkSeries(id, 'fitted', fitted.granularity, fitted.loss, { logX: true, minLength: 2 });
    const fy = fitted.loss.map((l) => l - group.constLoss);
    traces.push(
      lineTrace(fitted.granularity, fy, { name: `${label} (fit, Eq. 9)`, color, dash: 'dash', showlegend, legendgroup: label, ...ref }),
    );
  }
  return traces;
}

/** Krajewski Fig. 3a: loss − const vs granularity, both axes log, for one model size and token budget. */
export function fig3a(runs: readonly RunSummary[], options: Fig3aOptions): FigureSpec {
  const id = 'krajewski.fig3a';
  const col = options?.lossColumn ?? 'trainLossSmoothed';
  const moe = moeRuns(id, runs, col);
  const constLoss = checkNumber(id, 'options.constLoss', options?.constLoss);
  const group = { paramsActive: checkNumber(id, 'options.paramsActive', options.paramsActive), tokens: checkNumber(id, 'options.tokens', options.tokens), constLoss };
  const rows = moe.filter((r) => r.paramsActive === group.paramsActive && r.tokens === group.tokens);
  const gs = uniqueSorted(rows.map((r) => r.granularity));
  const grid = panelGrid([
    {
      x: log2Axis('granularity G', gs),
      y: axis(`${lossLabel(col)} − const`, 'log'),
    },
  ]);
  const data = lossMinusConstPanel(id, moe, group, col, { xaxis: 'x', yaxis: 'y' }, [0, 1], options.fitted);
  const notes = [...granularityCoverageNote(gs)];
  const caption = composeCaption(
    `${CITE}, Fig. 3a: loss − const vs granularity G (both axes log) for N = 64×25M, D = 16B, const = 3.12 in the paper; ` +
      `here N_act = ${formatCount(group.paramsActive)}, D = ${formatCount(group.tokens)} tokens, const = ${constLoss.toFixed(3)}. ` +
      'A straight line means loss − const ∝ G^(−γ), the power law of Eq. 4.',
    notes,
  );
  return finalize({ kind: 'figure', id, paper: PAPER, title: 'Fig. 3a: loss − const vs G', data, layout: grid.layout, caption, notes });
}

export interface ParamsFigureOptions extends RunFigureOptions {
  /** Fitted curves over model size (dashed), matched to series by (G, tokens). */
  fitted?: ParamsCurve[];
}

function lossVsParamsPanel(
  id: string,
  rows: RunSummary[],
  allTokens: number[],
  col: LossColumn,
  ref: { xaxis: string; yaxis: string },
  fitted: ParamsCurve[] | undefined,
  granularity: number,
  showlegend: boolean,
): PlotlyTrace[] {
  const traces: PlotlyTrace[] = [];
  for (const [tokens, group] of groupBy(rows, (r) => r.tokens)) {
    const color = orderedColor(allTokens.indexOf(tokens), allTokens.length);
    const [x, y] = sortByX(
      group.map((r) => r.paramsTotal),
      group.map((r) => lossOf(r, col)),
    );
    const name = tokensLabel(tokens);
    traces.push(lineMarkerTrace(x, y, { name, color, showlegend, legendgroup: name, ...ref }));
    const fit = fitted?.find((f) => f.granularity === granularity && f.tokens === tokens);
    if (fit) {
      checkSeries(id, `fitted G=${granularity} D=${tokens}`, fit.paramsTotal, fit.loss, { logX: true, logY: true, minLength: 2 });
      traces.push(lineTrace(fit.paramsTotal, fit.loss, { name: `${name} (fit)`, color, dash: 'dash', width: 1.5, showlegend, legendgroup: name, ...ref }));
    }
  }
  return traces;
}

/** Krajewski Fig. 3b: loss vs total parameters (log x) at G = 4, one line per token budget. */
export function fig3b(runs: readonly RunSummary[], options: ParamsFigureOptions & { granularity?: number } = {}): FigureSpec {
  const id = 'krajewski.fig3b';
  const col = options.lossColumn ?? 'trainLossSmoothed';
  const moe = moeRuns(id, runs, col);
  const wanted = options.granularity ?? 4;
  const gs = uniqueSorted(moe.map((r) => r.granularity));
  const g = gs.reduce((best, v) => (Math.abs(Math.log2(v / wanted)) < Math.abs(Math.log2(best / wanted)) ? v : best), gs[0]!);
  const rows = moe.filter((r) => r.granularity === g);
  const allTokens = uniqueSorted(moe.map((r) => r.tokens));
  const notes: string[] = [];
  if (g !== wanted) notes.push(`No runs at G = ${wanted}; showing the nearest granularity in our runs, G = ${g}.`);
  notes.push(...paramsCoverageNote(rows.map((r) => r.paramsTotal)));
  const grid = panelGrid([
    { x: axis('total non-embedding parameters N', 'log'), y: axis(lossLabel(col), 'log', { tickformat: '.2f' }) },
  ]);
  const data = lossVsParamsPanel(id, rows, allTokens, col, { xaxis: 'x', yaxis: 'y' }, options.fitted, g, true);
  const caption = composeCaption(
    `${CITE}, Fig. 3b: loss vs total non-embedding parameters N (log x) at G = ${g}, one line per training-token budget ` +
      '(paper: G = 4; 16B, 33B, 66B tokens). Parallel lines show that D does not interact with N.',
    notes,
  );
  return finalize({ kind: 'figure', id, paper: PAPER, title: `Fig. 3b: loss vs N at G = ${g}`, data, layout: grid.layout, caption, notes });
}

/** Krajewski Fig. 3c: loss improvement from longer training, loss(D_min) − loss(D_max), vs G, per model size. */
export function fig3c(runs: readonly RunSummary[], options: RunFigureOptions = {}): FigureSpec {
  const id = 'krajewski.fig3c';
  const col = options.lossColumn ?? 'trainLossSmoothed';
  const moe = moeRuns(id, runs, col);
  const sizes = groupBy(moe, (r) => r.paramsActive);
  const data: PlotlyTrace[] = [];
  const allG: number[] = [];
  let dRange: [number, number] | undefined;
  sizes.forEach(([, rows], i) => {
    const tokens = uniqueSorted(rows.map((r) => r.tokens));
    if (tokens.length < 2) return;
    const [dMin, dMax] = [tokens[0]!, tokens[tokens.length - 1]!];
    dRange = dRange ? [Math.min(dRange[0], dMin), Math.max(dRange[1], dMax)] : [dMin, dMax];
    const x: number[] = [];
    const y: number[] = [];
    for (const g of uniqueSorted(rows.map((r) => r.granularity))) {
      const short = rows.find((r) => r.granularity === g && r.tokens === dMin);
      const long = rows.find((r) => r.granularity === g && r.tokens === dMax);
      if (short && long) {
        x.push(g);
        y.push(lossOf(short, col) - lossOf(long, col));
      }
    }
    if (x.length === 0) return;
    allG.push(...x);
    data.push(
      lineMarkerTrace(x, y, {
        name: `${sizeLabel(rows[0]!)} (${formatCount(dMin)}→${formatCount(dMax)} tokens)`,
        color: orderedColor(i, sizes.length),
      }),
    );
  });
  if (data.length === 0) {
    throw new FigureInputError(id, 'needs runs of the same model and granularity at two or more token budgets; none found');
  }
  const grid = panelGrid([{ x: log2Axis('granularity G', allG), y: axis(`loss(D_min) − loss(D_max) (nats/token)`) }]);
  const notes = [...granularityCoverageNote(allG)];
  const caption = composeCaption(
    `${CITE}, Fig. 3c: "loss with longer training": the drop in ${lossLabel(col)} from the shortest to the longest token budget ` +
      `(paper: 16B → 66B tokens; ours ${formatCount(dRange![0])} → ${formatCount(dRange![1])}) vs G, one line per model size. ` +
      'Flat lines mean no D×G interaction, the assumption behind Eq. 9.',
    notes,
  );
  return finalize({ kind: 'figure', id, paper: PAPER, title: 'Fig. 3c: gain from longer training vs G', data, layout: grid.layout, caption, notes });
}

export interface Fig4Options extends RunFigureOptions {
  /** Fitted Eq. 9 curves per (N_act, D) over G (dashed). */
  fitted?: GranularityCurve[];
  /** Token budgets to panel (default: up to the three most populated). */
  tokens?: number[];
}

/** Krajewski Fig. 4: fit of Eq. 9 against runs, one panel per token budget, loss vs G, one colour per size. */
export function fig4(runs: readonly RunSummary[], options: Fig4Options = {}): FigureSpec {
  const id = 'krajewski.fig4';
  const col = options.lossColumn ?? 'trainLossSmoothed';
  const moe = moeRuns(id, runs, col);
  const byTokens = groupBy(moe, (r) => r.tokens);
  const panelsTokens =
    options.tokens ??
    [...byTokens]
      .sort((a, b) => b[1].length - a[1].length || a[0] - b[0])
      .slice(0, 3)
      .map(([t]) => t)
      .sort((a, b) => a - b);
  const sizes = uniqueSorted(moe.map((r) => r.paramsActive));
  const allG = moe.map((r) => r.granularity);
  const grid = panelGrid(
    panelsTokens.map((t) => ({
      title: `${formatCount(t)} tokens`,
      x: log2Axis('granularity G', allG),
      y: axis(lossLabel(col), 'log', { tickformat: '.2f' }),
    })),
  );
  const data: PlotlyTrace[] = [];
  const seen = new Set<number>();
  panelsTokens.forEach((tokens, p) => {
    const rows = moe.filter((r) => r.tokens === tokens);
    if (rows.length === 0) throw new FigureInputError(id, `no MoE runs at tokens = ${tokens}`);
    const ref = { xaxis: grid.refs[p]!.xaxis, yaxis: grid.refs[p]!.yaxis };
    for (const [size, group] of groupBy(rows, (r) => r.paramsActive)) {
      const color = orderedColor(sizes.indexOf(size), sizes.length);
      const name = sizeLabel(group[0]!);
      const [x, y] = sortByX(
        group.map((r) => r.granularity),
        group.map((r) => lossOf(r, col)),
      );
      data.push(markerTrace(x, y, { name, color, size: 9, legendgroup: name, showlegend: !seen.has(size), ...ref }));
      seen.add(size);
      const fit = options.fitted?.find((f) => f.paramsActive === size && f.tokens === tokens);
      if (fit) {
        checkSeries(id, `fitted ${name} D=${tokens}`, fit.granularity, fit.loss, { logX: true, logY: true, minLength: 2 });
        data.push(lineTrace(fit.granularity, fit.loss, { name: `${name} (fit)`, color, dash: 'dash', width: 1.6, legendgroup: name, showlegend: false, ...ref }));
      }
    }
  });
  const notes = [...granularityCoverageNote(allG), ...paramsCoverageNote(moe.map((r) => r.paramsTotal))];
  if (!options.fitted) notes.push('No fit of our runs yet: points only, without the Eq. 9 lines.');
  const caption = composeCaption(
    `${CITE}, Fig. 4: "fit of the scaling laws compared to the experimental results": ${lossLabel(col)} vs granularity, ` +
      'one panel per token budget (paper: 16B, 33B, 66B), one colour per model size; dots are runs, dashed lines Eq. 9 fitted to them.',
    notes,
  );
  return finalize({ kind: 'figure', id, paper: PAPER, title: 'Fig. 4: Eq. 9 fit vs runs', data, layout: grid.layout, caption, notes });
}

/** One run's observed loss against the fitted law's prediction. */
export interface FitPoint {
  runId: string;
  observed: number;
  predicted: number;
  /** `fit`: used in the fit; `validation`: held out (paper: the 20% lowest-loss runs). */
  split: 'fit' | 'validation';
}

/** Krajewski Fig. 5a: observed vs predicted loss, fitted and held-out points, with the y = x line. */
export function fig5a(points: readonly FitPoint[], options: { lossColumn?: LossColumn } = {}): FigureSpec {
  const id = 'krajewski.fig5a';
  if (isEmptyList(points)) throw new FigureInputError(id, 'no fit points; pass observed/predicted pairs from the Eq. 9 fit');
  points.forEach((p) => {
    checkNumber(id, `${p.runId}.observed`, p.observed, { positive: true });
    checkNumber(id, `${p.runId}.predicted`, p.predicted, { positive: true });
    if (p.split !== 'fit' && p.split !== 'validation') throw new FigureInputError(id, `${p.runId}.split = ${String(p.split)}; use "fit" or "validation"`);
  });
  const col = options.lossColumn ?? 'trainLossSmoothed';
  const all = points.flatMap((p) => [p.observed, p.predicted]);
  const [lo, hi] = extent(all);
  const pad = (hi - lo) * 0.05 || 0.05;
  const range: [number, number] = [lo - pad, hi + pad];
  const grid = panelGrid([
    { x: axis(`observed ${lossLabel(col)}`, 'linear', { range }), y: axis('predicted loss (Eq. 9)', 'linear', { range }) },
  ]);
  grid.layout.width = grid.layout.height + 230;
  const data: PlotlyTrace[] = [lineTrace(range, range, { name: 'y = x', color: '#999999', dash: 'dot', width: 1.2 })];
  const rmse: string[] = [];
  for (const [split, color, name] of [
    ['fit', '#4e79a7', 'fitted points'],
    ['validation', '#e15759', 'validation (held out)'],
  ] as const) {
    const ps = points.filter((p) => p.split === split);
    if (ps.length === 0) continue;
    data.push(markerTrace(ps.map((p) => p.observed), ps.map((p) => p.predicted), { name, color, size: 8, text: ps.map((p) => p.runId) }));
    const e = Math.sqrt(ps.reduce((s, p) => s + (p.predicted - p.observed) ** 2, 0) / ps.length);
    rmse.push(`${name}: RMSE ${e.toFixed(4)} (${ps.length} runs)`);
  }
  const notes: string[] = [];
  if (!points.some((p) => p.split === 'validation')) notes.push('No held-out validation runs in this fit.');
  const caption = composeCaption(
    `${CITE}, Fig. 5a: observed vs predicted loss; the paper holds out the 20% lowest-loss runs for validation (validation RMSE 0.019). ` +
      `Ours: ${rmse.join('; ')}.`,
    notes,
  );
  return finalize({ kind: 'figure', id, paper: PAPER, title: 'Fig. 5a: observed vs predicted loss', data, layout: grid.layout, caption, notes });
}

/** A training curve of one run: loss against wall-clock time. */
export interface TrainingCurve {
  runId: string;
  granularity: number;
  /** Wall-clock seconds since the start of training. */
  wallSeconds: number[];
  /** Training loss (smoothed or raw) at those times (nats/token). */
  loss: number[];
  /** Compute backend the run trained on (`wasm`, `cpu`, `tensorflow`, `webgpu`, …), for the caption. */
  backend?: string;
}

export interface Fig5bOptions {
  /** Hardware the times were measured on, e.g. `1 CPU core (tfjs wasm)`. */
  hardware?: string;
}

/** Krajewski Fig. 5b: training loss vs wall-clock time for one model at several granularities. */
export function fig5b(curves: readonly TrainingCurve[], options: Fig5bOptions = {}): FigureSpec {
  const id = 'krajewski.fig5b';
  if (isEmptyList(curves)) {
    throw new FigureInputError(id, 'no training curves; pass metrics of runs of one model at several G (metrics.jsonl)');
  }
  curves.forEach((c) => {
    checkNumber(id, `${c.runId}.granularity`, c.granularity, { positive: true });
    checkSeries(id, c.runId, c.wallSeconds, c.loss, { logY: true, minLength: 2 });
  });
  const maxSeconds = Math.max(...curves.flatMap((c) => c.wallSeconds));
  const [scale, unit]: [number, string] = maxSeconds >= 3 * 3600 ? [3600, 'hours'] : maxSeconds >= 180 ? [60, 'minutes'] : [1, 'seconds'];
  const maxG = Math.max(2, ...curves.map((c) => c.granularity));
  const grid = panelGrid([
    { x: axis(`wall-clock training time (${unit})`), y: axis('smoothed training loss (nats/token)', 'log', { tickformat: '.2f' }) },
  ]);
  const data = [...curves]
    .sort((a, b) => a.granularity - b.granularity)
    .map((c) =>
      lineTrace(
        c.wallSeconds.map((s) => s / scale),
        c.loss,
        { name: `G = ${c.granularity}`, color: granularityColor(c.granularity, maxG), width: 1.8 },
      ),
    );
  const notes = [
    `x axis: wall-clock ${unit} of one training process on ${options.hardware ?? hardwareOf(curves)}, not the paper's A100 GPU-hours, so routing's share of the step time differs from the paper's.`,
  ];
  const caption = composeCaption(
    `${CITE}, Fig. 5b: training loss vs wall-clock time (paper: A100 GPU-hours, N = 64×7M, D = 66B) for G = 1…16; ` +
      'the paper finds G = 8 best and G = 16 dominated by routing cost.',
    notes,
  );
  return finalize({ kind: 'figure', id, paper: PAPER, title: 'Fig. 5b: loss vs wall-clock time', data, layout: grid.layout, caption, notes });
}

const GPU_BACKENDS = new Set(['webgpu', 'tensorflow-gpu', 'webgl']);

/** `CPU (tfjs wasm)` / `GPU (tfjs webgpu)` from the curves' backends. */
function hardwareOf(curves: readonly TrainingCurve[]): string {
  const backends = [...new Set(curves.map((c) => c.backend).filter((b): b is string => !!b))].sort();
  if (backends.length === 0) return 'our hardware';
  const kind = backends.every((b) => GPU_BACKENDS.has(b)) ? 'GPU' : backends.some((b) => GPU_BACKENDS.has(b)) ? 'CPU/GPU' : 'CPU';
  return `${kind} (tfjs ${backends.join(', ')})`;
}

/** Krajewski Fig. 6: loss vs total parameters, one panel per granularity (paper: G = 1, 2, 8, 16). */
export function fig6(runs: readonly RunSummary[], options: ParamsFigureOptions & { granularities?: number[] } = {}): FigureSpec {
  const id = 'krajewski.fig6';
  const col = options.lossColumn ?? 'trainLossSmoothed';
  const moe = moeRuns(id, runs, col);
  const available = uniqueSorted(moe.map((r) => r.granularity));
  const wanted = options.granularities ?? [1, 2, 8, 16];
  let panels = wanted.filter((g) => available.includes(g));
  const notes: string[] = [];
  if (panels.length < wanted.length) {
    const missing = wanted.filter((g) => !available.includes(g));
    notes.push(`No runs at G = ${missing.join(', ')}.`);
    if (panels.length === 0) panels = available.slice(0, 4);
  }
  const allTokens = uniqueSorted(moe.map((r) => r.tokens));
  const grid = panelGrid(
    panels.map((g) => ({ title: `G = ${g}`, x: axis('total non-embedding parameters N', 'log'), y: axis(lossLabel(col), 'log', { tickformat: '.2f' }) })),
    { cols: Math.min(4, panels.length) },
  );
  const data: PlotlyTrace[] = [];
  panels.forEach((g, i) => {
    const ref = { xaxis: grid.refs[i]!.xaxis, yaxis: grid.refs[i]!.yaxis };
    data.push(...lossVsParamsPanel(id, moe.filter((r) => r.granularity === g), allTokens, col, ref, options.fitted, g, i === 0));
  });
  notes.push(...paramsCoverageNote(moe.map((r) => r.paramsTotal)));
  const caption = composeCaption(
    `${CITE}, Fig. 6: loss vs total non-embedding parameters N (log x) for several granularities, one line per token budget; ` +
      'dashed: Eq. 9 fit where given.',
    notes,
  );
  return finalize({ kind: 'figure', id, paper: PAPER, title: 'Fig. 6: loss vs N per granularity', data, layout: grid.layout, caption, notes });
}

/** One panel of Fig. 7. */
export interface Fig7Group {
  paramsActive: number;
  tokens: number;
  /** Constant subtracted (paper: 3.12, 3.02, 3.03, 2.88). */
  constLoss: number;
}

/** Krajewski Fig. 7: loss − const vs G (log–log) for up to four (model, tokens) groups. */
export function fig7(
  runs: readonly RunSummary[],
  options: RunFigureOptions & { groups: Fig7Group[]; fitted?: GranularityCurve[] },
): FigureSpec {
  const id = 'krajewski.fig7';
  const col = options?.lossColumn ?? 'trainLossSmoothed';
  const moe = moeRuns(id, runs, col);
  if (!Array.isArray(options?.groups) || options.groups.length === 0) {
    throw new FigureInputError(id, 'options.groups is empty; pass up to four {paramsActive, tokens, constLoss}');
  }
  const groups = options.groups.slice(0, 4);
  groups.forEach((g, i) => checkNumber(id, `groups[${i}].constLoss`, g.constLoss));
  const allG = moe.map((r) => r.granularity);
  const sample = (g: Fig7Group) => moe.find((r) => r.paramsActive === g.paramsActive);
  const grid = panelGrid(
    groups.map((g) => ({
      title: `${sample(g) ? sizeLabel(sample(g)!) : formatCount(g.paramsActive)}, ${formatCount(g.tokens)} tokens, const ${g.constLoss.toFixed(2)}`,
      x: log2Axis('granularity G', allG),
      y: axis('loss − const', 'log') as PlotlyAxis,
    })),
    { cols: 2 },
  );
  const data: PlotlyTrace[] = [];
  groups.forEach((g, i) => {
    const fit = options.fitted?.find((f) => f.paramsActive === g.paramsActive && f.tokens === g.tokens);
    data.push(...lossMinusConstPanel(id, moe, g, col, { xaxis: grid.refs[i]!.xaxis, yaxis: grid.refs[i]!.yaxis }, [i, groups.length], fit));
  });
  const notes = [...granularityCoverageNote(allG)];
  const caption = composeCaption(
    `${CITE}, Fig. 7: loss − const vs granularity (log–log) for (64×25M, 16B, 3.12), (64×49M, 16B, 3.02), (64×25M, 32B, 3.03), ` +
      '(64×49M, 32B, 2.88) in the paper; here the groups of our runs named in each panel. Straight lines support the power law in G (Eq. 4).',
    notes,
  );
  return finalize({ kind: 'figure', id, paper: PAPER, title: 'Fig. 7: loss − const vs G, four groups', data, layout: grid.layout, caption, notes });
}

// ---------------------------------------------------------------------------------------------------------
// Tables

export interface Table1Input {
  published: { moe: FineGrainedCoefficients; dense: DenseCoefficients };
  ours?: { moe?: FineGrainedCoefficients; dense?: DenseCoefficients };
}

/** Krajewski Table 1: fitted coefficients, published next to ours. */
export function table1(input: Table1Input): TableSpec {
  const id = 'krajewski.table1';
  if (!input?.published?.moe || !input.published.dense) throw new FigureInputError(id, 'published.moe and published.dense coefficients are required');
  const rows: TableSpec['rows'] = [];
  const push = (model: string, c: FineGrainedCoefficients | DenseCoefficients | undefined) => {
    if (!c) return;
    for (const k of ['a', 'alpha', 'b', 'beta', 'c'] as const) checkNumber(id, `${model}.${k}`, c[k]);
    const granularityTerm = 'g' in c ? { g: c.g, gamma: c.gamma } : { g: null, gamma: null };
    rows.push({ model, a: c.a, alpha: c.alpha, b: c.b, beta: c.beta, ...granularityTerm, c: c.c });
  };
  push('MoE (paper)', input.published.moe);
  push('Dense (paper)', input.published.dense);
  push('MoE (ours)', input.ours?.moe);
  push('Dense (ours)', input.ours?.dense);
  const notes = input.ours?.moe ? [] : ['No fit of our runs yet.'];
  return {
    kind: 'table',
    id,
    paper: PAPER,
    title: 'Table 1: fitted coefficients',
    caption: composeCaption(`${CITE}, Table 1: coefficients of L(N, D, G) = c + (g/G^γ + a)/N^α + b/D^β (Eq. 9) and of the dense law (Eq. 1), E = 64.`, notes),
    columns: [
      { key: 'model', label: 'Model', format: 'text', align: 'left' },
      { key: 'a', label: 'a', format: 'sig3' },
      { key: 'alpha', label: 'α', format: 'sig3' },
      { key: 'b', label: 'b', format: 'sig3' },
      { key: 'beta', label: 'β', format: 'sig3' },
      { key: 'g', label: 'g', format: 'sig3' },
      { key: 'gamma', label: 'γ', format: 'sig3' },
      { key: 'c', label: 'c', format: 'sig3' },
    ],
    rows,
    notes,
  };
}

/** One compute-optimal configuration (Table 2). */
export interface ComputeOptimalRow {
  /** `paper` (Table 2 as printed) or `published coefficients`/`ours` (our solver). */
  source: string;
  expansionRate: number;
  paramsActive: number;
  tokens: number;
  granularity: number;
  flops: number;
  loss: number;
}

/** Krajewski Table 2: compute-optimal N_act, D, G per budget. */
export function table2(rows: readonly ComputeOptimalRow[]): TableSpec {
  const id = 'krajewski.table2';
  if (isEmptyList(rows)) throw new FigureInputError(id, 'no compute-optimal rows; pass solver output');
  rows.forEach((r, i) => {
    for (const k of ['expansionRate', 'paramsActive', 'tokens', 'granularity', 'flops', 'loss'] as const) checkNumber(id, `rows[${i}].${k}`, r[k], { positive: true });
  });
  return {
    kind: 'table',
    id,
    paper: PAPER,
    title: 'Table 2: compute-optimal configurations',
    caption: `${CITE}, Table 2: compute-optimal model size (E × N_act), tokens D and granularity G per FLOPs budget, with the loss Eq. 9 predicts.`,
    columns: [
      { key: 'source', label: 'Source', format: 'text', align: 'left' },
      { key: 'model', label: 'N (E × N_act)', format: 'text' },
      { key: 'tokens', label: 'D', unit: 'tokens', format: 'count' },
      { key: 'granularity', label: 'G', format: 'int' },
      { key: 'flops', label: 'FLOPs', format: 'exp' },
      { key: 'loss', label: 'Loss', format: 'sig4' },
    ],
    rows: rows.map((r) => ({
      source: r.source,
      model: `${r.expansionRate} × ${formatCount(r.paramsActive)}`,
      tokens: r.tokens,
      granularity: r.granularity,
      flops: r.flops,
      loss: r.loss,
    })),
    notes: [],
  };
}

/** One bootstrap row (Table 6/9): 10th–90th percentile intervals of the optimum. */
export interface BootstrapRow {
  source: string;
  /** Model label, e.g. `64x1B`. */
  model: string;
  tokens: [number, number];
  granularity: [number, number];
}

/** One coefficient's bootstrap interval from our fit stage (`results/fits/<law>.json` → `bootstrap`). */
export interface BootstrapCoefficientRow {
  /** Law name, e.g. `fine-grained`, `experts`. */
  law: string;
  coefficient: string;
  /** Value on the full data. */
  estimate: number;
  /** Percentile interval bounds at `level` (null: not finite, e.g. resamples that diverged). */
  lo: number | null;
  hi: number | null;
  /** Bootstrap standard error (null: not finite). */
  se: number | null;
  /** Central interval level, e.g. 0.95. */
  level: number;
  /** Resamples used (n of n with replacement) and how many failed. */
  resamples: number;
  failures: number;
}

/** Inputs of the bootstrap table: our coefficient intervals, and/or compute-optimal intervals (Tables 6/9 layout). */
export interface BootstrapTableInput {
  /** Our per-coefficient intervals from the fit stage; when present the table lists these. */
  coefficients?: BootstrapCoefficientRow[];
  /** Compute-optimal D and G percentiles per model (Krajewski Tables 6 and 9). */
  rows?: BootstrapRow[];
  /** Resampled fits behind `rows`. */
  samples?: number;
  /** Fraction of runs per resample behind `rows`. */
  fraction?: number;
}

/**
 * Bootstrap table. With `coefficients`: our fitted coefficients with percentile intervals and standard errors
 * (the fit stage's bootstrap), cited against Krajewski App. C. Otherwise the Tables 6/9 layout: 10th–90th
 * percentiles of the compute-optimal D and G.
 */
export function tableBootstrap(input: BootstrapTableInput): TableSpec {
  const id = 'krajewski.bootstrap';
  if (input && Array.isArray(input.coefficients) && input.coefficients.length > 0) return coefficientBootstrapTable(id, input.coefficients);
  if (!Array.isArray(input?.rows) || input.rows.length === 0) throw new FigureInputError(id, 'no bootstrap rows; run the fit stage with bootstrap resamples (results/fits/<law>.json)');
  checkNumber(id, 'samples', input.samples, { positive: true });
  checkNumber(id, 'fraction', input.fraction, { positive: true });
  input.rows.forEach((r, i) => {
    [...r.tokens, ...r.granularity].forEach((v, k) => checkNumber(id, `rows[${i}] interval value ${k}`, v, { positive: true }));
  });
  return {
    kind: 'table',
    id,
    paper: PAPER,
    title: 'Bootstrap intervals of the compute-optimal configuration',
    caption:
      `${CITE}, Tables 6 and 9 (App. C): 10th–90th percentiles of the compute-optimal D and G over ${input.samples} fits, ` +
      `each on ${Math.round(input.fraction! * 100)}% of the runs (paper: 80% sampled 100 times).`,
    columns: [
      { key: 'source', label: 'Source', format: 'text', align: 'left' },
      { key: 'model', label: 'N', format: 'text' },
      { key: 'tokens', label: 'D (10th, 90th pct)', format: 'text' },
      { key: 'granularity', label: 'G (10th, 90th pct)', format: 'text' },
    ],
    rows: input.rows.map((r) => ({
      source: r.source,
      model: r.model,
      tokens: `(${formatCount(r.tokens[0])}, ${formatCount(r.tokens[1])})`,
      granularity: `(${r.granularity[0]}, ${r.granularity[1]})`,
    })),
    notes: [],
  };
}

function coefficientBootstrapTable(id: string, rows: BootstrapCoefficientRow[]): TableSpec {
  rows.forEach((r, i) => {
    for (const k of ['estimate', 'level', 'resamples', 'failures'] as const) checkNumber(id, `coefficients[${i}] (${r.law}.${r.coefficient}).${k}`, r[k]);
    for (const k of ['lo', 'hi', 'se'] as const) if (r[k] !== null) checkNumber(id, `coefficients[${i}] (${r.law}.${r.coefficient}).${k}`, r[k]);
    if (r.lo !== null && r.hi !== null && !(r.lo <= r.hi)) throw new FigureInputError(id, `coefficients[${i}] (${r.law}.${r.coefficient}) has lo ${r.lo} > hi ${r.hi}; pass the interval bounds in order`);
  });
  const laws = [...new Set(rows.map((r) => r.law))];
  const perLaw = laws.map((law) => {
    const r = rows.find((x) => x.law === law)!;
    return { law, text: `${r.resamples} resamples${r.failures > 0 ? ` (${r.failures} failed)` : ''}, ${Math.round(r.level * 100)}% percentile intervals` };
  });
  const same = perLaw.every((p) => p.text === perLaw[0]!.text);
  const notes = [same ? `Every law: ${perLaw[0]!.text}.` : `${perLaw.map((p) => `${p.law}: ${p.text}`).join('; ')}.`];
  const unbounded = rows.filter((r) => r.lo === null || r.hi === null || r.se === null).map((r) => `${r.law}.${r.coefficient}`);
  if (unbounded.length > 0) notes.push(`Not finite over the resamples (shown as –): ${unbounded.join(', ')}.`);
  const wide = rows
    .filter((r) => r.lo !== null && r.hi !== null && r.estimate !== 0 && (r.hi - r.lo) / Math.abs(r.estimate) > 1)
    .map((r) => `${r.law}.${r.coefficient}`);
  if (wide.length > 0) notes.push(`Intervals wider than the estimate itself (${wide.join(', ')}): our runs do not pin these coefficients down.`);
  return {
    kind: 'table',
    id,
    paper: PAPER,
    title: 'Bootstrap intervals of our fitted coefficients',
    caption: composeCaption(
      `Our fits' coefficients with nonparametric bootstrap intervals (runs resampled n of n with replacement, each refit), ` +
        `the uncertainty analysis of ${CITE}, App. C (Tables 6 and 9 report 10th–90th percentiles of compute-optimal D and G from 100 fits on 80% of the runs).`,
      notes,
    ),
    columns: [
      { key: 'law', label: 'Law', format: 'text', align: 'left' },
      { key: 'coefficient', label: 'Coefficient', format: 'text', align: 'left' },
      { key: 'estimate', label: 'Estimate', format: 'sig4' },
      { key: 'lo', label: 'CI low', format: 'sig3' },
      { key: 'hi', label: 'CI high', format: 'sig3' },
      { key: 'se', label: 'SE', format: 'sig3' },
    ],
    rows: rows.map((r) => ({ law: r.law, coefficient: r.coefficient, estimate: r.estimate, lo: r.lo, hi: r.hi, se: r.se })),
    notes,
  };
}
