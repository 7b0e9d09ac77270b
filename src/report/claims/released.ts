/**
 * The experts claims of Yun et al. (every MoE size beats dense, diminishing returns, saturation) and Krajewski et
 * al. (MoE beats dense at equal active size) on a released run table — Clark et al. 2022's 223 runs at 15M–1.3B
 * parameters and up to 512 experts — with the same claim code as on our own runs, once per router (each router's
 * runs with the dense runs). A claim whose inputs the released table does not hold is not computed from
 * placeholders: its row is inconclusive and names the missing column and why (`RELEASED_RUN_COLUMNS`).
 */
import type { RunColumn, RunSummary } from '../../runs/types';
import { RELEASED_RUN_COLUMNS } from '../../runs/released/laws';
import { selectReleasedRuns, type ReleasedRunFilter } from '../../runs/released/select';
import { isReleasedSourceName, RELEASED_SOURCES } from '../../runs/released/sources';
import type { ReleasedRun } from '../../runs/released/types';
import { moeBeatsDense } from './krajewski';
import { diminishingReturns, everyMoeBeatsDense, expertsSaturate } from './yun';
import { KRAJEWSKI, YUN, type ClaimResult } from './verdict';

/** Training tokens of a released table's runs when the paper states them and the table does not. */
export interface StatedTokens {
  value: number;
  source: string;
}

/**
 * Released runs as run-table rows for the claim code. Fields a released run fills (`RELEASED_RUN_COLUMNS`) are
 * copied; `tokens` comes from the table, else from `tokens` (the paper's statement), else NaN; every other number
 * is NaN and `router` is 'none' (released routers are not moelab's; a claim set holds one router, named in `sweep`).
 * NaN, not a guess: `claimsOnReleasedRuns` refuses any claim that reads such a column.
 */
export function releasedClaimRuns(runs: readonly ReleasedRun[], sweep: string, tokens: StatedTokens | null): RunSummary[] {
  return runs.map((r) => ({
    runId: r.runId,
    sweep,
    family: r.family,
    router: 'none',
    layers: r.layers ?? NaN,
    dModel: r.dModel ?? NaN,
    heads: r.heads ?? NaN,
    dFF: NaN,
    expansionRate: NaN,
    granularity: NaN,
    experts: r.experts,
    topKEffective: r.topK,
    moeEvery: r.moeEvery,
    paramsTotal: r.paramsTotal,
    paramsActive: NaN,
    paramsDense: r.paramsDense,
    paramsEmbedding: NaN,
    tokens: r.tokens ?? tokens?.value ?? NaN,
    flopsKrajewski: NaN,
    flops6ND: NaN,
    flops6NDAll: NaN,
    valLoss: r.valLoss,
    trainLossSmoothed: NaN,
    seed: r.seed,
    backend: 'released',
    wallSeconds: NaN,
  }));
}

/** A claim the released runs are tested on: its id, paper, the run-table columns its code reads, and how to compute it. */
interface ReleasedClaimSpec {
  id: string;
  paper: string;
  columns: readonly RunColumn[];
  compute: (runs: readonly RunSummary[], source: string, level: number) => ClaimResult;
}

const PROTOCOL = 'valLoss (the table’s target loss); the claim’s own test';

/** The claims evaluated on released runs, with the columns each one's code reads besides valLoss. */
export const RELEASED_CLAIMS: readonly ReleasedClaimSpec[] = [
  {
    id: 'yun.moe-beats-dense',
    paper: YUN,
    columns: ['family', 'experts', 'paramsDense', 'tokens'],
    compute: (runs, source, level) => everyMoeBeatsDense({ runs, column: 'valLoss', level, protocol: PROTOCOL, source }),
  },
  {
    id: 'yun.diminishing-returns',
    paper: YUN,
    columns: ['experts', 'paramsDense', 'tokens'],
    compute: (runs, source, level) => diminishingReturns({ runs, column: 'valLoss', level, protocol: PROTOCOL, source }),
  },
  {
    id: 'yun.experts-saturate',
    paper: YUN,
    columns: ['experts', 'paramsDense', 'tokens'],
    compute: (runs, source, level) => expertsSaturate({ runs, column: 'valLoss', level, protocol: `${PROTOCOL}; Eq. 4 power law by the experts law's paper protocol`, source }),
  },
  {
    id: 'krajewski.moe-beats-dense',
    paper: KRAJEWSKI,
    // per granularity G, cells by shape and tokens; the evidence reports the routing FLOPs
    columns: ['family', 'dModel', 'layers', 'heads', 'tokens', 'granularity', 'flopsKrajewski', 'flops6ND'],
    compute: (runs, _source, level) => moeBeatsDense({ runs, column: 'valLoss', level, protocol: PROTOCOL }),
  },
];

/** Why the released runs cannot give `column` (null when they can). */
function missingColumn(column: RunColumn, runs: readonly ReleasedRun[], tokens: StatedTokens | null): string | null {
  if (column === 'tokens') return runs.every((r) => r.tokens !== null) || tokens ? null : 'the table records no tokens and no training tokens are stated for its runs';
  const source = RELEASED_RUN_COLUMNS[column];
  if (source.field === null) return source.why;
  return runs.every((r) => typeof r[source.field] === 'number' || typeof r[source.field] === 'string') ? null : `the table does not record ${source.field}`;
}

/** One claim on one router's released runs. */
export interface ReleasedClaimRow {
  /** Fit-set id (`s-base`) and router as released. */
  set: string;
  router: string;
  /** Runs the claim read (dense + this router's). */
  runs: number;
  claim: ClaimResult;
}

/** The claims table the `released-claims` stage writes (`tables/released-claims.json`). */
export interface ReleasedClaimsTable {
  table: string;
  /** Which runs, in words. */
  selection: string;
  /** Tokens taken from the paper (the table records none), or null. */
  tokens: StatedTokens | null;
  rows: ReleasedClaimRow[];
}

export interface ReleasedClaimsOptions {
  /** Table name (for the evidence), e.g. `clark-routing`. */
  table: string;
  /** Which runs the claims read (default: every run). */
  filter?: ReleasedRunFilter;
  selection?: string;
  /** Routers to test (each with the dense runs), as released, with their set ids. Default: every MoE router of the table. */
  routers?: ReadonlyArray<{ id: string; router: string }>;
  tokens?: StatedTokens | null;
  level?: number;
  /** Who the runs are, for the evidence (default `<table>'s <router> runs`). */
  who?: (router: string) => string;
}

/**
 * Every claim of `RELEASED_CLAIMS` on each router's runs (the filter's dense runs plus that router's): computed by
 * the claim's own code when the table holds every column the code reads, else inconclusive naming what is missing.
 * A claim that throws is inconclusive with the error.
 */
export function claimsOnReleasedRuns(runs: readonly ReleasedRun[], options: ReleasedClaimsOptions): ReleasedClaimsTable {
  const level = options.level ?? 0.95;
  const tokens = options.tokens ?? null;
  const chosen = selectReleasedRuns(runs, options.filter ?? {});
  const routers = options.routers ?? [...new Set(chosen.filter((r) => r.family === 'moe').map((r) => r.router))].map((router) => ({ id: router.toLowerCase().replace(/[^a-z0-9]+/g, '-'), router }));
  const rows: ReleasedClaimRow[] = [];
  for (const { id, router } of routers) {
    const members = [...chosen.filter((r) => r.family === 'dense'), ...chosen.filter((r) => r.router === router)];
    const who = options.who?.(router) ?? `${options.table}'s ${router} runs`;
    const claimRuns = releasedClaimRuns(members, `${options.table}/${router}`, tokens);
    for (const spec of RELEASED_CLAIMS) {
      const missing = spec.columns.map((c) => [c, missingColumn(c, members, tokens)] as const).filter(([, why]) => why !== null);
      let claim: ClaimResult;
      try {
        claim = spec.compute(claimRuns, who, level);
        if (missing.length) {
          // the claim's own statement and test, without numbers computed from columns the table does not hold
          const why = `${who} cannot be tested on this claim: ${missing.map(([c, w]) => `its code reads ${c}, which ${options.table} does not give (${w})`).join('; ')}`;
          claim = { ...claim, verdict: 'inconclusive', effect: null, cases: undefined, evidence: `not computed: the claim's inputs are not all in ${options.table}`, reason: why };
        }
      } catch (err) {
        const why = `the check could not be computed on ${who}: ${(err as Error).name}: ${(err as Error).message}`;
        claim = { id: spec.id, paper: spec.paper, kind: 'runs', statement: spec.id, hypothesis: '', null: '', test: '', protocol: PROTOCOL, verdict: 'inconclusive', effect: null, smallestEffect: 0, evidence: why, reason: why };
      }
      if (tokens && spec.columns.includes('tokens') && !missing.length) claim = { ...claim, evidence: `${claim.evidence} (D = ${tokens.value.toExponential(2)} tokens for every run: ${tokens.source})` };
      rows.push({ set: id, router, runs: members.length, claim });
    }
  }
  return { table: options.table, selection: options.selection ?? 'every run', tokens, rows };
}

/** The claims on a released source's runs with its own selection, routers and stated tokens (Clark: per router). */
export function releasedSourceClaims(ref: string, table: string, runs: readonly ReleasedRun[], level?: number): ReleasedClaimsTable {
  if (!isReleasedSourceName(ref)) return claimsOnReleasedRuns(runs, { table, level });
  const s = RELEASED_SOURCES[ref];
  return claimsOnReleasedRuns(runs, {
    table,
    filter: s.claimSelection.filter,
    selection: s.claimSelection.description,
    routers: s.fitSets,
    tokens: s.tokens,
    level,
    who: (router) => `${s.citation.split(',')[0]}'s ${router} runs`,
  });
}

/** JSON of a released claims table (non-finite numbers as the strings "NaN", "Infinity", "-Infinity"). */
export function releasedClaimsJson(t: ReleasedClaimsTable): string {
  return `${JSON.stringify(t, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2)}\n`;
}

/** Parses `releasedClaimsJson` output back. */
export function parseReleasedClaims(text: string): ReleasedClaimsTable {
  return JSON.parse(text, (_k, v: unknown) => (v === 'NaN' || v === 'Infinity' || v === '-Infinity' ? Number(v) : v)) as ReleasedClaimsTable;
}
