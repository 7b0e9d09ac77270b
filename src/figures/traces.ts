/** Small builders for the traces every figure uses, so styles stay uniform. */
import type { PlotlyTrace } from './types';

export interface TraceStyle {
  /** Legend entry. */
  name: string;
  color: string;
  /** Subplot axes ids (`x`, `y` for the first panel). */
  xaxis?: string;
  yaxis?: string;
  /** Legend group; traces sharing it toggle together and show one legend entry when `showlegend` is false on the rest. */
  legendgroup?: string;
  showlegend?: boolean;
  dash?: 'solid' | 'dot' | 'dash' | 'longdash' | 'dashdot';
  width?: number;
  symbol?: string;
  size?: number;
  text?: string[];
  hovertemplate?: string;
}

function base(style: TraceStyle): Pick<PlotlyTrace, 'name' | 'xaxis' | 'yaxis' | 'legendgroup' | 'showlegend'> {
  const out: Pick<PlotlyTrace, 'name' | 'xaxis' | 'yaxis' | 'legendgroup' | 'showlegend'> = { name: style.name };
  if (style.xaxis && style.xaxis !== 'x') out.xaxis = style.xaxis;
  if (style.yaxis && style.yaxis !== 'y') out.yaxis = style.yaxis;
  out.legendgroup = style.legendgroup ?? style.name;
  if (style.showlegend !== undefined) out.showlegend = style.showlegend;
  return out;
}

export function lineTrace(x: number[], y: number[], style: TraceStyle): PlotlyTrace {
  const trace: PlotlyTrace = {
    type: 'scatter',
    mode: 'lines',
    ...base(style),
    x,
    y,
    line: { color: style.color, width: style.width ?? 2.2, dash: style.dash ?? 'solid' },
  };
  if (style.hovertemplate) trace.hovertemplate = style.hovertemplate;
  return trace;
}

export function markerTrace(x: number[], y: number[], style: TraceStyle): PlotlyTrace {
  const trace: PlotlyTrace = {
    type: 'scatter',
    mode: 'markers',
    ...base(style),
    x,
    y,
    marker: {
      color: style.color,
      size: style.size ?? 8,
      symbol: style.symbol ?? 'circle',
      line: { color: 'white', width: 0.8 },
    },
  };
  if (style.text) trace.text = style.text;
  if (style.hovertemplate) trace.hovertemplate = style.hovertemplate;
  return trace;
}

export function lineMarkerTrace(x: number[], y: number[], style: TraceStyle): PlotlyTrace {
  const trace = markerTrace(x, y, style);
  trace.mode = 'lines+markers';
  trace.line = { color: style.color, width: style.width ?? 1.8, dash: style.dash ?? 'solid' };
  return trace;
}

/** Sorts paired arrays by x. */
export function sortByX(x: number[], y: number[]): [number[], number[]] {
  const idx = x.map((_, i) => i).sort((a, b) => x[a]! - x[b]!);
  return [idx.map((i) => x[i]!), idx.map((i) => y[i]!)];
}
