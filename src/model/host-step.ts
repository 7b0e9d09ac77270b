/**
 * The training step's forward and backward on a host backend (wasm, cpu) as one explicit program over the native
 * addon's kernels, instead of tfjs ops under `tf.variableGrads` (issue: CPU training at twice PyTorch's speed).
 * On the tiny models, a third of a tfjs step went to the engine's per-kernel bookkeeping (tape, tensor creation,
 * disposal) rather than to arithmetic; here each op is one addon call on buffers allocated once and reused.
 *
 * It runs exactly the kernels the fused tfjs path runs (src/model/transformer.ts with the kernels of
 * src/backend/host-fused.ts and src/backend/kernels.ts), with the same arguments, in an order that gives the same
 * float32 values: a gradient reaching a tensor along two paths is one float32 add, as tfjs accumulates it. So the
 * losses, gradients and trained weights are bit-identical to that path's (test/model/host-step.test.ts checks it
 * step by step), and which path trained a run does not show in its results.
 *
 * It covers the models the sweeps train most: dense and MoE (token or expert choice, with or without the expert output
 * LayerNorm) with GELU FFNs, tied or untied embeddings. SwiGLU, shared experts and PEER layers keep the tfjs path
 * (`hostStepUnsupported` names the reason).
 */
import * as tf from '@tensorflow/tfjs';
import { ADD_LAYER_NORM, ATTENTION, LAYER_NORM, ROUTER_LOSSES, ROUTER_SOFTMAX, XENT } from '../backend/fused-ops';
import { MOE_EXPERTS } from '../backend/host-fused';
import { hostMemory, type HostMemory } from '../backend/host-memory';
import { HOST_KERNELS, hasHostKernel, matMulIsNative } from '../backend/kernels';
import { nativeBlas, type NativeBlas } from '../backend/native-blas';
import { routerLossesGradLoop, routerLossesLoop, routerSoftmaxGradLoop, routerSoftmaxLoop } from '../backend/router-loops';
import { ModelConfig, isMoeLayer, routedExpertCount } from './config';
import { type MoeLayerStats, routeMoe, servingOrder } from './moe/layer';
import { plainOps } from './ops';
import type { Weights } from './weights';

/** LayerNorm ε of every norm of the model (src/model/ops.ts `layerNorm`'s default). */
const LN_EPS = 1e-5;

type Buf = ArrayBuffer | Float32Array;
type Loc = [Buf, number];

let enabled = process.env.MOELAB_HOST_STEP !== '0';

/**
 * Turn the host step off (or back on) for this process; MOELAB_HOST_STEP=0 starts it off. The results do not
 * change (they are bit-identical); the train benchmark measures both paths this way.
 */
export function setHostStepEnabled(on: boolean): void {
  enabled = on;
}

/** Why the host step cannot run `cfg` on the active backend, or null when it can. */
export function hostStepUnsupported(cfg: ModelConfig): string | null {
  if (!enabled) return 'turned off (MOELAB_HOST_STEP=0 or setHostStepEnabled(false))';
  const backend = tf.getBackend();
  if (backend !== 'wasm' && backend !== 'cpu') return `backend ${backend} is not a host backend (wasm, cpu)`;
  if (!nativeBlas() || !matMulIsNative()) return 'the native addon is not loaded';
  if (plainOps()) return 'plain tfjs ops are on (the train benchmark\'s reference)';
  for (const k of [LAYER_NORM, ADD_LAYER_NORM, ATTENTION, XENT, MOE_EXPERTS, ROUTER_SOFTMAX, ROUTER_LOSSES, HOST_KERNELS.gelu, HOST_KERNELS.geluGrad, HOST_KERNELS.gatherRows, HOST_KERNELS.scatterAddRows]) {
    if (!hasHostKernel(k)) return `the fused kernel ${k} is not registered on ${backend}`;
  }
  if (cfg.ffn !== 'gelu') return `FFN ${cfg.ffn} (only GELU FFNs)`;
  if (cfg.peer) return 'PEER layers';
  if (cfg.moe && cfg.moe.sharedExperts > 0) return 'shared experts';
  return null;
}

/** What one host step returns: the losses as the tfjs path's float32 scalars hold them, routing stats, gradients. */
export interface HostStepResult {
  /** Mean LM cross-entropy (nats/token). */
  lm: number;
  /** Mean over MoE layers of the balance loss (0 for dense). */
  balance: number;
  /** Mean over MoE layers of the router z-loss (0 for dense). */
  z: number;
  /** Σ_layers lbCoef · balance + zCoef · z (0 for dense). */
  aux: number;
  /** lm + aux, the differentiated loss. */
  loss: number;
  moeStats: MoeLayerStats[];
  /** Gradient of `loss` per weight (logical names); the arrays are reused by the next step. */
  grads: ReadonlyMap<string, Float32Array>;
  /** Addon calls the step made (its kernels; the bench's "kernels per step"). */
  nativeCalls: number;
  /** With `run(…, { profile: true })`: wall time by kind of op (the time since the previous op goes to each). */
  profile?: Record<HostOpKind, { count: number; ms: number }>;
}

/** Kinds of the host step's ops, named as the bench's step profile names tfjs kernels (src/bench/step-profile.ts). */
export const HOST_OP_KINDS = ['matmul', 'attention', 'norm', 'moe', 'loss', 'activation', 'gather/scatter', 'elementwise'] as const;
export type HostOpKind = (typeof HOST_OP_KINDS)[number];

/** A float32 scratch array that grows to the largest size asked of it; `take(n)` views its first n values. */
class Grow {
  private buf = new Float32Array(0);
  take(n: number): Float32Array {
    if (this.buf.length < n) this.buf = new Float32Array(n);
    return this.buf.subarray(0, n);
  }
}

interface MoeSaved {
  probs: Float32Array;
  lse: Float32Array;
  assigned: Float32Array;
  tokens: Int32Array;
  counts: Int32Array;
  act: Grow;
  dgelu: Grow;
  out: Grow;
  total: number;
}

interface Block {
  moe: boolean;
  /** Attention: fused QKV [n, 3d], heads' output [n, d], log-sum-exp per (b, h, t). */
  qkv: Float32Array;
  o: Float32Array;
  lseA: Float32Array;
  /**
   * Dense FFN [n, dFF]: `slope` holds the pre-activation u until the GELU overwrites it with GELU'(u) (what the
   * backward pass multiplies by: the bits of geluGrad), `g` the GELU.
   */
  slope: Float32Array;
  g: Float32Array;
  moeSaved: MoeSaved | null;
  /** MoE with an output LayerNorm: the routed experts' output [n, d] (its input) and its stats [n, 2]. */
  routed: Float32Array;
  routedStats: Float32Array;
}

/** The buffers of one (batch, seqLen): activations saved for the backward pass and scratch. */
interface Plan {
  batch: number;
  seqLen: number;
  n: number;
  positions: Int32Array;
  /** Norm sites: 0 = b0.ln1 on the embeddings, 2l+1 = block l's ln2, 2l+2 = the next block's ln1 (or ln_f). */
  xs: Float32Array[];
  ys: Float32Array[];
  stats: Float32Array[];
  blocks: Block[];
  logits: Float32Array;
  lseX: Float32Array;
  loss: Float32Array;
  /** Scratch [n, d] ×4 (sublayer outputs and cotangents), [n, 3d], [n, max(dFF)], [n, E]. */
  t1: Float32Array;
  t2: Float32Array;
  t3: Float32Array;
  t4: Float32Array;
  zeros: Float32Array;
  dqkv: Float32Array;
  du: Float32Array;
  /** The tied embedding's gradient from the unembedding [vocab, d] (empty when untied). */
  dTokUnemb: Float32Array;
  dlogits: Float32Array;
  dl: Float32Array;
  dprobs: Float32Array;
  dprobs2: Float32Array;
  dlseR: Float32Array;
  one: Float32Array;
}

/**
 * The host training step of one model: `run(inputs, targets, batch, seqLen)` computes the losses and every
 * weight's gradient (as `tf.variableGrads` of lmLoss + auxLoss over `forward` would, bit for bit). Construct it
 * only where `hostStepUnsupported(cfg)` is null. Weights are located where the backend keeps them on each call,
 * so updates between calls are seen (AdamW.applyArrays writes them in place; a checkpoint restore assigns new tensors).
 */
export class HostTrainStep {
  private readonly blas: NativeBlas;
  private readonly mem: HostMemory;
  private readonly d: number;
  private readonly grads = new Map<string, Float32Array>();
  private plan: Plan | null = null;
  private calls = 0;
  private prof: Record<HostOpKind, { count: number; ms: number }> | null = null;
  private last = 0;

  constructor(
    private readonly w: Weights,
    private readonly cfg: ModelConfig,
  ) {
    const why = hostStepUnsupported(cfg);
    if (why) throw new Error(`host training step: unsupported here (${why})`);
    this.blas = nativeBlas()!;
    this.mem = hostMemory()!;
    this.d = cfg.dModel;
    for (const [name, v] of w) this.grads.set(name, new Float32Array(v.size));
  }

  private planFor(batch: number, seqLen: number): Plan {
    if (this.plan && this.plan.batch === batch && this.plan.seqLen === seqLen) return this.plan;
    const { cfg, d } = this;
    const n = batch * seqLen;
    const f = (k: number) => new Float32Array(k);
    const L = cfg.layers;
    const sites = 2 * L + 1;
    let maxFF = 1;
    let maxE = 1;
    const blocks: Block[] = [];
    for (let l = 0; l < L; l++) {
      const moe = isMoeLayer(cfg, l);
      const dff = moe ? 1 : this.W(`b${l}.ffn.w1`).shape[1]!;
      maxFF = Math.max(maxFF, dff);
      let moeSaved: MoeSaved | null = null;
      if (moe) {
        const E = routedExpertCount(cfg.moe!);
        maxE = Math.max(maxE, E);
        moeSaved = { probs: f(n * E), lse: f(n), assigned: f(E), tokens: new Int32Array(0), counts: new Int32Array(E), act: new Grow(), dgelu: new Grow(), out: new Grow(), total: 0 };
      }
      const outLn = moe && cfg.moe!.outputLayerNorm;
      blocks.push({
        moe, qkv: f(n * 3 * d), o: f(n * d), lseA: f(batch * cfg.heads * seqLen), slope: f(moe ? 0 : n * dff), g: f(moe ? 0 : n * dff), moeSaved,
        routed: f(outLn ? n * d : 0), routedStats: f(outLn ? n * 2 : 0),
      });
    }
    const positions = new Int32Array(n);
    for (let b = 0; b < batch; b++) for (let t = 0; t < seqLen; t++) positions[b * seqLen + t] = t;
    this.plan = {
      batch, seqLen, n, positions,
      xs: Array.from({ length: sites }, () => f(n * d)),
      ys: Array.from({ length: sites }, () => f(n * d)),
      stats: Array.from({ length: sites }, () => f(n * 2)),
      blocks,
      logits: f(n * cfg.vocab), lseX: f(n), loss: f(1),
      t1: f(n * d), t2: f(n * d), t3: f(n * d), t4: f(n * d), zeros: f(n * d),
      dqkv: f(n * 3 * d), du: f(n * maxFF), dTokUnemb: f(cfg.tiedEmbeddings ? cfg.vocab * d : 0), dlogits: f(n * maxE), dl: f(n * cfg.vocab),
      dprobs: f(n * maxE), dprobs2: f(n * maxE), dlseR: f(n), one: Float32Array.of(1),
    };
    return this.plan;
  }

  private W(name: string): tf.Variable {
    const v = this.w.get(name);
    if (!v) throw new Error(`host training step: the model has no weight ${name}`);
    return v;
  }

  /** Where weight `name` lives now (valid until the backend next allocates; nothing here allocates on it). */
  private at(name: string): Loc {
    return this.mem.locate(this.W(name));
  }

  /** An addon call of `kind` just ran: count it (and, profiling, give it the time since the previous mark). */
  private mark(kind: HostOpKind): void {
    this.calls++;
    this.note(kind, 1);
  }

  /** Profiling only: the time since the previous mark goes to `kind` (`ops` of it: 0 for plain JS loops). */
  private note(kind: HostOpKind, ops = 0): void {
    if (!this.prof) return;
    const now = performance.now();
    this.prof[kind].ms += now - this.last;
    this.prof[kind].count += ops;
    this.last = now;
  }

  /** out[i] = a[i] + b[i] for i < n, in float32 (tfjs's Add; out may be a or b): one addon call, counted as `kind`. */
  private add(out: Float32Array, a: Float32Array, b: Float32Array, n: number, kind: HostOpKind = 'elementwise'): void {
    this.blas.add(a, 0, b, 0, out, 0, n);
    this.mark(kind);
  }

  /** C [M,N] = op(A) @ op(B), as the BatchMatMul kernel calls it for 2-D operands. */
  private mm(a: Loc, b: Loc, c: Float32Array, M: number, N: number, K: number, ta: boolean, tb: boolean): void {
    this.blas.sgemm(a[0], a[1], b[0], b[1], c, 0, M, N, K, ta, tb, 1, 0, 0, M * N);
    this.mark('matmul');
  }

  /**
   * Forward and backward of one batch: `inputs` and `targets` row-major [batch, seqLen]. `profile` times every op
   * (for the bench; a few hundred clock reads per step).
   */
  run(inputs: Int32Array, targets: Int32Array, batch: number, seqLen: number, opts: { profile?: boolean } = {}): HostStepResult {
    const { cfg, d, blas } = this;
    const P = this.planFor(batch, seqLen);
    const { n } = P;
    if (inputs.length !== n || targets.length !== n) throw new Error(`host training step: ${inputs.length} inputs and ${targets.length} targets for a ${batch}×${seqLen} batch`);
    this.calls = 0;
    this.prof = opts.profile ? (Object.fromEntries(HOST_OP_KINDS.map((k) => [k, { count: 0, ms: 0 }])) as Record<HostOpKind, { count: number; ms: number }>) : null;
    this.last = performance.now();
    const L = cfg.layers;
    const V = cfg.vocab;
    const local = (a: Float32Array): Loc => [a, 0];
    const lnName = (k: number) => (k === 0 ? 'b0.ln1' : k % 2 === 1 ? `b${(k - 1) / 2}.ln2` : k / 2 < L ? `b${k / 2}.ln1` : 'ln_f');

    // ---- forward ----
    const tok = this.at('tok_emb');
    const pos = this.at('pos_emb');
    // x0 = tok_emb[inputs] + pos_emb[positions]: two row gathers and one float32 add, as the tfjs path.
    blas.gatherRows(tok[0], tok[1], V, d, inputs, P.t1, 0);
    this.mark('gather/scatter');
    blas.gatherRows(pos[0], pos[1], this.W('pos_emb').shape[0]!, d, P.positions, P.t2, 0);
    this.mark('gather/scatter');
    const x0 = P.xs[0]!;
    this.add(x0, P.t1, P.t2, n * d);
    const norm = (k: number, a: Float32Array | null) => {
      const g = this.at(`${lnName(k)}.g`);
      const b = this.at(`${lnName(k)}.b`);
      if (a) blas.layerNorm(P.xs[k - 1]!, 0, a, 0, g[0], g[1], b[0], b[1], P.xs[k]!, 0, P.ys[k]!, 0, P.stats[k]!, 0, n, d, LN_EPS);
      else blas.layerNorm(P.xs[0]!, 0, null, 0, g[0], g[1], b[0], b[1], null, 0, P.ys[0]!, 0, P.stats[0]!, 0, n, d, LN_EPS);
      this.mark('norm');
    };
    norm(0, null);
    const moeStats: MoeLayerStats[] = [];
    let aux = 0;
    let bal = 0;
    let zsum = 0;
    let moeLayers = 0;
    for (let l = 0; l < L; l++) {
      const B = P.blocks[l]!;
      const p = `b${l}`;
      const h = P.ys[2 * l]!;
      this.mm(local(h), this.at(`${p}.attn.wqkv`), B.qkv, n, 3 * d, d, false, false);
      blas.attention(B.qkv, 0, B.o, 0, B.lseA, 0, batch, seqLen, cfg.heads, d);
      this.mark('attention');
      this.mm(local(B.o), this.at(`${p}.attn.wo`), P.t1, n, d, d, false, false);
      norm(2 * l + 1, P.t1);
      const h2 = P.ys[2 * l + 1]!;
      if (B.moe) {
        const S = B.moeSaved!;
        const moe = cfg.moe!;
        const E = routedExpertCount(moe);
        const logits = P.dlogits.subarray(0, n * E);
        this.mm(local(h2), this.at(`${p}.moe.router`), logits, n, E, d, false, false);
        routerSoftmaxLoop(logits, S.probs, S.lse, n, E);
        const routing = routeMoe(cfg, S.probs, batch, seqLen);
        const order = servingOrder(routing);
        S.tokens = order.tokens;
        S.counts = order.counts;
        S.total = order.tokens.length;
        this.note('moe');
        const yRouted = moe.outputLayerNorm ? B.routed : P.t1;
        if (S.total === 0) {
          // Nothing routed (only non-finite router probabilities do that): zeros, as the tfjs path's tf.zeros.
          yRouted.fill(0);
        } else {
          const dff = this.W(`${p}.moe.e0.w1`).shape[1]!;
          const w1 = Array.from({ length: E }, (_, e) => this.at(`${p}.moe.e${e}.w1`));
          const w2 = Array.from({ length: E }, (_, e) => this.at(`${p}.moe.e${e}.w2`));
          blas.moeExperts(
            h2, 0, S.probs, 0, w1.map((x) => x[0]), w1.map((x) => x[1]), w2.map((x) => x[0]), w2.map((x) => x[1]), S.tokens, S.counts,
            yRouted, 0, S.act.take(S.total * dff), 0, S.dgelu.take(S.total * dff), 0, S.out.take(S.total * d), 0, n, d, E, dff,
          );
          this.mark('moe');
        }
        if (moe.outputLayerNorm) {
          // Krajewski's LayerNorm on the MoE output (src/model/moe/layer.ts finishMoe), a plain LayerNorm kernel.
          const g = this.at(`${p}.moe.ln.g`);
          const b = this.at(`${p}.moe.ln.b`);
          blas.layerNorm(B.routed, 0, null, 0, g[0], g[1], b[0], b[1], null, 0, P.t1, 0, B.routedStats, 0, n, d, LN_EPS);
          this.mark('norm');
        }
        // The tfjs path's assigned fractions are a float32 tensor; expert choice has none (its balance loss is 0).
        if (moe.router === 'token-choice') S.assigned.set(routing.assignedFraction);
        else S.assigned.fill(0);
        const r = routerLossesLoop(S.probs, S.lse, S.assigned, n, E, moe.lbCoef, moe.zCoef);
        // Running float32 sums from 0 in layer order, as `forward` adds the layers' scalars.
        aux = Math.fround(aux + Math.fround(r.aux));
        bal = Math.fround(bal + Math.fround(r.balance));
        zsum = Math.fround(zsum + Math.fround(r.z));
        moeLayers++;
        moeStats.push({ layer: l, droppedFraction: routing.droppedFraction, load: routing.load });
        this.note('moe');
      } else {
        const dff = B.slope.length / n;
        this.mm(local(h2), this.at(`${p}.ffn.w1`), B.slope, n, dff, d, false, false);
        blas.geluAndSlope(B.slope, 0, B.g, 0, B.slope, 0, n * dff);
        this.mark('activation');
        this.mm(local(B.g), this.at(`${p}.ffn.w2`), P.t1, n, d, dff, false, false);
      }
      norm(2 * l + 2, P.t1);
    }
    const hf = P.ys[2 * L]!;
    const unemb = cfg.tiedEmbeddings ? tok : this.at('unemb');
    this.mm(local(hf), unemb, P.logits, n, V, d, false, cfg.tiedEmbeddings);
    blas.xent(P.logits, 0, targets, P.lseX, 0, P.loss, 0, n, V);
    this.mark('loss');
    const lm = P.loss[0]!;

    // ---- backward (reverse order; cotangent of the loss 1, of each layer's aux loss 1, of balance and z 0) ----
    const G = (name: string) => this.grads.get(name)!;
    blas.xentGrad(P.one, 0, P.logits, 0, P.lseX, 0, targets, P.dl, 0, n, V);
    this.mark('loss');
    // dY: cotangent of the norm site's output; dS: of its residual-stream output (zero past the last site).
    let dY = P.t2;
    if (cfg.tiedEmbeddings) {
      this.mm(local(P.dl), tok, dY, n, d, V, false, false);
      this.mm(local(P.dl), local(hf), P.dTokUnemb, V, d, n, true, false);
    } else {
      const un = this.at('unemb');
      this.mm(local(P.dl), un, dY, n, d, V, false, true);
      this.mm(local(hf), local(P.dl), G('unemb'), d, V, n, true, false);
    }
    // The tied embedding's unembedding gradient waits in dTokUnemb for the gather's (one float32 add at the end).
    let dS = P.zeros;
    let dX = P.t4;
    /** Weights the loss does not reach this step (tfjs gives them no gradient, so AdamW leaves them alone). */
    const absent: string[] = [];
    const normGrad = (k: number) => {
      const g = this.at(`${lnName(k)}.g`);
      blas.layerNormGrad(dY, 0, P.xs[k]!, 0, P.stats[k]!, 0, g[0], g[1], dS, 0, dX, 0, G(`${lnName(k)}.g`), 0, G(`${lnName(k)}.b`), 0, n, d);
      this.mark('norm');
    };
    // Rotating scratch: dX of one site is the next site's dS; dY is written fresh by each sublayer's backward.
    const scratch = [P.t1, P.t2, P.t3, P.t4];
    const free = (...used: Float32Array[]) => scratch.find((s) => !used.includes(s))!;
    for (let l = L - 1; l >= 0; l--) {
      const B = P.blocks[l]!;
      const p = `b${l}`;
      // site 2l+2: s = xs[2l+1] + ffn(ys[2l+1])
      normGrad(2 * l + 2);
      dS = dX;
      const dSub = dX;
      const h2 = P.ys[2 * l + 1]!;
      dY = free(dS, P.zeros);
      if (B.moe) {
        const S = B.moeSaved!;
        const moe = cfg.moe!;
        const E = routedExpertCount(moe);
        const dpE = P.dprobs.subarray(0, n * E);
        const dpL = P.dprobs2.subarray(0, n * E);
        const dxE = free(dS, dY, P.zeros);
        let dRouted = dSub;
        if (moe.outputLayerNorm) {
          dRouted = free(dS, dY, dxE);
          const g = this.at(`${p}.moe.ln.g`);
          blas.layerNormGrad(dSub, 0, B.routed, 0, B.routedStats, 0, g[0], g[1], null, 0, dRouted, 0, G(`${p}.moe.ln.g`), 0, G(`${p}.moe.ln.b`), 0, n, d);
          this.mark('norm');
        }
        if (S.total > 0) {
          const dff = this.W(`${p}.moe.e0.w1`).shape[1]!;
          const w1 = Array.from({ length: E }, (_, e) => this.at(`${p}.moe.e${e}.w1`));
          const w2 = Array.from({ length: E }, (_, e) => this.at(`${p}.moe.e${e}.w2`));
          const dw1 = Array.from({ length: E }, (_, e) => G(`${p}.moe.e${e}.w1`));
          const dw2 = Array.from({ length: E }, (_, e) => G(`${p}.moe.e${e}.w2`));
          blas.moeExpertsGrad(
            dRouted, 0, h2, 0, S.probs, 0, S.act.take(S.total * dff), 0, S.dgelu.take(S.total * dff), 0, S.out.take(S.total * d), 0,
            w1.map((x) => x[0]), w1.map((x) => x[1]), w2.map((x) => x[0]), w2.map((x) => x[1]), S.tokens, S.counts,
            dxE, 0, dpE, 0, dw1, dw1.map(() => 0), dw2, dw2.map(() => 0), n, d, E, dff,
          );
          this.mark('moe');
        } else {
          // The experts (and an output LayerNorm's input) are off the loss's path: no gradient, as in tfjs.
          for (let e = 0; e < E; e++) absent.push(`${p}.moe.e${e}.w1`, `${p}.moe.e${e}.w2`);
        }
        routerLossesGradLoop(S.lse, S.assigned, dpL, P.dlseR, n, E, { dB: 0, dZ: 0, dAux: 1 }, moe.lbCoef, moe.zCoef);
        // probs reach the loss through the gates and the losses: one float32 add (commutative, so tfjs's order is moot).
        if (S.total > 0) this.add(dpE, dpE, dpL, n * E, 'moe');
        else dpE.set(dpL);
        const dlogits = P.dlogits.subarray(0, n * E);
        routerSoftmaxGradLoop(S.probs, dpE, P.dlseR, dlogits, n, E);
        this.note('moe');
        this.mm(local(dlogits), this.at(`${p}.moe.router`), dY, n, d, E, false, true);
        this.mm(local(h2), local(dlogits), G(`${p}.moe.router`), d, E, n, true, false);
        if (S.total > 0) this.add(dY, dxE, dY, n * d);
      } else {
        const dff = B.slope.length / n;
        const du = P.du.subarray(0, n * dff);
        this.mm(local(dSub), this.at(`${p}.ffn.w2`), du, n, dff, d, false, true);
        this.mm(local(B.g), local(dSub), G(`${p}.ffn.w2`), dff, d, n, true, false);
        blas.mul(du, 0, B.slope, 0, du, 0, n * dff); // dg·GELU'(u) in place: geluGrad's bits
        this.mark('activation');
        this.mm(local(du), this.at(`${p}.ffn.w1`), dY, n, d, dff, false, true);
        this.mm(local(h2), local(du), G(`${p}.ffn.w1`), d, dff, n, true, false);
      }
      // site 2l+1: s = xs[2l] + attn(ys[2l])
      dX = free(dS, dY, P.zeros);
      normGrad(2 * l + 1);
      dS = dX;
      const h = P.ys[2 * l]!;
      const dO = free(dS, P.zeros);
      this.mm(local(dS), this.at(`${p}.attn.wo`), dO, n, d, d, false, true);
      this.mm(local(B.o), local(dS), G(`${p}.attn.wo`), d, d, n, true, false);
      blas.attentionGrad(dO, 0, B.qkv, 0, B.lseA, 0, P.dqkv, 0, batch, seqLen, cfg.heads, d);
      this.mark('attention');
      dY = free(dS, dO, P.zeros);
      this.mm(local(P.dqkv), this.at(`${p}.attn.wqkv`), dY, n, d, 3 * d, false, true);
      this.mm(local(h), local(P.dqkv), G(`${p}.attn.wqkv`), d, 3 * d, n, true, false);
      dX = free(dS, dY, P.zeros);
    }
    // site 0: h = LayerNorm(x0) (no residual input); x0 also feeds site 1 as its residual (dS).
    const g0 = this.at('b0.ln1.g');
    blas.layerNormGrad(dY, 0, P.xs[0]!, 0, P.stats[0]!, 0, g0[0], g0[1], null, 0, dX, 0, G('b0.ln1.g'), 0, G('b0.ln1.b'), 0, n, d);
    this.mark('norm');
    this.add(dX, dX, dS, n * d);
    blas.scatterAddRows(dX, 0, d, inputs, G('tok_emb'), 0, V);
    this.mark('gather/scatter');
    blas.scatterAddRows(dX, 0, d, P.positions, G('pos_emb'), 0, this.W('pos_emb').shape[0]!);
    this.mark('gather/scatter');
    if (cfg.tiedEmbeddings) {
      const gt = G('tok_emb');
      this.add(gt, P.dTokUnemb, gt, gt.length);
    }
    return {
      lm,
      balance: moeLayers > 0 ? Math.fround(bal / moeLayers) : bal,
      z: moeLayers > 0 ? Math.fround(zsum / moeLayers) : zsum,
      aux,
      loss: Math.fround(lm + aux),
      moeStats,
      grads: absent.length === 0 ? this.grads : new Map([...this.grads].filter(([name]) => !absent.includes(name))),
      nativeCalls: this.calls,
      ...(this.prof ? { profile: this.prof } : {}),
    };
  }
}
