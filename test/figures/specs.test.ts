import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as chinchilla from '../../src/figures/chinchilla';
import * as krajewski from '../../src/figures/krajewski';
import { FIGURES, selectFigures } from '../../src/figures/registry';
import { tableToHtml, tableToMarkdown } from '../../src/figures/tables';
import { finalize, niceTicks } from '../../src/figures/theme';
import { FigureInputError, type FigureSpec, type PlotlyLayout } from '../../src/figures/types';
import * as yun from '../../src/figures/yun';
import * as survey from '../../src/figures/survey';
import type { RunSummary } from '../../src/runs/types';
import { analyticInputs, expertsRuns, fineGrainedRuns, fixtureSpecs } from './fixtures';
import { matchSnapshot } from './snapshot';

const specs = fixtureSpecs();
const fg = fineGrainedRuns();
const ex = expertsRuns();
const an = analyticInputs();

describe('figure specs match their snapshots (deterministic fixture inputs)', () => {
  it('the fixtures draw every registered figure', () => {
    assert.deepEqual(Object.keys(specs).sort(), FIGURES.map((f) => f.id).sort());
  });
  for (const entry of FIGURES) {
    it(`${entry.id} spec is unchanged`, () => {
      const spec = specs[entry.id]!();
      assert.equal(spec.id, entry.id);
      assert.equal(spec.paper, entry.paper);
      assert.equal(spec.kind, entry.kind);
      matchSnapshot(entry.id, spec);
    });
  }
});

describe('every figure is a paper figure: caption cites it, axes have titles, legend present', () => {
  for (const entry of FIGURES.filter((f) => f.kind === 'figure')) {
    it(`${entry.id} cites its paper and titles every axis`, () => {
      const spec = specs[entry.id]!() as FigureSpec;
      if (entry.paper === 'survey') {
        // moelab's own experiments: the caption cites the design's paper and names the claim the figure is evidence for
        assert.match(spec.caption, /(Dai et al\. 2024|He 2024|Chen et al\. 2023)/);
        assert.match(spec.caption, /Claim [a-z]+\.[a-z-]+/);
      } else {
        assert.match(spec.caption, /(Krajewski et al\. 2024|Yun et al\. 2024|Hoffmann et al\. 2022)/);
        assert.match(spec.caption, /(Fig\. \d|IsoFLOP)/);
      }
      const axes = Object.entries(spec.layout).filter(([k]) => /^[xy]axis\d*$/.test(k));
      assert.ok(axes.length >= 2);
      for (const [k, ax] of axes) assert.ok((ax as { title?: { text: string } }).title?.text, `${entry.id} ${k} has no title`);
      assert.ok(spec.data.length > 0 && spec.data.every((t) => t.name.length > 0));
    });
  }
});

const nanRun = (rows: RunSummary[], key: keyof RunSummary): RunSummary[] => rows.map((r, i) => (i === 1 ? { ...r, [key]: Number.NaN } : r));

/** Malformed input per figure: each must throw FigureInputError naming the figure. */
const MALFORMED: Array<[string, () => unknown]> = [
  ['krajewski.fig1a', () => krajewski.fig1a({ published: { ...an.krajewski.fig1a.published, dense: { flops: [1, 2], loss: [3, Number.NaN] } } })],
  ['krajewski.fig1b', () => krajewski.fig1b({ published: { flops: [1e18, 1e19], overheadDense: [2], overheadG1: [1, 1] } })],
  ['krajewski.fig3a', () => krajewski.fig3a([], { constLoss: 1, paramsActive: 1, tokens: 1 })],
  ['krajewski.fig3b', () => krajewski.fig3b(nanRun(fg, 'trainLossSmoothed'))],
  ['krajewski.fig3c', () => krajewski.fig3c(fg.filter((r) => r.tokens === 1e6))],
  ['krajewski.fig4', () => krajewski.fig4(nanRun(fg, 'paramsTotal'))],
  ['krajewski.fig5a', () => krajewski.fig5a([])],
  ['krajewski.fig5b', () => krajewski.fig5b([{ runId: 'a', granularity: 2, wallSeconds: [1, 2, 3], loss: [3, 2] }])],
  ['krajewski.fig6', () => krajewski.fig6(fg.filter((r) => r.family === 'dense'))],
  ['krajewski.fig7', () => krajewski.fig7(fg, { groups: [] })],
  ['krajewski.table1', () => krajewski.table1({ published: { moe: { a: 1, alpha: Number.NaN, b: 1, beta: 1, g: 1, gamma: 1, c: 1 }, dense: { a: 1, alpha: 1, b: 1, beta: 1, c: 1 } } })],
  ['krajewski.table2', () => krajewski.table2([])],
  ['krajewski.bootstrap', () => krajewski.tableBootstrap({ rows: [], samples: 100, fraction: 0.8 })],
  ['yun.fig1', () => yun.fig1(nanRun(ex, 'valLoss'))],
  ['yun.fig2', () => yun.fig2({ ...an.yun.fig2, costVsSize: [] })],
  ['yun.fig3', () => yun.fig3({ series: [{ experts: 4, flops: [1e18, 1e19], loss: [3, 2], inferenceCost: [0.1, -1] }], costUnit: 'USD' })],
  ['yun.fig4', () => yun.fig4({ ...an.yun.fig4, flopsBudget: Number.NaN })],
  ['yun.fig5', () => yun.fig5({ bases: [], costUnit: 'USD' })],
  ['yun.fig6', () => yun.fig6({ bases: [{ ...an.yun.fig6.bases[0]!, baseline: undefined as never }], costUnit: 'USD' })],
  ['yun.fig8', () => yun.fig8({ points: an.yun.fig8.points, mu: 0 })],
  ['yun.table1', () => yun.table1([])],
  ['chinchilla.isoflop', () => chinchilla.isoflop(nanRun(ex, 'flops6ND'))],
  ['survey.shared', () => survey.sharedFigure(fg)],
  ['survey.peer', () => survey.peerFigure(fg)],
  ['survey.lifelong', () => survey.lifelongFigure([])],
];

describe('figures reject malformed input with FigureInputError', () => {
  it('the malformed-input list covers every registered figure', () => {
    assert.deepEqual(MALFORMED.map(([id]) => id).sort(), FIGURES.map((f) => f.id).sort());
  });
  for (const [id, build] of MALFORMED) {
    it(`${id} rejects malformed input naming the figure`, () => {
      assert.throws(build, (err: unknown) => err instanceof FigureInputError && err.figureId === id && err.message.startsWith(`${id}: `));
    });
  }
});

describe('figure behaviour', () => {
  it('krajewski.fig3a rejects a constant at or above a loss (log axis of loss − const)', () => {
    const g = fg.find((r) => r.family === 'moe')!;
    assert.throws(() => krajewski.fig3a(fg, { constLoss: 10, paramsActive: g.paramsActive, tokens: g.tokens }), /constLoss below every loss/);
  });
  it('krajewski.fig3b falls back to the nearest granularity and says so in the caption', () => {
    const spec = krajewski.fig3b(fg.filter((r) => r.granularity !== 4));
    assert.match(spec.caption, /No runs at G = 4; showing the nearest granularity in our runs, G = (2|8)/);
  });
  it('krajewski.fig1a notes the FLOPs range our runs cover instead of extrapolating silently', () => {
    const spec = krajewski.fig1a(an.krajewski.fig1a);
    assert.match(spec.caption, /Our runs cover 1\.0e\+12–1\.0e\+14 FLOPs \(shaded\)/);
    assert.equal(spec.layout.shapes?.length, 1);
  });
  it('krajewski.fig1a colours the optimal curve by granularity: one legend entry per optimal G', () => {
    const spec = krajewski.fig1a(an.krajewski.fig1a);
    const legend = spec.data.filter((t) => t.showlegend !== false && t.name.startsWith('MoE (optimal')).map((t) => t.name);
    assert.deepEqual(legend, [8, 16, 32, 64].map((g) => `MoE (optimal scaling), G = ${g}`));
  });
  it('krajewski figures note when our granularities do not reach the paper range (G up to 16)', () => {
    assert.match(krajewski.fig4(fg).caption, /Our runs cover G = 1–8; the paper's cover G = 1–16\./);
  });
  it('yun.fig1 draws one panel per token budget with log axes', () => {
    const spec = yun.fig1(ex);
    assert.equal(spec.layout.xaxis?.type, 'log');
    assert.equal(spec.layout.yaxis2?.type, 'log');
    assert.equal(spec.layout.xaxis3, undefined);
  });
  it('chinchilla.isoflop uses dense runs when there are enough', () => {
    const spec = chinchilla.isoflop([...fg, ...ex]);
    assert.equal(spec.data[0]!.name, 'dense runs');
    assert.equal(spec.data[0]!.x.length, [...fg, ...ex].filter((r) => r.family === 'dense').length);
  });
  it('selectFigures picks by paper or id and rejects unknown ids', () => {
    assert.equal(selectFigures(['yun']).length, FIGURES.filter((f) => f.paper === 'yun').length);
    assert.deepEqual(selectFigures(['krajewski.fig4']).map((f) => f.id), ['krajewski.fig4']);
    assert.throws(() => selectFigures(['krajewski.fig99']), FigureInputError);
  });
  it('finalize gives sub-decade log axes round linear ticks and leaves wide axes to powers of ten', () => {
    const layout: PlotlyLayout = { width: 1, height: 1, xaxis: { type: 'log' }, yaxis: { type: 'log' } };
    const spec = finalize({ data: [{ type: 'scatter', mode: 'lines', name: 'a', x: [1e10, 1e20], y: [3.12, 3.71] }], layout });
    assert.deepEqual(spec.layout.yaxis?.tickvals, [3.1, 3.2, 3.3, 3.4, 3.5, 3.6, 3.7, 3.8].filter((v) => v >= 3.08 && v <= 3.75));
    assert.equal(spec.layout.xaxis?.tickvals, undefined);
    assert.equal(spec.layout.xaxis?.dtick, 2);
  });
  it('finalize labels log axes of one to three decades in 1–2–5 steps, never every minor tick (issue 18 item 9)', () => {
    const layout: PlotlyLayout = { width: 1, height: 1, xaxis: { type: 'log' }, yaxis: { type: 'log' } };
    const spec = finalize({ data: [{ type: 'scatter', mode: 'lines', name: 'a', x: [4e11, 2.2e13], y: [1.0e-3, 1.05e-2] }], layout });
    assert.deepEqual(spec.layout.yaxis?.tickvals, [0.001, 0.002, 0.005, 0.01]);
    assert.deepEqual(spec.layout.xaxis?.tickvals, [5e11, 1e12, 2e12, 5e12, 1e13, 2e13]);
    assert.deepEqual(spec.layout.xaxis?.ticktext, ['5×10<sup>11</sup>', '10<sup>12</sup>', '2×10<sup>12</sup>', '5×10<sup>12</sup>', '10<sup>13</sup>', '2×10<sup>13</sup>']);
  });
  it('krajewski.fig1b gives each panel its own overhead range, up to the largest overhead, and labels the shaded band', () => {
    const far = { ...an.krajewski.fig1b, ours: { ...an.krajewski.fig1b.ours!, overheadDense: an.krajewski.fig1b.ours!.overheadDense.map((v, i) => v * 10 ** i) } };
    const spec = krajewski.fig1b(far);
    const top = Math.max(...far.ours.overheadDense);
    assert.ok(spec.layout.yaxis2!.range![1] >= Math.log10(top), 'our panel reaches its largest overhead');
    assert.ok(Math.max(...spec.layout.yaxis2!.tickvals!) * 10 >= top, 'ticks reach the top decade');
    assert.ok(spec.layout.yaxis!.range![1] < spec.layout.yaxis2!.range![1], 'the published panel keeps its own range');
    assert.ok(spec.layout.annotations?.some((a) => a.text === 'our runs' && a.xref === 'x2'));
  });
  it('yun.fig5 keeps the size-ratio panel of a base against which no expert count is feasible, and says so in it (issue 18 item 9)', () => {
    const input = { ...an.yun.fig5, bases: [{ ...an.yun.fig5.bases[0]!, series: [] }, an.yun.fig5.bases[1]!] };
    const spec = yun.fig5(input);
    assert.ok(spec.data.some((t) => t.xaxis === 'x2' && t.name.startsWith('no feasible expert count')), 'the empty panel keeps its axes');
    assert.ok(spec.layout.annotations?.some((a) => a.xref === 'x2 domain' && /no expert count reaches the base's loss/.test(a.text)));
  });
  it('niceTicks(0.95, 4.2) steps by 0.5', () => {
    assert.deepEqual(niceTicks(0.95, 4.2, 8), [1, 1.5, 2, 2.5, 3, 3.5, 4]);
  });
  it('tables render to Markdown with units and to HTML with escaped text', () => {
    const t = krajewski.table2(an.krajewski.table2);
    const md = tableToMarkdown(t);
    assert.match(md, /\| Source \| N \(E × N_act\) \| D \(tokens\) \| G \| FLOPs \| Loss \|/);
    assert.match(md, /\| paper \| 64 × 100M \| 4\.37B \| 8 \| 2\.95e\+18 \| 3\.133 \|/);
    const html = tableToHtml(krajewski.table1(an.krajewski.table1));
    assert.match(html, /<th style="text-align:right">α<\/th>/);
    assert.match(html, /<td style="text-align:left">MoE \(ours\)<\/td>/);
  });
});
