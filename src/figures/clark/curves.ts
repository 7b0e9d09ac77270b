/**
 * `clark.curves`: training curves of released runs (Clark et al. 2022's table, or any released table): one loss
 * against training step per run, coloured by expert count as the paper colours E. An exploration figure for the
 * notebook; it draws what the importer read (`ReleasedTable`), gaps included, and says which.
 */
import type { ReleasedRun, ReleasedTable } from '../../runs/released/types';
import { axis, expertsColor, FONT } from '../theme';
import { lineTrace } from '../traces';
import { FigureInputError, type FigureSpec } from '../types';

export const CLARK_CURVES_ID = 'clark.curves';

/** Options of `releasedCurvesFigure`. */
export interface ReleasedCurvesOptions<L extends string> {
  /** Loss column drawn (default: the table's target). */
  loss?: L;
  /** First step drawn (default: the first evaluation after step 0, whose loss is the untrained model's). */
  fromStep?: number;
  /** Title (default: from the runs drawn). */
  title?: string;
}

/** A run's legend label: router, size, experts, k, routing frequency when not the defaults, id. */
export function releasedRunLabel(r: ReleasedRun<string>): string {
  const parts = [r.router, r.sizeLabel ?? `N ${r.paramsDense.toExponential(2)}`];
  if (r.family === 'moe') parts.push(`E ${r.experts}`);
  if (r.topK !== 1) parts.push(`k ${r.topK}`);
  if (r.family === 'moe' && r.routingFrequency !== 0.5) parts.push(`rf ${+r.routingFrequency.toFixed(3)}`);
  return `${parts.join(' ')} (#${r.runId})`;
}

/** The curves of `runs` (rows of `table`) as a figure, one line per run ordered by experts, N and id. */
export function releasedCurvesFigure<L extends string>(table: ReleasedTable<L>, runs: readonly ReleasedRun<L>[], options: ReleasedCurvesOptions<L> = {}): FigureSpec {
  if (runs.length === 0) throw new FigureInputError(CLARK_CURVES_ID, `no runs to draw from ${table.table}; loosen the filter`);
  const loss = options.loss ?? table.target;
  if (!table.lossColumns.includes(loss)) throw new FigureInputError(CLARK_CURVES_ID, `${loss} is not a loss column of ${table.table} (${table.lossColumns.join(', ')})`);
  const curveOf = new Map(table.curves.map((c) => [c.runId, c]));
  const maxExperts = Math.max(2, ...runs.map((r) => r.experts));
  const gaps: string[] = [];
  // Legend order: by experts (dense first), then N, then id.
  const ordered = [...runs].sort((a, b) => a.experts - b.experts || a.paramsDense - b.paramsDense || a.runId.localeCompare(b.runId, 'en', { numeric: true }));
  const data = ordered.map((r) => {
    const c = curveOf.get(r.runId);
    if (!c) throw new FigureInputError(CLARK_CURVES_ID, `run ${r.runId} is not in ${table.table}`);
    const from = options.fromStep ?? c.steps.find((s) => s > 0) ?? 0;
    const x: number[] = [];
    const y: number[] = [];
    let missing = 0;
    c.steps.forEach((s, i) => {
      const v = c.losses[loss][i];
      if (s < from) return;
      if (v === null) missing++;
      else {
        x.push(s);
        y.push(v);
      }
    });
    if (missing > 0) gaps.push(`run ${r.runId}: ${missing} evaluation${missing === 1 ? '' : 's'} without ${loss}`);
    return lineTrace(x, y, { name: releasedRunLabel(r), color: expertsColor(r.experts, maxExperts), width: 1.6 });
  });
  const from = options.fromStep === undefined ? 'the first evaluation after step 0 (step 0 is the untrained model)' : `step ${options.fromStep}`;
  const notes = gaps.length > 0 ? [`points left out where the table has no ${loss}: ${gaps.join('; ')}`] : [];
  return {
    kind: 'figure',
    id: CLARK_CURVES_ID,
    paper: 'clark',
    title: options.title ?? `${loss} over training, ${runs.length} run${runs.length === 1 ? '' : 's'} of ${table.table}`,
    data,
    layout: {
      width: 820,
      height: 480,
      font: { ...FONT },
      margin: { l: 70, r: 20, t: 40, b: 60 },
      xaxis: axis('training step'),
      yaxis: axis(`${loss} (nats/token)`, 'log'),
      legend: { font: { size: 10 } },
      paper_bgcolor: 'white',
      plot_bgcolor: 'white',
    },
    caption: `Training curves of ${runs.length} released run${runs.length === 1 ? '' : 's'} of ${table.table}: ${loss} at every evaluation from ${from}, coloured by expert count (dark: few, bright: many; grey: dense).${notes.length ? ` ${notes.join(' ')}.` : ''}`,
    notes,
  };
}
