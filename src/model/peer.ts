/**
 * The PEER layer (He 2024, "Mixture of A Million Experts", arXiv 2407.04202, §2): N single-neuron experts
 * e_i(x) = GELU(u_i · x) · v_i, retrieved per token and head by product keys and weighted by a softmax over the
 * retrieved keys' scores; the output is the sum over heads. Retrieval (which experts) is decided off the tape in
 * plain JS, as MoE routing is (`./moe/routing.ts`); the scores of the chosen keys, the gates and the experts are
 * differentiable row gathers, so gradients reach the queries, both sub-key tables and the retrieved experts.
 */
import * as tf from '@tensorflow/tfjs';
import { ModelConfig, peerSubKeys } from './config';
import { ConfigError } from './errors';
import { gatherRows, gelu, matmul2d, scatterAddRows } from './ops';
import { deviceOpsActive } from './ops-webgpu';
import { Weights } from './weights';

/** The experts a batch of queries retrieves: `rows · k` entries, row-major, best first within a row. */
export interface PeerRetrieval {
  /** Expert ids a · √N + b (a: first-half sub-key, b: second-half sub-key). */
  experts: Int32Array;
  /** Flat indices row · √N + a into the first half's [rows, √N] scores. */
  index1: Int32Array;
  /** Flat indices row · √N + b into the second half's [rows, √N] scores. */
  index2: Int32Array;
}

/** Whether (score a, id a) ranks before (score b, id b): higher score first, ties to the lower id. */
const before = (sa: number, ia: number, sb: number, ib: number) => sa > sb || (sa === sb && ia < ib);

/**
 * The k best of `n` scores starting at `offset` (ids 0..n-1), best first, into `ids` (length k): an insertion
 * into a sorted list of k, O(n) when few scores beat the k-th.
 */
function topKRow(scores: Float32Array, offset: number, n: number, k: number, ids: Int32Array, vals: Float64Array): void {
  let filled = 0;
  for (let i = 0; i < n; i++) {
    const s = scores[offset + i]!;
    if (filled === k && !before(s, i, vals[k - 1]!, ids[k - 1]!)) continue;
    let j = filled < k ? filled++ : k - 1;
    while (j > 0 && before(s, i, vals[j - 1]!, ids[j - 1]!)) {
      vals[j] = vals[j - 1]!;
      ids[j] = ids[j - 1]!;
      j--;
    }
    vals[j] = s;
    ids[j] = i;
  }
}

/**
 * Product-key retrieval (He 2024 §2, after Lample et al. 2019): per row, the top k of each half's √N sub-key
 * scores, then the top k of the k² sums s1[a] + s2[b] (expert a · √N + b). This is exactly the top k over all N
 * sums: an expert outside either half's top k has k better experts in the same row or column. Ties rank the lower
 * id first. `s1`, `s2` are row-major [rows, subKeys].
 */
export function productKeyTopK(s1: Float32Array, s2: Float32Array, rows: number, subKeys: number, k: number): PeerRetrieval {
  const experts = new Int32Array(rows * k);
  const index1 = new Int32Array(rows * k);
  const index2 = new Int32Array(rows * k);
  const a = new Int32Array(k);
  const av = new Float64Array(k);
  const b = new Int32Array(k);
  const bv = new Float64Array(k);
  const best = new Int32Array(k);
  const bestV = new Float64Array(k);
  const bestA = new Int32Array(k);
  const bestB = new Int32Array(k);
  for (let r = 0; r < rows; r++) {
    topKRow(s1, r * subKeys, subKeys, k, a, av);
    topKRow(s2, r * subKeys, subKeys, k, b, bv);
    let filled = 0;
    for (let i = 0; i < k; i++) {
      // both lists are sorted best first: once a sum cannot enter, later b (and, at j = 0, later a) cannot either
      // (ties are resolved by id below, so only a strictly lower sum ends a loop)
      if (filled === k && av[i]! + bv[0]! < bestV[k - 1]!) break;
      for (let j = 0; j < k; j++) {
        const s = av[i]! + bv[j]!;
        const id = a[i]! * subKeys + b[j]!;
        if (filled === k && s < bestV[k - 1]!) break;
        if (filled === k && !before(s, id, bestV[k - 1]!, best[k - 1]!)) continue;
        let m = filled < k ? filled++ : k - 1;
        while (m > 0 && before(s, id, bestV[m - 1]!, best[m - 1]!)) {
          bestV[m] = bestV[m - 1]!;
          best[m] = best[m - 1]!;
          bestA[m] = bestA[m - 1]!;
          bestB[m] = bestB[m - 1]!;
          m--;
        }
        bestV[m] = s;
        best[m] = id;
        bestA[m] = a[i]!;
        bestB[m] = b[j]!;
      }
    }
    for (let m = 0; m < k; m++) {
      experts[r * k + m] = best[m]!;
      index1[r * k + m] = r * subKeys + bestA[m]!;
      index2[r * k + m] = r * subKeys + bestB[m]!;
    }
  }
  return { experts, index1, index2 };
}

export interface PeerLayerOutput {
  y: tf.Tensor2D;
  /** Fraction of the N experts that at least one (token, head) of the batch retrieved. */
  expertsUsedFraction: number;
}

/** Apply PEER block `prefix` (e.g. `b1.peer`) to x [tokens, d_model]. */
export function peerLayer(w: Weights, prefix: string, cfg: ModelConfig, x: tf.Tensor2D): PeerLayerOutput {
  if (deviceOpsActive()) {
    throw new ConfigError('model.peer', 'PEER layers run on the cpu and wasm backends only (retrieval reads the key scores on the host, which the webgpu device path never does); use --backend cpu or wasm');
  }
  const peer = cfg.peer!;
  const tokens = x.shape[0];
  const heads = peer.heads;
  const k = peer.topK;
  const half = peer.keyDim / 2;
  const subKeys = peerSubKeys(peer);
  const queryRows = tokens * heads;
  // [tokens, heads · keyDim] → one query per (token, head) row, split into its two halves
  const q = tf.reshape(matmul2d(x, w.get(`${prefix}.wq`) as tf.Tensor2D), [queryRows, peer.keyDim]) as tf.Tensor2D;
  const s1 = matmul2d(tf.slice(q, [0, 0], [queryRows, half]) as tf.Tensor2D, w.get(`${prefix}.k1`) as tf.Tensor2D);
  const s2 = matmul2d(tf.slice(q, [0, half], [queryRows, half]) as tf.Tensor2D, w.get(`${prefix}.k2`) as tf.Tensor2D);
  const sel = productKeyTopK(s1.dataSync() as Float32Array, s2.dataSync() as Float32Array, queryRows, subKeys, k);
  // the retrieved keys' scores s1[a] + s2[b], differentiable in both halves; softmax over each row's k
  const score = tf.add(
    gatherRows(tf.reshape(s1, [queryRows * subKeys, 1]) as tf.Tensor2D, sel.index1),
    gatherRows(tf.reshape(s2, [queryRows * subKeys, 1]) as tf.Tensor2D, sel.index2),
  );
  const gates = tf.reshape(tf.softmax(tf.reshape(score, [queryRows, k])), [queryRows * k, 1]);
  const perToken = heads * k;
  const tokenOf = Int32Array.from({ length: queryRows * k }, (_, i) => Math.floor(i / perToken));
  const pre = tf.sum(tf.mul(gatherRows(x, tokenOf), gatherRows(w.get(`${prefix}.u`) as tf.Tensor2D, sel.experts)), 1, true);
  const act = tf.mul(gelu(pre), gates);
  const y = scatterAddRows(tf.mul(gatherRows(w.get(`${prefix}.v`) as tf.Tensor2D, sel.experts), act) as tf.Tensor2D, tokenOf, tokens);
  const used = new Uint8Array(peer.experts);
  let distinct = 0;
  for (const e of sel.experts) if (!used[e]) (used[e] = 1), distinct++;
  return { y, expertsUsedFraction: distinct / peer.experts };
}
