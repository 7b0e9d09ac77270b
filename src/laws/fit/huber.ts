/**
 * The Huber loss on a log-loss residual, in one place (Huber 1964; Hoffmann et al. App. D.2): Huber_δ(r) = r²/2
 * for |r| ≤ δ and δ(|r| − δ/2) otherwise; its derivative ψ = r or δ·sign(r), and ψ' = 1 or 0 (one-sided at the
 * kink). `huberStep(r, δ)` writes the three into `HUBER` (a scratch record, so the hot loops allocate nothing and
 * V8 inlines the call). Every objective and fused kernel uses it; the log-free Chinchilla grid kernel evaluates
 * the same linear-region term δ(|r| − δ/2) from products (see its comment).
 */
export const HUBER = { value: 0, psi: 0, dpsi: 0 };

export function huberStep(r: number, delta: number): void {
  if (r <= delta && r >= -delta) {
    HUBER.value = 0.5 * r * r;
    HUBER.psi = r;
    HUBER.dpsi = 1;
  } else {
    HUBER.value = delta * ((r > 0 ? r : -r) - 0.5 * delta);
    HUBER.psi = r > 0 ? delta : -delta;
    HUBER.dpsi = 0;
  }
}
