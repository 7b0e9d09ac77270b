import type { RunSummary } from '../../runs/types';
import type { CoefficientsOf, LawName } from '../coefficients';
import { FitError } from '../errors';
import { getLaw } from '../forms';
import { cartesian } from '../forms/lse';
import type { FitObjective, FitProtocol, LossTarget, ProtocolId } from '../protocol';
import type { Coefficients, LawForm, LawObservations } from '../types';
import { allFinite } from '../../util/all-finite';
import { minimizeLbfgs, type LbfgsOptions, type LbfgsResult, type LbfgsStop } from './lbfgs';
import { minimizeNewton, type NewtonOptions } from './newton';
import { observationsFromRuns, validateObservations } from './observations';
import { FitProblem } from './problem';
import { SeededRandom } from './rng';
import { varproSearch } from './varpro';

/** Which global search found the starting point(s) for L-BFGS. */
export type Fitter = 'multistart' | 'random' | 'varpro' | 'warm-start';

export interface FitOptions<C extends Coefficients = Coefficients> {
  /** The fitting protocol (or its id on the law): target, objective, regulariser, starts… Default 'paper'. */
  protocol?: ProtocolId | FitProtocol;
  /**
   * Global search: 'multistart' (L-BFGS from the grid), 'random' (L-BFGS from random starts in the law's start box)
   * or 'varpro' (variable projection). Default: what the protocol's `starts` say.
   */
  fitter?: 'multistart' | 'random' | 'varpro';
  /** Coefficient values held fixed (paper names): what a protocol's `shared` coefficients need, or a test's restriction. */
  fixed?: Partial<C>;
  /** Optimisation-space parameters held fixed, by name (e.g. `logQ` = 0 with E_max = ∞ makes Ê = E exactly). */
  fixedParams?: Readonly<Record<string, number>>;
  /** Huber δ override (recorded in the result's `overrides`). */
  huberDelta?: number;
  /** Multi-start grid override, one list per parameter (optimisation space). */
  initGrid?: readonly (readonly number[])[];
  /** Variable-projection grid, one list per nonlinear parameter. Default: the law's `varpro.grid`. */
  varproGrid?: readonly (readonly number[])[];
  /** Loss column when `data` are run-table rows. Default: the protocol's target. */
  target?: LossTarget;
  /** L-BFGS settings. Default: memory 10, gradTol 1e-9, fTol 1e-13, 1000 iterations. */
  lbfgs?: LbfgsOptions;
  /** What to do when the optimum sits outside the start grid or on a plausibility bound. Default 'error' (FitError). */
  edgePolicy?: 'error' | 'warn';
  /** Start from this single point (full optimisation-space params) instead of a search; used by the bootstrap. */
  warmStart?: ArrayLike<number>;
  /** Local minimiser from `warmStart`: 'lbfgs' (default) or 'newton' (analytic Hessian; L-BFGS for laws without one). */
  localSolver?: 'lbfgs' | 'newton';
  /** Newton settings when `localSolver` is 'newton'. */
  newton?: NewtonOptions;
  /** Relative objective-decrease tolerance of the screening pass over the starts. Default 1e-5 (ranking only). */
  screenFTol?: number;
  /** ‖∇f‖∞ tolerance of the screening pass. Default: the L-BFGS gradTol. */
  screenGradTol?: number;
  /** Number of best screened starts polished to full tolerance. Default 8. */
  polishTop?: number;
  /** Bootstrap multiplicities per observation (default all 1). */
  weights?: ArrayLike<number>;
}

export interface FitDiagnostics {
  /** Number of L-BFGS starts (grid or random), or grid points (varpro). */
  starts: number;
  /** Starts whose L-BFGS stopped on a tolerance. */
  convergedStarts: number;
  /** Starting point that led to the best optimum (full optimisation space). */
  bestStart: number[];
  iterations: number;
  evaluations: number;
  /** ‖∇ objective‖∞ over the free parameters at the optimum. */
  gradNormInf: number;
  stop: LbfgsStop;
  /** Grid-edge / bound findings downgraded by `edgePolicy: 'warn'`, and other notes. */
  warnings: string[];
}

export interface FitResult<C extends Coefficients = Coefficients> {
  law: LawName;
  citation: string;
  equation: string;
  /** The protocol the fit was computed with (after `overrides`). */
  protocol: FitProtocol;
  /** Where the options changed the protocol (δ, grid, target), in words; empty for a fit by the protocol. */
  overrides: string[];
  fitter: Fitter;
  /** Paper coefficients. */
  coefficients: C;
  /** Coefficients held fixed (not fitted): shared with another fit or restricted by the caller. */
  fixed: string[];
  /** Optimisation-space parameters, in `paramNames` order. */
  params: number[];
  paramNames: string[];
  /** The protocol's objective at the optimum (summed or mean Huber, or mean squared log10 error, plus weight decay). */
  objective: number;
  /** Root mean squared ln-loss residual. */
  rmsle: number;
  nObservations: number;
  diagnostics: FitDiagnostics;
}

/** Run-table rows or plain observations. */
export type FitData = readonly RunSummary[] | LawObservations;

export function isObservations(data: FitData): data is LawObservations {
  return !Array.isArray(data) && typeof data === 'object' && data !== null && 'loss' in data && 'x' in data;
}

/** Observations for `law` from either input kind, validated. */
export function toObservations<C extends Coefficients>(law: LawForm<C>, data: FitData, target: LossTarget): LawObservations {
  if (isObservations(data)) {
    validateObservations(law, data);
    return data;
  }
  return observationsFromRuns(law, data as readonly RunSummary[], target);
}

/** The protocol `options` name on `law`, with the options' overrides applied and listed. */
export function resolveProtocol<C extends Coefficients>(law: LawForm<C>, options: FitOptions<C>): { protocol: FitProtocol; overrides: string[] } {
  const requested = options.protocol ?? 'paper';
  const base = typeof requested === 'string' ? law.protocols[requested] : requested;
  if (!base) throw new FitError('input', `${law.name}: unknown protocol "${String(requested)}"; use paper or moelab`);
  if (base.law !== law.name) throw new FitError('input', `protocol for ${base.law} given to a ${law.name} fit`);
  const overrides: string[] = [];
  let protocol = base;
  if (options.target && options.target !== base.target) {
    overrides.push(`target ${options.target} (protocol: ${base.target})`);
    protocol = { ...protocol, target: options.target };
  }
  if (options.huberDelta !== undefined) {
    const objective: FitObjective =
      base.objective.kind === 'huber' ? { ...base.objective, delta: options.huberDelta } : { kind: 'huber', delta: options.huberDelta, reduction: 'sum' };
    if (base.objective.kind !== 'huber' || base.objective.delta !== options.huberDelta) {
      overrides.push(`Huber δ ${options.huberDelta} (protocol: ${base.objective.kind === 'huber' ? base.objective.delta : base.objective.kind})`);
    }
    protocol = { ...protocol, objective };
  }
  if (options.initGrid) overrides.push('start grid given by the caller');
  return { protocol, overrides };
}

/** Fixed optimisation-space parameters for fixed coefficients (paper names); a FitError for one that cannot be fixed. */
function fixedParamsOf<C extends Coefficients>(law: LawForm<C>, fixed: Partial<C> | undefined): Map<number, number> {
  const out = new Map<number, number>();
  for (const [name, value] of Object.entries(fixed ?? {})) {
    if (value === undefined) continue;
    const map = law.coefficientParam[name as keyof C & string];
    if (!map) throw new FitError('input', `${law.name}: coefficient ${name} cannot be held fixed (it is not one optimisation parameter); fixable: ${Object.keys(law.coefficientParam).join(', ')}`);
    const v = map.toParam(value);
    if (Number.isNaN(v)) throw new FitError('input', `${law.name}: fixed ${name} = ${value} is not a valid value`);
    out.set(map.index, v);
  }
  return out;
}

/**
 * Fits a scaling law with a protocol (default: the paper's): the protocol's objective over the log-loss residuals,
 * minimised by L-BFGS from the protocol's starts (a grid, random starts, or variable projection), with any
 * shared/fixed coefficients held constant. Raises FitError on bad input, a non-finite optimum, or an optimum
 * outside the start grid / on a plausibility bound (unless `edgePolicy: 'warn'`).
 */
export function fitLaw<L extends LawName>(lawName: L, data: FitData, options?: FitOptions<CoefficientsOf<L>>): FitResult<CoefficientsOf<L>>;
export function fitLaw(lawName: string, data: FitData, options?: FitOptions): FitResult;
export function fitLaw(lawName: string, data: FitData, options: FitOptions = {}): FitResult {
  const law = getLaw(lawName);
  const { protocol, overrides } = resolveProtocol(law, options);
  const missing = protocol.shared.filter((s) => options.fixed?.[s.coefficient] === undefined);
  if (missing.length > 0) {
    throw new FitError(
      'input',
      `${law.name} (${protocol.id} protocol) takes ${missing.map((s) => `${s.coefficient} from the ${s.fromLaw} fit`).join(', ')}: fit ${missing[0]!.fromLaw} first and pass its value as fixed`,
    );
  }
  const obs = toObservations(law, data, protocol.target);
  const fixedParams = fixedParamsOf(law, options.fixed);
  for (const [name, value] of Object.entries(options.fixedParams ?? {})) {
    const j = law.paramNames.indexOf(name);
    if (j < 0) throw new FitError('input', `${law.name}: no parameter ${name} to hold fixed; parameters: ${law.paramNames.join(', ')}`);
    fixedParams.set(j, value);
  }
  const problem = new FitProblem(law, obs, protocol, fixedParams);
  if (options.weights) problem.weights = Float64Array.from(options.weights);
  return fitProblem(problem, options, overrides);
}

/** Core of `fitLaw` on a prepared problem (the bootstrap reuses one problem and swaps its weights). */
export function fitProblem<C extends Coefficients>(problem: FitProblem<C>, options: FitOptions<C> = {}, overrides: string[] = []): FitResult<C> {
  const { law, protocol } = problem;
  const lb = { ...options.lbfgs };
  const fg = (x: Float64Array, g: Float64Array) => problem.valueAndGradient(x, g);
  const warnings: string[] = [];
  let fitter: Fitter = options.fitter ?? (protocol.starts.kind === 'random' ? 'random' : 'multistart');
  let best: LbfgsResult | null = null;
  let bestStart: number[] = [];
  let starts = 0;
  let convergedStarts = 0;
  let iterations = 0;
  let evaluations = 0;
  const tally = (r: LbfgsResult) => {
    iterations += r.iterations;
    evaluations += r.evaluations;
  };

  if (options.warmStart) {
    fitter = 'warm-start';
    const x0 = problem.freeOf(options.warmStart);
    if (options.localSolver === 'newton' && problem.hasHessian) {
      const fgh = (x: Float64Array, g: Float64Array, h: Float64Array) => problem.valueGradientHessian(x, g, h);
      best = minimizeNewton(fgh, x0, { fallback: lb, ...options.newton }, fg);
    } else {
      best = minimizeLbfgs(fg, x0, lb);
    }
    bestStart = Array.from(options.warmStart);
    starts = 1;
    convergedStarts = best.converged ? 1 : 0;
    tally(best);
  } else if (fitter === 'varpro') {
    if (problem.nFree < law.paramNames.length) {
      throw new FitError('input', `${law.name}: variable projection cannot hold coefficients fixed; use the multistart fitter`);
    }
    const vp = varproSearch(law, problem.objective, options.varproGrid ?? law.varpro.grid);
    starts = vp.gridPoints;
    for (const w of vp.edgeWarnings) raiseOrWarn('grid-edge', `${law.name} (varpro): ${w}`, options, warnings);
    best = minimizeLbfgs(fg, problem.freeOf(vp.params), lb);
    bestStart = Array.from(vp.params);
    convergedStarts = best.converged ? 1 : 0;
    tally(best);
  } else {
    const points = startPoints(problem, options, fitter);
    // Phase 1: L-BFGS from every start with a screening tolerance (scipy's default L-BFGS-B stops at a comparable
    // relative decrease); phase 2: polish the best `polishTop` endpoints to full tolerance.
    const screen = { ...lb, fTol: options.screenFTol ?? 1e-5, gradTol: options.screenGradTol ?? lb.gradTol };
    const finals: { f: number; start: Float64Array; x: Float64Array }[] = [];
    for (const start of points) {
      const r = minimizeLbfgs(fg, start, screen);
      starts++;
      tally(r);
      if (r.converged) convergedStarts++;
      if (!Number.isFinite(r.f) || !allFinite(r.x)) continue;
      finals.push({ f: r.f, start, x: r.x });
    }
    finals.sort((a, b) => a.f - b.f);
    for (const cand of finals.slice(0, options.polishTop ?? 8)) {
      const r = minimizeLbfgs(fg, cand.x, lb);
      tally(r);
      if (!Number.isFinite(r.f) || !allFinite(r.x)) continue;
      if (!best || r.f < best.f) {
        best = r;
        bestStart = Array.from(problem.full(cand.start));
      }
    }
  }

  if (!best || !Number.isFinite(best.f) || !allFinite(best.x)) {
    throw new FitError('not-finite', `${law.name}: no start reached a finite objective; check the data (losses in nats, positive variables)`);
  }
  const params = Array.from(problem.full(best.x));
  checkBounds(law, problem, params, options, warnings);
  if (fitter === 'multistart' || fitter === 'random') checkStartRange(problem, params, options, warnings, fitter);
  if (!best.converged) warnings.push(`L-BFGS stopped by '${best.stop}' before meeting its tolerances`);
  const res = problem.residuals(params);
  let ss = 0;
  let wsum = 0;
  const weights = problem.weights;
  for (let i = 0; i < res.length; i++) {
    ss += weights[i] * res[i] * res[i];
    wsum += weights[i];
  }
  const coefficients = law.toCoefficients(params);
  for (const [k, v] of Object.entries(coefficients)) {
    const map = law.coefficientParam[k as keyof C & string];
    const isFixedInfinity = v === Infinity && map !== undefined && !problem.free.includes(map.index);
    if (!Number.isFinite(v) && !isFixedInfinity) throw new FitError('not-finite', `${law.name}: fitted coefficient ${k} = ${v} is not finite`);
  }
  let gInf = 0;
  for (const v of best.grad) gInf = Math.max(gInf, Math.abs(v));
  const fixed = Object.keys(law.coefficientParam).filter((k) => !problem.free.includes(law.coefficientParam[k as keyof C & string]!.index));
  return {
    law: law.name,
    citation: law.citation,
    equation: law.equation,
    protocol,
    overrides,
    fitter,
    coefficients,
    fixed,
    params,
    paramNames: [...law.paramNames],
    objective: best.f,
    rmsle: Math.sqrt(ss / Math.max(wsum, 1)),
    nObservations: problem.n,
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

/** The free-parameter start points of a grid or random search. */
function startPoints<C extends Coefficients>(problem: FitProblem<C>, options: FitOptions<C>, fitter: 'multistart' | 'random'): Float64Array[] {
  const { law, protocol } = problem;
  if (fitter === 'random') {
    const count = protocol.starts.kind === 'random' ? protocol.starts.count : 500;
    const rng = new SeededRandom(protocol.starts.kind === 'random' ? protocol.starts.seed : 0);
    return Array.from({ length: count }, () => Float64Array.from(problem.free, (j) => law.startBox[j]![0] + rng.next() * (law.startBox[j]![1] - law.startBox[j]![0])));
  }
  const grid = startGrid(problem, options);
  const freeGrid = problem.free.map((j) => grid[j]!);
  const points = cartesian(freeGrid).map((p) => Float64Array.from(p));
  const screen = protocol.starts.kind === 'grid' && !options.initGrid ? (protocol.starts.screen ?? 0) : 0;
  if (screen <= 0 || screen >= points.length) return points;
  // Score every grid point by its objective value and start L-BFGS from the best `screen` (for grids too large to
  // run L-BFGS from each point: Yun et al.'s App. D grid has 135,000).
  const scored = points.map((x) => ({ x, f: problem.value(x) })).filter((s) => Number.isFinite(s.f));
  scored.sort((a, b) => a.f - b.f);
  return scored.slice(0, screen).map((s) => s.x);
}

/** The start grid (one list per parameter, full space): the caller's, the protocol's, or the law's. */
function startGrid<C extends Coefficients>(problem: FitProblem<C>, options: FitOptions<C>): readonly (readonly number[])[] {
  const { law, protocol } = problem;
  const grid = options.initGrid ?? (protocol.starts.kind === 'grid' ? protocol.starts.grid : undefined) ?? law.initGrid;
  if (grid.length !== law.paramNames.length) {
    throw new FitError('input', `${law.name}: initGrid has ${grid.length} lists but the law has ${law.paramNames.length} parameters`);
  }
  return grid;
}

function raiseOrWarn(code: 'grid-edge' | 'bound', message: string, options: FitOptions<never> | FitOptions, warnings: string[]): void {
  if ((options.edgePolicy ?? 'error') === 'error') throw new FitError(code, message);
  warnings.push(message);
}

/**
 * Hoffmann et al. check that "the optimal initialisation is not on the boundary of our initialisation sweep". What
 * matters is where the *optimum* is, not which start reached it: for each free parameter whose start values span a
 * range (≥ 3 grid values, or any random box), an optimum outside that range means the starts did not bracket it
 * and a better basin may lie beyond (widen the grid). An optimum inside the range never raises.
 */
function checkStartRange<C extends Coefficients>(problem: FitProblem<C>, params: number[], options: FitOptions<C>, warnings: string[], fitter: 'multistart' | 'random'): void {
  const { law } = problem;
  const grid = fitter === 'multistart' ? startGrid(problem, options) : null;
  for (const j of problem.free) {
    let lo: number;
    let hi: number;
    if (grid) {
      if (grid[j]!.length < 3) continue;
      lo = Math.min(...grid[j]!);
      hi = Math.max(...grid[j]!);
    } else {
      [lo, hi] = law.startBox[j]!;
    }
    const v = params[j]!;
    const tol = 1e-9 * Math.max(1, hi - lo);
    if (v < lo - tol || v > hi + tol) {
      raiseOrWarn(
        'grid-edge',
        `${law.name}: the optimum's ${law.paramNames[j]} = ${v.toPrecision(4)} lies outside the ${grid ? 'start grid' : 'random-start box'} [${lo}, ${hi}], so the starts may miss a better optimum beyond it; widen that range`,
        options,
        warnings,
      );
    }
  }
}

function checkBounds<C extends Coefficients>(law: LawForm<C>, problem: FitProblem<C>, params: number[], options: FitOptions<C>, warnings: string[]): void {
  for (const j of problem.free) {
    const [lo, hi] = law.bounds[j]!;
    const v = params[j]!;
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
