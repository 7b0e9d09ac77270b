import { getLaw } from './forms';
import type { LawName } from './types';

/**
 * Predicted loss of law `lawName` with paper coefficients at raw variables (in `law.variables` order), e.g.
 * `predictLoss('chinchilla', {A, B, E, alpha, beta}, [params, tokens])`.
 */
export function predictLoss(lawName: LawName | string, coefficients: Readonly<Record<string, number>>, variables: readonly number[]): number {
  const law = getLaw(lawName);
  const p = law.fromCoefficients(coefficients);
  const f = new Float64Array(law.nFeatures);
  law.features(variables, f, 0);
  return Math.exp(law.predictLog(p, f, 0));
}
