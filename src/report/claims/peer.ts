/**
 * PEER's claim about our runs (He 2024, "Mixture of A Million Experts", arXiv 2407.04202, §3 and Fig. 1/3): with
 * product-key retrieval, the loss keeps falling as the number of experts N grows at a fixed number of active
 * experts. A falsifiable test on the `peer` sweep (see `./verdict.ts` for the rule).
 */
import type { LossTarget } from '../../laws/protocol';
import type { RunSummary } from '../../runs/types';
import { configurations, noiseFloor, pairedCase, settings, type Config, type SweepClaimInputs } from './cells';
import { SMALLEST_LOSS_EFFECT } from './krajewski';
import { allCases, describeEffect, type ClaimCase, type ClaimResult } from './verdict';

export const HE = 'He 2024 (PEER)';
export const PEER_EXPERTS_ID = 'he.peer-more-experts-help';

/** The peer sweep's runs: PEER runs (router `product-key`) at several N, and optionally dense and MoE baselines. */
export type PeerClaimInputs = SweepClaimInputs;

/** A cell: the same shape, tokens and retrieval (h · k experts per token); only N differs within it. */
const cellOf = (c: Config) => {
  const r = settings(c);
  return `d${r.dModel}x${r.layers}h${r.heads} k_eff ${r.topKEffective} @ ${r.tokens} tokens`;
};
const baseCell = (r: RunSummary) => `d${r.dModel}x${r.layers}h${r.heads} @ ${r.tokens}`;

/**
 * More PEER experts lower the loss at fixed active experts: for each N and the next larger N′ of the sweep, effect =
 * loss(N) − loss(N′) (nats), paired per (shape, tokens, retrieval) cell, t interval over cells with the seed
 * replicates' noise; every step of N must hold.
 */
export function peerMoreExpertsHelp(i: PeerClaimInputs): ClaimResult {
  const column = i.column ?? 'valLoss';
  const level = i.level ?? 0.95;
  const peer = i.runs.filter((r) => r.router === 'product-key');
  const configs = configurations(peer, column);
  const noise = noiseFloor(i.runs, column);
  const counts = [...new Set(peer.map((r) => r.experts))].sort((a, b) => a - b);
  const cases: ClaimCase[] = counts.slice(0, -1).map((n, j) => {
    const next = counts[j + 1]!;
    return pairedCase({
      configs,
      cellKey: cellOf,
      pick: (cell) => {
        const small = cell.find((c) => settings(c).experts === n);
        const large = cell.find((c) => settings(c).experts === next);
        return small && large ? [small, large] : undefined;
      },
      noise,
      level,
      label: `N ${n} → ${next}`,
      quantity: `loss at N = ${n} minus loss at N = ${next} (nats, ${column})`,
      missing: `no cell has runs at both N = ${n} and N = ${next}`,
      smallestEffect: SMALLEST_LOSS_EFFECT,
    });
  });
  const verdict = allCases(cases);
  return {
    id: PEER_EXPERTS_ID,
    paper: HE,
    kind: 'runs',
    statement: 'With product-key retrieval, a PEER layer keeps improving as its number of single-neuron experts grows at a fixed number of active experts (§3, Fig. 3a).',
    hypothesis: 'for every N of the sweep and the next larger N′, the runs with N′ experts reach a lower loss than those with N in the same cell',
    null: `some step of N does not lower the loss by ${SMALLEST_LOSS_EFFECT} nats`,
    test: 'per step N → N′, paired differences of seed-mean losses per (shape, tokens) cell at the same heads × k, t interval over cells; every step must hold',
    protocol: `${column}; none: run table only`,
    verdict,
    effect: null,
    smallestEffect: SMALLEST_LOSS_EFFECT,
    cases,
    evidence: cases.length
      ? `${cases.map((c) => `${c.label}: ${c.verdict}${c.effect ? ` ${describeEffect(c.effect)}` : ''}`).join('; ')}${noise ? `; run-to-run σ ${noise.sd.toPrecision(3)} nats from ${noise.configs} replicated configs` : '; no seed replicates'}${baselineContext(i.runs, configs, column, counts)}`
      : 'no PEER run',
    reason: verdict === 'inconclusive' ? (cases.length ? 'at least one step of N is undecided' : counts.length ? 'one expert count only: nothing to compare' : 'no PEER run') : undefined,
  };
}

/**
 * Every N against the dense and the fine-grained MoE baselines of its (shape, tokens) cell, with its training FLOPs
 * relative to dense ("" without baselines): a larger pool that wins only by spending more retrieval compute should
 * read as that.
 */
function baselineContext(runs: readonly RunSummary[], peer: readonly Config[], column: LossTarget, counts: readonly number[]): string {
  const parts: string[] = [];
  for (const [name, pick] of [
    ['dense', (r: RunSummary) => r.family === 'dense'],
    ['MoE', (r: RunSummary) => r.family === 'moe' && r.router !== 'product-key'],
  ] as const) {
    const base = new Map(configurations(runs.filter(pick), column).map((c) => [baseCell(settings(c)), c]));
    if (base.size === 0) continue;
    const rows = counts.map((n) => {
      const here = peer.filter((c) => settings(c).experts === n && base.has(baseCell(settings(c))));
      if (!here.length) return `N ${n}: no ${name} run in its cells`;
      const gain = here.reduce((a, c) => a + base.get(baseCell(settings(c)))!.loss - c.loss, 0) / here.length;
      const flops = here.reduce((a, c) => a + settings(c).flopsKrajewski / settings(base.get(baseCell(settings(c)))!).flopsKrajewski, 0) / here.length;
      return `N ${n}: ${gain.toFixed(3)} at ${flops.toFixed(2)}× its FLOPs`;
    });
    parts.push(`against ${name} (${name} loss minus PEER loss, mean over cells; > 0: PEER is better): ${rows.join('; ')}`);
  }
  return parts.length ? `. ${parts.join('. ')}` : '';
}
