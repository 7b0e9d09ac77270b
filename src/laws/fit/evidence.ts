import type { CoefficientsOf, LawName } from '../coefficients';
import { FitError } from '../errors';
import { getLaw } from '../forms';
import type { FitProtocol } from '../protocol';
import { bootstrapSummary, FIT_RECORD_SCHEMA_VERSION, holdoutSummary, identificationOf, type FitRecord } from '../record';
import { bootstrapFit } from './bootstrap';
import { fitLaw, type FitData, type FitOptions } from './fit';
import { holdoutExtrapolation } from './holdout';

export interface EvidenceOptions<L extends LawName> {
  /** The protocol to fit with (the law's paper protocol by default). */
  protocol?: FitProtocol;
  /** Record name of the protocol variant (`paper`, `moelab`, `target=valLoss` …). Default: the protocol's id. */
  variant?: string;
  /** Values of the protocol's shared coefficients, from the fits they come from (e.g. `{ c: 1.46 }` from fine-grained). */
  shared?: Partial<CoefficientsOf<L>>;
  /** Bootstrap resamples instead of the protocol's (0 = no bootstrap; recorded as an override). */
  resamples?: number;
  /** Bootstrap seed. Default 0. */
  seed?: number;
  /** Derived quantities per bootstrap resample (e.g. the compute-optimal G at a budget). */
  derived?: (coefficients: CoefficientsOf<L>) => Record<string, number>;
  /** Run ids (labels) for the record; default the observation labels. */
  runIds?: string[];
  /** Which fit set of the table the runs are, in words (recorded as `runSet`; e.g. Clark et al.'s S-Base fit). */
  runSet?: string;
  /** Progress sink (fraction, message). */
  progress?: (fraction: number, message: string) => void;
  /** Extra fit options (test grids). */
  fit?: FitOptions<CoefficientsOf<L>>;
}

/**
 * A law fitted with everything a verdict needs, as one fit record: the fit by its protocol (optimum outside the
 * start grid or on a bound kept as a warning, not an error), the variable-projection cross-check, the protocol's
 * bootstrap (with derived quantities), the protocol's hold-out extrapolation and the identification verdict. A fit
 * that cannot be made (too few runs, a shared coefficient missing, a non-finite optimum) gives a `failed` record
 * with the reason instead of throwing, so a reproduction reports it. The fit stage, `moelab fit` and the notebooks
 * all build records with this function.
 */
export function fitWithEvidence<L extends LawName>(lawName: L, data: FitData, options: EvidenceOptions<L> = {}): FitRecord<L> {
  const law = getLaw(lawName);
  const protocol = options.protocol ?? law.protocols.paper;
  const variant = options.variant ?? protocol.id;
  const runIds = options.runIds ?? (Array.isArray(data) ? (data as readonly { runId: string }[]).map((r) => r.runId) : ((data as { labels?: string[] }).labels ?? []));
  const shared = protocol.shared.map((s) => ({ coefficient: s.coefficient, fromLaw: s.fromLaw, value: (options.shared as Record<string, number> | undefined)?.[s.coefficient] ?? NaN }));
  const base = {
    schema: FIT_RECORD_SCHEMA_VERSION,
    law: lawName,
    variant,
    protocol,
    nRuns: Array.isArray(data) ? data.length : (data as { loss: number[] }).loss.length,
    runIds,
    ...(options.runSet === undefined ? {} : { runSet: options.runSet }),
    shared,
  };
  const fitOptions: FitOptions<CoefficientsOf<L>> = { ...options.fit, protocol, edgePolicy: 'warn', fixed: options.shared };
  try {
    const missing = shared.filter((s) => !Number.isFinite(s.value));
    if (missing.length) {
      throw new FitError('input', `${missing.map((s) => `${s.coefficient} from the ${s.fromLaw} fit`).join(', ')} is not available (that fit failed or was not run)`);
    }
    const fit = fitLaw<L>(lawName, data, fitOptions);
    options.progress?.(0.2, `fitted ${lawName} on ${fit.nObservations} runs; cross-check`);
    let crossCheck: { fitter: string; objective: number; coefficients: CoefficientsOf<L> } | { error: string };
    try {
      const vp = fitLaw<L>(lawName, data, { ...fitOptions, fitter: 'varpro' });
      crossCheck = { fitter: 'varpro', objective: vp.objective, coefficients: vp.coefficients };
    } catch (err) {
      crossCheck = { error: (err as Error).message };
    }
    const resamples = options.resamples ?? protocol.bootstrap.resamples;
    options.progress?.(0.3, `bootstrap (${resamples} ${protocol.bootstrap.scheme} resamples)`);
    const boot =
      resamples > 0
        ? bootstrapFit<L>(lawName, data, { fullFit: fit, fit: fitOptions, scheme: { resamples }, seed: options.seed ?? 0, derived: options.derived, keepSamples: true })
        : null;
    if (resamples !== protocol.bootstrap.resamples) fit.overrides.push(`${resamples} bootstrap resamples (protocol: ${protocol.bootstrap.resamples})`);
    options.progress?.(0.8, `hold-out (${protocol.holdout.rule})`);
    let holdout: ReturnType<typeof holdoutSummary<L>> | { error: string };
    try {
      holdout = holdoutSummary<L>(holdoutExtrapolation<L>(lawName, data, { fit: fitOptions }));
    } catch (err) {
      holdout = { error: (err as Error).message };
    }
    return {
      ...base,
      status: 'ok',
      fit,
      crossCheck,
      bootstrap: boot ? bootstrapSummary(boot) : null,
      holdout,
      identification: boot ? identificationOf(fit, boot) : null,
    } as FitRecord<L>;
  } catch (err) {
    const e = err as Error;
    return { ...base, status: 'failed', error: `${e.name}: ${e.message}` } as FitRecord<L>;
  }
}
