/**
 * Clark et al. 2022's Eq. 1 against their released runs, one panel per router (fit set): validation loss vs dense
 * parameters N, one colour per expert count E, with the fitted law drawn per E (their Fig. 1-style view), and loss vs
 * E per model size (their "loss against experts" view, the saturation Ê makes). Curves come from the fit stage's
 * records (`results/fits/released/clark/<set>.json`) through the law library (`predictLoss`); the published
 * coefficients are drawn dotted beside ours when given.
 */
import type { ClarkCoefficients } from '../../laws/coefficients';
import { predictLoss } from '../../laws/predict';
import type { ReleasedRun } from '../../runs/released/types';
import { groupBy } from '../../util/group-by';
import { logspace } from '../../util/logspace';
import { axis, composeCaption, expertsColor, finalize, formatCount, log2Axis, orderedColor, panelGrid } from '../theme';
import { lineTrace, markerTrace } from '../traces';
import { FigureInputError, type FigureSpec, type PlotlyTrace } from '../types';

export const CLARK_LOSS_VS_PARAMS_ID = 'clark.loss-vs-params';
export const CLARK_LOSS_VS_EXPERTS_ID = 'clark.loss-vs-experts';
const CITE = 'Clark et al. 2022 (arXiv 2202.01169)';

/** One router's panel: the runs its Eq. 1 was fitted on and the coefficients (ours; the paper's when published). */
export interface ClarkPanel {
  /** Router as released, e.g. `S-Base`. */
  router: string;
  runs: readonly ReleasedRun[];
  /** Our fit of Eq. 1 on these runs; absent when the fit failed (`why` says so). */
  coefficients?: ClarkCoefficients;
  why?: string;
  /** The paper's coefficients for this router (drawn dotted). */
  published?: ClarkCoefficients;
}

function checkPanels(id: string, panels: readonly ClarkPanel[]): void {
  if (panels.length === 0) throw new FigureInputError(id, 'no fit set to draw; run the released-fit stage (moelab repro --preset clark)');
  for (const p of panels) {
    if (p.runs.length === 0) throw new FigureInputError(id, `router ${p.router}: no runs in its fit set`);
    for (const r of p.runs) {
      if (!(r.paramsDense > 0) || !(r.experts >= 1) || !(r.valLoss > 0)) throw new FigureInputError(id, `run ${r.runId} (${p.router}) has N ${r.paramsDense}, E ${r.experts}, loss ${r.valLoss}: each must be positive`);
    }
  }
}

function notesOf(panels: readonly ClarkPanel[]): string[] {
  const notes = panels.filter((p) => !p.coefficients).map((p) => `${p.router}: no fitted curve (${p.why ?? 'the fit failed'}).`);
  if (panels.some((p) => p.published)) notes.push('Dotted: the published coefficients (Clark et al. Table/App.), evaluated at the same N and E.');
  return notes;
}

/** Loss vs N per expert count, one panel per router, with Eq. 1 (ours dashed, the paper's dotted) per E. */
export function clarkLossVsParams(panels: readonly ClarkPanel[]): FigureSpec {
  const id = CLARK_LOSS_VS_PARAMS_ID;
  checkPanels(id, panels);
  const allE = [...new Set(panels.flatMap((p) => p.runs.map((r) => r.experts)))].sort((a, b) => a - b);
  const maxE = Math.max(2, ...allE);
  const grid = panelGrid(
    panels.map((p) => ({ title: `${p.router} (${p.runs.length} runs)`, x: axis('dense parameters N', 'log'), y: axis('validation loss (nats/token)', 'log') })),
    { title: 'Loss vs model size per expert count, with Eq. 1' },
  );
  const data: PlotlyTrace[] = [];
  const shown = new Set<number>();
  panels.forEach((p, i) => {
    const ref = { xaxis: grid.refs[i]!.xaxis, yaxis: grid.refs[i]!.yaxis };
    const ns = p.runs.map((r) => r.paramsDense);
    const nGrid = logspace(Math.min(...ns) / 1.3, Math.max(...ns) * 1.3, 24);
    for (const [, rows] of groupBy(p.runs, (r) => r.experts).sort((a, b) => a[1][0]!.experts - b[1][0]!.experts)) {
      const e = rows[0]!.experts;
      const color = expertsColor(e, maxE);
      const name = e === 1 ? 'dense (E = 1)' : `E = ${e}`;
      const first = !shown.has(e);
      shown.add(e);
      data.push(markerTrace(rows.map((r) => r.paramsDense), rows.map((r) => r.valLoss), { name, color, legendgroup: name, showlegend: first, ...ref }));
      if (p.coefficients) data.push(lineTrace(nGrid, nGrid.map((n) => predictLoss('clark', p.coefficients!, [n, e])), { name: `${name}, Eq. 1 (ours)`, color, dash: 'dash', legendgroup: name, showlegend: false, ...ref }));
      if (p.published) data.push(lineTrace(nGrid, nGrid.map((n) => predictLoss('clark', p.published!, [n, e])), { name: `${name}, Eq. 1 (paper)`, color, dash: 'dot', width: 1.5, legendgroup: name, showlegend: false, ...ref }));
    }
  });
  const notes = notesOf(panels);
  const caption = composeCaption(
    `${CITE}, Eq. 1 (log L = a log N + b log Ê + c log N log Ê + d) on their released runs: final validation loss vs the dense parameter count N, one colour per expert count E; dots are runs, dashed lines our fit of Eq. 1 per router.`,
    notes,
  );
  return finalize({ kind: 'figure', id, paper: 'clark', title: 'Clark Eq. 1: loss vs N per E', data, layout: grid.layout, caption, notes });
}

/** Loss vs number of experts per model size, one panel per router: where the fitted Ê bends the curve (saturation). */
export function clarkLossVsExperts(panels: readonly ClarkPanel[]): FigureSpec {
  const id = CLARK_LOSS_VS_EXPERTS_ID;
  checkPanels(id, panels);
  const allE = [...new Set(panels.flatMap((p) => p.runs.map((r) => r.experts)))];
  const sizes = [...new Set(panels.flatMap((p) => p.runs.map((r) => r.paramsDense)))].sort((a, b) => a - b);
  const grid = panelGrid(
    panels.map((p) => ({ title: `${p.router} (${p.runs.length} runs)`, x: log2Axis('number of experts E', allE), y: axis('validation loss (nats/token)', 'log') })),
    { title: 'Loss vs number of experts per model size, with Eq. 1' },
  );
  const eGrid = logspace(1, Math.max(2, ...allE), 32);
  const data: PlotlyTrace[] = [];
  const shown = new Set<number>();
  panels.forEach((p, i) => {
    const ref = { xaxis: grid.refs[i]!.xaxis, yaxis: grid.refs[i]!.yaxis };
    for (const [, rows] of groupBy(p.runs, (r) => r.paramsDense).sort((a, b) => a[1][0]!.paramsDense - b[1][0]!.paramsDense)) {
      const n = rows[0]!.paramsDense;
      const color = orderedColor(sizes.indexOf(n), sizes.length);
      const name = `N = ${formatCount(n)}`;
      const first = !shown.has(n);
      shown.add(n);
      data.push(markerTrace(rows.map((r) => r.experts), rows.map((r) => r.valLoss), { name, color, legendgroup: name, showlegend: first, ...ref }));
      if (p.coefficients) data.push(lineTrace(eGrid, eGrid.map((e) => predictLoss('clark', p.coefficients!, [n, e])), { name: `${name}, Eq. 1 (ours)`, color, dash: 'dash', legendgroup: name, showlegend: false, ...ref }));
    }
  });
  const notes = notesOf(panels.map((p) => ({ ...p, published: undefined })));
  const caption = composeCaption(
    `${CITE}: final validation loss vs the number of experts E (log₂), one colour per dense size N; dashed: our Eq. 1 per router, whose saturating Ê (E_start, E_max) bends the curves at large E.`,
    notes,
  );
  return finalize({ kind: 'figure', id, paper: 'clark', title: 'Clark Eq. 1: loss vs E per N', data, layout: grid.layout, caption, notes });
}
