import { cartesian } from '../forms/lse';
import type { LawForm } from '../types';
import { solveNnlsFromGram, type Gram } from './nnls';
import type { HuberObjective } from './objective';

export interface VarproSearchResult {
  /** Optimisation-space parameters of the best grid point. */
  params: Float64Array;
  /** Its summed Huber objective. */
  objective: number;
  /** Best nonlinear parameters. */
  nonlinear: number[];
  gridPoints: number;
  /** Nonlinear parameters whose best value is on the edge of a ≥3-value grid. */
  edgeWarnings: string[];
}

/**
 * Variable projection (Golub & Pereyra 1973) as an independent global search: for each point of a grid over
 * the nonlinear parameters (exponents, E_start/E_max, d) the linear coefficients are solved exactly by
 * (non-negative) weighted least squares — relative residuals in linear space (weights 1/L²) or plain residuals
 * in log space — and the grid point is scored by the law's summed Huber objective. `fitLaw` then refines the
 * best point with L-BFGS on the full objective.
 */
export function varproSearch(law: LawForm, objective: HuberObjective, grid: readonly (readonly number[])[]): VarproSearchResult {
  const spec = law.varpro;
  const k = spec.nBasis;
  const n = objective.n;
  const nf = law.nFeatures;
  const phi = new Float64Array(k);
  const gram: Gram = { xtx: new Float64Array(k * k), xty: new Float64Array(k), yty: 0, k };
  const coef = new Float64Array(k);
  const y = new Float64Array(n);
  const wls = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const obsLoss = Math.exp(objective.logLoss[i]);
    if (spec.space === 'linear') {
      y[i] = obsLoss;
      wls[i] = objective.weights[i] / (obsLoss * obsLoss);
    } else {
      y[i] = objective.logLoss[i];
      wls[i] = objective.weights[i];
    }
  }
  let bestF = Infinity;
  let bestParams: Float64Array = new Float64Array(law.paramNames.length);
  let bestNl: number[] = [];
  const points = cartesian(grid);
  for (const nl of points) {
    gram.xtx.fill(0);
    gram.xty.fill(0);
    gram.yty = 0;
    let ok = true;
    for (let i = 0; i < n; i++) {
      const wi = wls[i];
      if (wi === 0) continue;
      try {
        spec.basis(nl, objective.features, i * nf, phi);
      } catch {
        ok = false; // e.g. E_start ≥ E_max on this grid point
        break;
      }
      for (let a = 0; a < k; a++) {
        const pa = wi * phi[a];
        gram.xty[a] += pa * y[i];
        for (let b = a; b < k; b++) gram.xtx[a * k + b] += pa * phi[b];
      }
      gram.yty += wi * y[i] * y[i];
    }
    if (!ok) continue;
    for (let a = 0; a < k; a++) for (let b = 0; b < a; b++) gram.xtx[a * k + b] = gram.xtx[b * k + a];
    const rss = solveNnlsFromGram(gram, spec.nonnegative, coef);
    if (!Number.isFinite(rss)) continue;
    const params = spec.assemble(nl, coef);
    const f = objective.value(params);
    if (f < bestF) {
      bestF = f;
      bestParams = params;
      bestNl = nl;
    }
  }
  const edgeWarnings: string[] = [];
  if (bestNl.length > 0) {
    grid.forEach((values, j) => {
      if (values.length < 3) return;
      const lo = Math.min(...values);
      const hi = Math.max(...values);
      if (bestNl[j] === lo || bestNl[j] === hi) {
        edgeWarnings.push(`best grid value of ${spec.nonlinearNames[j]} = ${bestNl[j]} is on the edge of its grid [${lo}, ${hi}]; widen the grid`);
      }
    });
  }
  return { params: bestParams, objective: bestF, nonlinear: bestNl, gridPoints: points.length, edgeWarnings };
}
