/**
 * DeepSeekMoE's shared-expert claim about our runs (Dai et al. 2024, arXiv 2401.06066, §3.2 "shared expert
 * isolation" and its ablations), as a falsifiable test on the `shared` sweep (see `./verdict.ts` for the rule).
 */
import type { LossTarget } from '../../laws/protocol';
import type { RunSummary } from '../../runs/types';
import { configurations, noiseFloor, pairedCase, settings, type Config, type SweepClaimInputs } from './cells';
import { SMALLEST_LOSS_EFFECT } from './krajewski';
import { allCases, describeEffect, type ClaimCase, type ClaimResult } from './verdict';

export const DEEPSEEK = 'Dai et al. 2024 (DeepSeekMoE)';
export const SHARED_EXPERT_ID = 'deepseek.shared-expert-helps';

/** The shared sweep's runs (or any run table with its columns): MoE runs with and without shared experts. */
export type SharedClaimInputs = SweepClaimInputs;

const shared = (c: Config) => settings(c).sharedExperts ?? 0;

/** A cell: the same shape, tokens, E and G (total and active parameters equal across shared-expert counts). */
const cellOf = (c: Config) => {
  const r = settings(c);
  return `d${r.dModel}x${r.layers}h${r.heads} E${r.expansionRate} G${r.granularity} @ ${r.tokens} tokens`;
};

/**
 * Shared-expert isolation lowers the loss at equal total and active parameters. Tested per (G, shared count) against
 * the runs of the same cell without sharing: effect = loss without − loss with (nats), paired per (shape, tokens)
 * cell, t interval over cells with the seed replicates' noise; every (G, count) must hold.
 */
export function sharedExpertHelps(i: SharedClaimInputs): ClaimResult {
  const column = i.column ?? 'valLoss';
  const level = i.level ?? 0.95;
  const moe = i.runs.filter((r) => r.family === 'moe');
  const configs = configurations(moe, column);
  const noise = noiseFloor(moe, column);
  const pairs = [...new Set(configs.filter((c) => shared(c) > 0).map((c) => `${settings(c).granularity}:${shared(c)}`))]
    .map((k) => k.split(':').map(Number) as [number, number])
    .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const cases: ClaimCase[] = pairs.map(([g, s]) =>
    pairedCase({
      configs: configs.filter((c) => settings(c).granularity === g),
      cellKey: cellOf,
      pick: (cell) => {
        const without = cell.find((c) => shared(c) === 0);
        const withShared = cell.find((c) => shared(c) === s);
        return without && withShared ? [without, withShared] : undefined;
      },
      noise,
      level,
      label: `G = ${g}, ${s} shared`,
      quantity: `loss without shared experts minus loss with ${s} (G = ${g}; nats, ${column})`,
      missing: 'no cell has this shared count and a run without sharing',
      smallestEffect: SMALLEST_LOSS_EFFECT,
    }),
  );
  const verdict = allCases(cases);
  const context = denseContext(i.runs.filter((r) => r.family === 'dense'), configs, column, pairs);
  return {
    id: SHARED_EXPERT_ID,
    paper: DEEPSEEK,
    kind: 'runs',
    statement: 'Isolating shared experts (always on, taken from the routed ones at equal total and active parameters) improves a fine-grained MoE (§3.2 and its ablations).',
    hypothesis: 'for every granularity and shared count, the runs with shared experts reach a lower loss than the same cell without',
    null: `some granularity's shared experts do not lower the loss by ${SMALLEST_LOSS_EFFECT} nats`,
    test: 'per (G, shared count), paired differences of seed-mean losses per (shape, tokens) cell against no sharing, t interval over cells; every case must hold',
    protocol: `${column}; none: run table only`,
    verdict,
    effect: null,
    smallestEffect: SMALLEST_LOSS_EFFECT,
    cases,
    evidence: cases.length
      ? `${cases.map((c) => `${c.label}: ${c.verdict}${c.effect ? ` ${describeEffect(c.effect)}` : ''}`).join('; ')}${noise ? `; run-to-run σ ${noise.sd.toPrecision(3)} nats from ${noise.configs} replicated configs` : '; no seed replicates'}${context}`
      : 'no run has shared experts',
    reason: verdict === 'inconclusive' ? (cases.length ? 'at least one (G, shared count) is undecided' : 'no run has shared experts') : undefined,
  };
}

/**
 * Both arms against the dense baseline of their (shape, tokens) cell, in words ("" without dense runs): a shared
 * expert that only rescues an MoE worse than dense says little about isolation, and the reader should see it.
 */
function denseContext(denseRuns: readonly RunSummary[], moe: readonly Config[], column: LossTarget, pairs: ReadonlyArray<[number, number]>): string {
  if (denseRuns.length === 0) return '';
  const cell = (r: RunSummary) => `d${r.dModel}x${r.layers}h${r.heads} @ ${r.tokens}`;
  const dense = new Map(configurations(denseRuns, column).map((c) => [cell(settings(c)), c.loss]));
  const gain = (g: number, s: number) => {
    const d = moe.filter((c) => settings(c).granularity === g && shared(c) === s && dense.has(cell(settings(c)))).map((c) => dense.get(cell(settings(c)))! - c.loss);
    return d.length ? d.reduce((a, b) => a + b, 0) / d.length : NaN;
  };
  const parts = pairs.map(([g, s]) => `G = ${g}: ${gain(g, 0).toFixed(3)} without, ${gain(g, s).toFixed(3)} with ${s} shared`);
  return `. Against the dense baseline of each cell (dense loss minus MoE loss, mean over cells; > 0: the MoE is better): ${parts.join('; ')}`;
}
