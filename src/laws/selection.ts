import type { RunSummary } from '../runs/types';
import type { LawName } from './coefficients';

/**
 * Which runs a fit uses: the one definition the fit stage, the figures, the claims, the notebooks and `moelab fit`
 * share. Fields left out select every run.
 */
export interface RunSelection {
  /** Runs of this sweep (`fine-grained`, `experts`, or a user sweep name). */
  sweep?: string;
  family?: RunSummary['family'];
  router?: RunSummary['router'];
}

/**
 * The runs each law is fitted to:
 * - `fine-grained` (Krajewski Eq. 9): the MoE runs of the fine-grained sweep (fixed E, varying G);
 * - `dense` (Krajewski Eq. 1): the dense baselines of the fine-grained sweep;
 * - `experts` (Yun Eq. 4): every run of the experts sweep, dense (E = 1) included;
 * - `chinchilla` (Hoffmann Approach 3): every dense run of either sweep;
 * - `clark` (Clark Eq. 1): every run (a released table is selected by its importer).
 * A table where no run carries the sweep name (a user's table) uses every run of the right family, and
 * `describeRunsForLaw` says so.
 */
export const LAW_RUNS: Readonly<Record<LawName, RunSelection>> = {
  'fine-grained': { sweep: 'fine-grained', family: 'moe' },
  dense: { sweep: 'fine-grained', family: 'dense' },
  experts: { sweep: 'experts' },
  chinchilla: { family: 'dense' },
  clark: {},
};

/** Runs matching `selection` (every field that is set must match). */
export function selectRuns(runs: readonly RunSummary[], selection: RunSelection): RunSummary[] {
  return runs.filter(
    (r) =>
      (selection.sweep === undefined || r.sweep === selection.sweep) &&
      (selection.family === undefined || r.family === selection.family) &&
      (selection.router === undefined || r.router === selection.router),
  );
}

/** moelab's own sweep names: runs of one of them are never fitted by another sweep's law, even when it falls back. */
export const MOELAB_SWEEPS: readonly string[] = ['fine-grained', 'experts', 'shared', 'peer', 'lifelong'];

/**
 * The selection a law uses on this table: its own, or without the sweep when no run carries that sweep name
 * (then every run of the right family except those of moelab's other sweeps: a shared-expert run is no Eq. 9 data).
 */
function effectiveSelection(law: LawName, runs: readonly RunSummary[]): { selection: RunSelection; fellBack: boolean; others: readonly string[] } {
  const own = LAW_RUNS[law];
  if (own.sweep !== undefined && !runs.some((r) => r.sweep === own.sweep)) return { selection: { ...own, sweep: undefined }, fellBack: true, others: MOELAB_SWEEPS };
  return { selection: own, fellBack: false, others: [] };
}

function selectForLaw(law: LawName, runs: readonly RunSummary[]): RunSummary[] {
  const { selection, others } = effectiveSelection(law, runs);
  return selectRuns(runs, selection).filter((r) => !others.includes(r.sweep));
}

export function runsForLaw(law: LawName, runs: readonly RunSummary[]): RunSummary[] {
  return selectForLaw(law, runs);
}

/** The selection in words, e.g. `the moe runs of sweep fine-grained (27)`. */
export function describeSelection(selection: RunSelection, count: number): string {
  const parts = [selection.router ? `${selection.router} ` : '', selection.family ? `${selection.family} ` : ''].join('');
  return `the ${parts}runs${selection.sweep ? ` of sweep ${selection.sweep}` : ''} (${count})`;
}

/** Which runs `runsForLaw` picks on this table, in words (saying when it fell back to every sweep). */
export function describeRunsForLaw(law: LawName, runs: readonly RunSummary[]): string {
  const { selection, fellBack } = effectiveSelection(law, runs);
  const text = describeSelection(selection, selectForLaw(law, runs).length);
  return fellBack ? `${text}; no run belongs to sweep ${LAW_RUNS[law].sweep}, so every sweep's are used but moelab's own (${MOELAB_SWEEPS.join(', ')})` : text;
}
