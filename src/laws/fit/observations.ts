import type { RunColumn, RunSummary } from '../../runs/types';
import { FitError } from '../errors';
import type { LossTarget } from '../protocol';
import type { Coefficients, LawForm, LawObservations } from '../types';


/** Builds a law's observations from run-table rows (variables from `law.variables[].column`). */
export function observationsFromRuns<C extends Coefficients>(law: LawForm<C>, rows: readonly RunSummary[], target: LossTarget = 'valLoss'): LawObservations {
  const x: number[][] = [];
  const loss: number[] = [];
  const labels: string[] = [];
  for (const row of rows) {
    x.push(law.variables.map((v) => Number(row[v.column as RunColumn])));
    loss.push(Number(row[target]));
    labels.push(row.runId);
  }
  const obs = { x, loss, labels };
  validateObservations(law, obs, law.variables.map((v) => v.column), target);
  return obs;
}

/**
 * Rejects observations a fit must never use silently: NaN / infinite / non-positive variables or losses
 * (E ≥ 1 for expert counts), and fewer observations than the law has parameters.
 */
export function validateObservations<C extends Coefficients>(
  law: LawForm<C>,
  obs: LawObservations,
  columnNames: readonly string[] = law.variables.map((v) => v.plainColumn ?? v.column),
  targetName = 'loss',
): void {
  const p = law.paramNames.length;
  if (obs.x.length !== obs.loss.length) {
    throw new FitError('input', `${law.name}: ${obs.x.length} variable rows but ${obs.loss.length} losses`);
  }
  if (obs.loss.length <= p) {
    throw new FitError(
      'too-few',
      `${law.name} has ${p} parameters but only ${obs.loss.length} observations were given: need at least ${p + 1} runs (more is better)`,
    );
  }
  for (let i = 0; i < obs.loss.length; i++) {
    const label = obs.labels?.[i] ?? `observation ${i}`;
    for (let j = 0; j < law.variables.length; j++) {
      const v = obs.x[i][j];
      const minimum = law.variables[j].symbol === 'E' || law.variables[j].symbol === 'G' ? 1 : 0;
      if (!Number.isFinite(v) || v <= 0 || v < minimum) {
        throw new FitError(
          'input',
          `${law.name}: ${label} has ${columnNames[j]} = ${v}; it must be a finite number ${minimum === 1 ? '≥ 1' : '> 0'} (fix or drop the row)`,
        );
      }
    }
    const y = obs.loss[i];
    if (!Number.isFinite(y) || y <= 0) {
      throw new FitError('input', `${law.name}: ${label} has ${targetName} = ${y}; losses must be finite and > 0 (fix or drop the row)`);
    }
  }
}
