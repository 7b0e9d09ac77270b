/**
 * Law fits on a released run table's fit sets, as fit records: Clark et al. 2022 fit Eq. 1 once per router, on the
 * last step of the runs their notebook selects, with the dense runs in every router's set. The `released-fit`
 * stage writes one record per fit set (`results/fits/released/<law>/<set>.json`); the report reads them.
 */
import { releasedFitSetRuns, type ReleasedFitSet } from '../runs/released/fit-sets';
import { RELEASED_RUN_COLUMNS, releasedLawInputs } from '../runs/released/laws';
import type { ReleasedRun } from '../runs/released/types';
import type { LawName } from './coefficients';
import { FitError } from './errors';
import { fitWithEvidence } from './fit/evidence';
import { getLaw } from './forms';
import type { FitProtocol } from './protocol';
import type { FitRecord } from './record';

/** Options of `fitReleasedSet`. */
export interface ReleasedFitOptions {
  /** Fitting protocol (default: the law's paper protocol). */
  protocol?: FitProtocol;
  /** Bootstrap resamples instead of the protocol's (recorded as an override). */
  resamples?: number;
  seed?: number;
  progress?: (fraction: number, message: string) => void;
}

/**
 * Fits `law` to one fit set of released runs with everything a verdict needs (`fitWithEvidence`: the protocol's
 * fit, bootstrap, hold-out and identification), recording which set it is. The law's variables must be columns a
 * released run fills (`RELEASED_RUN_COLUMNS`) and the protocol's target the released target loss; otherwise a named
 * error says which column is missing and why.
 */
export function fitReleasedSet<L extends LawName>(law: L, runs: readonly ReleasedRun<string>[], set: ReleasedFitSet, options: ReleasedFitOptions = {}): FitRecord<L> {
  const form = getLaw(law);
  const protocol = options.protocol ?? form.protocols.paper;
  if (protocol.target !== 'valLoss') {
    const source = RELEASED_RUN_COLUMNS[protocol.target];
    throw new FitError('input', `the ${protocol.id} protocol of ${law} fits ${protocol.target}, which released runs do not have${source.field === null ? ` (${source.why})` : ''}; use a protocol with target valLoss`);
  }
  const members = releasedFitSetRuns(runs, set);
  const observations = releasedLawInputs(members, form.variables.map((v) => v.column));
  const dense = members.filter((r) => r.family === 'dense').length;
  return fitWithEvidence(law, observations, {
    protocol,
    resamples: options.resamples,
    seed: options.seed,
    progress: options.progress,
    runSet: `${set.description} (${dense} dense + ${members.length - dense} routed runs)`,
  });
}
