/**
 * Learning-rate schedule: linear warm-up over `warmupFraction` of the steps, then cosine decay from the peak
 * to `finalLrFraction` · peak at the last step (Krajewski et al. App. A: 1% warm-up, decay to 10%).
 */
export interface ScheduleArgs {
  /** Peak learning rate. */
  lr: number;
  /** Total optimizer steps of the run. */
  totalSteps: number;
  /** Fraction of steps spent warming up linearly (0.01 = 1%). */
  warmupFraction: number;
  /** Final lr as a fraction of the peak (0.1). */
  finalLrFraction: number;
}

/** Learning rate of optimizer step `step` (0-based). */
export function learningRate(step: number, a: ScheduleArgs): number {
  const warmup = Math.round(a.warmupFraction * a.totalSteps);
  if (warmup > 0 && step < warmup) return (a.lr * (step + 1)) / warmup;
  const span = Math.max(1, a.totalSteps - 1 - warmup);
  const progress = Math.min(1, Math.max(0, (step - warmup) / span));
  const floor = a.finalLrFraction * a.lr;
  return floor + 0.5 * (a.lr - floor) * (1 + Math.cos(Math.PI * progress));
}
