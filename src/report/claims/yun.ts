/**
 * Yun et al. 2024's claims about experts, as falsifiable tests on a run table with an experts sweep (ours, or
 * Clark et al.'s released runs: the same code), and Yun's headline numbers from our Eq. 4 fit and the cost model.
 */
import { bisectRoot } from '../../laws/fit/brent';
import { expertsOptimal } from '../../laws/allocation/experts';
import type { ExpertsCoefficients } from '../../laws/coefficients';
import { fitLaw } from '../../laws/fit/fit';
import { SeededRandom } from '../../laws/fit/rng';
import { expertsLaw } from '../../laws/forms';
import { lawLoss } from '../../laws/predict';
import type { LossTarget } from '../../laws/protocol';
import { bootstrapSamplesOf, type FitRecord } from '../../laws/record';
import { getGpu, minCostForBoundedLoss, minLossForBoundedCost, rooflineLatency, servingCost, yunServedModel, type OvertrainOptions } from '../../inference';
import type { RunSummary } from '../../runs/types';
import { configurations, differenceSd, noiseFloor, pairedDifferences, settings, type Config } from './cells';
import { SMALLEST_LOSS_EFFECT } from './krajewski';
import {
  allCases,
  decide,
  describeEffect,
  fmt,
  inconclusiveReason,
  meanInterval,
  percentileInterval,
  spanOf,
  summary,
  YUN,
  type ClaimCase,
  type ClaimResult,
  type Effect,
} from './verdict';

/** Smallest difference of per-doubling loss gains (nats per doubling of E) the diminishing-returns claim is about. */
export const SMALLEST_GAIN_DIFFERENCE = 0.002;
/** Yun et al.'s goodness of fit: RMSLE of Eq. 4 on their runs (App. D). */
export const YUN_PAPER_RMSLE = 3.908e-3;

export interface ExpertsClaimInputs {
  /** Runs of an experts sweep: dense (E = 1) and MoE of several expert counts, at shared (N, D) cells. */
  runs: readonly RunSummary[];
  column: LossTarget;
  level?: number;
  protocol: string;
  /** Who the runs are (for the evidence), e.g. `our experts sweep`, `Clark et al.'s S-Base runs`. */
  source?: string;
}

const cellOf = (c: Config) => {
  const r = settings(c);
  return `N ${r.paramsDense} @ ${r.tokens} tokens`;
};

function expertCounts(configs: readonly Config[]): number[] {
  return [...new Set(configs.map((c) => settings(c).experts))].sort((a, b) => a - b);
}

/**
 * §3.2, Fig. 1: every MoE size improves on its dense baseline at the same tokens. Tested per expert count E
 * (paired differences dense − E-expert per (N, D) cell, t interval): every E must hold, one that fails fails it.
 */
export function everyMoeBeatsDense(i: ExpertsClaimInputs): ClaimResult {
  const level = i.level ?? 0.95;
  const configs = configurations(i.runs, i.column);
  const noise = noiseFloor(i.runs, i.column);
  const cases: ClaimCase[] = expertCounts(configs)
    .filter((e) => e > 1)
    .map((e) => {
      let seeds: [number, number] = [1, 1];
      const { labels, differences } = pairedDifferences(configs, cellOf, (cell) => {
        const dense = cell.find((c) => settings(c).experts === 1);
        const moe = cell.find((c) => settings(c).experts === e);
        if (!dense || !moe) return undefined;
        seeds = [dense.seeds, moe.seeds];
        return dense.loss - moe.loss;
      });
      if (labels.length === 0) return { label: `E = ${e}`, verdict: 'inconclusive' as const, effect: null, reason: 'no cell has this expert count and a dense baseline' };
      const sd = differenceSd(noise, seeds[0], seeds[1]);
      const effect = meanInterval(differences, level, `dense loss minus ${e}-expert loss at equal N and D (nats)`, noise && sd ? { sd: noise.sd, df: noise.df, perDifference: sd / noise.sd } : undefined);
      const verdict = decide(effect, SMALLEST_LOSS_EFFECT);
      return { label: `E = ${e} (${labels.length} cells)`, verdict, effect, reason: verdict === 'inconclusive' ? inconclusiveReason(effect, SMALLEST_LOSS_EFFECT) : undefined };
    });
  const verdict = allCases(cases);
  return {
    id: 'yun.moe-beats-dense',
    paper: YUN,
    kind: 'runs',
    statement: 'Every MoE size improves on its dense baseline at the same tokens (§3.2, Fig. 1).',
    hypothesis: 'every expert count beats the dense model of its (N, D) cell',
    null: `some expert count does not beat dense by ${SMALLEST_LOSS_EFFECT} nats`,
    test: 'per E, paired differences of seed-mean losses per cell, t interval over cells; every E must hold',
    protocol: i.protocol,
    verdict,
    effect: null,
    smallestEffect: SMALLEST_LOSS_EFFECT,
    cases,
    evidence: `${i.source ? `${i.source}: ` : ''}${cases.length ? cases.map((c) => `${c.label}: ${c.verdict}${c.effect ? ` ${describeEffect(c.effect)}` : ''}`).join('; ') : 'no MoE runs'}`,
    reason: verdict === 'inconclusive' ? (cases.length ? 'at least one expert count is undecided' : 'no MoE runs with a dense baseline') : undefined,
  };
}

/**
 * §3.2 (diminishing returns of experts): the loss gain per doubling of E shrinks as E grows. Effect per (N, D) cell:
 * the gain per doubling between the two smallest expert counts minus the gain per doubling between the two largest,
 * t interval over cells. A constant or growing gain per doubling fails it.
 */
export function diminishingReturns(i: ExpertsClaimInputs): ClaimResult {
  const level = i.level ?? 0.95;
  const configs = configurations(i.runs, i.column);
  const es = expertCounts(configs);
  const base = {
    id: 'yun.diminishing-returns',
    paper: YUN,
    kind: 'runs' as const,
    statement: 'Returns from more experts diminish: each doubling of E gains less than the one before (§3.2, Eq. 4).',
    hypothesis: 'the loss gain per doubling of E is larger between the smallest expert counts than between the largest',
    null: `the gain per doubling does not shrink by ${SMALLEST_GAIN_DIFFERENCE} nats`,
    test: 'per cell, (gain per doubling, smallest pair) − (gain per doubling, largest pair); t interval over cells',
    protocol: i.protocol,
    smallestEffect: SMALLEST_GAIN_DIFFERENCE,
  };
  if (es.length < 3) {
    return { ...base, verdict: 'inconclusive', effect: null, evidence: `expert counts ${es.join(', ') || 'none'}`, reason: 'needs at least three expert counts (two pairs)' };
  }
  const [e0, e1] = [es[0]!, es[1]!];
  const [e2, e3] = [es[es.length - 2]!, es[es.length - 1]!];
  const { labels, differences } = pairedDifferences(configs, cellOf, (cell) => {
    const l = (e: number) => cell.find((c) => settings(c).experts === e)?.loss;
    const [l0, l1, l2, l3] = [l(e0), l(e1), l(e2), l(e3)];
    if (l0 === undefined || l1 === undefined || l2 === undefined || l3 === undefined) return undefined;
    return (l0 - l1) / Math.log2(e1 / e0) - (l2 - l3) / Math.log2(e3 / e2);
  });
  const effect = labels.length ? meanInterval(differences, level, `gain per doubling of E (${e0}→${e1}) minus gain per doubling (${e2}→${e3}), nats`) : null;
  if (!effect) return { ...base, verdict: 'inconclusive', effect: null, evidence: 'no cell has all four expert counts', reason: 'no cell has all four expert counts' };
  const verdict = decide(effect, base.smallestEffect);
  return { ...base, verdict, effect, evidence: `${i.source ? `${i.source}: ` : ''}${labels.length} cells; effect ${describeEffect(effect)}`, reason: verdict === 'inconclusive' ? inconclusiveReason(effect, base.smallestEffect) : undefined };
}

/** Smallest saturation the claim is about: a tenth of the power law's predicted gain for the last step not realised. */
export const SMALLEST_SATURATION = 0.1;
/** Bootstrap resamples of the saturation test (each refits the power law warm-started). */
export const SATURATION_RESAMPLES = 200;

/**
 * Saturation, tested as what it is: Eq. 4 with the saturating Ê assumes the benefit of experts flattens towards
 * E_max faster than a power law in E. Held-out test: fit Eq. 4 with Ê = E (E_start = 1, E_max = ∞: a pure power law
 * in E) on the runs
 * below the largest expert count, predict the largest count, and measure the shortfall — observed minus predicted
 * loss — in units of the gain the power law predicts for that last step (0: the power law holds; 1: the last step
 * gains nothing). The interval is a bootstrap of the whole procedure (training runs resampled n of n and refitted,
 * held-out cells resampled), so the fit's own uncertainty counts. A pure power law fails it.
 */
export function expertsSaturate(i: ExpertsClaimInputs & { fitProtocol?: FitRecord<'experts'>['protocol']; resamples?: number; seed?: number }): ClaimResult {
  const level = i.level ?? 0.95;
  const es = [...new Set(i.runs.map((r) => r.experts))].sort((a, b) => a - b);
  const base = {
    id: 'yun.experts-saturate',
    paper: YUN,
    kind: 'runs' as const,
    statement: 'The benefit of more experts saturates (Eq. 4 adopts Clark et al.\'s saturating Ê: "performance … obtained with E_max experts without saturation").',
    hypothesis: 'the largest expert count gains less than a pure power law in E, fitted on the smaller counts, predicts',
    null: `less than ${SMALLEST_SATURATION} of the power law's predicted last-step gain is missing`,
    test: 'Eq. 4 with Ê = E (E_start = 1, E_max = ∞) fitted without the largest E; held-out shortfall per (N, D) cell over the predicted last-step gain; bootstrap of fit and cells',
    protocol: i.protocol,
    smallestEffect: SMALLEST_SATURATION,
  };
  if (es.length < 4) return { ...base, verdict: 'inconclusive', effect: null, evidence: `expert counts ${es.join(', ')}`, reason: 'needs at least four expert counts (three to fit, one held out)' };
  const eTop = es[es.length - 1]!;
  const ePrev = es[es.length - 2]!;
  const train = i.runs.filter((r) => r.experts < eTop);
  const configs = configurations(
    i.runs.filter((r) => r.experts === eTop),
    i.column,
  );
  if (configs.length === 0) return { ...base, verdict: 'inconclusive', effect: null, evidence: 'no runs at the largest E', reason: 'no runs at the largest E' };
  // A pure power law in E: E_max = ∞ and E_start = 1 make Ê = E exactly (logQ = log(1/E_start − 1/E_max) = 0).
  const options = { protocol: i.fitProtocol ?? ('paper' as const), target: i.column, fixed: { eMax: Infinity }, fixedParams: { logQ: 0 }, edgePolicy: 'warn' as const };
  let full: ReturnType<typeof fitLaw<'experts'>>;
  try {
    full = fitLaw('experts', train, options);
  } catch (err) {
    const why = `the power-law fit without E = ${eTop} failed: ${(err as Error).message}`;
    return { ...base, verdict: 'inconclusive', effect: null, evidence: why, reason: why };
  }
  const ratio = (c: ExpertsCoefficients, cells: readonly Config[]) => {
    let shortfall = 0;
    let gain = 0;
    for (const cell of cells) {
      const r = settings(cell);
      const top = lawLoss(expertsLaw, c, [r.paramsDense, eTop, r.tokens]);
      shortfall += cell.loss - top;
      gain += lawLoss(expertsLaw, c, [r.paramsDense, ePrev, r.tokens]) - top;
    }
    return gain > 0 ? shortfall / gain : NaN;
  };
  const estimate = ratio(full.coefficients, configs);
  const rng = new SeededRandom(i.seed ?? 0);
  const values: number[] = [];
  const n = train.length;
  for (let b = 0; b < (i.resamples ?? SATURATION_RESAMPLES); b++) {
    const weights = new Float64Array(n);
    for (let k = 0; k < n; k++) weights[rng.int(n)] += 1;
    const cells = configs.map(() => configs[rng.int(configs.length)]!);
    try {
      const refit = fitLaw('experts', train, { ...options, weights, warmStart: full.params });
      values.push(ratio(refit.coefficients as ExpertsCoefficients, cells));
    } catch {
      values.push(NaN);
    }
  }
  const effect = percentileInterval(values, level, `shortfall at E = ${eTop} in units of the power law's predicted ${ePrev}→${eTop} gain`, estimate, 'bootstrap of the power-law fit and the held-out cells');
  const verdict = decide(effect, base.smallestEffect);
  return {
    ...base,
    verdict,
    effect,
    evidence: `${i.source ? `${i.source}: ` : ''}power law fitted on ${train.length} runs (E ${es.slice(0, -1).join(', ')}), ${configs.length} held-out cells at E = ${eTop}; shortfall ${describeEffect(effect)}`,
    reason: verdict === 'inconclusive' ? inconclusiveReason(effect, base.smallestEffect) : undefined,
  };
}

/**
 * App. D: Eq. 4 fits the runs closely (the paper: RMSLE 3.9e-3). Tested on held-out runs, against the runs' own
 * noise: the fit must be identified (no coefficient on a bound, every bootstrap interval narrower than its
 * estimate) and have ≥ 2 runs per coefficient; then it holds when the held-out RMSE of log loss is at most twice
 * the run-to-run noise (or, without seed replicates, twice the paper's RMSLE), and fails when it exceeds four times.
 */
export function fitQuality(i: { record: FitRecord<'experts'> | undefined; runs: readonly RunSummary[]; column: LossTarget }): ClaimResult {
  const base = {
    id: 'yun.fit-quality',
    paper: YUN,
    kind: 'runs' as const,
    statement: 'Eq. 4 fits the runs closely (the paper reports RMSLE 3.9e-3).',
    hypothesis: 'an identified Eq. 4 fit predicts held-out runs to within twice their noise',
    null: 'the held-out error exceeds four times the noise',
    test: "held-out RMSE of log loss (the protocol's hold-out rule) against the noise floor",
    protocol: i.record ? `${i.record.protocol.id} protocol of the experts fit (${i.record.variant})` : 'no fit',
    smallestEffect: 0,
  };
  const r = i.record;
  if (!r || r.status !== 'ok' || !r.fit) {
    const why = !r ? 'no experts fit in this preset' : `the experts fit failed: ${r.error}`;
    return { ...base, verdict: 'inconclusive', effect: null, evidence: why, reason: why };
  }
  const nParams = r.fit.paramNames.length - r.fit.fixed.length;
  const holdout = r.holdout && 'rmseLog' in r.holdout ? r.holdout : null;
  const noise = noiseFloor(i.runs, i.column);
  // Noise floor in log loss: σ / mean loss (small-σ approximation of the SD of ln L).
  const meanLoss = summary(i.runs.map((x) => x[i.column])).mean;
  const floor = noise ? noise.sd / meanLoss : YUN_PAPER_RMSLE;
  const floorText = noise ? `run-to-run noise ${fmt(floor)} in log loss (${noise.configs} replicated configs)` : `no seed replicates: the paper's RMSLE ${YUN_PAPER_RMSLE} as the floor`;
  const problems: string[] = [];
  if (r.nRuns < 2 * nParams) problems.push(`${r.nRuns} runs for ${nParams} free coefficients (needs ≥ ${2 * nParams})`);
  const bounds = r.fit.diagnostics.warnings.filter((w) => /plausibility bound/.test(w));
  if (bounds.length) problems.push(`on a bound: ${bounds.join('; ')}`);
  if (r.identification && !r.identification.identified) problems.push(r.identification.summary);
  if (!holdout) problems.push(`no held-out error (${r.holdout && 'error' in r.holdout ? r.holdout.error : 'not computed'})`);
  const rmse = holdout?.rmseLog ?? NaN;
  const effect: Effect | null = holdout
    ? { quantity: 'held-out RMSE of log loss in units of the noise floor', estimate: rmse / floor, lo: rmse / floor, hi: rmse / floor, level: 1, method: `${holdout.nHeldOut} runs held out (${holdout.rule.rule}), no interval (one fit)` }
    : null;
  const evidence = `RMSLE ${fmt(r.fit.rmsle)} on ${r.nRuns} runs; held-out RMSE ${fmt(rmse)}; ${floorText}`;
  if (problems.length) return { ...base, verdict: 'inconclusive', effect, evidence, reason: `the fit cannot be judged: ${problems.join('; ')}` };
  const ratio = rmse / floor;
  const verdict = ratio <= 2 ? 'holds' : ratio > 4 ? 'fails' : 'inconclusive';
  return { ...base, verdict, effect, evidence, reason: verdict === 'inconclusive' ? `held-out error ${fmt(ratio)}× the noise floor: between 2× and 4×` : undefined };
}

/** Settings of the headline-number claims: the serving cost model and the budgets of Yun's §5. */
export interface HeadlineInputs {
  record: FitRecord<'experts'> | undefined;
  /** Training budgets (FLOPs) to evaluate at; the verdict uses their geometric middle. */
  budgetsFlops: readonly number[];
  gpu: string;
  /** At most this many bootstrap resamples (the searches are costly). Default 200. */
  maxResamples?: number;
}

/** A claimed range [lo, hi] checked with a relative tolerance: effect > 0 inside the widened range. */
function rangeEffect(values: readonly number[], full: number, range: [number, number], tolerance: number, level: number, quantity: string, method: string): Effect {
  const [a, b] = [range[0] * (1 - tolerance), range[1] * (1 + tolerance)];
  const margin = (v: number) => Math.min(v - a, b - v) / (b - a);
  return percentileInterval(values.map(margin), level, `${quantity}: margin inside the claimed [${range[0]}, ${range[1]}] ±${Math.round(tolerance * 100)}% (fraction of the band; > 0 inside)`, margin(full), method);
}

/**
 * Yun's headline numbers (abstract, §5) from our Eq. 4 fit and the roofline serving-cost model, with intervals from
 * the fit's bootstrap: (1) over-trained 8- and 16-expert MoEs need 47–52% of the inference cost of the loss-optimal
 * 4-expert MoE at the same quality (Algorithm 1); (2) over-trained 16/32-expert MoEs are 70–85% smaller than their
 * loss-optimal size at the same serving cost (Algorithm 2; "30%/16% as large"); (3) at the same loss, loss-optimal
 * 4/8-expert MoEs serve cheapest among 1–32 experts; (4) they cost 2.5–3.5× more to train than the cheapest to train.
 * Our fit is extrapolated many decades to the paper's budgets: when it is not identified the claims are
 * inconclusive whatever the numbers say, and say so.
 */
export function headlineClaims(i: HeadlineInputs): ClaimResult[] {
  const r = i.record;
  const protocol = r ? `${r.protocol.id} protocol of the experts fit (${r.variant}); roofline cost model on ${i.gpu}` : 'no fit';
  const mid = Math.exp(i.budgetsFlops.reduce((s, f) => s + Math.log(f), 0) / Math.max(1, i.budgetsFlops.length));
  const specs = [
    {
      id: 'yun.overtrained-inference-cost',
      statement: 'Under the quality of a loss-optimal 4-expert MoE, an over-trained 8- or 16-expert MoE needs only 47.0–52.0% of its inference cost (§1, §5.2).',
      range: [0.47, 0.52] as [number, number],
    },
    {
      id: 'yun.overtrained-smaller',
      statement: 'Under a training budget, a 16/32-expert MoE 70–85% smaller than its loss-optimal size, trained on more data, serves at the loss-optimal cost with lower loss (abstract; "16%/30% as large", §5.2).',
      range: [0.15, 0.3] as [number, number],
    },
    {
      id: 'yun.few-experts-serve-cheapest',
      statement: 'MoEs with a few (4/8) experts are the most serving-efficient solution under the same performance (abstract, Fig. 3).',
      range: [1, 1] as [number, number],
    },
    {
      id: 'yun.few-experts-train-cost',
      statement: '… but cost 2.5–3.5× more in training (abstract; 2.4–4.3× in §1).',
      range: [2.5, 3.5] as [number, number],
    },
  ];
  const head = (s: (typeof specs)[number]) => ({
    id: s.id,
    paper: YUN,
    kind: 'runs' as const,
    statement: s.statement,
    hypothesis: s.id === 'yun.few-experts-serve-cheapest' ? 'a 4- or 8-expert model is the cheapest to serve at the loss of the loss-optimal 4-expert model' : `our fit and the cost model give a value in [${s.range[0]}, ${s.range[1]}] (±25%)`,
    null: s.id === 'yun.few-experts-serve-cheapest' ? 'another expert count serves cheaper' : 'the value lies outside the claimed range widened by 25%',
    test: `from our Eq. 4 fit at ${fmt(mid)} FLOPs, bootstrap resamples of the fit`,
    protocol,
    smallestEffect: 0,
  });
  if (!r || r.status !== 'ok' || !r.fit) {
    const why = !r ? 'no experts fit in this preset' : `the experts fit failed: ${r.error}`;
    return specs.map((s) => ({ ...head(s), verdict: 'inconclusive', effect: null, evidence: why, reason: why }));
  }
  const gpu = getGpu(i.gpu);
  const o: OvertrainOptions = { serving: { gpu, latency: rooflineLatency(gpu) } };
  const measure = (c: ExpertsCoefficients) => {
    const a1 = minCostForBoundedLoss(c, mid, 4, [8, 16], o);
    const costRatio = Math.max(...a1.rows.map((row) => (row.serving ? row.serving.costPerToken / a1.base.serving.costPerToken : NaN)));
    const a2 = minLossForBoundedCost(c, mid, 4, [16, 32], o);
    const sizeRatio = Math.max(...a2.rows.map((row) => row.sizeRatioToOwnOptimal));
    // (3) and (4): every E reaches the loss of the loss-optimal 4-expert model at its own compute-optimal budget
    const target = expertsOptimal(c, mid, 4).loss;
    const perE = [1, 4, 8, 16, 32].map((e) => {
      const root = bisectRoot((x) => expertsOptimal(c, Math.exp(x), e).loss - target, Math.log(mid) - Math.log(1e3), Math.log(mid) + Math.log(1e3), 80, 1e-9);
      if (!Number.isFinite(root)) return { e, flops: NaN, cost: NaN };
      const alloc = expertsOptimal(c, Math.exp(root), e);
      return { e, flops: Math.exp(root), cost: servingCost(yunServedModel(alloc.paramsDense, e), o.serving).best.costPerToken };
    });
    const finite = perE.filter((p) => Number.isFinite(p.cost));
    const cheapest = finite.length ? finite.reduce((a, b) => (b.cost < a.cost ? b : a)).e : NaN;
    const minFlops = Math.min(...finite.map((p) => p.flops));
    const few = finite.filter((p) => p.e === 4 || p.e === 8);
    const trainRatio = few.length ? Math.min(...few.map((p) => p.flops)) / minFlops : NaN;
    return { costRatio, sizeRatio, fewServeCheapest: cheapest === 4 || cheapest === 8 ? 1 : 0, trainRatio, cheapest };
  };
  const full = measure(r.fit.coefficients);
  const samples = bootstrapSamplesOf<'experts'>(r).slice(0, i.maxResamples ?? 200).map(measure);
  const level = r.bootstrap?.scheme.level ?? 0.95;
  const method = `${r.bootstrap?.scheme.scheme ?? 'no'} bootstrap of the experts fit`;
  const free = r.fit.paramNames.length - r.fit.fixed.length;
  const onBound = r.fit.diagnostics.warnings.filter((w) => /plausibility bound/.test(w));
  const gate =
    r.identification && !r.identification.identified
      ? `our Eq. 4 fit is not identified, so its extrapolation to ${fmt(mid)} FLOPs decides nothing: ${r.identification.summary}`
      : r.nRuns < 2 * free
        ? `our Eq. 4 fit has ${r.nRuns} runs for ${free} free coefficients (fewer than 2 per coefficient): its extrapolation to ${fmt(mid)} FLOPs decides nothing`
        : onBound.length
          ? `our Eq. 4 fit sits on a plausibility bound (${onBound.join('; ')}): its extrapolation decides nothing`
          : undefined;
  const values = {
    'yun.overtrained-inference-cost': [full.costRatio, samples.map((s) => s.costRatio)] as const,
    'yun.overtrained-smaller': [full.sizeRatio, samples.map((s) => s.sizeRatio)] as const,
    'yun.few-experts-train-cost': [full.trainRatio, samples.map((s) => s.trainRatio)] as const,
  };
  return specs.map((s) => {
    const h = head(s);
    let effect: Effect | null;
    let evidence: string;
    if (s.id === 'yun.few-experts-serve-cheapest') {
      const share = samples.length ? samples.reduce((a, x) => a + x.fewServeCheapest, 0) / samples.length : NaN;
      // categorical: the share of resamples in which 4 or 8 experts serve cheapest, against the interval's tails
      const lo = (1 - level) / 2;
      effect = { quantity: 'share of bootstrap resamples where a 4- or 8-expert model serves cheapest, minus ½', estimate: full.fewServeCheapest - 0.5, lo: share - 1 + lo, hi: share - lo, level, method: `${method} (${samples.length} resamples)` };
      evidence = `full data: E = ${full.cheapest} serves cheapest; ${samples.length ? `4/8 experts cheapest in ${fmt(100 * share)}% of ${samples.length} resamples` : 'no resamples'}`;
    } else {
      const [v, vs] = values[s.id as keyof typeof values];
      effect = samples.length ? rangeEffect(vs, v, s.range, 0.25, level, s.id, method) : null;
      evidence = `full data: ${fmt(v)}${samples.length ? `; resamples ${spanOf(vs)}` : ''} (paper: ${s.range[0]}–${s.range[1]})`;
    }
    if (gate) return { ...h, verdict: 'inconclusive', effect, evidence, reason: gate };
    if (!effect) return { ...h, verdict: 'inconclusive', effect, evidence, reason: 'the fit has no bootstrap resamples' };
    const verdict = decide(effect, 0);
    return { ...h, verdict, effect, evidence, reason: verdict === 'inconclusive' ? inconclusiveReason(effect, 0) : undefined };
  });
}
