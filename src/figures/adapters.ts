/**
 * Thin adapters from the law library (`src/laws/`) to the figure inputs: every loss, allocation and overhead
 * here is computed by a law-library function (one source of truth); this file only samples grids, picks
 * groups and reshapes results. Fits are taken from the caller (the pipeline's fit stage) or run here.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  chinchillaLoss,
  chinchillaOptimal,
  computeOverhead,
  expertsLoss,
  fineGrainedLoss,
  fineGrainedOptimal,
  fitLaw,
  holdoutExtrapolation,
  KRAJEWSKI_TABLE2,
  lossVersusFlops,
  PUBLISHED,
  type ChinchillaCoefficients,
  type DenseCoefficients,
  type ExpertsCoefficients,
  type FineGrainedCoefficients,
} from '../laws';
import type { RunSummary } from '../runs/types';
import { coefficientsFromRecords, readFitRecords, type FitRecord } from '../report/fits';
import { readRunTable } from '../runs/table';
import type { BootstrapCoefficientRow, ComputeOptimalRow, Fig1Curves, FitPoint, GranularityCurve, OverheadCurves, ParamsCurve, TrainingCurve } from './krajewski';
import { KRAJEWSKI_FIG1_FLOPS_RANGE } from './krajewski';
import { runsOfSweep, type FigureInputs } from './registry';
import { extent, groupBy, uniqueSorted, type LossColumn } from './validate';
import type { ExpertsCurve } from './yun';
import { buildYunAnalytic, buildYunFig2, buildYunFig8, ourDenseConfigs, YUN_TABLE1_CONFIGS, type YunAnalyticOptions } from './yun-inputs';
import { parseMetrics } from '../train/metrics';

/** Coefficients of our fits (any may be absent). */
export interface OurFits {
  /** Krajewski Eq. 9 fitted on our fine-grained MoE runs. */
  fineGrained?: FineGrainedCoefficients;
  /** Krajewski Eq. 1 (dense) fitted on our dense runs. */
  dense?: DenseCoefficients;
  /** Yun Eq. 4 fitted on our experts sweep. */
  experts?: ExpertsCoefficients;
  /** Chinchilla Approach 3 fitted on our dense runs. */
  chinchilla?: ChinchillaCoefficients;
}

export interface BuildInputsOptions {
  /** The run table. */
  runs: RunSummary[];
  /** Fitted coefficients; missing ones are fitted here when `fitInProcess` (default true). */
  fits?: OurFits;
  /** Fit missing laws in-process with the law library (edge findings downgraded to warnings). Default true. */
  fitInProcess?: boolean;
  /** Loss column the Krajewski figures and fits use. Default `trainLossSmoothed` (paper App. A). */
  krajewskiLoss?: LossColumn;
  /** Training curves for Krajewski Fig. 5b (see `readTrainingCurves`). */
  trainingCurves?: TrainingCurve[];
  /** Hardware label for Fig. 5b. */
  hardware?: string;
  /** Points per analytic curve. Default 25. */
  curvePoints?: number;
  /**
   * The fit stage's records (`readFitRecords(resultsDir)` from `src/report/fits`): their bootstrap intervals feed
   * the bootstrap table, and their coefficients stand in for `fits` not given.
   */
  fitRecords?: readonly FitRecord[];
  /** Serving-cost settings of Yun Figs. 2–6 (GPU, budgets, expert counts); defaults follow the paper. */
  yun?: YunAnalyticOptions;
  /** Diagnostics sink (fits that failed, fallbacks used). */
  log?: (line: string) => void;
}

const logspace = (lo: number, hi: number, n: number) => Array.from({ length: n }, (_, i) => lo * (hi / lo) ** (i / Math.max(1, n - 1)));

function tryFit<T>(label: string, log: (l: string) => void, fn: () => T): T | undefined {
  try {
    return fn();
  } catch (err) {
    log(`fit ${label} failed: ${(err as Error).message}`);
    return undefined;
  }
}

/** Fig. 1a curves for one pair of coefficient sets, via `lossVersusFlops` (Krajewski §6 allocation). */
export function buildKrajewskiFig1(moe: FineGrainedCoefficients, dense: DenseCoefficients, flops: number[], expansionRate = 64): Fig1Curves {
  const rows = lossVersusFlops(flops, moe, dense, { expansionRate });
  const marks = KRAJEWSKI_TABLE2.filter((r) => ['64 x 1B', '64 x 7B', '64 x 70B', '64 x 1T'].includes(r.label) && r.flops >= flops[0]! && r.flops <= flops[flops.length - 1]!).map(
    (r) => ({ flops: r.flops, loss: fineGrainedOptimal(moe, r.flops, { expansionRate }).loss, label: r.label.replace(/ /g, '') }),
  );
  return {
    moeOptimal: { flops, loss: rows.map((r) => r.lossOptimal), granularity: rows.map((r) => r.optimalGranularity) },
    moeG1: { flops, loss: rows.map((r) => r.lossG1) },
    dense: { flops, loss: rows.map((r) => r.lossDense) },
    marks: expansionRate === 64 ? marks : [],
  };
}

/** Fig. 1b curves via `computeOverhead`. */
export function buildKrajewskiFig1b(moe: FineGrainedCoefficients, dense: DenseCoefficients, flops: number[], expansionRate = 64): OverheadCurves {
  // A budget where the dense law or a G = 1 MoE cannot reach the optimal MoE's loss within the solver's
  // 1e4× bracket has no finite overhead: such points are left out of the curve rather than drawn as NaN.
  const rows = flops.map((f) => computeOverhead(f, moe, dense, { expansionRate })).filter((r) => Number.isFinite(r.denseOverhead) && Number.isFinite(r.g1Overhead));
  if (rows.length < 2) throw new Error('fewer than 2 budgets have a finite overhead for these coefficients');
  return { flops: rows.map((r) => r.flops), overheadDense: rows.map((r) => r.denseOverhead), overheadG1: rows.map((r) => r.g1Overhead) };
}

/** Eq. 9 curves over a granularity grid for every (N_act, D) group of runs. */
export function buildGranularityCurves(c: FineGrainedCoefficients, runs: RunSummary[]): GranularityCurve[] {
  const gs = uniqueSorted(runs.map((r) => r.granularity));
  const grid = logspace(Math.min(...gs), Math.max(...gs), 24);
  return groupBy(runs, (r) => `${r.paramsActive}|${r.tokens}`).map(([, rows]) => ({
    paramsActive: rows[0]!.paramsActive,
    tokens: rows[0]!.tokens,
    granularity: grid,
    loss: grid.map((g) => fineGrainedLoss(c, rows[0]!.paramsTotal, rows[0]!.tokens, g)),
  }));
}

/** Eq. 9 curves over model size for every (G, D) of the runs. */
export function buildParamsCurves(c: FineGrainedCoefficients, runs: RunSummary[]): ParamsCurve[] {
  const [lo, hi] = extent(runs.map((r) => r.paramsTotal));
  const grid = logspace(lo / 1.2, hi * 1.2, 24);
  return groupBy(runs, (r) => `${r.granularity}|${r.tokens}`).map(([, rows]) => ({
    granularity: rows[0]!.granularity,
    tokens: rows[0]!.tokens,
    paramsTotal: grid,
    loss: grid.map((n) => fineGrainedLoss(c, n, rows[0]!.tokens, rows[0]!.granularity)),
  }));
}

/**
 * Constant of Fig. 3a/7 for a (N, D) group: the fitted Eq. 9 limit G → ∞, c + a/N^α + b/D^β, evaluated with the
 * law itself at a huge G (so the formula stays in the law library). Without a fit: 95% of the group's lowest loss.
 */
export function krajewskiConst(c: FineGrainedCoefficients | undefined, rows: RunSummary[], col: LossColumn): number {
  const minLoss = Math.min(...rows.map((r) => r[col]));
  if (c) {
    const limit = fineGrainedLoss(c, rows[0]!.paramsTotal, rows[0]!.tokens, 1e12);
    if (limit < minLoss) return limit;
  }
  return 0.95 * minLoss;
}

/** Per-coefficient bootstrap intervals of the successful fits that ran a bootstrap (fit stage records). */
export function bootstrapRowsFromRecords(records: readonly FitRecord[]): BootstrapCoefficientRow[] {
  const rows: BootstrapCoefficientRow[] = [];
  for (const r of records) {
    const b = r.status === 'ok' ? r.bootstrap : null;
    if (!b || !b.coefficients) continue;
    for (const [coefficient, iv] of Object.entries(b.coefficients)) {
      if (typeof iv?.estimate !== 'number' || !Number.isFinite(iv.estimate)) continue;
      // JSON writes NaN/Infinity as null: keep those as null (blank cells, named in the table's notes)
      const finite = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
      rows.push({ law: r.law, coefficient, estimate: iv.estimate, lo: finite(iv.lo), hi: finite(iv.hi), se: finite(iv.se), level: b.scheme.level, resamples: b.scheme.resamples, failures: b.failures });
    }
  }
  return rows;
}

/** Builds every figure input the law library can provide from the run table (and fits, given or computed). */
export function buildFigureInputs(options: BuildInputsOptions): FigureInputs {
  const log = options.log ?? (() => undefined);
  const runs = options.runs;
  const col = options.krajewskiLoss ?? 'trainLossSmoothed';
  const fitHere = options.fitInProcess ?? true;
  const n = options.curvePoints ?? 25;
  const fits: OurFits = { ...(options.fitRecords ? coefficientsFromRecords(options.fitRecords) : {}), ...options.fits };
  const fg = runsOfSweep(runs, 'fine-grained');
  const fgMoe = fg.filter((r) => r.family === 'moe');
  const fgDense = fg.filter((r) => r.family === 'dense');
  const ex = runsOfSweep(runs, 'experts');
  const allDense = runs.filter((r) => r.family === 'dense');
  const fitOpts = { edgePolicy: 'warn' as const, fitter: 'varpro' as const };
  if (fitHere && !fits.fineGrained && fgMoe.length >= 8) {
    fits.fineGrained = tryFit('fine-grained', log, () => fitLaw('fine-grained', fgMoe, { ...fitOpts, target: col }).coefficients as unknown as FineGrainedCoefficients);
  }
  if (fitHere && !fits.dense && fgDense.length >= 6) {
    fits.dense = tryFit('dense (Eq. 1)', log, () => {
      const c = fitLaw('chinchilla', fgDense, { ...fitOpts, target: col }).coefficients;
      return { a: c.A!, alpha: c.alpha!, b: c.B!, beta: c.beta!, c: c.E! };
    });
  }
  if (fitHere && !fits.experts && ex.length >= 12) {
    fits.experts = tryFit('experts', log, () => fitLaw('experts', ex, { ...fitOpts, target: 'valLoss' }).coefficients as unknown as ExpertsCoefficients);
  }
  if (fitHere && !fits.chinchilla && allDense.length >= 6) {
    fits.chinchilla = tryFit('chinchilla', log, () => fitLaw('chinchilla', allDense, { ...fitOpts, target: 'valLoss' }).coefficients as unknown as ChinchillaCoefficients);
  }

  const inputs: FigureInputs = { runs, fits: { ...fits }, krajewski: { lossColumn: col, hardware: options.hardware, trainingCurves: options.trainingCurves }, yun: {}, chinchilla: {} };
  const k = inputs.krajewski!;

  // Fig. 1a/1b and Table 2: published coefficients over the paper's range, our fit from our runs' range up.
  const pubMoe = PUBLISHED.krajewski.table1MoE.values;
  const pubDense = PUBLISHED.krajewski.table1Dense.values;
  const paperFlops = logspace(KRAJEWSKI_FIG1_FLOPS_RANGE[0], KRAJEWSKI_FIG1_FLOPS_RANGE[1], n);
  const ourRange = fgMoe.length > 0 ? extent(fgMoe.map((r) => r.flopsKrajewski)) : undefined;
  const E = fgMoe[0]?.expansionRate ?? 64;
  k.fig1a = { published: buildKrajewskiFig1(pubMoe, pubDense, paperFlops) };
  k.fig1b = { published: buildKrajewskiFig1b(pubMoe, pubDense, logspace(1e18, 1e26, Math.min(n, 13))) };
  if (fits.fineGrained && fits.dense && ourRange) {
    const oursFlops = logspace(ourRange[0], KRAJEWSKI_FIG1_FLOPS_RANGE[1], n);
    const ours = tryFit('Fig. 1 from our fit', log, () => buildKrajewskiFig1(fits.fineGrained!, fits.dense!, oursFlops, E));
    if (ours) k.fig1a = { ...k.fig1a, ours, oursFlopsRange: ourRange, expansionRate: E };
    const oh = tryFit('Fig. 1b from our fit', log, () => buildKrajewskiFig1b(fits.fineGrained!, fits.dense!, logspace(ourRange[0], KRAJEWSKI_FIG1_FLOPS_RANGE[1], 13), E));
    if (oh) k.fig1b = { ...k.fig1b, ours: oh, oursFlopsRange: ourRange };
  }
  k.table1 = { published: { moe: pubMoe, dense: pubDense }, ours: fits.fineGrained || fits.dense ? { moe: fits.fineGrained, dense: fits.dense } : undefined };
  const table2: ComputeOptimalRow[] = [];
  for (const row of KRAJEWSKI_TABLE2) {
    table2.push({ source: 'paper', expansionRate: 64, ...row });
    const pub = fineGrainedOptimal(pubMoe, row.flops);
    table2.push({ source: 'published coefficients, our solver', expansionRate: 64, paramsActive: pub.paramsActive, tokens: pub.tokens, granularity: pub.granularity, flops: row.flops, loss: pub.loss });
    if (fits.fineGrained) {
      const o = tryFit('Table 2 from our fit', log, () => fineGrainedOptimal(fits.fineGrained!, row.flops, { expansionRate: 64 }));
      if (o) table2.push({ source: 'our fit (extrapolated)', expansionRate: 64, paramsActive: o.paramsActive, tokens: o.tokens, granularity: o.granularity, flops: row.flops, loss: o.loss });
    }
  }
  k.table2 = table2;
  const boot = bootstrapRowsFromRecords(options.fitRecords ?? []);
  if (boot.length > 0) k.bootstrap = { coefficients: boot };

  // Empirical Krajewski figures.
  if (fgMoe.length > 0) {
    const groups = groupBy(fgMoe, (r) => `${r.paramsActive}|${r.tokens}`)
      .map(([, rows]) => rows)
      .sort((a, b) => new Set(b.map((r) => r.granularity)).size - new Set(a.map((r) => r.granularity)).size || b[0]!.paramsActive - a[0]!.paramsActive);
    const first = groups[0]!;
    k.fig3a = { constLoss: krajewskiConst(fits.fineGrained, first, col), paramsActive: first[0]!.paramsActive, tokens: first[0]!.tokens };
    k.fig7Groups = groups.slice(0, 4).map((rows) => ({ paramsActive: rows[0]!.paramsActive, tokens: rows[0]!.tokens, constLoss: krajewskiConst(fits.fineGrained, rows, col) }));
    if (fits.fineGrained) {
      k.fittedByGranularity = buildGranularityCurves(fits.fineGrained, fgMoe);
      k.fig3a.fitted = k.fittedByGranularity.find((c) => c.paramsActive === k.fig3a!.paramsActive && c.tokens === k.fig3a!.tokens);
      k.fittedByParams = buildParamsCurves(fits.fineGrained, fgMoe);
      const held = tryFit('hold-out (Fig. 5a)', log, () => holdoutExtrapolation('fine-grained', fgMoe, { rule: { fraction: 0.2 }, fit: { ...fitOpts, target: col } }));
      if (held) {
        const heldIds = new Set(held.heldOut.map((h) => h.label));
        const c = held.fit.coefficients as unknown as FineGrainedCoefficients;
        k.fitPoints = fgMoe.map<FitPoint>((r) => ({
          runId: r.runId,
          observed: r[col],
          predicted: fineGrainedLoss(c, r.paramsTotal, r.tokens, r.granularity),
          split: heldIds.has(r.runId) ? 'validation' : 'fit',
        }));
      }
    }
  }

  // Yun: Fig. 1 from our experts fit; Table 1 / Fig. 8 configurations.
  const y = inputs.yun!;
  if (fits.experts && ex.length > 0) {
    const es = uniqueSorted(ex.map((r) => r.experts));
    const grid = logspace(1, Math.max(...es), 24);
    y.fitted = groupBy(ex, (r) => `${r.paramsDense}|${r.tokens}`).map(([, rows]) => ({
      paramsDense: rows[0]!.paramsDense,
      tokens: rows[0]!.tokens,
      experts: grid,
      loss: grid.map((e) => expertsLoss(fits.experts!, rows[0]!.paramsDense, e, rows[0]!.tokens)),
    })) satisfies ExpertsCurve[];
  }
  const ours = ourDenseConfigs(ex);
  y.table1 = [...YUN_TABLE1_CONFIGS, ...ours];
  // Figs. 2 and 8 need no fit: the cost model and model shapes; Figs. 3–6 use our experts fit at the paper's budgets.
  y.fig2 = tryFit('Yun Fig. 2 cost model', log, () => buildYunFig2({ gpu: options.yun?.gpu }));
  y.fig8 = buildYunFig8(ours);
  if (fits.experts) {
    const analytic = tryFit('Yun Figs. 3–6 from our experts fit', log, () => buildYunAnalytic(fits.experts!, { fitFlopsMax: Math.max(...ex.map((r) => r.flops6ND)), ...options.yun }));
    if (analytic) Object.assign(y, analytic);
  }

  // Chinchilla view.
  if (fits.chinchilla && allDense.length > 0) {
    const [lo, hi] = extent(allDense.map((r) => r.flops6ND));
    const flops = logspace(lo / 2, hi * 2, n);
    inputs.chinchilla!.frontier = { flops, loss: flops.map((f) => chinchillaOptimal(fits.chinchilla!, f).loss) };
    inputs.chinchilla!.slices = groupBy(allDense, (r) => Math.round(Math.log10(r.flops6ND) * 10)).map(([, rows]) => {
      const f = Math.exp(rows.reduce((s, r) => s + Math.log(r.flops6ND), 0) / rows.length);
      const [plo, phi] = extent(rows.map((r) => r.paramsActive));
      const ps = logspace(plo / 2, phi * 2, 24);
      return { flops: f, paramsActive: ps, loss: ps.map((p) => chinchillaLoss(fits.chinchilla!, p, f / (6 * p))) };
    });
  }
  return inputs;
}

// ---------------------------------------------------------------------------------------------------------
// Reading results (the run table itself: `readRunTable` of src/runs/table.ts, the one CSV reader and validator)

/** What Fig. 5b reads of one `metrics.jsonl` line: the trainer's `MetricsRow` of kind `train` (src/train/trainer.ts). */
interface TrainMetricsLine {
  kind: 'train';
  step: number;
  /** Tokens trained so far. */
  tokens: number;
  /** Raw training loss of this step (nats/token). */
  loss: number;
  /** Mean throughput since this `trainRun` call started: tokens trained in this call / elapsed seconds. */
  tokensPerSecond: number;
}

function isTrainLine(m: unknown): m is TrainMetricsLine {
  const r = m as Record<string, unknown> | null;
  return (
    !!r &&
    r.kind === 'train' &&
    [r.step, r.tokens, r.loss, r.tokensPerSecond].every((v) => typeof v === 'number' && Number.isFinite(v)) &&
    (r.loss as number) > 0 &&
    (r.tokensPerSecond as number) > 0
  );
}

export interface TrainingCurveOptions {
  /** Bias-corrected EMA decay applied to the per-step loss. Default 0.98 (the trainer's default `lossEmaDecay`). */
  emaDecay?: number;
}

/**
 * One training curve from the trainer's `metrics.jsonl` (rows of kind `train`; `eval` rows are skipped).
 * Wall seconds are reconstructed as `tokens / tokensPerSecond` (the trainer's throughput is the mean since the
 * `trainRun` call started, so this is the elapsed time, evaluation and checkpoints included). A resumed run
 * restarts that clock; when `finalWallSeconds` (the run's `final.json`, summed over calls) differs from the
 * reconstructed end by more than 5%, the times are rescaled to end there. Loss: bias-corrected EMA of the
 * per-step loss, like the run table's `trainLossSmoothed`. Returns null with fewer than 2 usable rows.
 */
export function trainingCurveFromMetrics(
  text: string,
  meta: { runId: string; granularity: number; backend?: string; finalWallSeconds?: number },
  options: TrainingCurveOptions = {},
): TrainingCurve | null {
  const decay = options.emaDecay ?? 0.98;
  const wall: number[] = [];
  const loss: number[] = [];
  let ema = 0;
  let weight = 0;
  let lastStep = -Infinity;
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let m: unknown;
    try {
      m = JSON.parse(line);
    } catch {
      continue; // a torn last line of a running job
    }
    if (!isTrainLine(m) || m.step <= lastStep) continue;
    lastStep = m.step;
    ema = decay * ema + (1 - decay) * m.loss;
    weight = decay * weight + (1 - decay);
    wall.push(m.tokens / m.tokensPerSecond);
    loss.push(ema / weight);
  }
  if (wall.length < 2) return null;
  const end = wall[wall.length - 1]!;
  const fin = meta.finalWallSeconds;
  const scaled = fin && Number.isFinite(fin) && fin > 0 && Math.abs(end / fin - 1) > 0.05 ? wall.map((t) => (t * fin) / end) : wall;
  return { runId: meta.runId, granularity: meta.granularity, wallSeconds: scaled, loss, backend: meta.backend };
}

/**
 * Training curves for Krajewski Fig. 5b from `<runsDir>/<runId>/metrics.jsonl` of one model (the N_act with most
 * granularities at its longest D); see `trainingCurveFromMetrics` for the fields read.
 */
export function readTrainingCurves(runsDir: string, runs: RunSummary[], options: TrainingCurveOptions = {}): TrainingCurve[] {
  const moe = runs.filter((r) => r.family === 'moe');
  if (moe.length === 0 || !fs.existsSync(runsDir)) return [];
  const groups = groupBy(moe, (r) => `${r.paramsActive}|${r.tokens}`)
    .map(([, rows]) => rows)
    .sort((a, b) => new Set(b.map((r) => r.granularity)).size - new Set(a.map((r) => r.granularity)).size || b[0]!.tokens - a[0]!.tokens);
  const curves: TrainingCurve[] = [];
  for (const r of groups[0] ?? []) {
    const file = path.join(runsDir, r.runId, 'metrics.jsonl');
    if (!fs.existsSync(file)) continue;
    const text = fs.readFileSync(file, 'utf8');
    parseMetrics(text, file); // a torn last line (a killed run) is dropped with a warning naming the file; damage before it throws
    const curve = trainingCurveFromMetrics(
      text,
      { runId: r.runId, granularity: r.granularity, backend: r.backend, finalWallSeconds: r.wallSeconds },
      options,
    );
    if (curve) curves.push(curve);
  }
  return curves;
}

export interface LoadInputsOptions extends Omit<BuildInputsOptions, 'runs'> {
  /** Results folder holding `runs.csv` (and `runs/<runId>/metrics.jsonl`). */
  resultsDir: string;
}

/**
 * Loads `runs.csv` from `resultsDir` (else `results/reference/tiny/runs.csv`) with `readRunTable` (validated;
 * a bad table throws `RunTableError` naming file, line and column), the fit stage's records beside it
 * (`fits/*.json`, when present), training curves, and builds the figure inputs. Throws a plain Error naming the
 * paths when no run table exists.
 */
export async function loadFigureInputs(options: LoadInputsOptions): Promise<FigureInputs> {
  const candidates = [path.join(options.resultsDir, 'runs.csv'), path.resolve('results', 'reference', 'tiny', 'runs.csv')];
  const file = candidates.find((f) => fs.existsSync(f));
  if (!file) throw new Error(`no run table: looked for ${candidates.join(' and ')}; run \`moelab repro\` first`);
  const runs = await readRunTable(file);
  const dir = path.dirname(file);
  const trainingCurves = options.trainingCurves ?? readTrainingCurves(path.join(dir, 'runs'), runs);
  const fitRecords = options.fitRecords ?? readFitRecords(dir);
  return buildFigureInputs({ ...options, runs, trainingCurves, fitRecords });
}
