import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SYNTHETIC_COEFFICIENTS } from '../../src/figures/synthetic';
import { FigureInputError } from '../../src/figures/types';
import * as yun from '../../src/figures/yun';
import { buildYunAnalytic, buildYunFig2, buildYunFig8, servableBudgets, YUN_TABLE1_CONFIGS } from '../../src/figures/yun/inputs';
import { fitHiddenLayers, GPU_PRESETS, rooflineLatency, YUN_TABLE1_SHAPES } from '../../src/inference';
import type { ExpertsCoefficients } from '../../src/laws';
import { matchSnapshot } from './snapshot';

/** Rounds every number to 6 significant digits so the snapshots do not hinge on the last bits of Brent's method. */
function rounded<T>(value: T): T {
  return JSON.parse(JSON.stringify(value, (_k, v) => (typeof v === 'number' && Number.isFinite(v) ? Number(v.toPrecision(6)) : v))) as T;
}

const planted = SYNTHETIC_COEFFICIENTS.experts;
/** An Eq. 4 fit of tiny-model runs (synthetic table, seed 0): its loss-optimal models at 2e21 FLOPs hold ~1e12 parameters. */
const tinyFit: ExpertsCoefficients = { A: 12.2545, alpha: 0.184015, B: 2.26424, beta: 3.33010, C: 3225.95, gamma: 0.596228, F: 2.27256, d: 6.2956e-5, eStart: 2.72370, eMax: 140.791 };
const a100 = { serving: { gpu: GPU_PRESETS['A100-40GB'], latency: rooflineLatency(GPU_PRESETS['A100-40GB']) } };

describe('Yun analytic inputs (serving-cost model + experts law)', () => {
  const planted3 = buildYunAnalytic(planted, { experts: [1, 4, 8], fig4Experts: [4, 8], bases: [1, 4], candidates: [4, 8, 16], curvePoints: 9, fitFlopsMax: 1e14 });
  it('buildYunFig2() output is unchanged (no fit needed)', () => matchSnapshot('adapter.yun.fig2', rounded(buildYunFig2({ points: 12 }))));
  it('buildYunAnalytic(planted coefficients) outputs for Figs. 3–6 are unchanged', () => matchSnapshot('adapter.yun.fig3-6', rounded(planted3)));
  it('buildYunFig8(ours) output is unchanged', () =>
    matchSnapshot('adapter.yun.fig8', rounded(buildYunFig8([{ label: 'd64x2', source: 'ours', dModel: 64, layers: 2, heads: 4, paramsDense: 98_304 }]))));

  it('says when a loss-optimal point sits on the edge of the searched model sizes instead of drawing it as an optimum', () => {
    const far = buildYunAnalytic(planted, { budgets: [1e40, 2e40], experts: [1, 4], fig4Experts: [4], bases: [1], candidates: [4], curvePoints: 5 });
    assert.match(far.fig3.notes!.join(' '), /4 of 4 loss-optimal points are not optima: E = 1 at 1\.0e\+40 FLOPs: optimum at the high end of the searched range \[1\.0e\+5, 1\.0e\+14\] of dense size N/);
    assert.doesNotMatch(planted3.fig3.notes!.join(' '), /not optima/);
  });

  it("uses the paper's 2e21–8e21 FLOPs budgets when the law's loss-optimal models are servable there", () => {
    const b = planted3.fig3.series[0]!.flops;
    assert.equal(b.length, 7);
    assert.ok(Math.abs(b[0]! / 2e21 - 1) < 1e-12 && Math.abs(b[6]! / 8e21 - 1) < 1e-12);
    const spec = yun.fig3(planted3.fig3);
    assert.match(spec.caption, /in the paper's Section 5 range/);
    assert.match(spec.caption, /extrapolated 8 decades beyond our largest run \(1\.0e\+14 FLOPs\)/);
  });

  it('moves the budgets down, 4× span kept, and says so when the fit puts loss-optimal models beyond 8 GPUs', () => {
    const { budgets, note } = servableBudgets(tinyFit, [1, 4, 8, 16, 32], a100);
    assert.ok(budgets[6]! < 2e21, `top budget ${budgets[6]}`);
    assert.ok(Math.abs(budgets[6]! / budgets[0]! - 4) < 1e-9);
    assert.match(note ?? '', /too large to serve on 8 GPUs \(e\.g\. 32 experts at 2e21 FLOPs: N = \d+(\.\d+)?[BT] dense/);
    const out = buildYunAnalytic(tinyFit, { experts: [1, 8], fig4Experts: [8], bases: [1], candidates: [8], curvePoints: 5 });
    assert.match(yun.fig5(out.fig5).caption, /budgets are moved down to/);
  });

  it('Fig. 3: at every budget more experts give a lower loss than dense (planted law); costs are finite and positive', () => {
    const [dense, e4] = planted3.fig3.series;
    dense!.loss.forEach((l, i) => assert.ok(e4!.loss[i]! < l));
    assert.ok(planted3.fig3.series.every((s) => s.inferenceCost.every((c) => Number.isFinite(c) && c > 0)));
  });

  it('Fig. 5 (Algorithm 1): over-trained MoEs matching the dense loss are smaller than the loss-optimal dense model', () => {
    const base = planted3.fig5.bases.find((b) => b.baseExperts === 1)!;
    for (const s of base.series) assert.ok(s.sizeRatio.every((r) => r > 0 && r < 1), `E=${s.experts}: ${s.sizeRatio.join(',')}`);
  });

  it('Fig. 6 (Algorithm 2): each candidate costs at most the base and reaches a loss no worse than the base', () => {
    const base = planted3.fig6.bases.find((b) => b.baseExperts === 4)!;
    for (const s of base.series) s.value.forEach((l, i) => assert.ok(l <= base.baseline.value[i]! + 1e-9, `E=${s.experts} loss ${l} > base ${base.baseline.value[i]}`));
  });

  it("Fig. 8: μ is the inference model's fit on Yun Table 1, the paper rows derive from YUN_TABLE1_SHAPES", () => {
    const f8 = buildYunFig8([]);
    assert.equal(f8.mu, fitHiddenLayers(YUN_TABLE1_SHAPES).mu);
    assert.deepEqual(
      YUN_TABLE1_CONFIGS.map((p) => [p.label, p.dModel, p.layers, p.heads, p.paramsDense]),
      [['100M', 768, 12, 8, 81_395_712], ['200M', 896, 14, 8, 184_064_768], ['320M', 1024, 16, 12, 289_406_976], ['730M', 1536, 16, 16, 679_477_248]],
    );
    assert.match(yun.fig8(f8).caption, /μ = 0\.0388 is fitted \(least squares in log space\) on the paper's four Table 1 configurations/);
  });

  it('Fig. 2: cost grows with size and the largest servable size never shrinks as the budget grows', () => {
    const f2 = buildYunFig2({ points: 12 });
    for (const s of f2.costVsSize) for (let i = 1; i < s.cost.length; i++) assert.ok(s.cost[i]! >= s.cost[i - 1]!, `${s.label} at ${i}`);
    const m = f2.sizeVsBudget.maxParamsTotal;
    for (let i = 1; i < m.length; i++) assert.ok(m[i]! >= m[i - 1]!);
    assert.ok(Math.max(...f2.costVsSize[0]!.paramsTotal) < (8 * 40e9) / 2, 'a dense model beyond 8×40 GB in fp16 is left out');
  });

  it('rejects non-finite coefficients with a FigureInputError naming the coefficient', () => {
    assert.throws(
      () => buildYunAnalytic({ ...planted, beta: Number.NaN }),
      (e: unknown) => e instanceof FigureInputError && /experts coefficient beta = NaN/.test(e.message),
    );
    assert.throws(() => buildYunAnalytic(undefined as never), FigureInputError);
  });

  it('the adapter outputs rejected by the figures when malformed (NaN cost, μ ≤ 0, empty sizes)', () => {
    const f3 = rounded(planted3.fig3);
    f3.series[0]!.inferenceCost[2] = Number.NaN;
    assert.throws(() => yun.fig3(f3), (e: unknown) => e instanceof FigureInputError && e.figureId === 'yun.fig3');
    assert.throws(() => yun.fig8({ ...buildYunFig8([]), mu: -1 }), (e: unknown) => e instanceof FigureInputError && e.figureId === 'yun.fig8');
    const f2 = buildYunFig2({ points: 12 });
    assert.throws(() => yun.fig2({ ...f2, sizeVsBudget: { budget: [], maxParamsTotal: [] } }), (e: unknown) => e instanceof FigureInputError && e.figureId === 'yun.fig2');
    assert.throws(() => yun.fig4({ ...planted3.fig4, series: [{ ...planted3.fig4.series[0]!, loss: [1] }] }), (e: unknown) => e instanceof FigureInputError && e.figureId === 'yun.fig4');
  });
});
