import type { CoefficientsOf, LawName } from './coefficients';
import { LAWS } from './forms';
import type { Coefficients, LawForm } from './types';

const scratch = new Float64Array(8);

/**
 * A law's predicted loss (nats/token) at raw variables in `law.variables` order, from its paper coefficients.
 * This is the one evaluation of every law's formula outside the fitter: the allocation solvers, the figures and
 * the report all call it (through the typed wrappers below or `predictLoss`), so no law's equation is written twice.
 */
export function lawLoss<C extends Coefficients>(law: LawForm<C>, coefficients: Readonly<C>, variables: ArrayLike<number>): number {
  law.features(variables, scratch, 0);
  return Math.exp(law.predictLog(law.fromCoefficients(coefficients), scratch, 0));
}

/**
 * `lawLoss` with the coefficients converted once: a function of the raw variables, for solvers that evaluate one
 * coefficient set many times (the allocation searches). Same formula, same numbers.
 */
export function lossFunction<C extends Coefficients>(law: LawForm<C>, coefficients: Readonly<C>): (variables: ArrayLike<number>) => number {
  const params = law.fromCoefficients(coefficients);
  const f = new Float64Array(law.nFeatures);
  return (variables) => {
    law.features(variables, f, 0);
    return Math.exp(law.predictLog(params, f, 0));
  };
}

/**
 * Predicted loss of law `lawName` with its paper coefficients at raw variables (in `law.variables` order), e.g.
 * `predictLoss('chinchilla', {A, B, E, alpha, beta}, [params, tokens])`.
 */
export function predictLoss<L extends LawName>(lawName: L, coefficients: Readonly<CoefficientsOf<L>>, variables: readonly number[]): number {
  const law: LawForm<CoefficientsOf<L>> = LAWS[lawName];
  return lawLoss(law, coefficients, variables);
}
