/**
 * AdamW (Loshchilov & Hutter) with global-norm gradient clipping. Its state (m, v, step) is exposed so
 * checkpoints can save and restore it bit-exactly.
 */
import * as tf from '@tensorflow/tfjs';

export interface AdamWArgs {
  /** β1, β2. */
  betas: [number, number];
  /** ε added to √v̂. */
  eps: number;
  /** Decoupled weight decay, applied to weights of rank ≥ 2 only (not to LayerNorm gains/biases). */
  weightDecay: number;
  /** Clip the global gradient norm to this value; 0 disables. */
  gradClip: number;
}

export class AdamW {
  /** Steps taken (for bias correction). */
  step = 0;
  readonly m = new Map<string, tf.Variable>();
  readonly v = new Map<string, tf.Variable>();
  constructor(
    private readonly params: Map<string, tf.Variable>,
    private readonly args: AdamWArgs,
  ) {
    for (const [name, p] of params) {
      this.m.set(name, tf.variable(tf.zerosLike(p), false));
      this.v.set(name, tf.variable(tf.zerosLike(p), false));
    }
  }

  /**
   * Apply one update with learning rate `lr`, given gradients keyed by the variables' tfjs names.
   * Returns the global gradient norm before clipping (a scalar tensor; call inside tf.tidy).
   */
  apply(grads: tf.NamedTensorMap, lr: number): tf.Scalar {
    const [b1, b2] = this.args.betas;
    this.step++;
    const c1 = 1 - Math.pow(b1, this.step);
    const c2 = 1 - Math.pow(b2, this.step);
    const list = [...this.params].map(([name, p]) => [name, p, grads[p.name]] as const);
    let sq: tf.Tensor = tf.scalar(0);
    for (const [, , g] of list) if (g) sq = tf.add(sq, tf.sum(tf.square(g)));
    const norm = tf.sqrt(sq) as tf.Scalar;
    let scale: tf.Tensor = tf.scalar(1);
    if (this.args.gradClip > 0) scale = tf.minimum(1, tf.div(this.args.gradClip, tf.add(norm, 1e-6)));
    for (const [name, p, g0] of list) {
      if (!g0) continue;
      const g = tf.mul(g0, scale);
      const m = this.m.get(name)!;
      const v = this.v.get(name)!;
      const m1 = tf.add(tf.mul(m, b1), tf.mul(g, 1 - b1));
      const v1 = tf.add(tf.mul(v, b2), tf.mul(tf.square(g), 1 - b2));
      m.assign(m1);
      v.assign(v1);
      let upd = tf.div(tf.div(m1, c1), tf.add(tf.sqrt(tf.div(v1, c2)), this.args.eps));
      if (this.args.weightDecay > 0 && p.rank >= 2) upd = tf.add(upd, tf.mul(p, this.args.weightDecay));
      p.assign(tf.sub(p, tf.mul(upd, lr)));
    }
    return norm;
  }

  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
  }
}
