/**
 * The engine's one staleness predicate. `status`, `repro --dry-run` and `repro` itself all ask `decide` whether an
 * instance must run and why, so what status predicts is what repro does (DVC's `changed()`; make's out-of-date
 * test). Only the upstream state differs: repro decides an instance when its upstreams are done (their real keys),
 * status and --dry-run when they are planned (their predicted keys, and whether they will run).
 */
import { InputsPendingError, type Fingerprint, type Fingerprinter } from './fingerprint';
import type { StageInstance } from './graph';
import type { LockEntry } from './lock';

/** An upstream instance as the decision sees it: its key, and whether it will (re)run first; null when it has no key yet. */
export type Upstream = { key: string; willRun?: boolean } | null;

/** Whether an instance must run, and why. */
export interface Decision {
  /** The instance's fingerprint key (null when an upstream has no key yet or an input is missing). */
  key: string | null;
  fingerprint: Fingerprint | null;
  /** Why it must run; empty when it is up to date. */
  reasons: string[];
  /** The error that kept it from being fingerprinted (an input missing after its upstream ran, a broken glob). */
  error?: Error;
}

/**
 * Decides one instance: it must run when forced, when an upstream has no key yet, when its fingerprint (declared
 * parameters, code, input hashes, upstream keys) differs from its lock entry, when an output is missing or differs
 * from the hash the lock recorded, or when an upstream will run first (its outputs may change).
 */
export function decide(
  fingerprinter: Fingerprinter,
  inst: StageInstance,
  upstream: Readonly<Record<string, Upstream>>,
  entry: LockEntry | undefined,
  force: boolean,
): Decision {
  const reasons: string[] = force ? ['forced (--force)'] : [];
  const keys: Record<string, string> = {};
  const unknown = inst.deps.filter((d) => !upstream[d]);
  for (const d of inst.deps) if (upstream[d]) keys[d] = upstream[d]!.key;
  let fingerprint: Fingerprint | null = null;
  let error: Error | undefined;
  if (unknown.length > 0) {
    const named = unknown.length > 3 ? `${unknown.slice(0, 3).join(', ')} and ${unknown.length - 3} more` : unknown.join(', ');
    reasons.push(`upstream ${named} not built yet`);
  } else {
    try {
      fingerprint = fingerprinter.fingerprint(inst, keys);
    } catch (e) {
      error = e as Error;
      reasons.push(e instanceof InputsPendingError ? e.message : `${error.name}: ${error.message}`);
    }
  }
  if (fingerprint) reasons.push(...fingerprinter.reasons(inst, fingerprint, entry));
  for (const d of inst.deps) {
    if (upstream[d]?.willRun && !reasons.includes(`upstream ${d} changed`)) reasons.push(`upstream ${d} will run`);
  }
  return { key: fingerprint?.key ?? null, fingerprint, reasons, error };
}
