/**
 * The papers' claims as falsifiable tests (`./verdict.ts`): which runs and fits each claim reads, and the protocol
 * sensitivity of every verdict. The claims stage, the report and the notebooks call `computeClaims` /
 * `claimSensitivity`; the same functions run on a released run table (Clark et al.) with its own selection.
 */
import type { LawName } from '../../laws/coefficients';
import { LAWS } from '../../laws/forms';
import type { LossTarget } from '../../laws/protocol';
import { recordOf, type FitRecord } from '../../laws/record';
import { runsForLaw } from '../../laws/selection';
import type { RunSummary } from '../../runs/types';
import { granularityHelps, moeBeatsDense, optimalGranularityClaims } from './krajewski';
import { publishedChecks } from './published';
import { offPlateau } from './plateau';
import { DEEPSEEK, sharedExpertHelps, SHARED_EXPERT_ID } from './shared';
import { HE, peerMoreExpertsHelp, PEER_EXPERTS_ID } from './peer';
import { CHEN, lifelongLessForgetting, LIFELONG_ID } from './lifelong';
import type { LifelongRecord } from '../../runs/lifelong';
import { diminishingReturns, everyMoeBeatsDense, expertsSaturate, fitQuality, headlineClaims } from './yun';
import { KRAJEWSKI, YUN, type ClaimResult, type Effect, type Verdict } from './verdict';

export * from './verdict';
export { publishedChecks, roundingDraws, roundingHalfUnit } from './published';
export { granularityHelps, moeBeatsDense, optimalGranularityClaims, SMALLEST_LOSS_EFFECT, SMALLEST_LOG2_G_EFFECT, CLAIM_GRANULARITIES } from './krajewski';
export { diminishingReturns, everyMoeBeatsDense, expertsSaturate, fitQuality, headlineClaims, SMALLEST_GAIN_DIFFERENCE, YUN_PAPER_RMSLE } from './yun';
export { configurations, noiseFloor, type NoiseFloor } from './cells';
export { offPlateau, PLATEAU_ID, PLATEAU_MARGIN_NATS } from './plateau';
export { DEEPSEEK, sharedExpertHelps, SHARED_EXPERT_ID } from './shared';
export { HE, peerMoreExpertsHelp, PEER_EXPERTS_ID } from './peer';
export { CHEN, forgetting, lifelongLessForgetting, LIFELONG_ID } from './lifelong';

export interface ClaimsInputs {
  runs: readonly RunSummary[];
  /** Fit records of one protocol (the main fits, or one sensitivity variant's with the main ones for the rest). */
  records: readonly FitRecord[];
  /** Training budgets of Yun's headline numbers (FLOPs). */
  inferenceBudgetsFlops: readonly number[];
  gpu: string;
  /** Interval level of run-based effects. Default 0.95. */
  level?: number;
  /** Bootstrap resamples used by the headline-number searches. Default 200. */
  headlineResamples?: number;
  /** The lifelong sweep's records (one per seed), when the preset has one. */
  lifelong?: readonly LifelongRecord[];
}

/** The loss column claims on a law's runs read: the law's fit protocol's target (its paper's when not fitted). */
export function targetOf(records: readonly FitRecord[], law: LawName): LossTarget {
  return recordOf(records, law)?.protocol.target ?? LAWS[law].protocols.paper.target;
}

function protocolText(records: readonly FitRecord[], law: LawName): string {
  const r = recordOf(records, law);
  return r ? `${r.protocol.id} protocol of the ${law} fit (${r.variant})` : `no ${law} fit: the paper protocol's target`;
}

/** Every claim about the runs (Krajewski's on the fine-grained sweep, Yun's on the experts sweep, DeepSeekMoE's on the shared sweep, PEER's on the peer sweep) with one set of fits. */
export function computeClaims(i: ClaimsInputs): ClaimResult[] {
  const level = i.level ?? 0.95;
  const fg = [...runsForLaw('fine-grained', i.runs), ...runsForLaw('dense', i.runs)];
  const ex = runsForLaw('experts', i.runs);
  const sh = i.runs.filter((r) => r.sweep === 'shared');
  const pe = i.runs.filter((r) => r.sweep === 'peer');
  const kCol = targetOf(i.records, 'fine-grained');
  const yCol = targetOf(i.records, 'experts');
  const kProtocol = `${kCol}; ${protocolText(i.records, 'fine-grained')}`;
  const yProtocol = `${yCol}; ${protocolText(i.records, 'experts')}`;
  const claims: ClaimResult[] = [];
  // A claim whose computation throws (a degenerate fit the law cannot evaluate) is recorded as inconclusive with the
  // error, never allowed to take the other claims down with it.
  const add = (id: string, paper: string, f: () => ClaimResult | ClaimResult[]) => {
    try {
      const r = f();
      claims.push(...(Array.isArray(r) ? r : [r]));
    } catch (err) {
      const why = `the check could not be computed: ${(err as Error).name}: ${(err as Error).message}`;
      claims.push({ id, paper, kind: 'runs', statement: id, hypothesis: '', null: '', test: '', protocol: '', verdict: 'inconclusive', effect: null, smallestEffect: 0, evidence: why, reason: why });
    }
  };
  if (fg.length) {
    add('krajewski.granularity-helps', KRAJEWSKI, () => granularityHelps({ runs: fg, column: kCol, level, protocol: kProtocol }));
    add('krajewski.moe-beats-dense', KRAJEWSKI, () => moeBeatsDense({ runs: fg, column: kCol, level, protocol: kProtocol }));
    add('krajewski.optimal-g', KRAJEWSKI, () => optimalGranularityClaims({ runs: fg, record: recordOf(i.records, 'fine-grained') }));
  }
  if (ex.length) {
    const experts = recordOf(i.records, 'experts');
    add('yun.moe-beats-dense', YUN, () => everyMoeBeatsDense({ runs: ex, column: yCol, level, protocol: yProtocol, source: 'our experts sweep' }));
    add('yun.diminishing-returns', YUN, () => diminishingReturns({ runs: ex, column: yCol, level, protocol: yProtocol, source: 'our experts sweep' }));
    add('yun.experts-saturate', YUN, () => expertsSaturate({ runs: ex, column: yCol, level, protocol: yProtocol, source: 'our experts sweep', fitProtocol: experts?.protocol }));
    add('yun.fit-quality', YUN, () => fitQuality({ record: experts, runs: ex, column: yCol }));
    add('yun.headline', YUN, () => headlineClaims({ record: experts, budgetsFlops: i.inferenceBudgetsFlops, gpu: i.gpu, maxResamples: i.headlineResamples }));
  }
  if (sh.length) add(SHARED_EXPERT_ID, DEEPSEEK, () => sharedExpertHelps({ runs: sh, level }));
  if (pe.length) add(PEER_EXPERTS_ID, HE, () => peerMoreExpertsHelp({ runs: pe, level }));
  if (i.lifelong?.length) add(LIFELONG_ID, CHEN, () => lifelongLessForgetting({ records: i.lifelong!, level }));
  return claims;
}

/** One row of the protocol-sensitivity table: a claim's verdict and effect under one protocol variant. */
export interface SensitivityCell {
  variant: string;
  change: string;
  verdict: Verdict;
  effect: Effect | null;
}

export interface SensitivityRow {
  id: string;
  statement: string;
  /** Verdict under the main protocol. */
  main: Verdict;
  cells: SensitivityCell[];
  /** Whether any alternative changes the verdict. */
  changes: boolean;
}

/**
 * Verdicts under each protocol variant: `variants` maps a variant id to its refitted records (laws without a
 * variant record keep their main record) and the change it makes in words.
 */
export function claimSensitivity(
  main: readonly ClaimResult[],
  variants: ReadonlyArray<{ id: string; change: string; records: readonly FitRecord[] }>,
  base: ClaimsInputs,
): SensitivityRow[] {
  const perVariant = variants.map((v) => {
    const records = [...v.records, ...base.records.filter((r) => !v.records.some((x) => x.law === r.law))];
    return { v, claims: computeClaims({ ...base, records }) };
  });
  return main.map((c) => {
    const cells = perVariant.map(({ v, claims }) => {
      const other = claims.find((x) => x.id === c.id);
      return { variant: v.id, change: v.change, verdict: other?.verdict ?? 'inconclusive', effect: other?.effect ?? null };
    });
    return { id: c.id, statement: c.statement, main: c.verdict, cells, changes: cells.some((x) => x.verdict !== c.verdict) };
  });
}

/** The claims table the claims stage writes (`tables/claims.json`). */
export interface ClaimsTable {
  /** Main protocol id of the fits (`paper` by default). */
  protocol: string;
  claims: ClaimResult[];
  /** Solver checks on the papers' published coefficients. */
  published: ClaimResult[];
  /** Diagnostics of the runs themselves (every run off the unigram plateau); absent in tables written before them. */
  diagnostics?: ClaimResult[];
  sensitivity: SensitivityRow[];
}

export function claimsTable(
  inputs: ClaimsInputs,
  protocol: string,
  variants: ReadonlyArray<{ id: string; change: string; records: readonly FitRecord[] }>,
  corpus?: { unigramEntropyNats: number },
): ClaimsTable {
  const claims = computeClaims(inputs);
  const diagnostics = corpus ? [offPlateau({ runs: inputs.runs, unigramEntropyNats: corpus.unigramEntropyNats })] : [];
  return { protocol, claims, published: publishedChecks(), diagnostics, sensitivity: claimSensitivity(claims, variants, { ...inputs, headlineResamples: Math.min(50, inputs.headlineResamples ?? 200) }) };
}

/** JSON of a claims table (non-finite numbers as the strings "NaN", "Infinity", "-Infinity"). */
export function claimsTableJson(table: ClaimsTable): string {
  return `${JSON.stringify(table, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2)}\n`;
}

/** Parses `claimsTableJson` output back (non-finite strings to numbers). */
export function parseClaimsTable(text: string): ClaimsTable {
  return JSON.parse(text, (_k, v: unknown) => (v === 'NaN' || v === 'Infinity' || v === '-Infinity' ? Number(v) : v)) as ClaimsTable;
}
