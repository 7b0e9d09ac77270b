/**
 * AdamW (Loshchilov & Hutter) with global-norm gradient clipping. Its state (m, v, step) is exposed so
 * checkpoints can save and restore it bit-exactly.
 *
 * With the native addon (src/backend/native-blas.ts) on the host backends (wasm, cpu), the step is one fused
 * C loop per parameter over the backend's own memory, instead of ~12 tfjs kernels and their temporaries per
 * parameter (a JS loop was measured no faster than those kernels on wasm). Otherwise, and on device backends,
 * the tensor-op version runs. Both are deterministic, so a resumed run repeats an uninterrupted one exactly.
 */
import * as tf from '@tensorflow/tfjs';
import { hostMemory, tensorOf, type HostMemory } from '../backend/host-memory';
import { nativeBlas, type NativeBlas } from '../backend/native-blas';
import { adamwDevice, fusedKernelsActive } from '../backend/webgpu-kernels';

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
    /** `fused: false` forces the tensor-op update on every backend (tests compare the two); default true. */
    private readonly options: { fused?: boolean } = {},
  ) {
    for (const [name, p] of params) {
      // Inside tidy: the zeros are released once the variables hold their own reference.
      tf.tidy(() => {
        this.m.set(name, tf.variable(tf.zerosLike(p), false));
        this.v.set(name, tf.variable(tf.zerosLike(p), false));
      });
    }
  }

  /**
   * Apply one update with learning rate `lr`, given gradients keyed by the variables' tfjs names.
   * Returns the global gradient norm before clipping (a scalar tensor; call inside tf.tidy).
   */
  apply(grads: tf.NamedTensorMap, lr: number): tf.Scalar {
    // Host memory first: device backends (webgpu, tensorflow) never touch the addon.
    const host = this.options.fused === false ? null : hostMemory();
    const blas = host ? nativeBlas() : null;
    const all32 = [...this.params.values()].every((p) => p.dtype === 'float32') && Object.values(grads).every((g) => g.dtype === 'float32');
    if (blas && host && all32) return this.applyFused(blas, host, grads, lr);
    if (this.options.fused !== false && all32 && fusedKernelsActive()) return this.applyDevice(grads, lr);
    return this.applyTensorOps(grads, lr);
  }

  /**
   * The webgpu update: fused WGSL kernels update parameters and moments in place, the norm and clipping
   * factor stay on the device (src/backend/webgpu-kernels/adamw.ts; same arithmetic as applyTensorOps).
   */
  private applyDevice(grads: tf.NamedTensorMap, lr: number): tf.Scalar {
    const [b1, b2] = this.args.betas;
    this.step++;
    const list = [...this.params].flatMap(([name, p]) => {
      const g = grads[p.name];
      if (!g) return [];
      const weightDecay = this.args.weightDecay > 0 && p.rank >= 2 ? this.args.weightDecay : 0;
      return [{ p, m: this.m.get(name)!, v: this.v.get(name)!, g, weightDecay }];
    });
    return adamwDevice(list, {
      lr, b1, b2, c1: 1 - Math.pow(b1, this.step), c2: 1 - Math.pow(b2, this.step), eps: this.args.eps, gradClip: this.args.gradClip,
    });
  }

  /**
   * The fused native update: global norm (float64 accumulation) over all gradients, then one C loop per
   * parameter writing m, v and p into fresh tensors that are assigned to the variables (buffers shared with
   * tensors saved for the backward pass are never overwritten). A non-finite norm leaves every variable and
   * the step count untouched.
   */
  private applyFused(blas: NativeBlas, host: HostMemory, grads: tf.NamedTensorMap, lr: number): tf.Scalar {
    return tf.scalar(this.updateNative(blas, host, (p) => grads[p.name] ?? null, lr, false));
  }

  /**
   * The fused native update with gradients as plain float32 arrays keyed by the parameters' logical names (the
   * host training step's, src/model/host-step.ts), on a host backend with the native addon: the same arithmetic,
   * in the same order, as `apply` with the same values as tensors. Returns the global norm before clipping.
   * Parameters and moments are updated in place (no tensor is allocated or assigned): only for that step, whose
   * weights no tensor saved for a backward pass shares.
   */
  applyArrays(grads: ReadonlyMap<string, Float32Array>, lr: number): number {
    const host = hostMemory();
    const blas = nativeBlas();
    if (!host || !blas) throw new Error(`AdamW.applyArrays needs a host backend (wasm, cpu) with the native addon; backend is ${tf.getBackend()}, addon ${blas ? 'loaded' : 'not loaded'}`);
    for (const [name, p] of this.params) {
      const g = grads.get(name);
      if (g && g.length !== p.size) throw new Error(`AdamW.applyArrays: gradient of ${name} has ${g.length} values, the parameter ${p.size}`);
    }
    return this.updateNative(blas, host, (_, name) => grads.get(name) ?? null, lr, true);
  }

  /**
   * Global norm, then one native AdamW loop per parameter with a gradient (`grad` returns null for none): into
   * fresh tensors assigned to the variables, or `inPlace` over the variables' own memory (the same bits).
   */
  private updateNative(blas: NativeBlas, host: HostMemory, grad: (p: tf.Variable, name: string) => tf.Tensor | Float32Array | null, lr: number, inPlace: boolean): number {
    const [b1, b2] = this.args.betas;
    const list = [...this.params].flatMap(([name, p]) => {
      const g = grad(p, name);
      return g ? [[name, p, g] as const] : [];
    });
    const at = (g: tf.Tensor | Float32Array): [ArrayBuffer | Float32Array, number] => (g instanceof Float32Array ? [g, 0] : host.locate(g));
    let sq = 0;
    for (const [, , g] of list) {
      const [buf, off] = at(g);
      sq += blas.sumSquares(buf, off, g instanceof Float32Array ? g.length : g.size);
    }
    const norm = Math.sqrt(sq);
    if (!Number.isFinite(norm)) return norm;
    this.step++;
    const c1 = 1 - Math.pow(b1, this.step);
    const c2 = 1 - Math.pow(b2, this.step);
    // The tensor-op version's clipping factor: min(1, clip / (norm + 1e-6)).
    const scale = this.args.gradClip > 0 ? Math.min(1, this.args.gradClip / (norm + 1e-6)) : 1;
    for (const [name, p, g] of list) {
      const mVar = this.m.get(name)!;
      const vVar = this.v.get(name)!;
      const wd = this.args.weightDecay > 0 && p.rank >= 2 ? this.args.weightDecay : 0;
      if (inPlace) {
        blas.adamwInPlace(...at(g), ...host.locate(mVar), ...host.locate(vVar), ...host.locate(p), p.size, scale, lr, b1, b2, c1, c2, this.args.eps, wd);
        continue;
      }
      const m1 = tensorOf(host.alloc(p.shape));
      const v1 = tensorOf(host.alloc(p.shape));
      const p1 = tensorOf(host.alloc(p.shape));
      // Locate after the allocations (a wasm heap that grew has moved).
      blas.adamw(...at(g), ...host.locate(mVar), ...host.locate(vVar), ...host.locate(p), ...host.locate(m1), ...host.locate(v1), ...host.locate(p1), p.size, scale, lr, b1, b2, c1, c2, this.args.eps, wd);
      mVar.assign(m1);
      vVar.assign(v1);
      p.assign(p1);
      tf.dispose([m1, v1, p1]);
    }
    return norm;
  }

  /** The tensor-op update (device backends, or host backends without the native addon). */
  private applyTensorOps(grads: tf.NamedTensorMap, lr: number): tf.Scalar {
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
