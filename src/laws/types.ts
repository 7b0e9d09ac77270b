import type { RunColumn } from '../runs/types';
import type { LawName } from './coefficients';
import type { FitProtocol, ProtocolId } from './protocol';

export type { LawName } from './coefficients';

/** How one paper coefficient maps to one optimisation-space parameter. */
export interface CoefficientParam {
  index: number;
  toParam(value: number): number;
}

/** A coefficient record: the paper's symbols → values. */
export type Coefficients = { [name: string]: number };

/** One input variable of a law and the run-table column it is read from. */
export interface LawVariable {
  /** Symbol in the paper's equation (N, D, G, E). */
  symbol: string;
  /** Run-table column (camelCase key of `RunSummary`). */
  column: RunColumn;
  /** Column of a plain CSV (e.g. `params`, `tokens`), when the law accepts one. */
  plainColumn?: string;
  description: string;
}

/**
 * Variable-projection decomposition: for fixed nonlinear parameters the prediction is linear in a few
 * coefficients, `L = Σ_k c_k φ_k(x)` (space 'linear') or `log L = Σ_k c_k φ_k(x)` (space 'log').
 */
export interface VarproSpec {
  /** Names of the nonlinear parameters searched on the grid (subset of the law's parameters). */
  nonlinearNames: readonly string[];
  /** Default grid per nonlinear parameter (same order). */
  grid: readonly (readonly number[])[];
  space: 'linear' | 'log';
  /** Number of linear coefficients. */
  nBasis: number;
  /** Which linear coefficients are constrained ≥ 0. */
  nonnegative: readonly boolean[];
  /** Writes φ_k(x) for the observation whose features start at `f[o]`. */
  basis(nonlinear: ArrayLike<number>, f: Float64Array, o: number, out: Float64Array): void;
  /** Optimisation-space parameter vector from nonlinear parameters and linear coefficients. */
  assemble(nonlinear: ArrayLike<number>, linear: ArrayLike<number>): Float64Array;
}

/**
 * A scaling law as data. Parameters live in an unconstrained optimisation space (log-coefficients, as in
 * Hoffmann et al.'s log-sum-exp parameterisation); `toCoefficients` maps them to the paper's coefficients.
 * Adding a law = adding one file in `src/laws/forms/` and one line in `forms/index.ts`.
 */
export interface LawForm<C extends Coefficients = Coefficients> {
  name: LawName;
  /** Paper and equation. */
  citation: string;
  /** Equation in plain text, with the paper's symbols. */
  equation: string;
  /** Optimisation-space parameter names (e.g. `logA`, `alpha`). */
  paramNames: readonly string[];
  /** Paper coefficient names, in the order of `toCoefficients`' keys. */
  coefficientNames: readonly string[];
  variables: readonly LawVariable[];
  /** Number of per-observation features `features()` writes. */
  nFeatures: number;
  /** Precomputes per-observation features (logs of the variables) from raw variables (variables order). */
  features(raw: ArrayLike<number>, out: Float64Array, o: number): void;
  /** Predicted natural log of the loss. */
  predictLog(params: ArrayLike<number>, f: Float64Array, o: number): number;
  /** Writes ∂ log L̂ / ∂ params into `grad` and returns log L̂. */
  gradLog(params: ArrayLike<number>, f: Float64Array, o: number, grad: Float64Array): number;
  /**
   * The fitting protocols of this law: `paper` (the protocol of the paper that defined the law, as published and
   * where its code says more) and `moelab` (our documented choices). The pipeline fits with `paper` by default.
   */
  protocols: Readonly<Record<ProtocolId, FitProtocol>>;
  /**
   * Coefficients that map to exactly one optimisation-space parameter: its index and the transform, so a fit can
   * hold them fixed (a coefficient shared with another fit, or E_max = ∞ for a pure power law in E).
   */
  coefficientParam: Readonly<Partial<Record<keyof C & string, CoefficientParam>>>;
  /** Box [lo, hi] per optimisation-space parameter for random restarts (protocols with `starts.kind: 'random'`). */
  startBox: readonly (readonly [number, number])[];
  /** Multi-start initialisation grid, one list of values per parameter (Cartesian product). */
  initGrid: readonly (readonly number[])[];
  /** Where the init grid comes from (paper or our choice), for the report. */
  initGridSource: string;
  /** Plausibility bounds [lo, hi] per parameter; an optimum outside/on them raises FitError('bound'). */
  bounds: readonly (readonly [number, number])[];
  toCoefficients(params: ArrayLike<number>): C;
  fromCoefficients(coefficients: Readonly<C>): Float64Array;
  /** Compute proxy used to pick the "largest-compute" runs for held-out extrapolation. */
  computeProxy(raw: ArrayLike<number>): number;
  varpro: VarproSpec;
  /**
   * Optional fused kernel for the summed Huber objective and its gradient over all observations (a speed
   * path; must equal the generic per-observation computation in `HuberObjective`).
   */
  huberKernel?: HuberKernel;
  /**
   * Optional Hessian of the prediction: writes ∂ log L̂ / ∂ params into `grad`, ∂² log L̂ / ∂ params² into
   * `hess` (row-major, p × p) and returns log L̂. With it `HuberObjective.valueGradientHessian` works and the
   * bootstrap refits with Newton's method instead of L-BFGS (`minimizeNewton`); laws without it use L-BFGS.
   */
  hessLog?(params: ArrayLike<number>, f: Float64Array, o: number, grad: Float64Array, hess: Float64Array): number;
  /** Optional fused kernel for the objective, its gradient and its Hessian (a speed path for `hessLog`). */
  huberHessianKernel?: HuberHessianKernel;
}

/**
 * Fused objective: Σ_i w_i Huber_δ(log L̂_i − logLoss_i); writes the gradient into `grad`. `band` holds four
 * precomputed values per observation i, [L_i e^−δ, L_i e^δ, L_i, 1/L_i] with L_i = exp(logLoss_i), so that a
 * kernel can tell the Huber region from L̂_i itself (`HuberObjective.band`).
 */
export type HuberKernel = (
  params: ArrayLike<number>,
  features: Float64Array,
  logLoss: Float64Array,
  weights: Float64Array,
  delta: number,
  grad: Float64Array,
  band: Float64Array,
) => number;

/**
 * Fused objective, gradient and Hessian: as `HuberKernel`, and writes the p × p Hessian (row-major) of
 * Σ_i w_i Huber_δ(r_i) into `hess`: Σ_i w_i [ψ'(r_i) ∇r_i ∇r_iᵀ + ψ(r_i) ∇²r_i], ψ = Huber_δ'.
 */
export type HuberHessianKernel = (
  params: ArrayLike<number>,
  features: Float64Array,
  logLoss: Float64Array,
  weights: Float64Array,
  delta: number,
  grad: Float64Array,
  hess: Float64Array,
) => number;

/** Observations for a law: raw variables (in `law.variables` order) and the observed loss. */
export interface LawObservations {
  /** x[i][j]: value of variable j for observation i. */
  x: number[][];
  /** Observed loss (nats/token), > 0. */
  loss: number[];
  /** Row labels for error messages (run ids or CSV row numbers). */
  labels?: string[];
}
