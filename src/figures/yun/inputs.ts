/**
 * Inputs of Yun et al. Figs. 2–6 and 8 from the serving-cost model (`src/inference/`) and a fitted experts law
 * (`src/laws`). Every loss, allocation, serving cost and bounded search is computed there (one source of
 * truth); this file picks grids, drops unservable points, converts units and writes the caption notes.
 *
 * Yun et al. publish no Eq. 4 coefficients, so Figs. 3–6 are drawn from OUR fitted experts law at the paper's
 * Section 5 budgets (about 2e21–8e21 FLOPs), far beyond our runs: the captions say so.
 */
import { describeBound, type ExpertsCoefficients } from '../../laws';
import { logspace } from '../../util/logspace';
import {
  costVersusModelSize,
  fitHiddenLayers,
  GPU_PRESETS,
  lossCostCurve,
  lossOptimalServing,
  minCostForBoundedLoss,
  minLossForBoundedCost,
  rooflineLatency,
  YUN_TABLE1_SHAPES,
  type GpuSpec,
  type OvertrainOptions,
  type OvertrainResult,
} from '../../inference';
import type { RunSummary } from '../../runs/types';
import { formatCount } from '../theme';
import { FigureInputError } from '../types';
import { groupBy } from '../validate';
import type { BoundedSearchBase, BoundedSearchInput, Fig2Input, Fig3Input, Fig4Input, Fig8Input, LossOptimalSeries, ModelConfigPoint } from './draw';
import { YUN_PAPER_BUDGET_RANGE } from './draw';

/** Cost per generated token is priced at C₀ = 1 per GPU-hour and shown per million tokens. */
export const YUN_COST_UNIT = 'GPU-hours per 1M tokens';
const PER_MILLION = 1e6;

export interface YunAnalyticOptions {
  /** GPU the serving-cost model prices (roofline latency at datasheet peaks, 1–8 GPUs). Default A100-40GB (the paper's). */
  gpu?: GpuSpec;
  /** Training budgets in FLOPs for Figs. 3, 5, 6. Default 7 points log-spaced over 2e21–8e21 (the paper's Section 5). */
  budgets?: number[];
  /** Training budget in FLOPs of Fig. 4. Default the geometric middle of `budgets` (4e21). */
  fig4Budget?: number;
  /** Expert counts of Fig. 3 (1 = dense). Default [1, 4, 8, 16, 32] (the paper's). */
  experts?: number[];
  /** Expert counts of Fig. 4. Default [4, 8, 16] (the paper's caption). */
  fig4Experts?: number[];
  /** Base expert counts of Figs. 5 and 6. Default [1, 4] (dense and 4 experts, the paper's). */
  bases?: number[];
  /** Candidate expert counts searched against each base (those above the base). Default [4, 8, 16, 32]. */
  candidates?: number[];
  /** Points per model-size sweep of Fig. 4. Default 25. */
  curvePoints?: number;
  /** Largest training FLOPs among the runs the law was fitted on (for the extrapolation note). */
  fitFlopsMax?: number;
}


const servable = (cost: number | undefined): cost is number => typeof cost === 'number' && Number.isFinite(cost) && cost > 0;

function servingOptions(gpu: GpuSpec): OvertrainOptions {
  return { serving: { gpu, latency: rooflineLatency(gpu) } };
}

function costModelNote(gpu: GpuSpec): string {
  return (
    `Inference cost from our roofline model of 1–8 ${gpu.name} (datasheet peaks, ShareGPT mean prompt/output 161/338 tokens, ` +
    `h·l = μN^(2/3) with μ fitted on the paper's Table 1), priced at 1 per GPU-hour; the paper profiles vLLM on 8×A100-40GB, so absolute costs differ.`
  );
}

/**
 * Yun Fig. 2 from the cost model alone (no fit): cost per token vs total parameters for dense and 8-expert
 * models on the chosen GPU and dense on H100-80GB (left), and the largest dense model each inference budget
 * can serve on the chosen GPU (right).
 */
export function buildYunFig2(options: { gpu?: GpuSpec; points?: number } = {}): Fig2Input {
  const gpu = options.gpu ?? GPU_PRESETS['A100-40GB'];
  const n = options.points ?? 60;
  const denseSizes = logspace(5e7, 2e11, n);
  const settings: Array<{ label: string; gpu: GpuSpec; experts: number }> = [
    { label: `${gpu.name}, dense`, gpu, experts: 1 },
    { label: `${gpu.name}, 8 experts`, gpu, experts: 8 },
    ...(gpu.name === 'H100-80GB' ? [] : [{ label: 'H100-80GB, dense', gpu: GPU_PRESETS['H100-80GB'], experts: 1 }]),
  ];
  const costVsSize = settings.map((s) => {
    const rows = costVersusModelSize(denseSizes, s.experts, servingOptions(s.gpu)).filter((r) => servable(r.serving.costPerToken));
    return { label: s.label, paramsTotal: rows.map((r) => r.paramsTotal), cost: rows.map((r) => r.serving.costPerToken * PER_MILLION) };
  });
  // Right: a finer size grid, so that the steps are the cost model's and not the grid's.
  const fine = costVersusModelSize(logspace(5e7, 2e11, 8 * n), 1, servingOptions(gpu)).filter((r) => servable(r.serving.costPerToken));
  const fineCost = fine.map((r) => r.serving.costPerToken * PER_MILLION);
  const budgets = logspace(Math.min(...fineCost), Math.max(...fineCost), 4 * n);
  const sizeVsBudget = {
    budget: budgets,
    maxParamsTotal: budgets.map((b) => Math.max(...fine.filter((_, i) => fineCost[i]! <= b * (1 + 1e-12)).map((r) => r.paramsTotal))),
    label: `max dense size, ${gpu.name}`,
  };
  return {
    costVsSize,
    sizeVsBudget,
    costUnit: YUN_COST_UNIT,
    hardware: `up to 8×${gpu.name} (roofline latency at datasheet peaks)`,
    notes: [
      `Cost per generated token G·C₀/T at the cheapest GPU count G ≤ 8, C₀ = 1 per GPU-hour; models too large for 8 GPUs are left out. ` +
        `Right: the largest dense model (of a grid of ${8 * n} sizes) on ${gpu.name} whose cost stays within the budget; ` +
        'with roofline latency the cheapest GPU count changes smoothly, so the curve has kinks rather than the paper\'s jumps.',
    ],
  };
}

/** Yun Fig. 8 inputs: μ fitted on the paper's Table 1 (as the cost model uses it), plus our configurations. */
export function buildYunFig8(ours: readonly ModelConfigPoint[]): Fig8Input {
  const { mu } = fitHiddenLayers(YUN_TABLE1_SHAPES);
  const notes: string[] = [];
  if (ours.length > 0) {
    const oursMu = fitHiddenLayers(ours.map((p) => ({ hidden: p.dModel, layers: p.layers, params: p.paramsDense }))).mu;
    notes.push(`Our configurations (not in the fit) alone give μ = ${oursMu.toPrecision(3)}; our models are far smaller than the paper's 81M–679M.`);
  }
  return { points: [...YUN_TABLE1_CONFIGS, ...ours], mu, muFittedOn: "the paper's four Table 1 configurations", notes };
}

/** Yun et al. Table 1, derived from the one copy in `src/inference` (`YUN_TABLE1_SHAPES`). */
export const YUN_TABLE1_CONFIGS: readonly ModelConfigPoint[] = YUN_TABLE1_SHAPES.map((s) => ({
  label: s.name,
  source: 'paper',
  dModel: s.hidden,
  layers: s.layers,
  heads: s.heads,
  paramsDense: s.params,
}));

/** Our dense shapes of the experts sweep as Table 1 / Fig. 8 rows. */
export function ourDenseConfigs(runs: readonly RunSummary[]): ModelConfigPoint[] {
  return groupBy(runs, (r) => `${r.dModel}|${r.layers}`).map(([, rows]) => ({
    label: `d${rows[0]!.dModel}×${rows[0]!.layers} (${formatCount(rows[0]!.paramsDense)})`,
    source: 'ours',
    dModel: rows[0]!.dModel,
    layers: rows[0]!.layers,
    heads: rows[0]!.heads,
    paramsDense: rows[0]!.paramsDense,
  }));
}

function checkCoefficients(c: ExpertsCoefficients | undefined): ExpertsCoefficients {
  const keys = ['A', 'alpha', 'B', 'beta', 'C', 'gamma', 'F', 'd', 'eStart', 'eMax'] as const;
  if (!c) throw new FigureInputError('yun.analytic', 'no experts-law coefficients; fit Eq. 4 on the experts sweep first');
  for (const k of keys) {
    if (typeof c[k] !== 'number' || !Number.isFinite(c[k])) {
      throw new FigureInputError('yun.analytic', `experts coefficient ${k} = ${String(c[k])}; pass a finite number (a fitted Eq. 4)`);
    }
  }
  return c;
}

function boundedBases(
  id: 'Fig. 5' | 'Fig. 6',
  results: Array<{ base: number; perBudget: OvertrainResult[] }>,
  dropped: string[],
): BoundedSearchBase[] {
  const out: BoundedSearchBase[] = [];
  for (const { base, perBudget } of results) {
    const baseline = perBudget
      .map((r) => ({ flops: r.flops, value: id === 'Fig. 5' ? r.base.serving.costPerToken * PER_MILLION : r.base.allocation.loss }))
      .filter((p) => servable(p.value));
    if (baseline.length < 2) {
      dropped.push(`base E = ${base}: unservable on 8 GPUs at most budgets`);
      continue;
    }
    const experts = perBudget[0]!.rows.map((r) => r.experts);
    const series = experts.flatMap((e) => {
      const pts = perBudget.flatMap((r) => {
        const row = r.rows.find((x) => x.experts === e)!;
        const value = id === 'Fig. 5' ? (row.serving?.costPerToken ?? NaN) * PER_MILLION : (row.chosen?.loss ?? NaN);
        return row.chosen && servable(value) && Number.isFinite(row.sizeRatioToBase) ? [{ flops: r.flops, value, sizeRatio: row.sizeRatioToBase }] : [];
      });
      if (pts.length < perBudget.length) dropped.push(`E = ${e} vs base ${base}: ${perBudget.length - pts.length} of ${perBudget.length} budgets have no model meeting the bound`);
      return pts.length >= 2 ? [{ experts: e, flops: pts.map((p) => p.flops), value: pts.map((p) => p.value), sizeRatio: pts.map((p) => p.sizeRatio) }] : [];
    });
    out.push({ baseExperts: base, baseline: { flops: baseline.map((p) => p.flops), value: baseline.map((p) => p.value) }, series });
  }
  return out;
}

/**
 * Training budgets for Figs. 3–6: the paper's 2e21–8e21 FLOPs when every expert count's loss-optimal model there
 * can be served on 8 GPUs; otherwise (an extrapolated fit of tiny models can put N above what 8 GPUs hold) the
 * same 4× span ending at the largest budget whose loss-optimal models are all servable, found by bisection
 * in log FLOPs. Returns the budgets and a caption note when they moved.
 */
export function servableBudgets(c: ExpertsCoefficients, experts: readonly number[], o: OvertrainOptions, points = 7): { budgets: number[]; note?: string } {
  const [paperLo, paperHi] = [YUN_PAPER_BUDGET_RANGE[0], 8e21];
  // Servable with room: weights in at most half the memory of 8 GPUs, so the KV cache does not starve the batch.
  const roomy: OvertrainOptions = { ...o, serving: { ...o.serving, gpu: { ...o.serving.gpu, memoryBytes: o.serving.gpu.memoryBytes / 2 } } };
  const ok = (flops: number) => lossOptimalServing(c, [flops], experts, roomy).every((r) => servable(r.serving.costPerToken));
  if (ok(paperHi) && ok(paperLo)) return { budgets: logspace(paperLo, paperHi, points) };
  let lo = Math.log(1e12);
  if (!ok(Math.exp(lo))) throw new FigureInputError('yun.analytic', 'the loss-optimal models of our experts fit are unservable on 8 GPUs at every budget ≥ 1e12 FLOPs; check the fit');
  let hi = Math.log(paperHi);
  for (let i = 0; i < 60 && hi - lo > 1e-3; i++) {
    const m = 0.5 * (lo + hi);
    if (ok(Math.exp(m))) lo = m;
    else hi = m;
  }
  const top = Math.exp(lo);
  const big = lossOptimalServing(c, [paperLo], [Math.max(...experts)], o)[0]!.allocation;
  const budgets = logspace(top / (paperHi / paperLo), top, points);
  return {
    budgets,
    note:
      `At the paper's budgets our fit's loss-optimal models are too large to serve on 8 GPUs (e.g. ${Math.max(...experts)} experts at 2e21 FLOPs: ` +
      `N = ${formatCount(big.paramsDense)} dense, ${formatCount(big.paramsTotal)} total), so the budgets are moved down to ` +
      `${budgets[0]!.toExponential(1)}–${top.toExponential(1)} FLOPs (the paper's 4× span), the largest at which every expert count's weights fit in half the memory of 8 GPUs.`,
  };
}

/**
 * Yun Figs. 3–6 from a fitted experts law and the serving-cost model: loss-optimal models per E and budget
 * (Fig. 3), loss–cost curves along model size at one budget (Fig. 4), Algorithm 1 (Fig. 5) and Algorithm 2
 * (Fig. 6) against dense and 4-expert bases. Throws `FigureInputError` on non-finite coefficients.
 */
export function buildYunAnalytic(
  coefficients: ExpertsCoefficients,
  options: YunAnalyticOptions = {},
): { fig3: Fig3Input; fig4: Fig4Input; fig5: BoundedSearchInput; fig6: BoundedSearchInput } {
  const c = checkCoefficients(coefficients);
  const gpu = options.gpu ?? GPU_PRESETS['A100-40GB'];
  const o = servingOptions(gpu);
  const experts = options.experts ?? [1, 4, 8, 16, 32];
  const chosen = options.budgets ? { budgets: options.budgets } : servableBudgets(c, experts, o);
  const budgets = chosen.budgets;
  const hiBudget = Math.max(...budgets);
  const extrapolation =
    options.fitFlopsMax && options.fitFlopsMax > 0
      ? `Drawn from our Eq. 4 fit (the paper publishes no coefficients), extrapolated ${Math.log10(hiBudget / options.fitFlopsMax).toFixed(0)} decades beyond our largest run (${options.fitFlopsMax.toExponential(1)} FLOPs).`
      : 'Drawn from our Eq. 4 fit (the paper publishes no coefficients), extrapolated far beyond our runs.';
  const common = [extrapolation, ...(chosen.note ? [chosen.note] : []), costModelNote(gpu)];

  // Fig. 3: loss-optimal models.
  const rows = lossOptimalServing(c, budgets, experts, o);
  const dropped3: string[] = [];
  // A loss-optimal model on the edge of the searched N range is not an optimum: say so (never clip silently).
  const onBound = rows.filter((r) => r.allocation.bound);
  if (onBound.length > 0) {
    common.push(
      `${onBound.length} of ${rows.length} loss-optimal points are not optima: ${onBound
        .slice(0, 3)
        .map((r) => `E = ${r.experts} at ${r.flops.toExponential(1)} FLOPs: ${describeBound(r.allocation.bound!)}`)
        .join('; ')}${onBound.length > 3 ? `; and ${onBound.length - 3} more` : ''}.`,
    );
  }
  const series: LossOptimalSeries[] = experts.flatMap((e) => {
    const mine = rows.filter((r) => r.experts === e && servable(r.serving.costPerToken) && Number.isFinite(r.allocation.loss) && r.allocation.loss > 0);
    if (mine.length < rows.filter((r) => r.experts === e).length) dropped3.push(`E = ${e}: ${rows.filter((r) => r.experts === e).length - mine.length} budgets unservable on 8 GPUs`);
    return mine.length >= 2
      ? [{ experts: e, flops: mine.map((r) => r.flops), loss: mine.map((r) => r.allocation.loss), inferenceCost: mine.map((r) => r.serving.costPerToken * PER_MILLION) }]
      : [];
  });

  // Fig. 4: loss–cost curves at one budget.
  const fig4Budget = options.fig4Budget ?? Math.sqrt(budgets[0]! * budgets[budgets.length - 1]!);
  const fig4Experts = options.fig4Experts ?? [4, 8, 16];
  const fig4Series: Fig4Input['series'] = [];
  const lossOptimal: Fig4Input['lossOptimal'] = [];
  for (const e of fig4Experts) {
    const curve = lossCostCurve(c, fig4Budget, e, o, options.curvePoints ?? 25).filter((p) => servable(p.serving.costPerToken));
    if (curve.length >= 2) {
      fig4Series.push({
        experts: e,
        paramsDense: curve.map((p) => p.allocation.paramsDense),
        loss: curve.map((p) => p.allocation.loss),
        inferenceCost: curve.map((p) => p.serving.costPerToken * PER_MILLION),
      });
    }
    const opt = lossOptimalServing(c, [fig4Budget], [e], o)[0]!;
    if (servable(opt.serving.costPerToken)) lossOptimal.push({ experts: e, loss: opt.allocation.loss, inferenceCost: opt.serving.costPerToken * PER_MILLION });
  }

  // Figs. 5 and 6: Algorithms 1 and 2.
  const bases = options.bases ?? [1, 4];
  const candidates = options.candidates ?? [4, 8, 16, 32];
  const run = (alg: typeof minCostForBoundedLoss) =>
    bases.map((base) => ({ base, perBudget: budgets.map((f) => alg(c, f, base, candidates.filter((e) => e > base), o)) }));
  const dropped5: string[] = [];
  const dropped6: string[] = [];
  const fig5Bases = boundedBases('Fig. 5', run(minCostForBoundedLoss), dropped5);
  const fig6Bases = boundedBases('Fig. 6', run(minLossForBoundedCost), dropped6);
  const droppedNote = (d: string[]) => (d.length > 0 ? [`Left out: ${d.join('; ')}.`] : []);
  return {
    fig3: { series, costUnit: YUN_COST_UNIT, notes: [...common, ...droppedNote(dropped3)] },
    fig4: { flopsBudget: fig4Budget, series: fig4Series, lossOptimal, costUnit: YUN_COST_UNIT, notes: [...common, ...(fig4Series.length < fig4Experts.length ? ['Some expert counts are unservable on 8 GPUs at this budget and left out.'] : [])] },
    fig5: { bases: fig5Bases, costUnit: YUN_COST_UNIT, notes: [...common, ...droppedNote(dropped5)] },
    fig6: { bases: fig6Bases, costUnit: YUN_COST_UNIT, notes: [...common, ...droppedNote(dropped6)] },
  };
}
