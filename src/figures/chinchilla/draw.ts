/**
 * Chinchilla-style fit view (Hoffmann et al. 2022, Approach 3 / IsoFLOP profiles, Fig. 3; refit by Besiroglu et al.
 * 2024, arXiv 2404.10102): loss vs FLOPs with the fitted loss-optimal frontier, and IsoFLOP slices (loss vs size at
 * near-equal compute) with the fitted curves and their minima.
 */
import type { RunSummary } from '../../runs/types';
import { axis, composeCaption, finalize, formatExp, orderedColor, panelGrid } from '../theme';
import { lineTrace, markerTrace, sortByX } from '../traces';
import type { FigureSpec, PlotlyTrace } from '../types';
import { FigureInputError } from '../types';
import { checkRuns, checkSeries, lossLabel, type LossColumn } from '../validate';

const CITE = 'Hoffmann et al. 2022 (Chinchilla), Approach 3 and IsoFLOP profiles (Fig. 3)';

/** A fitted curve of loss vs model size at one compute budget. */
export interface IsoflopCurve {
  flops: number;
  paramsActive: number[];
  loss: number[];
}

export interface IsoflopOptions {
  /** FLOPs column; default `flops6ND` (Chinchilla's C = 6ND). */
  flopsColumn?: 'flops6ND' | 'flopsKrajewski';
  /** Loss column; default `valLoss`. */
  lossColumn?: LossColumn;
  /** Fitted loss-optimal frontier L*(C) (from the law library's allocation). */
  frontier?: { flops: number[]; loss: number[] };
  /** Fitted IsoFLOP curves, matched to slices by nearest FLOPs. */
  slices?: IsoflopCurve[];
  /** Which runs: `dense` (default when the table has at least 3 dense runs, as Chinchilla fits dense models) or `all`. */
  family?: 'dense' | 'all';
  /** Runs within this factor of each other's FLOPs form one slice; default 1.25. */
  sliceTolerance?: number;
}

/** Groups runs into IsoFLOP slices: sorted by FLOPs, a new slice starts when FLOPs exceed the first by `tolerance`. */
export function isoflopSlices(runs: RunSummary[], flopsOf: (r: RunSummary) => number, tolerance: number): RunSummary[][] {
  const sorted = [...runs].sort((a, b) => flopsOf(a) - flopsOf(b));
  const slices: RunSummary[][] = [];
  for (const r of sorted) {
    const last = slices[slices.length - 1];
    if (last && flopsOf(r) <= flopsOf(last[0]!) * tolerance) last.push(r);
    else slices.push([r]);
  }
  return slices.filter((s) => new Set(s.map((r) => r.paramsActive)).size >= 2);
}

/** Chinchilla-style view: loss vs FLOPs with the fitted frontier (left), IsoFLOP slices loss vs N_act (right). */
export function isoflop(runs: readonly RunSummary[], options: IsoflopOptions = {}): FigureSpec {
  const id = 'chinchilla.isoflop';
  const fcol = options.flopsColumn ?? 'flops6ND';
  const lcol = options.lossColumn ?? 'valLoss';
  const all = checkRuns(id, runs, [fcol, lcol, 'paramsActive']);
  const dense = all.filter((r) => r.family === 'dense');
  const useDense = options.family === 'dense' || (options.family === undefined && dense.length >= 3);
  const rows = useDense ? dense : all;
  if (rows.length === 0) throw new FigureInputError(id, 'no dense runs in the run table; pass family: "all" to use every run');
  const slices = isoflopSlices(rows, (r) => r[fcol], options.sliceTolerance ?? 1.25);
  const grid = panelGrid([
    { title: 'Loss vs compute', x: axis(`training FLOPs (${fcol === 'flops6ND' ? '6·N_act·D' : 'Krajewski Eq. 10'})`, 'log'), y: axis(lossLabel(lcol), 'log', { tickformat: '.2f' }) },
    { title: 'IsoFLOP slices', x: axis('active non-embedding parameters N_act', 'log'), y: axis(lossLabel(lcol), 'log', { tickformat: '.2f' }) },
  ]);
  const data: PlotlyTrace[] = [
    markerTrace(
      rows.map((r) => r[fcol]),
      rows.map((r) => r[lcol]),
      { name: useDense ? 'dense runs' : 'runs (dense and MoE)', color: '#9c9c9c', size: 7, text: rows.map((r) => r.runId) },
    ),
  ];
  const notes: string[] = [];
  if (options.frontier) {
    checkSeries(id, 'frontier', options.frontier.flops, options.frontier.loss, { logX: true, logY: true, minLength: 2 });
    data.push(lineTrace(options.frontier.flops, options.frontier.loss, { name: 'fitted frontier L*(C)', color: '#e15759', width: 2.4 }));
  } else notes.push('No fit yet: the frontier is not drawn.');
  slices.forEach((slice, i) => {
    const flops = Math.exp(slice.reduce((s, r) => s + Math.log(r[fcol]), 0) / slice.length);
    const color = orderedColor(i, slices.length);
    const name = `C ≈ ${formatExp(flops, 1)}`;
    const [x, y] = sortByX(
      slice.map((r) => r.paramsActive),
      slice.map((r) => r[lcol]),
    );
    data.push(markerTrace(x, y, { name, color, size: 8, xaxis: 'x2', yaxis: 'y2', legendgroup: name }));
    const fit = options.slices?.reduce<IsoflopCurve | undefined>(
      (best, c) => (!best || Math.abs(Math.log(c.flops / flops)) < Math.abs(Math.log(best.flops / flops)) ? c : best),
      undefined,
    );
    if (fit && Math.abs(Math.log(fit.flops / flops)) < Math.log(options.sliceTolerance ?? 1.25)) {
      checkSeries(id, `slice ${name}`, fit.paramsActive, fit.loss, { logX: true, logY: true, minLength: 2 });
      data.push(lineTrace(fit.paramsActive, fit.loss, { name: `${name} (fit)`, color, dash: 'dash', width: 1.5, xaxis: 'x2', yaxis: 'y2', legendgroup: name, showlegend: false }));
      const k = fit.loss.indexOf(Math.min(...fit.loss));
      data.push(markerTrace([fit.paramsActive[k]!], [fit.loss[k]!], { name: `${name} optimum`, color, symbol: 'star', size: 13, xaxis: 'x2', yaxis: 'y2', legendgroup: name, showlegend: false }));
    }
  });
  if (slices.length === 0) notes.push('No two runs of different size share a compute budget (within ×1.25): no IsoFLOP slice to draw.');
  const caption = composeCaption(
    `${CITE}: loss vs training FLOPs with the fitted loss-optimal frontier (left) and IsoFLOP slices, loss vs model size at near-equal compute ` +
      '(right; dashed: fitted law along the slice, star: its minimum). Approach 3 fits L = E + A/N^α + B/D^β with a Huber loss on log L (δ = 1e-3).',
    notes,
  );
  return finalize({ kind: 'figure', id, paper: 'chinchilla', title: 'Chinchilla-style fit: frontier and IsoFLOP slices', data, layout: grid.layout, caption, notes });
}
