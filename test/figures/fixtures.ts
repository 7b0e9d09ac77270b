/**
 * Deterministic synthetic inputs for the figure tests. Losses come from simple hand-written decreasing
 * expressions (test data only, not a paper law), so the snapshots do not move when the law library changes.
 */
import type { RunSummary } from '../../src/runs/types';
import * as chinchilla from '../../src/figures/chinchilla';
import { figureInputs, groupsByRichness, type FigureInputs } from '../../src/figures/inputs';
import * as krajewski from '../../src/figures/krajewski';
import type { FigureOrTable } from '../../src/figures/types';
import * as yun from '../../src/figures/yun';
import * as survey from '../../src/figures/survey';
import type { LifelongRecord } from '../../src/runs/lifelong';
import { lifelongRecords, peerTable, sharedTable } from '../report/claims-fixtures';

const logspace = (lo: number, hi: number, n: number) => Array.from({ length: n }, (_, i) => lo * (hi / lo) ** (i / (n - 1)));
const round = (v: number, digits = 6) => Number(v.toFixed(digits));

function row(partial: Partial<RunSummary> & Pick<RunSummary, 'runId' | 'sweep' | 'family'>): RunSummary {
  return {
    router: partial.family === 'moe' ? 'expert-choice' : 'none',
    layers: 2,
    dModel: 64,
    heads: 4,
    dFF: 256,
    expansionRate: 1,
    granularity: 1,
    experts: 1,
    topK: 1,
    moeEvery: 1,
    paramsTotal: 1,
    paramsActive: 1,
    paramsDense: 1,
    paramsEmbedding: 32_768,
    tokens: 1e6,
    flopsKrajewski: 1,
    flops6ND: 1,
    valLoss: 1,
    trainLossSmoothed: 1,
    seed: 0,
    backend: 'wasm',
    wallSeconds: 60,
    ...partial,
  } as RunSummary;
}

/** Fine-grained sweep (E = 8): 3 shapes × G ∈ {1,2,4,8} × D ∈ {1M, 2M, 4M}, plus dense baselines. */
export function fineGrainedRuns(): RunSummary[] {
  const runs: RunSummary[] = [];
  const E = 8;
  for (const [dModel, layers] of [
    [64, 2],
    [96, 3],
    [128, 4],
  ] as const) {
    const paramsActive = 12 * dModel * dModel * layers;
    const paramsTotal = dModel * dModel * (8 * E + 4) * layers;
    for (const tokens of [1e6, 2e6, 4e6]) {
      for (const g of [1, 2, 4, 8]) {
        const loss = 1.2 + (3 / g ** 0.5 + 9) / paramsTotal ** 0.18 + 40 / tokens ** 0.22;
        runs.push(
          row({
            runId: `fg-moe-e${E}-g${g}-d${dModel}x${layers}-t${tokens / 1e6}M`,
            sweep: 'fine-grained',
            family: 'moe',
            dModel,
            layers,
            dFF: 4 * dModel,
            expansionRate: E,
            granularity: g,
            experts: E * g,
            topKEffective: g,
            paramsTotal,
            paramsActive,
            paramsDense: paramsActive,
            tokens,
            flopsKrajewski: (12 * dModel * dModel * 6 + dModel * E * g * 14) * tokens * layers,
            flops6ND: 6 * paramsActive * tokens,
            trainLossSmoothed: round(loss),
            valLoss: round(loss + 0.03),
            wallSeconds: round(paramsActive * tokens * 1e-9 * (1 + 0.05 * g)),
          }),
        );
      }
      const dense = 1.2 + 12 / paramsActive ** 0.18 + 40 / tokens ** 0.22;
      runs.push(
        row({
          runId: `fg-dense-d${dModel}x${layers}-t${tokens / 1e6}M`,
          sweep: 'fine-grained',
          family: 'dense',
          dModel,
          layers,
          dFF: 4 * dModel,
          paramsTotal: paramsActive,
          paramsActive,
          paramsDense: paramsActive,
          tokens,
          flopsKrajewski: 6 * paramsActive * tokens,
          flops6ND: 6 * paramsActive * tokens,
          trainLossSmoothed: round(dense),
          valLoss: round(dense + 0.03),
        }),
      );
    }
  }
  return runs;
}

/** Experts sweep (Yun): 3 dense sizes × E ∈ {1, 4, 8, 16} × D ∈ {1M, 2M}. */
export function expertsRuns(): RunSummary[] {
  const runs: RunSummary[] = [];
  for (const [dModel, layers] of [
    [64, 2],
    [96, 4],
    [128, 4],
  ] as const) {
    const paramsDense = 12 * dModel * dModel * layers;
    for (const tokens of [1e6, 2e6]) {
      for (const experts of [1, 4, 8, 16]) {
        const loss = 1.3 + 14 / paramsDense ** 0.2 / (1 + 0.25 * Math.log2(experts)) + 30 / tokens ** 0.2;
        runs.push(
          row({
            runId: `ex-e${experts}-d${dModel}x${layers}-t${tokens / 1e6}M`,
            sweep: 'experts',
            family: experts === 1 ? 'dense' : 'moe',
            router: experts === 1 ? 'none' : 'token-choice',
            dModel,
            layers,
            experts,
            expansionRate: experts,
            topKEffective: experts === 1 ? 1 : 2,
            moeEvery: 2,
            paramsDense,
            paramsTotal: round(paramsDense * (1 + (experts - 1) / 3), 0),
            paramsActive: round(paramsDense * (experts === 1 ? 1 : 4 / 3), 0),
            tokens,
            flops6ND: 6 * paramsDense * tokens,
            flopsKrajewski: 6 * paramsDense * tokens,
            valLoss: round(loss),
            trainLossSmoothed: round(loss - 0.02),
          }),
        );
      }
    }
  }
  return runs;
}

/** Analytic-figure inputs shaped like the adapters' output. */
/** Prepared inputs of every figure, as their `prepare` would shape them (hand-written, deterministic). */
export interface PreparedFixtures {
  krajewski: {
    fig1a: krajewski.Fig1aInput;
    fig1b: krajewski.Fig1bInput;
    fig3a: { constLoss: number };
    fig7Groups: krajewski.Fig7Group[];
    fitPoints: krajewski.FitPoint[];
    trainingCurves: krajewski.TrainingCurve[];
    hardware: string;
    table1: krajewski.Table1Input;
    table2: krajewski.ComputeOptimalRow[];
    bootstrap: krajewski.BootstrapTableInput;
  };
  yun: { fig2: yun.Fig2Input; fig3: yun.Fig3Input; fig4: yun.Fig4Input; fig5: yun.BoundedSearchInput; fig6: yun.BoundedSearchInput; fig8: yun.Fig8Input; table1: yun.ModelConfigPoint[] };
  chinchilla: { frontier: { flops: number[]; loss: number[] } };
}

export function analyticInputs(): PreparedFixtures {
  const flops = logspace(1e18, 1e26, 17);
  const curves = (shift: number) => ({
    moeOptimal: {
      flops,
      loss: flops.map((f) => round(0.47 + 60 / f ** 0.075 - shift)),
      granularity: flops.map((f) => (f < 1e20 ? 8 : f < 1e22 ? 16 : f < 1e24 ? 32 : 64)),
    },
    moeG1: { flops, loss: flops.map((f) => round(0.47 + 66 / f ** 0.075 - shift)) },
    dense: { flops, loss: flops.map((f) => round(0.47 + 80 / f ** 0.075 - shift)) },
    marks: [{ flops: 1.93e20, loss: round(0.47 + 60 / 1.93e20 ** 0.075 - shift), label: '64x1B' }],
  });
  const overhead = (k: number) => ({
    flops,
    overheadDense: flops.map((f) => round(k * (1 + 0.1 * Math.log10(f / 1e17)))),
    overheadG1: flops.map((f) => round(1 + 0.15 * Math.log10(f / 1e17))),
  });
  const budgets = logspace(1e18, 1e21, 6);
  const cost = (e: number, f: number) => round(0.02 * (1 + 0.4 * Math.log2(e)) * (f / 1e18) ** 0.3, 8);
  const lossAt = (e: number, f: number) => round(1.8 + 30 / f ** 0.06 - 0.02 * Math.log2(e));
  const bases = [1, 4].map((base) => ({
    baseExperts: base,
    baseline: { flops: budgets, value: budgets.map((f) => cost(base, f)) },
    series: [8, 16].map((e) => ({ experts: e, flops: budgets, value: budgets.map((f) => cost(e, f) * 0.6), sizeRatio: budgets.map((_, i) => round(0.5 + 0.05 * i)) })),
  }));
  return {
    krajewski: {
      fig1a: { published: curves(0), ours: curves(0.05), oursFlopsRange: [1e12, 1e14], expansionRate: 64 },
      fig1b: { published: overhead(20), ours: overhead(10), oursFlopsRange: [1e12, 1e14] },
      fig3a: { constLoss: 1.3 },
      fig7Groups: [
        { paramsActive: 12 * 96 * 96 * 3, tokens: 1e6, constLoss: 1.3 },
        { paramsActive: 12 * 128 * 128 * 4, tokens: 1e6, constLoss: 1.3 },
        { paramsActive: 12 * 96 * 96 * 3, tokens: 4e6, constLoss: 1.3 },
        { paramsActive: 12 * 128 * 128 * 4, tokens: 4e6, constLoss: 1.3 },
      ],
      fitPoints: [3.1, 3.4, 3.6, 3.9, 4.2].flatMap((v, i) => [
        { runId: `r${i}`, observed: v, predicted: round(v + 0.01 * (i - 2)), split: 'fit' as const },
        { runId: `v${i}`, observed: round(v - 0.2), predicted: round(v - 0.2 + 0.015 * (2 - i)), split: 'validation' as const },
      ]),
      trainingCurves: [1, 2, 4, 8].map((g) => ({
        runId: `fg-g${g}`,
        granularity: g,
        wallSeconds: logspace(10, 600 * (1 + 0.1 * g), 12).map((s) => round(s)),
        loss: logspace(10, 600, 12).map((s) => round(2 + 3 / (s / 10) ** 0.4 - 0.03 * Math.log2(g))),
      })),
      hardware: '1 CPU core, tfjs wasm',
      table1: {
        published: { moe: { a: 18.1, alpha: 0.115, b: 30.8, beta: 0.147, g: 2.1, gamma: 0.58, c: 0.47 }, dense: { a: 16.3, alpha: 0.126, b: 26.7, beta: 0.127, c: 0.47 } },
        ours: { moe: { a: 12.5, alpha: 0.2, b: 20, beta: 0.22, g: 3, gamma: 0.5, c: 1.2 } },
      },
      table2: [
        { source: 'paper', expansionRate: 64, paramsActive: 1e8, tokens: 4.37e9, granularity: 8, flops: 2.95e18, loss: 3.133 },
        { source: 'ours', expansionRate: 64, paramsActive: 1.02e8, tokens: 4.41e9, granularity: 8, flops: 2.94e18, loss: 3.121 },
      ],
      bootstrap: { rows: [{ source: 'paper', model: '64x100M', tokens: [2.97e9, 5.98e9], granularity: [8, 8] }], samples: 100, fraction: 0.8 },
    },
    yun: {
      fig2: {
        costVsSize: [{ label: 'A100-40GB', paramsTotal: logspace(1e8, 1e11, 8), cost: logspace(1e8, 1e11, 8).map((n) => round((n / 1e8) ** 0.9 * 0.01, 8)) }],
        sizeVsBudget: { budget: [0.01, 0.05, 0.1, 0.5, 1], maxParamsTotal: [1e8, 1e8, 2e9, 2e9, 4e10] },
        costUnit: 'USD per 1M tokens',
        hardware: '8×A100-40GB (roofline)',
      },
      fig3: { series: [1, 4, 8, 16].map((e) => ({ experts: e, flops: budgets, loss: budgets.map((f) => lossAt(e, f)), inferenceCost: budgets.map((f) => cost(e, f)) })), costUnit: 'USD per 1M tokens' },
      fig4: {
        flopsBudget: 1e20,
        series: [4, 8, 16].map((e) => ({
          experts: e,
          paramsDense: logspace(1e7, 1e9, 6),
          loss: [0, 1, 2, 3, 4, 5].map((k) => round(2.6 - 0.02 * Math.log2(e) + 0.01 * (k - 3) ** 2)),
          inferenceCost: logspace(1e7, 1e9, 6).map((n) => round((n / 1e7) ** 0.8 * 0.01 * (1 + 0.2 * Math.log2(e)), 8)),
        })),
        lossOptimal: [4, 8, 16].map((e) => ({ experts: e, loss: round(2.6 - 0.02 * Math.log2(e)), inferenceCost: round(10 ** (0.8 * 1.2) * 0.01 * (1 + 0.2 * Math.log2(e)), 8) })),
        costUnit: 'USD per 1M tokens',
      },
      fig5: { bases, costUnit: 'USD per 1M tokens' },
      fig6: {
        bases: bases.map((b) => ({
          ...b,
          baseline: { flops: budgets, value: budgets.map((f) => lossAt(b.baseExperts, f)) },
          series: b.series.map((s) => ({ ...s, value: budgets.map((f) => round(lossAt(s.experts, f) - 0.01)) })),
        })),
        costUnit: 'USD per 1M tokens',
      },
      fig8: {
        points: [
          { label: '100M', source: 'paper', dModel: 768, layers: 12, heads: 8, paramsDense: 81_395_712 },
          { label: '200M', source: 'paper', dModel: 896, layers: 14, heads: 8, paramsDense: 184_064_768 },
          { label: '320M', source: 'paper', dModel: 1024, layers: 16, heads: 12, paramsDense: 289_406_976 },
          { label: '730M', source: 'paper', dModel: 1536, layers: 16, heads: 16, paramsDense: 679_477_248 },
          { label: 'd64x2', source: 'ours', dModel: 64, layers: 2, heads: 4, paramsDense: 98_304 },
        ],
        mu: 0.5,
      },
      table1: [{ label: '100M', source: 'paper', dModel: 768, layers: 12, heads: 8, paramsDense: 81_395_712 }],
    },
    chinchilla: {
      frontier: { flops: logspace(1e10, 1e14, 9), loss: logspace(1e10, 1e14, 9).map((f) => round(1.5 + 200 / f ** 0.15)) },
    },
  };
}

/** Figure inputs of the fixture runs without fit records (the figures that need a fit are skipped, with the reason). */
export function fixtureInputs(): FigureInputs {
  return figureInputs({ runs: [...fineGrainedRuns(), ...expertsRuns()] });
}

/**
 * Every figure drawn from the prepared fixtures with its own `draw`, one entry per registered id: the snapshot
 * tests pin the drawing, independent of the law library (`prepare` is tested on fit records in inputs.test.ts).
 */
export function fixtureSpecs(): Record<string, () => FigureOrTable> {
  const an = analyticInputs();
  const k = an.krajewski;
  const y = an.yun;
  const fg = fineGrainedRuns();
  const ex = expertsRuns();
  const col = 'trainLossSmoothed' as const;
  const richest = groupsByRichness(fg.filter((r) => r.family === 'moe'))[0]![0]!;
  const survey_ = surveyFixtures();
  return {
    'krajewski.fig1a': () => krajewski.fig1a(k.fig1a),
    'krajewski.fig1b': () => krajewski.fig1b(k.fig1b),
    'krajewski.fig3a': () => krajewski.fig3a(fg, { ...k.fig3a, paramsActive: richest.paramsActive, tokens: richest.tokens, lossColumn: col }),
    'krajewski.fig3b': () => krajewski.fig3b(fg, { lossColumn: col }),
    'krajewski.fig3c': () => krajewski.fig3c(fg, { lossColumn: col }),
    'krajewski.fig4': () => krajewski.fig4(fg, { lossColumn: col }),
    'krajewski.fig5a': () => krajewski.fig5a(k.fitPoints, { lossColumn: col }),
    'krajewski.fig5b': () => krajewski.fig5b(k.trainingCurves, { hardware: k.hardware }),
    'krajewski.fig6': () => krajewski.fig6(fg, { lossColumn: col }),
    'krajewski.fig7': () => krajewski.fig7(fg, { lossColumn: col, groups: k.fig7Groups }),
    'krajewski.table1': () => krajewski.table1(k.table1),
    'krajewski.table2': () => krajewski.table2(k.table2),
    'krajewski.bootstrap': () => krajewski.tableBootstrap(k.bootstrap),
    'yun.fig1': () => yun.fig1(ex, {}),
    'yun.fig2': () => yun.fig2(y.fig2),
    'yun.fig3': () => yun.fig3(y.fig3),
    'yun.fig4': () => yun.fig4(y.fig4),
    'yun.fig5': () => yun.fig5(y.fig5),
    'yun.fig6': () => yun.fig6(y.fig6),
    'yun.fig8': () => yun.fig8(y.fig8),
    'yun.table1': () => yun.table1(y.table1),
    'chinchilla.isoflop': () => chinchilla.isoflop([...fg, ...ex], { frontier: an.chinchilla.frontier }),
    'survey.shared': () => survey.sharedFigure(survey_.shared),
    'survey.peer': () => survey.peerFigure(survey_.peer),
    'survey.lifelong': () => survey.lifelongFigure(survey_.lifelong),
  };
}

const plantedBase = (c: { dModel?: number; paramsActive?: number; tokens: number }) => 1.2 + 30 / c.tokens ** 0.3 + (c.dModel ? 8 / c.dModel ** 0.5 : 8 / c.paramsActive! ** 0.2);

/**
 * The survey sweeps' fixtures, planted from known effects: a shared expert 0.03 nats better in every cell (two token
 * budgets, seeds 0/1, with the cells' dense runs), PEER 0.03 nats better per 4× of N (with a dense baseline 0.2
 * better), and lifelong arms forgetting 0.3 / 0.05 / 0.25 nats with grown models that start at 3.8.
 */
export function surveyFixtures(): { shared: RunSummary[]; peer: RunSummary[]; lifelong: LifelongRecord[] } {
  const moe = sharedTable({ loss: (c) => plantedBase(c) - 0.03 * c.sharedExperts, noise: 0.003, seeds: 2, dModels: [48], tokens: [64e3, 256e3] });
  const dense = moe
    .filter((r) => r.granularity === 2 && !r.sharedExperts)
    .map((r) => ({ ...r, runId: r.runId.replace('sh-g2-sh0', 'sh-dense'), family: 'dense' as const, router: 'none' as const, granularity: 1, experts: 1, topKEffective: 1 }));
  const peer = peerTable({ loss: (c) => plantedBase(c) - (0.03 * Math.log(c.experts)) / Math.log(4), noise: 0.003, seeds: 2, dModels: [48], tokens: [250e3] });
  const peerDense = peer
    .filter((r) => r.experts === 1024 && r.seed === 0)
    .map((r) => ({ ...r, runId: 'peer-dense', family: 'dense' as const, router: 'none' as const, experts: 1, topKEffective: 1, valLoss: r.valLoss - 0.2 }));
  return {
    shared: [...moe, ...dense],
    peer: [...peer, ...peerDense],
    lifelong: lifelongRecords({ forgetting: { finetune: 0.3, 'grow-frozen': 0.05, grow: 0.25 }, grownBefore: 3.8, noise: 0.001 }),
  };
}
