/**
 * Krajewski et al. 2024's claims about our runs, as falsifiable tests (see `./verdict.ts` for the decision rule).
 */
import { fineGrainedOptimal } from '../../laws/allocation/fine-grained';
import type { FineGrainedCoefficients } from '../../laws/coefficients';
import type { LossTarget } from '../../laws/protocol';
import { bootstrapSamplesOf, type FitRecord } from '../../laws/record';
import type { RunSummary } from '../../runs/types';
import { configurations, differenceSd, noiseFloor, pairedDifferences, settings, type Config } from './cells';
import {
  allCases,
  decide,
  describeEffect,
  fmt,
  inconclusiveReason,
  KRAJEWSKI,
  meanInterval,
  percentileInterval,
  type ClaimCase,
  type ClaimResult,
  type Effect,
} from './verdict';

/** Smallest loss difference (nats) a loss claim is about: a hundredth of a nat, below the effects the papers report. */
export const SMALLEST_LOSS_EFFECT = 0.01;
/** Smallest change of the compute-optimal granularity the claims resolve: a quarter octave (the search grid's step). */
export const SMALLEST_LOG2_G_EFFECT = 0.25;
/** The continuous granularity grid of the compute-optimal search behind the claims: quarter octaves from 1 to 256. */
export const CLAIM_GRANULARITIES: readonly number[] = Array.from({ length: 33 }, (_, k) => 2 ** (k / 4));

export interface RunClaimInputs {
  /** The fine-grained sweep's runs (MoE and dense), or any run table with the same columns. */
  runs: readonly RunSummary[];
  /** Loss column (the fine-grained fit protocol's target). */
  column: LossTarget;
  /** Interval level of run-based effects. Default 0.95. */
  level?: number;
  /** Protocol description for the verdict. */
  protocol: string;
}

/** (N_act, D) cell by shape and tokens (an MoE's active count differs from dense by its router and output norm). */
const cellOf = (c: Config) => {
  const r = settings(c);
  return `d${r.dModel}x${r.layers}h${r.heads} @ ${r.tokens} tokens`;
};

function finish(base: Omit<ClaimResult, 'verdict' | 'effect' | 'evidence' | 'reason'>, effect: Effect | null, evidence: string, why?: string): ClaimResult {
  if (!effect) return { ...base, verdict: 'inconclusive', effect: null, evidence, reason: why ?? 'no comparable runs' };
  const verdict = decide(effect, base.smallestEffect);
  return { ...base, verdict, effect, evidence, reason: verdict === 'inconclusive' ? (why ?? inconclusiveReason(effect, base.smallestEffect)) : why };
}

/**
 * §5 / Fig. 3a, Fig. 4: at fixed N and D, a higher granularity gives a lower loss. Effect: per (N_act, D) cell, the
 * loss of G = 1 minus the loss of the cell's largest G (seed means), averaged over cells with a t interval.
 */
export function granularityHelps(i: RunClaimInputs): ClaimResult {
  const level = i.level ?? 0.95;
  const moe = i.runs.filter((r) => r.family === 'moe');
  const configs = configurations(moe, i.column);
  const noise = noiseFloor(moe, i.column);
  let seedsA = 1;
  let seedsB = 1;
  const { labels, differences } = pairedDifferences(configs, cellOf, (cell) => {
    const g1 = cell.find((c) => settings(c).granularity === 1);
    const gMax = cell.reduce((a, b) => (settings(b).granularity > settings(a).granularity ? b : a), cell[0]!);
    if (!g1 || settings(gMax).granularity === 1) return undefined;
    seedsA = g1.seeds;
    seedsB = gMax.seeds;
    return g1.loss - gMax.loss;
  });
  const sd = differenceSd(noise, seedsA, seedsB);
  const effect =
    labels.length > 0
      ? meanInterval(differences, level, `loss of G = 1 minus loss of the largest G at equal N_act and D (nats, ${i.column})`, noise && sd ? { sd: noise.sd, df: noise.df, perDifference: sd / noise.sd } : undefined)
      : null;
  return finish(
    {
      id: 'krajewski.granularity-helps',
      paper: KRAJEWSKI,
      kind: 'runs',
      statement: 'At fixed N and D, a higher granularity G gives a lower loss (§5, Fig. 3a, Fig. 4).',
      hypothesis: 'the largest G beats G = 1 at equal active parameters and tokens',
      null: `granularity does not lower the loss by ${SMALLEST_LOSS_EFFECT} nats or more`,
      test: 'paired differences of seed-mean losses per (N_act, D) cell, t interval over cells',
      protocol: i.protocol,
      smallestEffect: SMALLEST_LOSS_EFFECT,
      cases: undefined,
    },
    effect,
    effect ? `${labels.length} cells; effect ${describeEffect(effect)}${noise ? `; run-to-run σ ${fmt(noise.sd)} nats from ${noise.configs} replicated configs` : '; no seed replicates'}` : 'no (N_act, D) cell has both G = 1 and G > 1 runs',
  );
}

/**
 * §1, §6, Fig. 1: MoE outperforms the dense Transformer at the same active size and tokens. Tested for every
 * granularity separately against the cell's dense baseline (not the best of several MoE runs against one dense
 * run, which favours MoE): every G must hold.
 */
export function moeBeatsDense(i: RunClaimInputs): ClaimResult {
  const level = i.level ?? 0.95;
  const configs = configurations(i.runs, i.column);
  const noise = noiseFloor(i.runs, i.column);
  const granularities = [...new Set(configs.filter((c) => settings(c).family === 'moe').map((c) => settings(c).granularity))].sort((a, b) => a - b);
  const cases: ClaimCase[] = granularities.map((g) => {
    let seeds: [number, number] = [1, 1];
    const { labels, differences } = pairedDifferences(configs, cellOf, (cell) => {
      const dense = cell.find((c) => settings(c).family === 'dense');
      const moe = cell.find((c) => settings(c).family === 'moe' && settings(c).granularity === g);
      if (!dense || !moe) return undefined;
      seeds = [dense.seeds, moe.seeds];
      return dense.loss - moe.loss;
    });
    if (labels.length === 0) return { label: `G = ${g}`, verdict: 'inconclusive' as const, effect: null, reason: 'no cell has both this MoE and a dense baseline' };
    const sd = differenceSd(noise, seeds[0], seeds[1]);
    const effect = meanInterval(differences, level, `dense loss minus MoE (G = ${g}) loss at equal N_act and D (nats)`, noise && sd ? { sd: noise.sd, df: noise.df, perDifference: sd / noise.sd } : undefined);
    const verdict = decide(effect, SMALLEST_LOSS_EFFECT);
    return { label: `G = ${g} (${labels.length} cells)`, verdict, effect, reason: verdict === 'inconclusive' ? inconclusiveReason(effect, SMALLEST_LOSS_EFFECT) : undefined };
  });
  const verdict = allCases(cases);
  const routing = i.runs.filter((r) => r.family === 'moe').map((r) => r.flopsKrajewski / Math.max(1, r.flops6ND) - 1);
  const extra = routing.length ? Math.max(...routing) : 0;
  return {
    id: 'krajewski.moe-beats-dense',
    paper: KRAJEWSKI,
    kind: 'runs',
    statement: 'MoE outperforms the dense Transformer at the same active size and tokens (§6, Fig. 1).',
    hypothesis: 'every granularity beats the dense baseline of its (N_act, D) cell',
    null: `some granularity does not beat dense by ${SMALLEST_LOSS_EFFECT} nats`,
    test: 'per G, paired differences dense − MoE of seed-mean losses per cell, t interval over cells; every G must hold',
    protocol: i.protocol,
    verdict,
    effect: null,
    smallestEffect: SMALLEST_LOSS_EFFECT,
    cases,
    evidence: `${cases.map((c) => `${c.label}: ${c.verdict}${c.effect ? ` ${describeEffect(c.effect)}` : ''}`).join('; ')}. The MoE runs spend up to ${fmt(100 * extra)}% more FLOPs than dense (Krajewski's routing term c_r).`,
    reason: verdict === 'inconclusive' ? 'at least one granularity is undecided' : undefined,
  };
}

export interface FitClaimInputs {
  /** The fine-grained sweep's MoE runs (budgets come from their compute range). */
  runs: readonly RunSummary[];
  /** The fine-grained fit record (its bootstrap samples carry the uncertainty). */
  record: FitRecord<'fine-grained'> | undefined;
}

/** log2 of the compute-optimal granularity at `flops` on the continuous grid, and whether it hit the grid's top. */
function optimalLog2G(c: FineGrainedCoefficients, flops: number, expansionRate: number): { log2G: number; atTop: boolean } {
  const r = fineGrainedOptimal(c, flops, { expansionRate, granularities: CLAIM_GRANULARITIES });
  return { log2G: Math.log2(r.granularity), atTop: r.bound?.variable === 'granularity G' };
}

function fitClaimBase(record: FitRecord<'fine-grained'> | undefined) {
  return record ? `${record.protocol.id} protocol of the fine-grained fit (${record.variant})` : 'no fit';
}

/**
 * The compute-optimal-G claims from our fit, over the compute our runs span (no extrapolation of many decades):
 * §6 ("fixing the size of experts to the FFN is almost never optimal": G* > 1 at our largest budget) and Table 2
 * (G* grows with the budget, from our smallest to our largest run's compute). Intervals are percentiles of the
 * fit's bootstrap resamples (each resample's G* on a quarter-octave grid), at the protocol's level, so the
 * uncertainty of every coefficient (γ's included) propagates.
 */
export function optimalGranularityClaims(i: FitClaimInputs): ClaimResult[] {
  const record = i.record;
  const protocol = fitClaimBase(record);
  const moe = i.runs.filter((r) => r.family === 'moe');
  const flops = moe.map((r) => r.flopsKrajewski).filter((f) => f > 0);
  const above1Base = {
    id: 'krajewski.optimal-g-above-1',
    paper: KRAJEWSKI,
    kind: 'runs' as const,
    statement: 'The compute-optimal granularity exceeds 1 ("fixing the size of experts to the FFN is almost never optimal", §6).',
    hypothesis: "our fit's compute-optimal G at our largest run's compute is above 1",
    null: `G* = 1 (within a ${SMALLEST_LOG2_G_EFFECT}-octave grid step)`,
    test: "log2 G* at the largest run's compute over the fit's bootstrap resamples, percentile interval",
    protocol,
    smallestEffect: SMALLEST_LOG2_G_EFFECT,
  };
  const growsBase = {
    id: 'krajewski.optimal-g-grows',
    paper: KRAJEWSKI,
    kind: 'runs' as const,
    statement: 'The compute-optimal granularity grows with the training budget (Table 2).',
    hypothesis: "G* at our largest run's compute exceeds G* at our smallest",
    null: `G* grows by less than ${SMALLEST_LOG2_G_EFFECT} octave over our runs' compute range`,
    test: 'log2 G*(largest) − log2 G*(smallest) over the bootstrap resamples, percentile interval',
    protocol,
    smallestEffect: SMALLEST_LOG2_G_EFFECT,
  };
  if (!record || record.status !== 'ok' || !record.fit || flops.length === 0) {
    const why = !record ? 'no fine-grained fit in this preset' : record.status !== 'ok' ? `the fine-grained fit failed: ${record.error}` : 'no MoE runs';
    return [
      { ...above1Base, verdict: 'inconclusive', effect: null, evidence: why, reason: why },
      { ...growsBase, verdict: 'inconclusive', effect: null, evidence: why, reason: why },
    ];
  }
  const e = moe[0]!.expansionRate;
  const lo = Math.min(...flops);
  const hi = Math.max(...flops);
  const samples = bootstrapSamplesOf<'fine-grained'>(record);
  const level = record.bootstrap?.scheme.level ?? 0.95;
  const method = `${record.bootstrap?.scheme.scheme ?? 'no'} bootstrap of the ${record.protocol.id}-protocol fit`;
  const full = { lo: optimalLog2G(record.fit.coefficients, lo, e), hi: optimalLog2G(record.fit.coefficients, hi, e) };
  const atHi: number[] = [];
  const growth: number[] = [];
  let atTop = 0;
  for (const c of samples) {
    const a = optimalLog2G(c, lo, e);
    const b = optimalLog2G(c, hi, e);
    atHi.push(b.log2G);
    growth.push(b.log2G - a.log2G);
    if (a.atTop || b.atTop) atTop++;
  }
  const sweptG = Math.max(...moe.map((r) => r.granularity));
  const beyond = atHi.filter((log2G) => 2 ** log2G > sweptG).length;
  const fullG = 2 ** full.hi.log2G;
  const swept =
    fullG > sweptG
      ? `; G* = ${fmt(fullG)} lies above the largest swept G (${sweptG})${samples.length ? ` (in ${beyond} of ${samples.length} resamples)` : ''}: the optimum is Eq. 9 extrapolated in G, not bracketed by runs`
      : `; G* lies within the swept G range 1–${sweptG}${samples.length ? ` (above it in ${beyond} of ${samples.length} resamples)` : ''}`;
  const bound = atTop > 0 ? `; in ${atTop} of ${samples.length} resamples G* sat at the top of the searched range (G = 256), so those values are lower bounds` : '';
  const ident = record.identification ? `; fit ${record.identification.identified ? 'identified' : 'not identified'}` : '';
  const range = `${fmt(lo)}–${fmt(hi)} FLOPs (Krajewski Eq. 10/11), E = ${e}`;
  const effAbove = samples.length
    ? percentileInterval(atHi, level, "log2 of the compute-optimal G at our largest run's compute (octaves above G = 1)", full.hi.log2G, method)
    : null;
  const effGrow = samples.length ? percentileInterval(growth, level, "octaves G* grows over our runs' compute range", full.hi.log2G - full.lo.log2G, method) : null;
  const noBoot = samples.length ? undefined : 'the fit has no bootstrap resamples (fit.bootstrap = 0), so there is no interval';
  return [
    finish(above1Base, effAbove, `G* = ${fmt(2 ** full.hi.log2G)} at ${fmt(hi)} FLOPs on the full data${effAbove ? `; log2 G* ${describeEffect(effAbove)}` : ''}; budget range ${range}${swept}${bound}${ident}`, noBoot),
    finish(growsBase, effGrow, `G* ${fmt(2 ** full.lo.log2G)} → ${fmt(2 ** full.hi.log2G)} over ${range}${effGrow ? `; growth ${describeEffect(effGrow)}` : ''}${swept}${bound}${ident}`, noBoot),
  ];
}
