/**
 * Routing decisions, computed in plain JS off the autodiff tape (tfjs has no TopK gradient, and indices
 * carry no gradient anyway). The gates' gradient still reaches the router because the combine step gathers
 * gate values from the router's softmax tensor with a differentiable gather.
 */

/** One expert's share of a batch: which token rows it processes and where its gate values sit. */
export interface ExpertAssignment {
  /** Token rows (0..tokens-1) this expert processes, in processing order. */
  tokens: Int32Array;
  /** Flat indices `token · experts + expert` into the [tokens, experts] router probabilities. */
  gateIndex: Int32Array;
}

export interface Routing {
  perExpert: ExpertAssignment[];
  /** Fraction of all routing slots each expert filled (sums to 1 when anything was routed). */
  load: number[];
  /**
   * Token choice: fraction of (token, choice) assignments dropped by the capacity limit.
   * Expert choice: fraction of tokens no expert picked.
   */
  droppedFraction: number;
  /** Token choice only: fraction of top-k assignments per expert before capacity (f_e of the balancing loss). */
  assignedFraction: number[];
}

export interface TokenChoiceOptions {
  /** Number of tokens (rows of probs). */
  tokens: number;
  /** Number of experts (columns of probs). */
  experts: number;
  /** Experts per token (k = G · base k). */
  topK: number;
  /** Capacity factor; null = unlimited. Capacity per expert = ceil(cf · k · tokens / experts). */
  capacityFactor: number | null;
}

/** Tokens per expert under token choice: ceil(cf · k · tokens / experts), or `tokens` when unlimited. */
export function tokenChoiceCapacity(o: TokenChoiceOptions): number {
  if (o.capacityFactor === null) return o.tokens;
  return Math.min(o.tokens, Math.max(1, Math.ceil((o.capacityFactor * o.topK * o.tokens) / o.experts)));
}

/**
 * Token choice: each token picks its top-k experts by router probability (ties: lower expert index).
 * Drop policy: assignments are served in order of choice rank (every token's first choice before any second
 * choice), then token order; an assignment arriving at a full expert is dropped (its token gets no output
 * from that expert; the residual path carries it).
 */
export function routeTokenChoice(probs: Float32Array, o: TokenChoiceOptions): Routing {
  const { tokens, experts, topK } = o;
  const capacity = tokenChoiceCapacity(o);
  // Typed arrays and two passes over the assignments (no per-token or per-expert JS arrays): the routing runs
  // in every MoE layer of every step, and on the tiny models it was ~10% of a step.
  const choice = new Int32Array(tokens * topK);
  const taken = new Uint8Array(experts);
  for (let t = 0, base = 0; t < tokens; t++, base += experts) {
    taken.fill(0);
    for (let r = 0; r < topK; r++) {
      let best = -1;
      let bestP = -Infinity;
      for (let e = 0; e < experts; e++) {
        const pe = probs[base + e]!;
        if (!taken[e] && pe > bestP) {
          bestP = pe;
          best = e;
        }
      }
      taken[best] = 1;
      choice[t * topK + r] = best;
    }
  }
  // Pass 1, in serving order (choice rank, then token): who is served before each expert fills up.
  const counts = new Int32Array(experts);
  const assigned = new Float64Array(experts);
  const served = new Uint8Array(tokens * topK);
  let dropped = 0;
  for (let r = 0; r < topK; r++) {
    for (let t = 0; t < tokens; t++) {
      const e = choice[t * topK + r]!;
      assigned[e]!++;
      if (counts[e]! < capacity) {
        counts[e]!++;
        served[t * topK + r] = 1;
      } else dropped++;
    }
  }
  // Pass 2, the same order: each expert's token rows and gate indices.
  const perExpert: ExpertAssignment[] = Array.from(counts, (c) => ({ tokens: new Int32Array(c), gateIndex: new Int32Array(c) }));
  const fill = new Int32Array(experts);
  for (let r = 0; r < topK; r++) {
    for (let t = 0; t < tokens; t++) {
      if (!served[t * topK + r]) continue;
      const e = choice[t * topK + r]!;
      const a = perExpert[e]!;
      const i = fill[e]!++;
      a.tokens[i] = t;
      a.gateIndex[i] = t * experts + e;
    }
  }
  const total = tokens * topK - dropped;
  return {
    perExpert,
    load: Array.from(counts, (c) => (total > 0 ? c / total : 0)),
    droppedFraction: dropped / (tokens * topK),
    assignedFraction: Array.from(assigned, (a) => a / (tokens * topK)),
  };
}

export interface ExpertChoiceOptions {
  /** Sequences in the batch. */
  batch: number;
  /** Positions per sequence; token row = b · seqLen + t. */
  seqLen: number;
  experts: number;
  /** Average experts per token, k = G · base k. */
  topK: number;
  /** Capacity factor (tokens per expert per group = round(cf · k · groupTokens / experts)). */
  capacityFactor: number;
  /** Requested group size; effective groups are at most `batch` tokens of one position (no causal leak). */
  groupSize: number;
}

/** Token groups of expert choice: tokens of the same position across sequences, chunks of ≤ groupSize. */
export function expertChoiceGroups(o: Pick<ExpertChoiceOptions, 'batch' | 'seqLen' | 'groupSize'>): Int32Array[] {
  const g = Math.min(o.groupSize, o.batch);
  const groups: Int32Array[] = [];
  for (let t = 0; t < o.seqLen; t++) {
    for (let b0 = 0; b0 < o.batch; b0 += g) {
      const size = Math.min(g, o.batch - b0);
      groups.push(Int32Array.from({ length: size }, (_, i) => (b0 + i) * o.seqLen + t));
    }
  }
  return groups;
}

/** Tokens each expert takes from a group of `groupTokens`: round(cf · k · groupTokens / experts), in [1, groupTokens]. */
export function expertChoiceCapacity(groupTokens: number, o: Pick<ExpertChoiceOptions, 'experts' | 'topK' | 'capacityFactor'>): number {
  return Math.min(groupTokens, Math.max(1, Math.round((o.capacityFactor * o.topK * groupTokens) / o.experts)));
}

/**
 * Expert choice (Zhou et al. 2022, as used by Krajewski et al.): router softmax over experts; within each
 * group every expert takes exactly its capacity of tokens with the highest probability for it (ties: lower
 * token row). Groups hold tokens of one position across sequences, so no token's routing depends on a later
 * position of its own sequence (Krajewski: "tokens are grouped by position across different sequences").
 */
export function routeExpertChoice(probs: Float32Array, o: ExpertChoiceOptions): Routing {
  const { experts } = o;
  const tokens = o.batch * o.seqLen;
  const groups = expertChoiceGroups(o);
  // Each expert's list has a known length (its capacity summed over groups): typed arrays filled in place, and a
  // top-`cap` insertion per (group, expert) instead of sorting the group (~4 ms per layer and step at E·G = 32 on a
  // 1024-token batch with a comparator sort; the order is the same: probability descending, then lower row).
  const caps = groups.map((g) => expertChoiceCapacity(g.length, o));
  const total = caps.reduce((a, c) => a + c, 0);
  const lists = Array.from({ length: experts }, () => new Int32Array(total));
  const picked = new Uint8Array(tokens);
  const sel = new Int32Array(caps.reduce((a, c) => Math.max(a, c), 1));
  let at = 0;
  for (let gi = 0; gi < groups.length; gi++) {
    const group = groups[gi]!;
    const cap = caps[gi]!;
    for (let e = 0; e < experts; e++) {
      let len = 0;
      for (let i = 0; i < group.length; i++) {
        const row = group[i]!;
        const pr = probs[row * experts + e]!;
        // `row` goes before a selected row when its probability is higher, or equal with a lower row index.
        if (len === cap) {
          const last = sel[cap - 1]!;
          const pl = probs[last * experts + e]!;
          if (!(pr > pl || (pr === pl && row < last))) continue;
        }
        let j = len < cap ? len++ : cap - 1;
        while (j > 0) {
          const other = sel[j - 1]!;
          const po = probs[other * experts + e]!;
          if (!(pr > po || (pr === po && row < other))) break;
          sel[j] = other;
          j--;
        }
        sel[j] = row;
      }
      const list = lists[e]!;
      for (let i = 0; i < cap; i++) {
        list[at + i] = sel[i]!;
        picked[sel[i]!] = 1;
      }
    }
    at += cap;
  }
  let unpicked = 0;
  for (let t = 0; t < tokens; t++) if (!picked[t]) unpicked++;
  const served = total * experts;
  return {
    perExpert: lists.map((ts, e) => {
      const gateIndex = new Int32Array(ts.length);
      for (let i = 0; i < ts.length; i++) gateIndex[i] = ts[i]! * experts + e;
      return { tokens: ts, gateIndex };
    }),
    load: lists.map((l) => (served > 0 ? l.length / served : 0)),
    droppedFraction: unpicked / tokens,
    assignedFraction: lists.map((l) => (served > 0 ? l.length / served : 0)),
  };
}
