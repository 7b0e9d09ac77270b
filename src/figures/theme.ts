/**
 * House style of the paper figures: fonts, sizes, colour encodings (granularity and experts as sequential
 * scales, as the papers colour them), axis helpers and the multi-panel layout.
 */
import type { PlotlyAxis, PlotlyLayout, PlotlyTrace } from './types';

export const FONT = { family: 'DejaVu Sans, Arial, sans-serif', size: 13, color: '#222' } as const;
export const PANEL_WIDTH = 460;
export const PANEL_HEIGHT = 400;

/** Viridis stops (perceptually uniform, colour-blind safe) for sequential encodings. */
const VIRIDIS: ReadonlyArray<readonly [number, number, number]> = [
  [68, 1, 84],
  [72, 40, 120],
  [62, 74, 137],
  [49, 104, 142],
  [38, 130, 142],
  [31, 158, 137],
  [53, 183, 121],
  [109, 205, 89],
  [180, 222, 44],
  [253, 231, 37],
];

/** Plasma-like warm stops (used for expert counts so they never read as granularity). */
const PLASMA: ReadonlyArray<readonly [number, number, number]> = [
  [13, 8, 135],
  [84, 2, 163],
  [139, 10, 165],
  [185, 50, 137],
  [219, 92, 104],
  [244, 136, 73],
  [254, 188, 43],
];

function interpolate(stops: ReadonlyArray<readonly [number, number, number]>, t: number): string {
  const u = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(u));
  const f = u - i;
  const [a, b] = [stops[i]!, stops[i + 1]!];
  const c = a.map((v, k) => Math.round(v + (b[k]! - v) * f));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

/** Sequential colour for t ∈ [0, 1] (dark purple → yellow). */
export function sequentialColor(t: number): string {
  return interpolate(VIRIDIS, t);
}

/**
 * Colour of a granularity G on a log2 scale spanning [1, maxGranularity] (Krajewski colours G sequentially).
 * Stops short of viridis' pale yellow end so lines stay readable on white.
 */
export function granularityColor(granularity: number, maxGranularity = 64): string {
  const span = Math.max(1, Math.log2(Math.max(2, maxGranularity)));
  return interpolate(VIRIDIS, (0.9 * Math.log2(Math.max(1, granularity))) / span);
}

/** Colour of an expert count E (1 = dense) on a log2 scale up to `maxExperts`. */
export function expertsColor(experts: number, maxExperts = 32): string {
  if (experts <= 1) return '#444444';
  const span = Math.max(1, Math.log2(Math.max(2, maxExperts)));
  return interpolate(PLASMA, (0.92 * (Math.log2(experts) - 1)) / Math.max(1, span - 1));
}

/** Categorical palette (Tableau 10) for series with no order: token counts, model sizes. */
export const CATEGORICAL = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
] as const;

export function categoricalColor(index: number): string {
  return CATEGORICAL[((index % CATEGORICAL.length) + CATEGORICAL.length) % CATEGORICAL.length]!;
}

/** Colour of the i-th of `count` ordered series (model sizes, token budgets) on the sequential scale. */
export function orderedColor(index: number, count: number): string {
  return sequentialColor(count <= 1 ? 0.2 : (0.85 * index) / (count - 1));
}

export { formatCount } from '../util/format';

/** `1.93e+20` style. */
export function formatExp(value: number, digits = 2): string {
  return value.toExponential(digits);
}

export function axis(title: string, type: 'linear' | 'log' = 'linear', extra: PlotlyAxis = {}): PlotlyAxis {
  return {
    title: { text: title, standoff: 6 },
    type,
    exponentformat: type === 'log' ? 'power' : 'none',
    showline: true,
    mirror: true,
    linecolor: '#444',
    ticks: 'outside',
    gridcolor: '#e6e6e6',
    zeroline: false,
    automargin: true,
    ...extra,
  };
}

/** Log axis with ticks at powers of two (granularity, experts): 1, 2, 4, … */
export function log2Axis(title: string, values: number[], extra: PlotlyAxis = {}): PlotlyAxis {
  const finite = values.filter((v) => Number.isFinite(v) && v > 0);
  const lo = Math.floor(Math.log2(Math.min(...finite, 1)));
  const hi = Math.ceil(Math.log2(Math.max(...finite, 2)));
  const ticks: number[] = [];
  for (let e = lo; e <= hi; e++) ticks.push(2 ** e);
  return axis(title, 'log', {
    tickvals: ticks,
    ticktext: ticks.map((t) => String(t)),
    range: [Math.log10(2 ** lo) - 0.08, Math.log10(2 ** hi) + 0.08],
    ...extra,
  });
}

export interface PanelGrid {
  /** Layout with `xaxis`, `xaxis2`, … placed in a rows × cols grid. */
  layout: PlotlyLayout;
  /** Trace axis ids per panel index: `{ xaxis: 'x2', yaxis: 'y2' }`. */
  refs: Array<{ xaxis: string; yaxis: string; xref: string; yref: string }>;
}

/**
 * Layout with `count` panels in `cols` columns, each with its own axes, panel titles as annotations,
 * a legend on the right, sized `PANEL_WIDTH × PANEL_HEIGHT` per panel.
 */
export function panelGrid(
  panels: Array<{ title?: string; x: PlotlyAxis; y: PlotlyAxis }>,
  options: { cols?: number; title?: string; legendBelow?: boolean; gapX?: number } = {},
): PanelGrid {
  const count = panels.length;
  const cols = Math.max(1, Math.min(options.cols ?? count, count));
  const rows = Math.ceil(count / cols);
  const gapX = cols > 1 ? (options.gapX ?? 0.09) : 0;
  const gapY = rows > 1 ? 0.14 : 0;
  const w = (1 - gapX * (cols - 1)) / cols;
  const h = (1 - gapY * (rows - 1)) / rows;
  const legendBelow = options.legendBelow ?? false;
  const layout: PlotlyLayout = {
    width: Math.round(PANEL_WIDTH * cols + (legendBelow ? 80 : 230)),
    height: Math.round(PANEL_HEIGHT * rows + (options.title ? 60 : 30) + (legendBelow ? 90 : 0)),
    margin: { l: 70, r: 20, t: options.title ? 70 : 40, b: legendBelow ? 130 : 60 },
    font: { ...FONT },
    paper_bgcolor: 'white',
    plot_bgcolor: 'white',
    showlegend: true,
    legend: legendBelow
      ? { orientation: 'h', x: 0.5, xanchor: 'center', y: -0.18, yanchor: 'top', font: { size: 11 } }
      : { orientation: 'v', x: 1.02, xanchor: 'left', y: 1, yanchor: 'top', font: { size: 11 } },
    annotations: [],
  };
  if (options.title) layout.title = { text: options.title, x: 0.02, font: { size: 16 } };
  const refs: PanelGrid['refs'] = [];
  panels.forEach((panel, i) => {
    const r = Math.floor(i / cols);
    const c = i % cols;
    const suffix = i === 0 ? '' : String(i + 1);
    const x0 = c * (w + gapX);
    const y1 = 1 - r * (h + gapY);
    setAxis(layout, 'x', i + 1, { ...panel.x, domain: [x0, x0 + w], anchor: `y${suffix}` });
    setAxis(layout, 'y', i + 1, { ...panel.y, domain: [y1 - h, y1], anchor: `x${suffix}` });
    refs.push({ xaxis: `x${suffix}`, yaxis: `y${suffix}`, xref: `x${suffix} domain`, yref: `y${suffix} domain` });
    if (panel.title) {
      layout.annotations!.push({
        text: `<b>${panel.title}</b>`,
        x: 0.5,
        y: 1.02,
        xref: `x${suffix} domain`,
        yref: `y${suffix} domain`,
        showarrow: false,
        xanchor: 'center',
        yanchor: 'bottom',
        font: { size: 13 },
      });
    }
  });
  return { layout, refs };
}

/** Caption = text citing the paper's figure + the coverage notes, each as a sentence. */
export function composeCaption(text: string, notes: string[]): string {
  return notes.length === 0 ? text : `${text} Note: ${notes.join(' ')}`;
}

const NICE_MANTISSAS = [0.1, 0.2, 0.25, 0.5, 1, 2, 2.5, 5, 10];

/** Evenly spaced round tick values covering [lo, hi] with at most `maxTicks` ticks (any magnitude: 0.01 or 1e19). */
export function niceTicks(lo: number, hi: number, maxTicks = 7): number[] {
  const span = hi - lo || Math.abs(hi) || 1;
  const scale = 10 ** Math.floor(Math.log10(span));
  const step = NICE_MANTISSAS.map((m) => m * scale).find((s) => span / s <= maxTicks - 1) ?? 10 * scale;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + 1e-9 * step; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/** Tick labels for round ticks: fixed decimals below 1e5 (`3.40`), short exponent form above (`3.5e18`). */
function tickLabels(ticks: number[]): string[] {
  if (Math.max(...ticks.map(Math.abs)) >= 1e5) return ticks.map((v) => Number(v.toPrecision(3)).toExponential().replace('e+', 'e'));
  const digits = Math.max(0, ...ticks.map((v) => (String(v).split('.')[1] ?? '').length));
  return ticks.map((v) => v.toFixed(digits));
}

/** 1–2–5 × 10^k values within [lo, hi] (a 5% margin either side). */
export function logTicks125(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let e = Math.floor(Math.log10(lo)) - 1; e <= Math.ceil(Math.log10(hi)); e++) {
    for (const m of [1, 2, 5]) {
      const v = Number((m * 10 ** e).toPrecision(3));
      if (v >= lo / 1.05 && v <= hi * 1.05) out.push(v);
    }
  }
  return out;
}

/** A log-axis tick label: plain decimals from 0.001 to 99,999, else `2×10⁻⁴` / `10²¹` (HTML superscript). */
export function logTickLabel(v: number): string {
  if (v >= 1e-3 && v < 1e5) return String(Number(v.toPrecision(3)));
  const e = Math.floor(Math.log10(v) + 1e-9);
  const m = Number((v / 10 ** e).toPrecision(3));
  return m === 1 ? `10<sup>${e}</sup>` : `${m}×10<sup>${e}</sup>`;
}

/** Axis `n` (1 = `xaxis`, 2 = `xaxis2`, …) of a layout. */
export function axisOf(layout: PlotlyLayout, dim: 'x' | 'y', n: number): PlotlyAxis | undefined {
  if (n === 1) return dim === 'x' ? layout.xaxis : layout.yaxis;
  return dim === 'x' ? layout[`xaxis${n}`] : layout[`yaxis${n}`];
}

/** Sets axis `n` of a layout (1 = `xaxis`). */
export function setAxis(layout: PlotlyLayout, dim: 'x' | 'y', n: number, axis: PlotlyAxis): void {
  if (n === 1) {
    if (dim === 'x') layout.xaxis = axis;
    else layout.yaxis = axis;
  } else if (dim === 'x') layout[`xaxis${n}`] = axis;
  else layout[`yaxis${n}`] = axis;
}

/**
 * Final touch on every figure's log axes (the papers' style): under one decade of data, round linear ticks
 * (3.4, 3.6, …) instead of Plotly's sparse log labels; over three decades, labels at powers of ten only.
 * Axes with explicit `tickvals` are left alone.
 */
export function finalize<T extends { data: PlotlyTrace[]; layout: PlotlyLayout }>(spec: T): T {
  const layout = spec.layout;
  for (const key of Object.keys(layout)) {
    const m = /^([xy])axis(\d*)$/.exec(key);
    const ax = m ? axisOf(layout, m[1] as 'x' | 'y', m[2] ? Number(m[2]) : 1) : undefined;
    if (!m || !ax || ax.type !== 'log' || ax.tickvals) continue;
    const ref = `${m[1]}${m[2] ?? ''}`;
    const values = spec.data
      .filter((t) => (m[1] === 'x' ? (t.xaxis ?? 'x') : (t.yaxis ?? 'y')) === ref)
      .flatMap((t) => (m[1] === 'x' ? t.x : t.y))
      .filter((v) => Number.isFinite(v) && v > 0);
    if (values.length === 0) continue;
    let lo = Math.min(...values);
    let hi = Math.max(...values);
    if (ax.range) [lo, hi] = [Math.min(lo, 10 ** ax.range[0]), Math.max(hi, 10 ** ax.range[1])];
    const decades = Math.log10(hi / lo);
    if (decades < 0.9) {
      const pad = (hi - lo) * 0.06 || hi * 0.02;
      const ticks = niceTicks(lo - pad, hi + pad, 8).filter((v) => v > 0);
      ax.tickvals = ticks;
      ax.ticktext = tickLabels(ticks);
      ax.range ??= [Math.log10(Math.max(lo - pad, lo / 1.5)), Math.log10(hi + pad)];
      delete ax.tickformat;
      delete ax.dtick;
    } else if (decades > 3) {
      ax.dtick = Math.max(1, Math.ceil(decades / 8));
    } else {
      // One to three decades: Plotly would label every minor tick ("2 … 9" after 10⁻²); label 1–2–5 steps instead.
      const ticks = logTicks125(lo, hi);
      if (ticks.length >= 2) {
        ax.tickvals = ticks;
        ax.ticktext = ticks.map(logTickLabel);
        delete ax.dtick;
      }
    }
  }
  return spec;
}
