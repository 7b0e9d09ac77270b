/**
 * Typed figure and table specs. A figure function returns a `FigureSpec` (a Plotly figure plus the caption
 * that cites the paper's figure); a table function returns a `TableSpec` rendered by `./tables`.
 * Specs are plain JSON (no functions), so they snapshot, serialize to `<figure>.json` and render in a browser.
 */
import { MoelabError } from '../errors';

/** Which paper (or background method) a figure reproduces; also the output folder `results/figures/<paper>/`. */
/** `survey`: moelab's own experiments on the survey's other designs (shared experts, PEER, lifelong growth). */
export type PaperId = 'krajewski' | 'yun' | 'chinchilla' | 'clark' | 'survey';

/** Plotly axis (the subset moelab uses). */
export interface PlotlyAxis {
  title?: { text: string; standoff?: number };
  type?: 'linear' | 'log' | 'category';
  /** Axis range; for log axes in log10 units, as Plotly expects. */
  range?: [number, number];
  domain?: [number, number];
  anchor?: string;
  tickvals?: number[];
  ticktext?: string[];
  tickformat?: string;
  dtick?: number | string;
  exponentformat?: 'none' | 'e' | 'E' | 'power' | 'SI' | 'B';
  showgrid?: boolean;
  zeroline?: boolean;
  matches?: string;
  gridcolor?: string;
  linecolor?: string;
  mirror?: boolean;
  ticks?: '' | 'inside' | 'outside';
  showline?: boolean;
  automargin?: boolean;
}

export interface PlotlyLine {
  color?: string;
  width?: number;
  dash?: 'solid' | 'dot' | 'dash' | 'longdash' | 'dashdot';
  shape?: 'linear' | 'hv' | 'spline';
}

export interface PlotlyMarker {
  color?: string | number[];
  size?: number;
  symbol?: string;
  opacity?: number;
  line?: { color?: string; width?: number };
  colorscale?: Array<[number, string]>;
  cmin?: number;
  cmax?: number;
  showscale?: boolean;
  colorbar?: { title?: { text: string }; tickvals?: number[]; ticktext?: string[]; len?: number; x?: number };
}

/** One Plotly trace (scatter/line, the only type the paper figures need). */
export interface PlotlyTrace {
  type: 'scatter';
  mode: 'lines' | 'markers' | 'lines+markers' | 'text' | 'markers+text' | 'lines+text';
  name: string;
  x: number[];
  y: number[];
  /** Subplot axes, e.g. `x2`/`y2` for the second panel. */
  xaxis?: string;
  yaxis?: string;
  line?: PlotlyLine;
  marker?: PlotlyMarker;
  text?: string[];
  textposition?: string;
  hovertemplate?: string;
  showlegend?: boolean;
  legendgroup?: string;
  /** Legend order (lower first; Plotly default 1000). */
  legendrank?: number;
  opacity?: number;
  fill?: 'none' | 'tonexty' | 'toself';
  fillcolor?: string;
}

export interface PlotlyAnnotation {
  text: string;
  x: number;
  y: number;
  xref: string;
  yref: string;
  showarrow: boolean;
  font?: { size?: number; color?: string };
  xanchor?: 'left' | 'center' | 'right';
  yanchor?: 'top' | 'middle' | 'bottom';
  ax?: number;
  ay?: number;
}

export interface PlotlyShape {
  type: 'rect' | 'line';
  xref: string;
  yref: string;
  x0: number;
  x1: number;
  y0: number;
  y1: number;
  fillcolor?: string;
  opacity?: number;
  line?: PlotlyLine;
  layer?: 'below' | 'above';
}

/** Plotly layout; subplot axes (`xaxis2`, `yaxis3`, …) live under the index signature. */
export interface PlotlyLayout {
  title?: { text: string; x?: number; font?: { size?: number } };
  width: number;
  height: number;
  margin?: { l?: number; r?: number; t?: number; b?: number };
  font?: { family?: string; size?: number; color?: string };
  legend?: {
    orientation?: 'v' | 'h';
    x?: number;
    y?: number;
    xanchor?: 'left' | 'center' | 'right';
    yanchor?: 'top' | 'middle' | 'bottom';
    title?: { text: string };
    bgcolor?: string;
    font?: { size?: number };
  };
  showlegend?: boolean;
  paper_bgcolor?: string;
  plot_bgcolor?: string;
  annotations?: PlotlyAnnotation[];
  shapes?: PlotlyShape[];
  xaxis?: PlotlyAxis;
  yaxis?: PlotlyAxis;
  [axis: `xaxis${number}` | `yaxis${number}`]: PlotlyAxis | undefined;
}

/** A paper figure as data: what `<figure>.json` holds and what the export renders. */
export interface FigureSpec {
  kind: 'figure';
  /** `<paper>.<figure>`, e.g. `krajewski.fig1a`. */
  id: string;
  paper: PaperId;
  /** Short title shown in the gallery. */
  title: string;
  data: PlotlyTrace[];
  layout: PlotlyLayout;
  /** Caption citing the paper's figure, ending with the coverage notes. */
  caption: string;
  /** Where our inputs differ from the paper's (axis range not covered, series missing, fallbacks used). */
  notes: string[];
}

/** A column of a typed table. */
export interface TableColumn {
  key: string;
  label: string;
  /** Unit printed in the header, e.g. `tokens`, `FLOPs`. */
  unit?: string;
  align?: 'left' | 'right';
  /** How numbers are printed: `sig3` (3 significant digits), `count` (25M, 1.4B), `int`, `exp` (1.93e+20). */
  format?: 'sig3' | 'sig4' | 'count' | 'int' | 'exp' | 'text';
}

export type TableCell = string | number | null;

/** A paper table as data (coefficients, compute-optimal configurations, model configurations). */
export interface TableSpec {
  kind: 'table';
  id: string;
  paper: PaperId;
  title: string;
  caption: string;
  columns: TableColumn[];
  rows: Array<Record<string, TableCell>>;
  notes: string[];
}

export type FigureOrTable = FigureSpec | TableSpec;

/**
 * Raised when a figure or table function gets input it cannot draw honestly: no rows, NaN/∞ values,
 * a missing series, mismatched array lengths. The message names the figure, the field and the fix.
 */
export class FigureInputError extends MoelabError {
  override readonly name = 'FigureInputError';
  constructor(
    /** Figure id, e.g. `krajewski.fig3a`. */
    readonly figureId: string,
    message: string,
  ) {
    super(`${figureId}: ${message}`);
  }
}
