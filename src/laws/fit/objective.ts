import type { LawForm, LawObservations } from '../types';
import { HUBER, huberStep } from './huber';

/**
 * Huber loss on log-loss residuals, **summed** over observations (Hoffmann et al. App. D.2; Epoch AI's
 * replication showed the averaged version stops L-BFGS early): `Σ_i w_i · Huber_δ(log L̂_i − log L_i)`,
 * Huber_δ(r) = r²/2 for |r| ≤ δ, δ(|r| − δ/2) otherwise. Weights w_i are bootstrap multiplicities (default 1).
 */
export class HuberObjective {
  readonly n: number;
  readonly features: Float64Array;
  readonly logLoss: Float64Array;
  /** Per observation [L e^−δ, L e^δ, L, 1/L] (L the observed loss), for the fused kernels' region test. */
  readonly band: Float64Array;
  weights: Float64Array;
  private readonly g: Float64Array;
  private h: Float64Array | null = null;

  constructor(
    readonly law: LawForm,
    observations: LawObservations,
    readonly delta: number,
  ) {
    this.n = observations.loss.length;
    const k = law.nFeatures;
    this.features = new Float64Array(this.n * k);
    this.logLoss = new Float64Array(this.n);
    for (let i = 0; i < this.n; i++) {
      law.features(observations.x[i], this.features, i * k);
      this.logLoss[i] = Math.log(observations.loss[i]);
    }
    this.band = new Float64Array(4 * this.n);
    for (let i = 0; i < this.n; i++) {
      const y = this.logLoss[i];
      this.band[4 * i] = Math.exp(y - delta);
      this.band[4 * i + 1] = Math.exp(y + delta);
      this.band[4 * i + 2] = Math.exp(y);
      this.band[4 * i + 3] = Math.exp(-y);
    }
    this.weights = new Float64Array(this.n).fill(1);
    this.g = new Float64Array(law.paramNames.length);
  }

  /** Objective value at params. */
  value(params: ArrayLike<number>): number {
    const { law, features, logLoss, weights, delta } = this;
    const k = law.nFeatures;
    let s = 0;
    for (let i = 0; i < this.n; i++) {
      const wi = weights[i];
      if (wi === 0) continue;
      huberStep(law.predictLog(params, features, i * k) - logLoss[i], delta);
      s += wi * HUBER.value;
    }
    return s;
  }

  /** Objective value; writes its gradient into `grad`. */
  valueAndGradient(params: ArrayLike<number>, grad: Float64Array): number {
    const { law, features, logLoss, weights, delta, g } = this;
    if (law.huberKernel) return law.huberKernel(params, features, logLoss, weights, delta, grad, this.band);
    const k = law.nFeatures;
    const p = grad.length;
    grad.fill(0);
    let s = 0;
    for (let i = 0; i < this.n; i++) {
      const wi = weights[i];
      if (wi === 0) continue;
      huberStep(law.gradLog(params, features, i * k, g) - logLoss[i], delta);
      s += wi * HUBER.value;
      const psi = wi * HUBER.psi;
      for (let j = 0; j < p; j++) grad[j] += psi * g[j];
    }
    return s;
  }

  /** Whether the law provides a Hessian (`hessLog` or `huberHessianKernel`), i.e. `valueGradientHessian` works. */
  get hasHessian(): boolean {
    return this.law.huberHessianKernel !== undefined || this.law.hessLog !== undefined;
  }

  /**
   * Objective value; writes its gradient into `grad` and its Hessian (row-major p × p) into `hess`:
   * ∇²f = Σ_i w_i [ψ'(r_i) ∇r_i ∇r_iᵀ + ψ(r_i) ∇²r_i] with ψ = Huber_δ', i.e. ψ' = 1, ψ = r inside |r| ≤ δ and
   * ψ' = 0, ψ = δ·sign(r) outside (the Huber second derivative taken one-sided at the kink |r| = δ).
   * Throws when the law has no Hessian (`hasHessian`).
   */
  valueGradientHessian(params: ArrayLike<number>, grad: Float64Array, hess: Float64Array): number {
    const { law, features, logLoss, weights, delta, g } = this;
    if (law.huberHessianKernel) return law.huberHessianKernel(params, features, logLoss, weights, delta, grad, hess);
    if (!law.hessLog) throw new Error(`${law.name}: the law has no Hessian (hessLog)`);
    const k = law.nFeatures;
    const p = grad.length;
    const h = this.h && this.h.length === p * p ? this.h : (this.h = new Float64Array(p * p));
    grad.fill(0);
    hess.fill(0);
    let s = 0;
    for (let i = 0; i < this.n; i++) {
      const wi = weights[i];
      if (wi === 0) continue;
      huberStep(law.hessLog(params, features, i * k, g, h) - logLoss[i], delta);
      s += wi * HUBER.value;
      const psi = wi * HUBER.psi;
      const dpsi = wi * HUBER.dpsi;
      for (let j = 0; j < p; j++) {
        grad[j] += psi * g[j];
        const dg = dpsi * g[j];
        for (let l = 0; l < p; l++) hess[j * p + l] += dg * g[l] + psi * h[j * p + l];
      }
    }
    return s;
  }

  /** Log-loss residuals log L̂ − log L per observation. */
  residuals(params: ArrayLike<number>): Float64Array {
    const k = this.law.nFeatures;
    const out = new Float64Array(this.n);
    for (let i = 0; i < this.n; i++) out[i] = this.law.predictLog(params, this.features, i * k) - this.logLoss[i];
    return out;
  }
}
