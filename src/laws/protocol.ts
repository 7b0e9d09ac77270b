/**
 * Fitting protocols as data. A protocol is every choice that turns a run table into a law's coefficients and
 * their uncertainty: the loss column, the objective (Huber δ, summed or averaged, or squared error in log10
 * space), a weight-decay regulariser, coefficients shared with another law's fit, how the optimiser is started,
 * the hold-out rule of the extrapolation check and the bootstrap scheme. Each law form carries the protocol of
 * the paper that defined it (`paper`) and moelab's own documented choices (`moelab`); every fit records the
 * protocol it was computed with, and the report shows how each verdict depends on it (Besiroglu et al. 2024
 * showed how much Chinchilla's conclusions depended on such choices).
 */
import type { LawName } from './coefficients';

/** Which of a law's protocols: the defining paper's, or moelab's documented alternative. */
export type ProtocolId = 'paper' | 'moelab';

export const PROTOCOL_IDS: readonly ProtocolId[] = ['paper', 'moelab'];

/** Which loss a fit targets: validation loss, or Krajewski's smoothed training loss (App. A). */
export type LossTarget = 'valLoss' | 'trainLossSmoothed';

/**
 * The objective minimised over the log-loss residuals r_i = ln L̂_i − ln L_i:
 * - `huber`: Σ_i Huber_δ(r_i) (`sum`, Hoffmann et al. App. D.2 as Besiroglu et al. replicate it) or its mean
 *   over observations (`mean`, Krajewski et al.'s code);
 * - `squared-log10`: the mean of (log10 L̂_i − log10 L_i)² (Clark et al.'s released notebook).
 */
export type FitObjective = { kind: 'huber'; delta: number; reduction: 'sum' | 'mean' } | { kind: 'squared-log10'; reduction: 'mean' };

/**
 * How the local optimiser (L-BFGS) is started:
 * - `grid`: from every point of a Cartesian grid over the optimisation-space parameters (`grid` overrides the
 *   law's `initGrid`), the best endpoints polished; `screen` > 0 first scores every grid point by its objective
 *   value and starts L-BFGS only from the best `screen` points (for grids too large to run L-BFGS from each);
 * - `random`: from `count` points drawn uniformly in the law's `startBox` with `seed`, keeping the best.
 */
export type StartStrategy =
  | { kind: 'grid'; grid?: readonly (readonly number[])[]; screen?: number; source: string }
  | { kind: 'random'; count: number; seed: number; source: string };

/**
 * Held-out extrapolation check: fit without a `fraction` of the runs and measure the error on them. Krajewski
 * et al. App. B hold out the 20% *lowest-loss* runs; moelab's alternative holds out the largest compute.
 */
export interface HoldoutRule {
  rule: 'lowest-loss' | 'largest-compute';
  fraction: number;
}

/**
 * Bootstrap of the fit: `subsample` draws `fraction` of the runs without replacement (Krajewski et al. App. C:
 * 80%, 100 times, 10th–90th percentiles), `n-of-n` draws n of n with replacement (Besiroglu et al.: SE and 95%
 * intervals). `level` is the central interval's coverage.
 */
export interface BootstrapScheme {
  scheme: 'subsample' | 'n-of-n';
  fraction: number;
  resamples: number;
  level: number;
}

/** A coefficient held at the value another law's fit found (Krajewski §5.3: the dense law shares c). */
export interface SharedCoefficient {
  coefficient: string;
  fromLaw: LawName;
  fromCoefficient: string;
}

export interface FitProtocol {
  id: ProtocolId;
  law: LawName;
  /** Where the protocol comes from (paper section, code, or "moelab"). */
  source: string;
  target: LossTarget;
  objective: FitObjective;
  /**
   * L2 penalty (weight decay) λ on the optimisation-space parameters: the objective gains λ·Σ_j θ_j² over the free
   * parameters, as Krajewski et al.'s code adds `weight_decay · Σ ‖p‖²` to its mean Huber (their paper: "a weight
   * decay of 5e−4"; their code: 5e-5 for the MoE law, 1.5e-4 for the dense law). 0 = none.
   */
  weightDecay: number;
  /** Coefficients taken from another fit of the same run table (fitted after it). */
  shared: readonly SharedCoefficient[];
  starts: StartStrategy;
  holdout: HoldoutRule;
  bootstrap: BootstrapScheme;
  /** Every place the protocol deviates from the paper or fills in what the paper leaves unsaid, with why. */
  notes: readonly string[];
}

/** One line naming a protocol's choices, for captions and tables. */
export function describeProtocol(p: FitProtocol): string {
  const obj =
    p.objective.kind === 'huber'
      ? `${p.objective.reduction === 'sum' ? 'summed' : 'mean'} Huber (δ = ${p.objective.delta}) on ln loss`
      : 'mean squared error of log10 loss';
  const starts = p.starts.kind === 'grid' ? `L-BFGS from a grid (${p.starts.source})` : `L-BFGS, best of ${p.starts.count} random starts`;
  const shared = p.shared.length ? `; ${p.shared.map((s) => `${s.coefficient} from the ${s.fromLaw} fit`).join(', ')}` : '';
  const wd = p.weightDecay > 0 ? `, weight decay ${p.weightDecay}` : '';
  const boot =
    p.bootstrap.scheme === 'subsample'
      ? `${p.bootstrap.resamples} subsamples of ${Math.round(p.bootstrap.fraction * 100)}%`
      : `${p.bootstrap.resamples} n-of-n resamples`;
  return `${p.id} protocol (${p.source}): target ${p.target}, ${obj}${wd}, ${starts}${shared}; hold-out ${Math.round(p.holdout.fraction * 100)}% ${p.holdout.rule}; bootstrap ${boot}, ${Math.round(p.bootstrap.level * 100)}% intervals`;
}

/** A named alternative to a protocol, for the protocol-sensitivity analysis. */
export interface ProtocolVariant {
  /**
   * Stable id (a path segment) naming the kind of change, the same for every law: `other-target`, `other-holdout`,
   * `other-huber-delta`, `other-bootstrap`, `other-protocol` (what each law's variant uses is in its protocol).
   */
  id: string;
  /** What changed, in words. */
  change: string;
  protocol: FitProtocol;
}

/**
 * The alternatives the report's protocol-sensitivity table evaluates every verdict under: the other target column,
 * the other hold-out rule, the other Huber δ (1e-3 ↔ 0.1), the other bootstrap scheme, and the law's other protocol.
 * Each changes one choice of `base` (except the last), so a verdict that moves names the choice it depends on.
 */
export function protocolVariants(base: FitProtocol, other: FitProtocol): ProtocolVariant[] {
  const out: ProtocolVariant[] = [];
  const target: LossTarget = base.target === 'valLoss' ? 'trainLossSmoothed' : 'valLoss';
  out.push({ id: 'other-target', change: `target ${base.target} → ${target}`, protocol: { ...base, target } });
  const rule = base.holdout.rule === 'lowest-loss' ? 'largest-compute' : 'lowest-loss';
  out.push({ id: 'other-holdout', change: `hold-out ${base.holdout.rule} → ${rule}`, protocol: { ...base, holdout: { ...base.holdout, rule } } });
  if (base.objective.kind === 'huber') {
    const delta = base.objective.delta >= 0.01 ? 1e-3 : 0.1;
    out.push({ id: 'other-huber-delta', change: `Huber δ ${base.objective.delta} → ${delta}`, protocol: { ...base, objective: { ...base.objective, delta } } });
  }
  const boot: BootstrapScheme =
    base.bootstrap.scheme === 'subsample'
      ? { scheme: 'n-of-n', fraction: 1, resamples: base.bootstrap.resamples, level: 0.95 }
      : { scheme: 'subsample', fraction: 0.8, resamples: base.bootstrap.resamples, level: 0.8 };
  out.push({
    id: 'other-bootstrap',
    change: `bootstrap ${base.bootstrap.scheme} → ${boot.scheme} (${Math.round(boot.level * 100)}% intervals)`,
    protocol: { ...base, bootstrap: boot },
  });
  if (other.id !== base.id) out.push({ id: 'other-protocol', change: `${base.id} → ${other.id} protocol (every choice)`, protocol: other });
  return out;
}

/** The Huber δ of a protocol's objective (∞ for the squared-error objective, which is Huber with δ = ∞). */
export function huberDeltaOf(p: FitProtocol): number {
  return p.objective.kind === 'huber' ? p.objective.delta : Infinity;
}

/** What a variant id changes, in words, with what each law's variant uses (from the variant records' protocols). */
export function variantChange(id: string, protocols: readonly FitProtocol[]): string {
  const uses = (f: (p: FitProtocol) => string) => [...new Set(protocols.map((p) => `${p.law}: ${f(p)}`))].join(', ');
  switch (id) {
    case 'other-target':
      return `the other target column (${uses((p) => p.target)})`;
    case 'other-holdout':
      return `the other hold-out rule (${uses((p) => p.holdout.rule)})`;
    case 'other-huber-delta':
      return `the other Huber δ (${uses((p) => String(huberDeltaOf(p)))})`;
    case 'other-bootstrap':
      return `the other bootstrap scheme (${uses((p) => p.bootstrap.scheme)})`;
    case 'other-protocol':
      return `the other protocol for every choice (${uses((p) => p.id)})`;
    default:
      return id;
  }
}
