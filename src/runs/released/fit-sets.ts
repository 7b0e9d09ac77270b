/**
 * The fit sets of a released table: which runs each of the paper's fits uses (Clark et al. 2022 fit Eq. 1 once per
 * router, on the runs their notebook selects, the dense runs in every router's set). The `released-fit` stage has
 * one instance per set; `src/laws/released.ts` fits them.
 */
import { selectReleasedRuns, type ReleasedRunFilter } from './select';
import { isReleasedSourceName, RELEASED_SOURCES } from './sources';
import type { ReleasedRun } from './types';

/** One fit of a released table: which runs, named. */
export interface ReleasedFitSet {
  /** Path segment of the fit's record (`s-base`, or `all` for a table that is not vendored). */
  id: string;
  /** Router as released whose runs the set holds with the dense runs; null: every run passing `filter`. */
  router: string | null;
  /** Which runs of the table count at all (the paper's selection). */
  filter: ReleasedRunFilter;
  /** The set in words (for the record's `runSet` and the report). */
  description: string;
}

/**
 * The fit sets of a released source: a vendored source's own (Clark et al.: S-Base, RL-R, Hash, each with the
 * selected dense runs), else one set of every run of the table.
 */
export function releasedFitSets(ref: string): ReleasedFitSet[] {
  if (!isReleasedSourceName(ref)) return [{ id: 'all', router: null, filter: {}, description: 'every run of the table' }];
  const source = RELEASED_SOURCES[ref];
  return source.fitSets.map((f) => ({ id: f.id, router: f.router, filter: source.selection.filter, description: `${f.router} runs with the dense runs; ${source.selection.description}` }));
}

/** The runs of a fit set: the filter's dense runs, then its router's (every run passing the filter when `router` is null). */
export function releasedFitSetRuns<L extends string>(runs: readonly ReleasedRun<L>[], set: ReleasedFitSet): ReleasedRun<L>[] {
  const chosen = selectReleasedRuns(runs, set.filter);
  if (set.router === null) return chosen;
  return [...chosen.filter((r) => r.family === 'dense'), ...chosen.filter((r) => r.router === set.router)];
}
