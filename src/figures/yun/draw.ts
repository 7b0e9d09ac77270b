/**
 * Yun et al. 2024, "Toward Inference-optimal Mixture-of-Expert Large Language Models" (arXiv 2404.02852):
 * one function per figure and table. Fig. 1 takes runs plus fitted Eq. 4 curves; Figs. 2–6 take curves computed
 * by `./adapters` from our fitted experts law and the serving-cost model (`src/inference/`); Fig. 8 takes model
 * configurations. The number of experts E is coloured on one sequential scale (`expertsColor`), dense in grey.
 */
import type { RunSummary } from '../../runs/types';
import { axis, composeCaption, finalize, expertsColor, formatCount, log2Axis, orderedColor, panelGrid } from '../theme';
import { lineMarkerTrace, lineTrace, markerTrace, sortByX } from '../traces';
import type { FigureSpec, PlotlyTrace, TableSpec } from '../types';
import { FigureInputError } from '../types';
import { checkNumber, checkRuns, checkSeries, extent, groupBy, isEmptyList, lossLabel, uniqueSorted } from '../validate';

const PAPER = 'yun' as const;
const CITE = 'Yun et al. 2024 (arXiv 2404.02852)';
/** Paper's dense sizes (Table 1, non-embedding parameters). */
export const YUN_PAPER_PARAMS_RANGE: [number, number] = [81_395_712, 679_477_248];
/** Paper's training-token range (§3.1: 2.5B to 20B). */
export const YUN_PAPER_TOKENS_RANGE: [number, number] = [2.5e9, 20e9];
/** Paper's Section 5 training budgets (FLOPs), e.g. Fig. 5: about 2e21–8e21. */
export const YUN_PAPER_BUDGET_RANGE: [number, number] = [2e21, 8.2e21];

function expertsLabel(experts: number): string {
  return experts <= 1 ? 'dense' : `${experts} experts`;
}

/** A fitted Eq. 4 curve over expert counts at fixed (N, D). */
export interface ExpertsCurve {
  /** Corresponding dense model size N (non-embedding). */
  paramsDense: number;
  tokens: number;
  experts: number[];
  /** Validation loss predicted by the fitted Eq. 4. */
  loss: number[];
}

/** Yun Fig. 1: validation loss vs number of experts (log–log), one panel per D, one colour per dense size N. */
export function fig1(runs: readonly RunSummary[], options: { fitted?: ExpertsCurve[]; tokens?: number[] } = {}): FigureSpec {
  const id = 'yun.fig1';
  const rows = checkRuns(id, runs, ['experts', 'tokens', 'paramsDense', 'valLoss']);
  const byTokens = groupBy(rows, (r) => r.tokens);
  const panelsTokens =
    options.tokens ??
    [...byTokens]
      .sort((a, b) => b[1].length - a[1].length || a[0] - b[0])
      .slice(0, 4)
      .map(([t]) => t)
      .sort((a, b) => a - b);
  const sizes = uniqueSorted(rows.map((r) => r.paramsDense));
  const allE = rows.map((r) => r.experts);
  const grid = panelGrid(
    panelsTokens.map((t) => ({
      title: `D = ${formatCount(t)} tokens`,
      x: log2Axis('number of experts E (1 = dense)', allE),
      y: axis(lossLabel('valLoss'), 'log', { tickformat: '.2f' }),
    })),
    { cols: Math.min(panelsTokens.length, 4) },
  );
  const data: PlotlyTrace[] = [];
  const seen = new Set<number>();
  panelsTokens.forEach((tokens, p) => {
    const ref = { xaxis: grid.refs[p]!.xaxis, yaxis: grid.refs[p]!.yaxis };
    const inPanel = rows.filter((r) => r.tokens === tokens);
    if (inPanel.length === 0) throw new FigureInputError(id, `no runs at tokens = ${tokens}`);
    for (const [size, group] of groupBy(inPanel, (r) => r.paramsDense)) {
      const color = orderedColor(sizes.indexOf(size), sizes.length);
      const name = `N = ${formatCount(size)}`;
      const [x, y] = sortByX(
        group.map((r) => r.experts),
        group.map((r) => r.valLoss),
      );
      data.push(markerTrace(x, y, { name, color, size: 9, legendgroup: name, showlegend: !seen.has(size), ...ref }));
      seen.add(size);
      const fit = options.fitted?.find((f) => f.paramsDense === size && f.tokens === tokens);
      if (fit) {
        checkSeries(id, `fitted ${name} D=${tokens}`, fit.experts, fit.loss, { logX: true, logY: true, minLength: 2 });
        data.push(lineTrace(fit.experts, fit.loss, { name: `${name} (Eq. 4)`, color, dash: 'dot', width: 1.8, legendgroup: name, showlegend: false, ...ref }));
      }
    }
  });
  const notes: string[] = [];
  const [plo, phi] = extent(sizes);
  const [tlo, thi] = extent(rows.map((r) => r.tokens));
  if (plo < YUN_PAPER_PARAMS_RANGE[0] || phi > YUN_PAPER_PARAMS_RANGE[1] || tlo < YUN_PAPER_TOKENS_RANGE[0]) {
    notes.push(
      `Our runs: N = ${formatCount(plo)}–${formatCount(phi)}, D = ${formatCount(tlo)}–${formatCount(thi)} tokens; the paper's: N = 81M–679M, D = 2.5B–20B.`,
    );
  }
  if (!options.fitted) notes.push('No fit of our runs yet: points only, without the Eq. 4 lines.');
  const caption = composeCaption(
    `${CITE}, Fig. 1: validation losses for different D; dots are runs, dotted lines Eq. 4 fitted to them ` +
      '(log L = log(A/N^α + B/Ê^β + C/D^γ + F) + d·log N·log Ê), one panel per D, one colour per dense size N.',
    notes,
  );
  return finalize({ kind: 'figure', id, paper: PAPER, title: 'Fig. 1: loss vs experts, runs and Eq. 4', data, layout: grid.layout, caption, notes });
}

/** Inputs of Fig. 2, computed by the serving-cost model. */
export interface Fig2Input {
  /** Left: cost per token vs total model size, one series per GPU type or setting. */
  costVsSize: Array<{ label: string; paramsTotal: number[]; cost: number[] }>;
  /** Right: the largest model servable for a given inference budget. */
  sizeVsBudget: { budget: number[]; maxParamsTotal: number[]; /** Legend label, e.g. `max dense size, A100-40GB`. */ label?: string };
  /** Unit of `cost` and `budget`, e.g. `USD per 1M tokens`. */
  costUnit: string;
  /** Hardware the cost model describes, e.g. `8×A100-40GB (roofline)`. */
  hardware: string;
  /** Extra caption notes from the caller. */
  notes?: string[];
}

/** Yun Fig. 2: inference cost vs model size (left) and max model size vs inference budget (right). */
export function fig2(input: Fig2Input): FigureSpec {
  const id = 'yun.fig2';
  if (!input || isEmptyList(input.costVsSize)) throw new FigureInputError(id, 'costVsSize is empty; compute it with the serving-cost model');
  input.costVsSize.forEach((s) => checkSeries(id, s.label, s.paramsTotal, s.cost, { logX: true, logY: true, minLength: 2 }));
  checkSeries(id, 'sizeVsBudget', input.sizeVsBudget?.budget, input.sizeVsBudget?.maxParamsTotal, { logX: true, logY: true, minLength: 2 });
  const grid = panelGrid([
    { title: 'Cost grows with model size', x: axis('total parameters', 'log'), y: axis(`inference cost (${input.costUnit})`, 'log') },
    { title: 'Largest model for a budget', x: axis(`inference budget (${input.costUnit})`, 'log'), y: axis('max total parameters', 'log') },
  ]);
  const data: PlotlyTrace[] = input.costVsSize.map((s, i) =>
    lineTrace(s.paramsTotal, s.cost, { name: s.label, color: orderedColor(i, input.costVsSize.length), width: 2 }),
  );
  const [bx, by] = sortByX(input.sizeVsBudget.budget, input.sizeVsBudget.maxParamsTotal);
  const step = lineTrace(bx, by, { name: input.sizeVsBudget.label ?? 'max model size', color: '#e15759', xaxis: 'x2', yaxis: 'y2' });
  step.line = { ...step.line, shape: 'hv' };
  data.push(step);
  const notes = [`Cost model for ${input.hardware}; the paper profiles vLLM on 8×A100-40GB.`, ...(input.notes ?? [])];
  const caption = composeCaption(
    `${CITE}, Fig. 2: MoE inference cost. Cost per token (G·C₀ / throughput, cheapest GPU count) grows with model size (left); ` +
      'the largest model a budget can serve (right) jumps where the minimum number of GPUs needed to hold the model increases.',
    notes,
  );
  return finalize({ kind: 'figure', id, paper: PAPER, title: 'Fig. 2: inference cost model', data, layout: grid.layout, caption, notes });
}

/** Loss-optimal models of one expert count across training budgets. */
export interface LossOptimalSeries {
  experts: number;
  /** Training FLOPs budgets. */
  flops: number[];
  /** Loss of the loss-optimal model at each budget. */
  loss: number[];
  /** Inference cost per token of that model. */
  inferenceCost: number[];
}

function checkBudgetRange(flops: number[]): string[] {
  const [lo, hi] = extent(flops);
  const range = lo === hi ? `${lo.toExponential(1)}` : `${lo.toExponential(1)}–${hi.toExponential(1)}`;
  const paper = `${YUN_PAPER_BUDGET_RANGE[0].toExponential(0)}–${YUN_PAPER_BUDGET_RANGE[1].toExponential(1)}`;
  const inPaper = lo >= YUN_PAPER_BUDGET_RANGE[0] * 0.99 && hi <= YUN_PAPER_BUDGET_RANGE[1] * 1.01;
  return [
    inPaper
      ? `Training budget${lo === hi ? '' : 's'} ${range} FLOPs, in the paper's Section 5 range.`
      : `Training budget${lo === hi ? '' : 's'} ${range} FLOPs; the paper's Section 5 budgets are about ${paper} FLOPs.`,
  ];
}

/** Inputs of Fig. 3. */
export interface Fig3Input {
  series: LossOptimalSeries[];
  /** Unit of the inference cost, e.g. `GPU-hours per 1M tokens`. */
  costUnit: string;
  /** Extra caption notes from the caller (cost model used, points dropped as unservable). */
  notes?: string[];
}

/** Yun Fig. 3: loss-optimal MoEs: cost vs loss (left), loss vs FLOPs (middle), cost vs FLOPs (right), per E. */
export function fig3(input: Fig3Input): FigureSpec {
  const id = 'yun.fig3';
  if (!input || isEmptyList(input.series)) throw new FigureInputError(id, 'series is empty; compute loss-optimal models per expert count');
  const maxE = Math.max(2, ...input.series.map((s) => s.experts));
  input.series.forEach((s) => {
    checkSeries(id, `${expertsLabel(s.experts)} loss`, s.flops, s.loss, { logX: true, logY: true, minLength: 2 });
    checkSeries(id, `${expertsLabel(s.experts)} cost`, s.flops, s.inferenceCost, { logX: true, logY: true, minLength: 2 });
  });
  const cost = `inference cost (${input.costUnit})`;
  const grid = panelGrid([
    { title: 'Cost vs performance', x: axis(lossLabel('valLoss'), 'log', { tickformat: '.2f' }), y: axis(cost, 'log') },
    { title: 'Loss vs training FLOPs', x: axis('training FLOPs', 'log'), y: axis(lossLabel('valLoss'), 'log', { tickformat: '.2f' }) },
    { title: 'Cost vs training FLOPs', x: axis('training FLOPs', 'log'), y: axis(cost, 'log') },
  ]);
  const data: PlotlyTrace[] = [];
  for (const s of [...input.series].sort((a, b) => a.experts - b.experts)) {
    const style = { name: expertsLabel(s.experts), color: expertsColor(s.experts, maxE), legendgroup: expertsLabel(s.experts) };
    data.push(
      lineMarkerTrace(s.loss, s.inferenceCost, { ...style, size: 5 }),
      lineMarkerTrace(s.flops, s.loss, { ...style, size: 5, showlegend: false, xaxis: 'x2', yaxis: 'y2' }),
      lineMarkerTrace(s.flops, s.inferenceCost, { ...style, size: 5, showlegend: false, xaxis: 'x3', yaxis: 'y3' }),
    );
  }
  const notes = [...checkBudgetRange(input.series.flatMap((s) => s.flops)), ...(input.notes ?? [])];
  const caption = composeCaption(
    `${CITE}, Fig. 3: loss-optimal MoEs at several training budgets, one colour per number of experts: inference cost vs validation loss (left), ` +
      'loss vs training FLOPs (middle), inference cost vs training FLOPs (right). More experts: lower loss, higher serving cost.',
    notes,
  );
  return finalize({ kind: 'figure', id, paper: PAPER, title: 'Fig. 3: loss-optimal MoEs, cost and loss', data, layout: grid.layout, caption, notes });
}

export interface Fig4Input {
  /** The training budget (FLOPs) all models share. */
  flopsBudget: number;
  /** For each E, models of varying size trained with the whole budget (smaller = over-trained). */
  series: Array<{ experts: number; paramsDense: number[]; loss: number[]; inferenceCost: number[] }>;
  /** The loss-optimal model of each E at this budget (marked). */
  lossOptimal: Array<{ experts: number; loss: number; inferenceCost: number }>;
  costUnit: string;
  /** Extra caption notes from the caller. */
  notes?: string[];
}

/** Yun Fig. 4: loss–cost curves at one training budget; over-trained smaller MoEs vs loss-optimal points. */
export function fig4(input: Fig4Input): FigureSpec {
  const id = 'yun.fig4';
  if (!input || isEmptyList(input.series)) throw new FigureInputError(id, 'series is empty; sweep model sizes at one budget per E');
  checkNumber(id, 'flopsBudget', input.flopsBudget, { positive: true });
  const maxE = Math.max(2, ...input.series.map((s) => s.experts));
  const grid = panelGrid([
    { x: axis(lossLabel('valLoss'), 'log', { tickformat: '.3f' }), y: axis(`inference cost (${input.costUnit})`, 'log') },
  ]);
  const data: PlotlyTrace[] = [];
  for (const s of [...input.series].sort((a, b) => a.experts - b.experts)) {
    checkSeries(id, expertsLabel(s.experts), s.loss, s.inferenceCost, { logX: true, logY: true, minLength: 2 });
    const name = expertsLabel(s.experts);
    data.push(lineTrace(s.loss, s.inferenceCost, { name, color: expertsColor(s.experts, maxE), legendgroup: name }));
  }
  for (const p of input.lossOptimal ?? []) {
    checkNumber(id, `lossOptimal E=${p.experts}.loss`, p.loss, { positive: true });
    checkNumber(id, `lossOptimal E=${p.experts}.inferenceCost`, p.inferenceCost, { positive: true });
    const name = expertsLabel(p.experts);
    data.push(markerTrace([p.loss], [p.inferenceCost], { name: `${name}, loss-optimal`, color: expertsColor(p.experts, maxE), symbol: 'star', size: 14, legendgroup: name, showlegend: false }));
  }
  const notes = [...checkBudgetRange([input.flopsBudget]), ...(input.notes ?? [])];
  const caption = composeCaption(
    `${CITE}, Fig. 4: loss–cost curves for a training budget of ${input.flopsBudget.toExponential(2)} FLOPs: each line varies the model size ` +
      'of one expert count with the budget fixed (smaller models see more tokens); stars mark the loss-optimal model. ' +
      'The paper finds an over-trained 16-expert MoE better and cheaper to serve than loss-optimal 4/8-expert MoEs.',
    notes,
  );
  return finalize({ kind: 'figure', id, paper: PAPER, title: 'Fig. 4: loss–cost curves at one budget', data, layout: grid.layout, caption, notes });
}

/** Bounded-metric search results against one base model (Algorithms 1 and 2). */
export interface BoundedSearchBase {
  /** Expert count of the base model (1 = dense). */
  baseExperts: number;
  /** The base model's (loss-optimal) metric per budget. */
  baseline: { flops: number[]; value: number[] };
  /** Per E: the best metric under the bound, and the model size relative to the base's loss-optimal size. */
  series: Array<{ experts: number; flops: number[]; value: number[]; sizeRatio: number[] }>;
}

/** Inputs of Figs. 5 and 6. */
export interface BoundedSearchInput {
  bases: BoundedSearchBase[];
  costUnit: string;
  /** Extra caption notes from the caller. */
  notes?: string[];
}

function boundedFigure(id: string, figure: 'Fig. 5' | 'Fig. 6', input: BoundedSearchInput): FigureSpec {
  if (!input || isEmptyList(input.bases)) throw new FigureInputError(id, 'bases is empty; run the bounded search (Algorithm 1/2) per base model');
  const metric = figure === 'Fig. 5' ? `min inference cost (${input.costUnit})` : `min ${lossLabel('valLoss')}`;
  const maxE = Math.max(2, ...input.bases.flatMap((b) => b.series.map((s) => s.experts)));
  const panels = input.bases.flatMap((b) => [
    { title: `${figure === 'Fig. 5' ? 'Min cost' : 'Min loss'}, base: ${expertsLabel(b.baseExperts)}`, x: axis('training FLOPs', 'log'), y: axis(metric, 'log') },
    { title: `Size ratio to base, base: ${expertsLabel(b.baseExperts)}`, x: axis('training FLOPs', 'log'), y: axis('N / N of loss-optimal base') },
  ]);
  // the size-ratio axis carries 4-digit ticks (0.9997): a wider gap keeps its title off the left panel
  const grid = panelGrid(panels, { cols: 2, gapX: 0.13 });
  const data: PlotlyTrace[] = [];
  const seen = new Set<string>();
  input.bases.forEach((b, i) => {
    if (b.series.length === 0) {
      // every candidate E is infeasible against this base: say so in the panel, not only in the caption (a
      // transparent trace at the base's size keeps the empty panel's axes, which Plotly drops without data)
      const ref = grid.refs[2 * i + 1]!;
      data.push(lineTrace(b.baseline.flops, b.baseline.flops.map(() => 1), { name: `no feasible expert count (base: ${expertsLabel(b.baseExperts)})`, color: 'rgba(0,0,0,0)', showlegend: false, xaxis: ref.xaxis, yaxis: ref.yaxis }));
      grid.layout.annotations!.push({
        text: `no expert count ${figure === 'Fig. 5' ? 'reaches the base\'s loss' : 'fits the base\'s inference cost'}<br>at any of these budgets (see the caption)`,
        x: 0.5,
        y: 0.5,
        xref: ref.xref,
        yref: ref.yref,
        showarrow: false,
        xanchor: 'center',
        yanchor: 'middle',
        font: { size: 13, color: '#8a5a00' },
      });
    }
    checkSeries(id, `base ${b.baseExperts} baseline`, b.baseline?.flops, b.baseline?.value, { logX: true, logY: true, minLength: 2 });
    const left = { xaxis: grid.refs[2 * i]!.xaxis, yaxis: grid.refs[2 * i]!.yaxis };
    const right = { xaxis: grid.refs[2 * i + 1]!.xaxis, yaxis: grid.refs[2 * i + 1]!.yaxis };
    data.push(
      lineTrace(b.baseline.flops, b.baseline.value, {
        name: `loss-optimal ${expertsLabel(b.baseExperts)} (base)`,
        color: expertsColor(b.baseExperts, maxE),
        dash: 'dash',
        ...left,
      }),
    );
    for (const s of [...b.series].sort((x, y) => x.experts - y.experts)) {
      checkSeries(id, `base ${b.baseExperts}, ${expertsLabel(s.experts)}`, s.flops, s.value, { logX: true, logY: true, minLength: 2 });
      checkSeries(id, `base ${b.baseExperts}, ${expertsLabel(s.experts)} size ratio`, s.flops, s.sizeRatio, { logX: true, minLength: 2 });
      const name = `over-trained ${expertsLabel(s.experts)}`;
      const color = expertsColor(s.experts, maxE);
      data.push(lineMarkerTrace(s.flops, s.value, { name, color, size: 5, legendgroup: name, showlegend: !seen.has(name), ...left }));
      data.push(lineMarkerTrace(s.flops, s.sizeRatio, { name, color, size: 5, legendgroup: name, showlegend: false, ...right }));
      seen.add(name);
    }
  });
  const notes = [...checkBudgetRange(input.bases.flatMap((b) => b.baseline.flops)), ...(input.notes ?? [])];
  const text =
    figure === 'Fig. 5'
      ? `${CITE}, Fig. 5: optimal inference cost for a bounded loss (Algorithm 1): each E is sized so that, trained with the whole budget, ` +
        'it matches the loss of the loss-optimal base; left the resulting inference cost, right its size relative to the base. ' +
        'Bases: dense and 4 experts, as in the paper.'
      : `${CITE}, Fig. 6: optimal loss for a bounded inference cost (Algorithm 2): each E is sized to the base's inference cost and trained with ` +
        'the whole budget; left the resulting loss, right its size relative to the base.';
  return finalize({
    kind: 'figure',
    id,
    paper: PAPER,
    title: figure === 'Fig. 5' ? 'Fig. 5: min inference cost for a bounded loss' : 'Fig. 6: min loss for a bounded inference cost',
    data,
    layout: grid.layout,
    caption: composeCaption(text, notes),
    notes,
  });
}

/** Yun Fig. 5: optimal inference cost for a bounded loss (Algorithm 1), against dense and 4-expert bases. */
export function fig5(input: BoundedSearchInput): FigureSpec {
  return boundedFigure('yun.fig5', 'Fig. 5', input);
}

/** Yun Fig. 6: optimal loss for a bounded inference cost (Algorithm 2). */
export function fig6(input: BoundedSearchInput): FigureSpec {
  return boundedFigure('yun.fig6', 'Fig. 6', input);
}

/** A model configuration for Fig. 8 / Table 1. */
export interface ModelConfigPoint {
  /** Name, e.g. `100M` or a run id. */
  label: string;
  /** `paper` (Table 1) or `ours`. */
  source: string;
  dModel: number;
  layers: number;
  heads: number;
  /** Non-embedding parameters of the dense model N. */
  paramsDense: number;
}

/** Inputs of Fig. 8. */
export interface Fig8Input {
  points: ModelConfigPoint[];
  /** μ of h·l = μ·N^(2/3), as the cost model uses it. */
  mu: number;
  /** Which configurations μ was fitted on, e.g. `the paper's Table 1`. */
  muFittedOn?: string;
  /** Extra caption notes from the caller. */
  notes?: string[];
}

/** Yun Fig. 8: h·l vs N^(2/3) for the configurations, with the fitted line h·l = μ·N^(2/3) (App. C shape assumption). */
export function fig8(input: Fig8Input): FigureSpec {
  const id = 'yun.fig8';
  if (!input || isEmptyList(input.points)) throw new FigureInputError(id, 'points is empty; pass model configurations');
  const mu = checkNumber(id, 'mu', input.mu, { positive: true });
  input.points.forEach((p) => {
    for (const k of ['dModel', 'layers', 'paramsDense'] as const) checkNumber(id, `${p.label}.${k}`, p[k], { positive: true });
  });
  const grid = panelGrid([{ x: axis('N^(2/3) (N = non-embedding parameters)', 'log'), y: axis('h·l (d_model × layers)', 'log') }]);
  const data: PlotlyTrace[] = [];
  const bySource = new Map<string, ModelConfigPoint[]>();
  for (const p of input.points) bySource.set(p.source, [...(bySource.get(p.source) ?? []), p]);
  const xsAll = input.points.map((p) => p.paramsDense ** (2 / 3));
  const [lo, hi] = extent(xsAll);
  data.push(lineTrace([lo / 1.3, hi * 1.3], [(mu * lo) / 1.3, mu * hi * 1.3], { name: `fit: h·l = ${mu.toFixed(3)}·N^(2/3)`, color: '#555555', dash: 'dash', width: 1.6 }));
  [...bySource.entries()].forEach(([source, ps], i) => {
    data.push(
      markerTrace(
        ps.map((p) => p.paramsDense ** (2 / 3)),
        ps.map((p) => p.dModel * p.layers),
        { name: source === 'paper' ? 'paper (Table 1)' : source === 'ours' ? 'our configurations' : source, color: i === 0 ? '#4e79a7' : '#f28e2b', size: 10, symbol: i === 0 ? 'circle' : 'diamond', text: ps.map((p) => p.label) },
      ),
    );
  });
  const notes = [...(input.muFittedOn ? [`μ = ${mu.toPrecision(3)} is fitted (least squares in log space) on ${input.muFittedOn}.`] : []), ...(input.notes ?? [])];
  const caption = composeCaption(
    `${CITE}, Fig. 8: fitted h·l with N^(2/3): dots are the actual h·l (hidden size × layers) of the configurations, the line the fit h·l = μ·N^(2/3) that the cost model (App. C) assumes.`,
    notes,
  );
  return finalize({ kind: 'figure', id, paper: PAPER, title: 'Fig. 8: h·l vs N^(2/3)', data, layout: grid.layout, caption, notes });
}

/** Yun Table 1: model configurations (the paper's and ours). */
export function table1(points: readonly ModelConfigPoint[]): TableSpec {
  const id = 'yun.table1';
  if (isEmptyList(points)) throw new FigureInputError(id, 'no configurations; pass the paper Table 1 and/or our dense shapes');
  points.forEach((p) => {
    for (const k of ['dModel', 'layers', 'heads', 'paramsDense'] as const) checkNumber(id, `${p.label}.${k}`, p[k], { positive: true });
  });
  return {
    kind: 'table',
    id,
    paper: PAPER,
    title: 'Table 1: model configurations',
    caption: `${CITE}, Table 1: model configurations; "Actual # Params (w/o embedding)" is the corresponding dense model size N of Eq. 4.`,
    columns: [
      { key: 'source', label: 'Source', format: 'text', align: 'left' },
      { key: 'label', label: 'Name', format: 'text', align: 'left' },
      { key: 'dModel', label: 'd_model', format: 'int' },
      { key: 'layers', label: 'n_layers', format: 'int' },
      { key: 'heads', label: 'n_heads', format: 'int' },
      { key: 'paramsDense', label: 'Params (w/o embedding)', format: 'int' },
    ],
    rows: points.map((p) => ({ source: p.source, label: p.label, dModel: p.dModel, layers: p.layers, heads: p.heads, paramsDense: p.paramsDense })),
    notes: [],
  };
}
