import { FitError } from '../errors';
import type { FitProtocol } from '../protocol';
import type { Coefficients, LawForm, LawObservations } from '../types';
import { HuberObjective } from './objective';

const LN10 = Math.LN10;

/**
 * A fit as the optimiser sees it: the law's summed-Huber kernel on the observations (`HuberObjective`, with its
 * fused kernels), turned into the protocol's objective — scaled to a mean when the protocol averages, to the
 * mean squared log10 error for Clark et al.'s objective (Huber with δ = ∞, scaled by 2/(n·ln²10)), plus the
 * weight-decay penalty λ·Σθ² — over the *free* parameters only (coefficients shared with another fit, or held
 * fixed by a test, are constants). All evaluation goes through the law form; this class only maps vectors and
 * scales.
 */
export class FitProblem<C extends Coefficients = Coefficients> {
  readonly objective: HuberObjective;
  /** Indices of the free optimisation-space parameters. */
  readonly free: number[];
  /** Full parameter vector template: fixed entries hold their values, free ones are overwritten. */
  readonly template: Float64Array;
  readonly nFree: number;
  private readonly fullX: Float64Array;
  private readonly fullG: Float64Array;
  private fullH: Float64Array | null = null;

  constructor(
    readonly law: LawForm<C>,
    observations: LawObservations,
    readonly protocol: FitProtocol,
    /** Fixed optimisation-space parameter values by index. */
    fixedParams: ReadonlyMap<number, number> = new Map(),
  ) {
    const delta = protocol.objective.kind === 'huber' ? protocol.objective.delta : Infinity;
    if (!(delta > 0)) throw new FitError('input', `${law.name}: Huber δ must be > 0 (got ${delta})`);
    this.objective = new HuberObjective(law, observations, delta);
    const p = law.paramNames.length;
    this.template = new Float64Array(p);
    this.free = [];
    for (let j = 0; j < p; j++) {
      const v = fixedParams.get(j);
      if (v === undefined) this.free.push(j);
      else this.template[j] = v;
    }
    this.nFree = this.free.length;
    this.fullX = new Float64Array(p);
    this.fullG = new Float64Array(p);
  }

  get n(): number {
    return this.objective.n;
  }

  /** Bootstrap multiplicities (integer weights per observation). */
  set weights(w: Float64Array) {
    this.objective.weights = w;
  }

  get weights(): Float64Array {
    return this.objective.weights;
  }

  /** Multiplier from the summed Huber kernel to the protocol's objective. */
  private scale(): number {
    const o = this.protocol.objective;
    if (o.kind === 'huber' && o.reduction === 'sum') return 1;
    let wsum = 0;
    for (const w of this.objective.weights) wsum += w;
    const mean = 1 / Math.max(wsum, 1e-300);
    return o.kind === 'huber' ? mean : (2 * mean) / (LN10 * LN10);
  }

  /** The full optimisation-space vector for free parameters `x`. */
  full(x: ArrayLike<number>): Float64Array {
    const out = Float64Array.from(this.template);
    for (let k = 0; k < this.nFree; k++) out[this.free[k]] = x[k];
    return out;
  }

  /** The free sub-vector of a full parameter vector. */
  freeOf(full: ArrayLike<number>): Float64Array {
    const out = new Float64Array(this.nFree);
    for (let k = 0; k < this.nFree; k++) out[k] = full[this.free[k]];
    return out;
  }

  private expand(x: ArrayLike<number>): Float64Array {
    this.fullX.set(this.template);
    for (let k = 0; k < this.nFree; k++) this.fullX[this.free[k]] = x[k];
    return this.fullX;
  }

  /** Protocol objective at free parameters `x`; writes its gradient (free parameters) into `grad`. */
  valueAndGradient(x: ArrayLike<number>, grad: Float64Array): number {
    const full = this.expand(x);
    const s = this.scale();
    const v = this.objective.valueAndGradient(full, this.fullG);
    const lambda = this.protocol.weightDecay;
    let penalty = 0;
    for (let k = 0; k < this.nFree; k++) {
      const j = this.free[k];
      grad[k] = s * this.fullG[j] + 2 * lambda * x[k];
      penalty += x[k] * x[k];
    }
    return s * v + lambda * penalty;
  }

  /** Protocol objective value at free parameters `x`. */
  value(x: ArrayLike<number>): number {
    const full = this.expand(x);
    let penalty = 0;
    for (let k = 0; k < this.nFree; k++) penalty += x[k] * x[k];
    return this.scale() * this.objective.value(full) + this.protocol.weightDecay * penalty;
  }

  get hasHessian(): boolean {
    return this.objective.hasHessian;
  }

  /** Value, gradient and Hessian (row-major nFree × nFree) over the free parameters. */
  valueGradientHessian(x: ArrayLike<number>, grad: Float64Array, hess: Float64Array): number {
    const p = this.law.paramNames.length;
    const H = this.fullH && this.fullH.length === p * p ? this.fullH : (this.fullH = new Float64Array(p * p));
    const full = this.expand(x);
    const s = this.scale();
    const v = this.objective.valueGradientHessian(full, this.fullG, H);
    const lambda = this.protocol.weightDecay;
    let penalty = 0;
    for (let a = 0; a < this.nFree; a++) {
      const ja = this.free[a];
      grad[a] = s * this.fullG[ja] + 2 * lambda * x[a];
      penalty += x[a] * x[a];
      for (let b = 0; b < this.nFree; b++) hess[a * this.nFree + b] = s * H[ja * p + this.free[b]] + (a === b ? 2 * lambda : 0);
    }
    return s * v + lambda * penalty;
  }

  /** Log-loss residuals ln L̂ − ln L at full parameters. */
  residuals(full: ArrayLike<number>): Float64Array {
    return this.objective.residuals(full);
  }
}
