/**
 * Fits the laws of a run table the way the pipeline's fit stage does, in one call: each law on its own runs
 * (`runsForLaw`), with its protocol, a law that shares a coefficient (Krajewski §5.3: the dense law takes c from
 * the MoE fit) after the law it takes it from. Used by notebooks on a user's own table, benches and tests; the
 * fit stage runs the same `fitWithEvidence` and `sharedValues` one law per stage instance.
 */
import type { RunSummary } from '../../runs/types';
import { type CoefficientsOf, type LawName } from '../coefficients';
import { getLaw } from '../forms';
import type { FitProtocol } from '../protocol';
import { coefficientsOf, type FitRecord } from '../record';
import { runsForLaw } from '../selection';
import { fitWithEvidence } from './evidence';

/** The values of `protocol`'s shared coefficients from the records of the laws they come from (absent when that fit failed). */
export function sharedValues<L extends LawName>(protocol: FitProtocol, records: readonly FitRecord[]): Partial<CoefficientsOf<L>> {
  const out: Record<string, number> = {};
  for (const s of protocol.shared) {
    const from: Record<string, number> | undefined = coefficientsOf(records, s.fromLaw);
    const v = from?.[s.fromCoefficient];
    if (v !== undefined) out[s.coefficient] = v;
  }
  return out as Partial<CoefficientsOf<L>>;
}

export interface FitTableOptions {
  /** Laws to fit. Default: the four laws of the papers (chinchilla, dense, fine-grained, experts). */
  laws?: readonly LawName[];
  /** Which protocol of each law. Default `paper`. */
  protocol?: 'paper' | 'moelab';
  /** Bootstrap resamples instead of each protocol's (0: none). */
  resamples?: number;
  seed?: number;
}

/** One fit record per law (failed fits are records with `status: 'failed'` and their error), laws with no runs left out. */
export function fitRunTable(runs: readonly RunSummary[], options: FitTableOptions = {}): FitRecord[] {
  const laws = options.laws ?? ['chinchilla', 'fine-grained', 'dense', 'experts'];
  const protocolOf = (law: LawName) => getLaw(law).protocols[options.protocol ?? 'paper'];
  // Laws that share a coefficient go after the law they take it from.
  const order = [...laws].sort((a, b) => protocolOf(a).shared.length - protocolOf(b).shared.length);
  const records: FitRecord[] = [];
  for (const law of order) {
    const mine = runsForLaw(law, runs);
    if (mine.length === 0) continue;
    const protocol = protocolOf(law);
    records.push(fitWithEvidence(law, mine, { protocol, shared: sharedValues(protocol, records), resamples: options.resamples, seed: options.seed }));
  }
  return records;
}
