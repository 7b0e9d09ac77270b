/**
 * The model's weights: a flat, ordered map from a logical name (e.g. `b0.attn.wqkv`) to a tf.Variable,
 * created with a seeded, backend-independent initializer (pure JS PRNG, truncated normal at ±2σ).
 * Shapes and names are the single description of the architecture that `countWeights` and the
 * accounting test compare against.
 */
import * as tf from '@tensorflow/tfjs';
import { ModelConfig, expertWidth, isMoeLayer, isPeerLayer, peerSubKeys, routedExpertCount } from './config';
import { mulberry32 } from '../data/random';

export type Weights = Map<string, tf.Variable>;

/** How a weight is initialised: `normal`, `residual` (σ further divided by √(2·layers)), `ones`, `zeros` (see `matrixInitStd`). */
export type InitKind = 'normal' | 'residual' | 'ones' | 'zeros';

export interface WeightSpec {
  name: string;
  shape: number[];
  init: InitKind;
  /** Accounting group of this weight (`retrieval`: a PEER layer's queries and sub-keys). */
  group: 'embedding' | 'attention' | 'ffn' | 'expert' | 'shared' | 'router' | 'retrieval' | 'norm';
  /**
   * Inputs each value of the weight multiplies, for `init: 'fan-in'`, when it is not the first dimension: a PEER
   * expert table [N, d] holds one expert per row, so its input vectors have fan-in d and its output vectors the
   * h·k experts summed per token. Absent: shape[0].
   */
  fanIn?: number;
}

/** Every weight of the model with its shape, init and group, in a fixed order. */
export function weightSpecs(cfg: ModelConfig): WeightSpec[] {
  const d = cfg.dModel;
  const specs: WeightSpec[] = [
    { name: 'tok_emb', shape: [cfg.vocab, d], init: 'normal', group: 'embedding' },
    { name: 'pos_emb', shape: [cfg.contextLength, d], init: 'normal', group: 'embedding' },
  ];
  const ffnSpecs = (prefix: string, width: number, group: WeightSpec['group']): WeightSpec[] => {
    const s: WeightSpec[] = [{ name: `${prefix}.w1`, shape: [d, width], init: 'normal', group }];
    if (cfg.ffn === 'swiglu') s.push({ name: `${prefix}.w3`, shape: [d, width], init: 'normal', group });
    s.push({ name: `${prefix}.w2`, shape: [width, d], init: 'residual', group });
    return s;
  };
  for (let l = 0; l < cfg.layers; l++) {
    const p = `b${l}`;
    specs.push(
      { name: `${p}.ln1.g`, shape: [d], init: 'ones', group: 'norm' },
      { name: `${p}.ln1.b`, shape: [d], init: 'zeros', group: 'norm' },
      { name: `${p}.attn.wqkv`, shape: [d, 3 * d], init: 'normal', group: 'attention' },
      { name: `${p}.attn.wo`, shape: [d, d], init: 'residual', group: 'attention' },
      { name: `${p}.ln2.g`, shape: [d], init: 'ones', group: 'norm' },
      { name: `${p}.ln2.b`, shape: [d], init: 'zeros', group: 'norm' },
    );
    if (isMoeLayer(cfg, l)) {
      const moe = cfg.moe!;
      const experts = routedExpertCount(moe);
      specs.push({ name: `${p}.moe.router`, shape: [d, experts], init: 'normal', group: 'router' });
      for (let e = 0; e < experts; e++) specs.push(...ffnSpecs(`${p}.moe.e${e}`, expertWidth(cfg), 'expert'));
      for (let s = 0; s < moe.sharedExperts; s++) specs.push(...ffnSpecs(`${p}.moe.s${s}`, expertWidth(cfg), 'shared'));
      if (moe.outputLayerNorm) {
        specs.push(
          { name: `${p}.moe.ln.g`, shape: [d], init: 'ones', group: 'norm' },
          { name: `${p}.moe.ln.b`, shape: [d], init: 'zeros', group: 'norm' },
        );
      }
    } else if (isPeerLayer(cfg, l)) {
      const peer = cfg.peer!;
      const half = peer.keyDim / 2;
      specs.push(
        { name: `${p}.peer.wq`, shape: [d, peer.heads * peer.keyDim], init: 'normal', group: 'retrieval' },
        { name: `${p}.peer.k1`, shape: [half, peerSubKeys(peer)], init: 'normal', group: 'retrieval' },
        { name: `${p}.peer.k2`, shape: [half, peerSubKeys(peer)], init: 'normal', group: 'retrieval' },
        // expert i: input vector u_i (row i of .u), output vector v_i (row i of .v)
        { name: `${p}.peer.u`, shape: [peer.experts, d], init: 'normal', group: 'expert', fanIn: d },
        { name: `${p}.peer.v`, shape: [peer.experts, d], init: 'residual', group: 'expert', fanIn: peer.heads * peer.topK },
      );
    } else {
      specs.push(...ffnSpecs(`${p}.ffn`, cfg.dFF, 'ffn'));
    }
  }
  specs.push(
    { name: 'ln_f.g', shape: [d], init: 'ones', group: 'norm' },
    { name: 'ln_f.b', shape: [d], init: 'zeros', group: 'norm' },
  );
  if (!cfg.tiedEmbeddings) specs.push({ name: 'unemb', shape: [d, cfg.vocab], init: 'normal', group: 'embedding' });
  return specs;
}

/** FNV-1a hash of a string, to derive a per-weight seed from the run seed and the weight's name. */
function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Std of a standard normal truncated at ±2 (the sampler below redraws |z| > 2):
 * sqrt(1 − 2·2·φ(2)/(Φ(2) − Φ(−2))) = 0.8796256610342398, the constant JAX's `variance_scaling` divides by for
 * its `truncated_normal` distribution so that the drawn values have the requested variance.
 */
export const TRUNCATED_NORMAL_STD = 0.8796256610342398;

/**
 * The σ parameter of the truncated normal (±2σ) a weight matrix is drawn with.
 * - `gpt2` (today's default, unchanged): σ = initStd (GPT-2: 0.02), residual output projections (attention `wo`,
 *   FFN/expert `w2`) σ = initStd/sqrt(2·layers) (GPT-2's scaling of the residual path by depth). The drawn std is
 *   0.88·σ and does not depend on the width.
 * - `fan-in`: the drawn values have std sqrt(initScale / fan_in), fan_in = rows of the [in, out] matrix: the
 *   variance 1/fan_in of LeCun et al. 1998 ("Efficient BackProp", §4.6; JAX's `lecun_normal`), which is also μP's
 *   width scaling of hidden weights (Yang et al. 2022, "Tensor Programs V", Table 3: init variance ∝ 1/fan_in).
 *   Each output of x·W then has the variance of one input coordinate, at any d_model and for an expert of any width
 *   d_ff/G (its w2 has fan_in d_ff/G). Residual projections keep GPT-2's extra 1/sqrt(2·layers); σ is divided by
 *   TRUNCATED_NORMAL_STD to undo the truncation, as JAX does.
 * Embeddings (token, position, untied unembedding) use initStd under both.
 */
export function matrixInitStd(spec: WeightSpec, cfg: ModelConfig): number {
  const fanIn = spec.fanIn ?? spec.shape[0]!;
  const base = cfg.init === 'gpt2' || spec.group === 'embedding' ? cfg.initStd : Math.sqrt(cfg.initScale / fanIn) / TRUNCATED_NORMAL_STD;
  // Divided (not multiplied by 1/sqrt), so `gpt2` draws the same floats as before this option existed.
  return spec.init === 'residual' ? base / Math.sqrt(2 * cfg.layers) : base;
}

/** Initial values of one weight, deterministic in (seed, name) and independent of the backend. */
export function initValues(spec: WeightSpec, cfg: ModelConfig, seed: number): Float32Array {
  const size = spec.shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(size);
  if (spec.init === 'ones') return out.fill(1);
  if (spec.init === 'zeros') return out;
  const std = matrixInitStd(spec, cfg);
  const rand = mulberry32(hashString(spec.name) ^ Math.imul(seed + 1, 0x9e3779b1));
  for (let i = 0; i < size; i++) {
    let z: number;
    do {
      const u1 = rand() || 1e-12;
      const u2 = rand();
      z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    } while (Math.abs(z) > 2);
    out[i] = z * std;
  }
  return out;
}

let modelCounter = 0;

/**
 * Create the model's variables (trainable, uniquely named in the tfjs engine so several models can coexist).
 * Call `disposeWeights` when done.
 */
export function initWeights(cfg: ModelConfig, seed: number): Weights {
  const id = modelCounter++;
  const w: Weights = new Map();
  for (const spec of weightSpecs(cfg)) {
    const init = tf.tensor(initValues(spec, cfg, seed), spec.shape, 'float32');
    w.set(spec.name, tf.variable(init, true, `m${id}/${spec.name}`));
    init.dispose();
  }
  return w;
}

/** Number of weights actually held by the built model's variables. */
export function countWeights(w: Weights): number {
  let n = 0;
  for (const v of w.values()) n += v.size;
  return n;
}

export function disposeWeights(w: Weights): void {
  for (const v of w.values()) v.dispose();
  w.clear();
}
