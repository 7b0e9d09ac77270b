/**
 * Figures of the survey's other MoE designs (moelab's own experiments, not a paper's figure): each draws the runs its
 * claim compares, seed means with one marker per seed, so a reader sees the effect and its noise at once.
 */
import type { LifelongArm, LifelongRecord } from '../../runs/lifelong';
import type { RunSummary } from '../../runs/types';
import { groupBy } from '../../util/group-by';
import { formatCount } from '../../util/format';
import { axis, composeCaption, finalize, log2Axis, orderedColor, panelGrid } from '../theme';
import { lineMarkerTrace, lineTrace, markerTrace } from '../traces';
import { FigureInputError, type FigureSpec, type PlotlyTrace } from '../types';

const mean = (v: readonly number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const uniqueSorted = (v: readonly number[]) => [...new Set(v)].sort((a, b) => a - b);
const cellLabel = (r: RunSummary) => `d${r.dModel} × ${r.layers}, ${formatCount(r.tokens)} tokens`;

/** Seed-mean validation loss at each x of `runs` (and the seeds' own losses), sorted by x. */
function seedMeans(runs: readonly RunSummary[], x: (r: RunSummary) => number): { x: number[]; y: number[]; seeds: Array<[number, number]> } {
  const xs = uniqueSorted(runs.map(x));
  const seeds: Array<[number, number]> = [];
  const y = xs.map((v) => {
    const at = runs.filter((r) => x(r) === v);
    for (const r of at) seeds.push([v, r.valLoss]);
    return mean(at.map((r) => r.valLoss));
  });
  return { x: xs, y, seeds };
}

/** Shared experts: validation loss vs G per (size, tokens) cell, without (solid) and with (dashed) a shared expert; dense dotted. */
export function sharedFigure(runs: readonly RunSummary[]): FigureSpec {
  const id = 'survey.shared';
  const moe = runs.filter((r) => r.sweep === 'shared' && r.family === 'moe');
  if (moe.length === 0) throw new FigureInputError(id, 'needs runs of the shared sweep (moelab repro --preset shared)');
  const cells = groupBy(moe, cellLabel);
  const dense = runs.filter((r) => r.sweep === 'shared' && r.family === 'dense');
  const allG = uniqueSorted(moe.map((r) => r.granularity));
  const data: PlotlyTrace[] = [];
  cells.forEach(([label, rows], i) => {
    const color = orderedColor(i, cells.length);
    for (const s of uniqueSorted(rows.map((r) => r.sharedExperts ?? 0))) {
      const arm = rows.filter((r) => (r.sharedExperts ?? 0) === s);
      const m = seedMeans(arm, (r) => r.granularity);
      data.push(lineMarkerTrace(m.x, m.y, { name: `${label}, ${s ? `${s} shared` : 'no shared'}`, color, dash: s ? 'dash' : 'solid', legendgroup: label, symbol: s ? 'diamond' : 'circle' }));
    }
    const d = dense.filter((r) => cellLabel(r) === label);
    if (d.length) data.push(lineTrace([allG[0]!, allG[allG.length - 1]!], [mean(d.map((r) => r.valLoss)), mean(d.map((r) => r.valLoss))], { name: `${label}, dense`, color, dash: 'dot', width: 1.2, legendgroup: label }));
  });
  const grid = panelGrid([{ x: log2Axis('granularity G', allG), y: axis('validation loss (nats/token, seed mean)') }]);
  return finalize({
    kind: 'figure',
    id,
    paper: 'survey',
    title: 'Shared experts vs none across G',
    data,
    layout: grid.layout,
    caption: composeCaption(
      'Shared-expert isolation (Dai et al. 2024, DeepSeekMoE §3.2) at equal total and active parameters: validation loss vs granularity G of token-choice MoEs (E = 4) without (solid) and with one shared expert (dashed), one colour per (size, tokens) cell, the dense model of the cell dotted. Claim deepseek.shared-expert-helps pairs the two arms per cell.',
      [],
    ),
    notes: [],
  });
}

/** PEER: validation loss vs number of experts N per tokens, dense and fine-grained MoE of the cell as horizontal lines. */
export function peerFigure(runs: readonly RunSummary[]): FigureSpec {
  const id = 'survey.peer';
  const peer = runs.filter((r) => r.router === 'product-key');
  if (peer.length === 0) throw new FigureInputError(id, 'needs PEER runs (router product-key; moelab repro --preset peer)');
  const cells = groupBy(peer, cellLabel);
  const allN = uniqueSorted(peer.map((r) => r.experts));
  const data: PlotlyTrace[] = [];
  cells.forEach(([label, rows], i) => {
    const color = orderedColor(i, cells.length);
    const m = seedMeans(rows, (r) => r.experts);
    data.push(lineMarkerTrace(m.x, m.y, { name: `${label}: PEER (h·k = ${rows[0]!.topKEffective})`, color, legendgroup: label }));
    if (m.seeds.length > m.x.length) data.push(markerTrace(m.seeds.map(([x]) => x), m.seeds.map(([, y]) => y), { name: `${label}: seeds`, color, size: 5, symbol: 'circle-open', legendgroup: label, showlegend: false }));
    for (const [name, pick, dash] of [
      ['dense', (r: RunSummary) => r.family === 'dense', 'dot'],
      ['MoE', (r: RunSummary) => r.family === 'moe' && r.router !== 'product-key', 'dash'],
    ] as const) {
      const base = runs.filter((r) => r.sweep === rows[0]!.sweep && pick(r) && cellLabel(r) === label);
      if (base.length) {
        const y = mean(base.map((r) => r.valLoss));
        data.push(lineTrace([allN[0]!, allN[allN.length - 1]!], [y, y], { name: `${label}: ${name}${name === 'MoE' ? ` (E·G = ${base[0]!.experts})` : ''}`, color, dash, width: 1.2, legendgroup: label }));
      }
    }
  });
  // ticks at the sweep's N only (a log2 axis from 1 would leave most of the panel empty)
  const grid = panelGrid([{ x: axis('experts N', 'log', { tickvals: allN, ticktext: allN.map((n) => formatCount(n)) }), y: axis('validation loss (nats/token, seed mean)') }]);
  return finalize({
    kind: 'figure',
    id,
    paper: 'survey',
    title: 'PEER: loss vs number of experts',
    data,
    layout: grid.layout,
    caption: composeCaption(
      'PEER (He 2024, Mixture of A Million Experts): validation loss vs the number N of single-neuron experts retrieved by product keys, at a fixed retrieval (h heads × k experts a token), one colour per (size, tokens) cell (open circles: the seeds), with the dense model (dotted) and a fine-grained token-choice MoE (dashed) of the cell. Claim he.peer-more-experts-help compares each N with the next.',
      [],
    ),
    notes: [],
  });
}

const ARMS: readonly LifelongArm[] = ['finetune', 'grow-frozen', 'grow'];

/** Lifelong: per arm, forgetting (old-corpus loss after the shift − the base's) and the new corpus's loss, one marker per seed. */
export function lifelongFigure(records: readonly LifelongRecord[]): FigureSpec {
  const id = 'survey.lifelong';
  if (records.length === 0) throw new FigureInputError(id, 'needs the lifelong sweep\'s records (lifelong/s<seed>.json; moelab repro --preset lifelong)');
  const grid = panelGrid(
    [
      { title: 'forgetting: old-corpus loss after − base', x: axis('arm', 'linear', { tickvals: [0, 1, 2], ticktext: [...ARMS], range: [-0.5, 2.5] }), y: axis('nats/token') },
      { title: 'new corpus: loss after', x: axis('arm', 'linear', { tickvals: [0, 1, 2], ticktext: [...ARMS], range: [-0.5, 2.5] }), y: axis('nats/token') },
    ],
    { cols: 2 },
  );
  const data: PlotlyTrace[] = [];
  const panels = [
    { ref: grid.refs[0]!, value: (r: LifelongRecord, a: LifelongRecord['arms'][number]) => a.old.after - r.base.oldLoss },
    { ref: grid.refs[1]!, value: (_r: LifelongRecord, a: LifelongRecord['arms'][number]) => a.new.after },
  ];
  panels.forEach((p, pi) => {
    ARMS.forEach((arm, i) => {
      const v = records.flatMap((r) => r.arms.filter((a) => a.arm === arm).map((a) => p.value(r, a)));
      if (!v.length) return;
      const color = orderedColor(i, ARMS.length);
      // seeds spread a little around the arm's position so they do not hide one another
      data.push(markerTrace(v.map((_, j) => i + (j - (v.length - 1) / 2) * 0.06), v, { name: `${arm}: seeds`, color, size: 6, symbol: 'circle-open', xaxis: p.ref.xaxis, yaxis: p.ref.yaxis, legendgroup: arm, showlegend: false }));
      data.push(markerTrace([i], [mean(v)], { name: arm, color, size: 13, symbol: 'line-ew-open', xaxis: p.ref.xaxis, yaxis: p.ref.yaxis, legendgroup: arm, showlegend: pi === 0 }));
    });
  });
  return finalize({
    kind: 'figure',
    id,
    paper: 'survey',
    title: 'Lifelong: forgetting and learning after a distribution shift',
    data,
    layout: grid.layout,
    caption: composeCaption(
      `Lifelong-MoE (Chen et al. 2023): a token-choice MoE trained on the old corpus, then on the new one from its final weights in three arms: fine-tune, grow-frozen (experts added, the old experts and their router columns frozen) and grow (the same experts added, nothing frozen); ${records.length} seeds (open circles), their mean (bar). Left: forgetting, the old corpus's validation loss after the shift minus the base run's; right: the new corpus's validation loss after. Claim chen.lifelong-less-forgetting pairs fine-tune and grow-frozen per seed.`,
      [],
    ),
    notes: [],
  });
}
