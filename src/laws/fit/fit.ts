import type { RunSummary } from '../../runs/types';
import { FitError } from '../errors';
import { getLaw } from '../forms';
import { cartesian } from '../forms/lse';
import type { LawForm, LawName, LawObservations } from '../types';
import { minimizeLbfgs, type LbfgsOptions, type LbfgsStop } from './lbfgs';
import { minimizeNewton, type NewtonOptions } from './newton';
import { HuberObjective } from './objective';
import { observationsFromRuns, validateObservations, type LossTarget } from './observations';
import { varproSearch } from './varpro';

/** Which global search finds the starting point(s) for L-BFGS. */
export type Fitter = 'multistart' | 'varpro';

export interface FitOptions {
  /** Global search: multi-start L-BFGS over the law's init grid, or variable projection. Default 'multistart'. */
  fitter?: Fitter;
  /** Huber δ on log-loss residuals. Default: the law's (1e-3 Chinchilla/Yun/Clark, 0.1 Krajewski). */
  huberDelta?: number;
  /** Multi-start grid, one list per parameter (optimisation space). Default: the law's `initGrid`. */
  initGrid?: readonly (readonly number[])[];
  /** Variable-projection grid, one list per nonlinear parameter. Default: the law's `varpro.grid`. */
  varproGrid?: readonly (readonly number[])[];
  /** Loss column when `data` are run-table rows. Default 'valLoss'. */
  target?: LossTarget;
  /** L-BFGS settings. Default: memory 10, gradTol 1e-9, fTol 1e-13, 1000 iterations. */
  lbfgs?: LbfgsOptions;
  /** What to do when the optimum sits on a grid edge or a plausibility bound. Default 'error' (FitError). */
  edgePolicy?: 'error' | 'warn';
  /** Start from this single point instead of a grid (optimisation-space params); used by the bootstrap. */
  warmStart?: ArrayLike<number>;
  /**
   * Local minimiser from `warmStart`: 'lbfgs' (default), or 'newton' (`minimizeNewton` with the law's analytic
   * Hessian; falls back to L-BFGS for laws without one). Grid and varpro searches always use L-BFGS.
   */
  localSolver?: 'lbfgs' | 'newton';
  /** Newton settings when `localSolver` is 'newton'. Default: gradTol 1e-9, fTol 1e-13, 100 iterations. */
  newton?: NewtonOptions;
  /** Relative objective-decrease tolerance of the screening pass over the grid. Default 1e-5 (ranking only: the best 8 are polished to full tolerance). */
  screenFTol?: number;
  /** ‖∇f‖∞ tolerance of the screening pass. Default: the L-BFGS gradTol. */
  screenGradTol?: number;
  /** Number of best screened starts polished to full tolerance. Default 8. */
  polishTop?: number;
  /** Bootstrap multiplicities per observation (default all 1). */
  weights?: ArrayLike<number>;
}

export interface FitDiagnostics {
  /** Number of L-BFGS starts (multistart) or grid points (varpro). */
  starts: number;
  /** Starts whose L-BFGS stopped on a tolerance. */
  convergedStarts: number;
  /** Starting point that led to the best optimum (optimisation space). */
  bestStart: number[];
  iterations: number;
  evaluations: number;
  /** ‖∇ objective‖∞ at the optimum. */
  gradNormInf: number;
  stop: LbfgsStop;
  /** Grid-edge / bound findings downgraded by `edgePolicy: 'warn'`, and other notes. */
  warnings: string[];
}

export interface FitResult {
  law: LawName;
  citation: string;
  equation: string;
  fitter: Fitter;
  /** Paper coefficients (e.g. A, B, E, alpha, beta). */
  coefficients: Record<string, number>;
  /** Optimisation-space parameters, in `paramNames` order. */
  params: number[];
  paramNames: string[];
  /** Summed Huber objective at the optimum. */
  objective: number;
  /** Root mean squared log-loss residual. */
  rmsle: number;
  huberDelta: number;
  nObservations: number;
  diagnostics: FitDiagnostics;
}

/** Run-table rows or plain observations. */
export type FitData = readonly RunSummary[] | LawObservations;

export function isObservations(data: FitData): data is LawObservations {
  return !Array.isArray(data) && typeof data === 'object' && data !== null && 'loss' in data && 'x' in data;
}

/** Observations for `law` from either input kind, validated. */
export function toObservations(law: LawForm, data: FitData, target: LossTarget = 'valLoss'): LawObservations {
  if (isObservations(data)) {
    validateObservations(law, data);
    return data;
  }
  return observationsFromRuns(law, data as readonly RunSummary[], target);
}

/**
 * Fits a scaling law: summed Huber loss on log residuals, minimised by L-BFGS from every point of the law's
 * initialisation grid (`fitter: 'multistart'`) or from the best point of a variable-projection grid search
 * (`fitter: 'varpro'`). Raises FitError on bad input, a non-finite optimum, or an optimum on a grid edge / bound.
 */
export function fitLaw(lawName: LawName | string, data: FitData, options: FitOptions = {}): FitResult {
  const law = getLaw(lawName);
  const obs = toObservations(law, data, options.target);
  const delta = options.huberDelta ?? law.huberDelta;
  const objective = new HuberObjective(law, obs, delta);
  if (options.weights) objective.weights = Float64Array.from(options.weights);
  return fitWithObjective(law, objective, options);
}

/** Core of `fitLaw` on a prepared objective (the bootstrap reuses one objective and swaps its weights). */
export function fitWithObjective(law: LawForm, objective: HuberObjective, options: FitOptions = {}): FitResult {
  const lb = { ...options.lbfgs };
  const fg = (x: Float64Array, g: Float64Array) => objective.valueAndGradient(x, g);
  const warnings: string[] = [];
  let fitter: Fitter = options.fitter ?? 'multistart';
  let best: ReturnType<typeof minimizeLbfgs> | null = null;
  let bestStart: number[] = [];
  let starts = 0;
  let convergedStarts = 0;
  let iterations = 0;
  let evaluations = 0;

  if (options.warmStart) {
    if (options.localSolver === 'newton' && objective.hasHessian) {
      const fgh = (x: Float64Array, g: Float64Array, h: Float64Array) => objective.valueGradientHessian(x, g, h);
      best = minimizeNewton(fgh, options.warmStart, { fallback: lb, ...options.newton }, fg);
    } else {
      best = minimizeLbfgs(fg, options.warmStart, lb);
    }
    bestStart = Array.from(options.warmStart);
    starts = 1;
    convergedStarts = best.converged ? 1 : 0;
    iterations = best.iterations;
    evaluations = best.evaluations;
  } else if (fitter === 'multistart') {
    const grid = options.initGrid ?? law.initGrid;
    if (grid.length !== law.paramNames.length) {
      throw new FitError('input', `${law.name}: initGrid has ${grid.length} lists but the law has ${law.paramNames.length} parameters`);
    }
    const points = cartesian(grid);
    // Phase 1: L-BFGS from every grid point with a screening tolerance (scipy's default L-BFGS-B stops at a
    // comparable relative decrease); phase 2: polish the best `polishTop` endpoints to full tolerance.
    const screen = { ...lb, fTol: options.screenFTol ?? 1e-5, gradTol: options.screenGradTol ?? lb.gradTol };
    const finals: { f: number; start: number[]; x: Float64Array }[] = [];
    for (const start of points) {
      const r = minimizeLbfgs(fg, start, screen);
      starts++;
      iterations += r.iterations;
      evaluations += r.evaluations;
      if (r.converged) convergedStarts++;
      if (!Number.isFinite(r.f) || !allFinite(r.x)) continue;
      finals.push({ f: r.f, start, x: r.x });
    }
    finals.sort((a, b) => a.f - b.f);
    const polished: { f: number; start: number[] }[] = [];
    for (const cand of finals.slice(0, options.polishTop ?? 8)) {
      const r = minimizeLbfgs(fg, cand.x, lb);
      iterations += r.iterations;
      evaluations += r.evaluations;
      if (!Number.isFinite(r.f) || !allFinite(r.x)) continue;
      polished.push({ f: r.f, start: cand.start });
      if (!best || r.f < best.f) {
        best = r;
        bestStart = cand.start;
      }
    }
    if (best && allFinite(best.x)) {
      checkBounds(law, Array.from(best.x), options, warnings);
      checkInitEdge(law, grid, polished, best.f, options, warnings, objective.n);
    }
  } else {
    fitter = 'varpro';
    const vp = varproSearch(law, objective, options.varproGrid ?? law.varpro.grid);
    starts = vp.gridPoints;
    for (const w of vp.edgeWarnings) raiseOrWarn('grid-edge', `${law.name} (varpro): ${w}`, options, warnings);
    best = minimizeLbfgs(fg, vp.params, lb);
    bestStart = Array.from(vp.params);
    convergedStarts = best.converged ? 1 : 0;
    iterations = best.iterations;
    evaluations = best.evaluations;
  }

  if (!best || !Number.isFinite(best.f) || !allFinite(best.x)) {
    throw new FitError('not-finite', `${law.name}: no start reached a finite objective; check the data (losses in nats, positive variables)`);
  }
  const params = Array.from(best.x);
  if (fitter !== 'multistart' || options.warmStart) checkBounds(law, params, options, warnings);
  if (!best.converged) warnings.push(`L-BFGS stopped by '${best.stop}' before meeting its tolerances`);
  const res = objective.residuals(params);
  let ss = 0;
  let wsum = 0;
  for (let i = 0; i < res.length; i++) {
    ss += objective.weights[i] * res[i] * res[i];
    wsum += objective.weights[i];
  }
  const coefficients = law.toCoefficients(params);
  for (const [k, v] of Object.entries(coefficients)) {
    if (!Number.isFinite(v)) throw new FitError('not-finite', `${law.name}: fitted coefficient ${k} = ${v} is not finite`);
  }
  let gInf = 0;
  for (const v of best.grad) gInf = Math.max(gInf, Math.abs(v));
  return {
    law: law.name,
    citation: law.citation,
    equation: law.equation,
    fitter,
    coefficients,
    params,
    paramNames: [...law.paramNames],
    objective: best.f,
    rmsle: Math.sqrt(ss / Math.max(wsum, 1)),
    huberDelta: objective.delta,
    nObservations: objective.n,
    diagnostics: {
      starts,
      convergedStarts,
      bestStart,
      iterations,
      evaluations,
      gradNormInf: gInf,
      stop: best.stop,
      warnings,
    },
  };
}

function raiseOrWarn(code: 'grid-edge' | 'bound', message: string, options: FitOptions, warnings: string[]): void {
  if ((options.edgePolicy ?? 'error') === 'error') {
    throw new FitError(code, `${message} (pass edgePolicy 'warn' / --allow-edge to accept it)`);
  }
  warnings.push(message);
}

/**
 * Hoffmann et al. check that "the optimal initialisation is not on the boundary of our initialisation sweep":
 * for each parameter with ≥ 3 grid values, some start reaching the best objective must be interior in that
 * parameter. Judged on the polished candidates ("reaching" = within 1e-6 relative after polishing), since a
 * screened start may stall on a plateau that full-tolerance L-BFGS would leave.
 */
function checkInitEdge(
  law: LawForm,
  grid: readonly (readonly number[])[],
  finals: { f: number; start: number[] }[],
  fBest: number,
  options: FitOptions,
  warnings: string[],
  nObservations: number,
): void {
  const tol = 1e-6 * Math.abs(fBest) + 1e-12 * nObservations;
  const tied = finals.filter((r) => r.f - fBest <= tol);
  for (let j = 0; j < grid.length; j++) {
    if (grid[j].length < 3) continue;
    const lo = Math.min(...grid[j]);
    const hi = Math.max(...grid[j]);
    if (tied.every((r) => r.start[j] === lo || r.start[j] === hi)) {
      raiseOrWarn(
        'grid-edge',
        `${law.name}: every start reaching the best objective begins on the edge of the ${law.paramNames[j]} grid [${lo}, ${hi}]; widen that grid`,
        options,
        warnings,
      );
    }
  }
}

function checkBounds(law: LawForm, params: number[], options: FitOptions, warnings: string[]): void {
  for (let j = 0; j < params.length; j++) {
    const [lo, hi] = law.bounds[j];
    const v = params[j];
    if (!Number.isFinite(v)) throw new FitError('not-finite', `${law.name}: fitted ${law.paramNames[j]} = ${v} is not finite`);
    if (v <= lo || v >= hi) {
      raiseOrWarn(
        'bound',
        `${law.name}: fitted ${law.paramNames[j]} = ${v.toPrecision(6)} sits on or beyond its plausibility bound [${lo}, ${hi}]; the data do not identify this term`,
        options,
        warnings,
      );
    }
  }
}

function allFinite(a: ArrayLike<number>): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return false;
  return true;
}
