/**
 * Continuing a finished run with more experts, the old ones frozen: Lifelong-MoE's recipe (Chen et al. 2023,
 * "Lifelong Language Pretraining with Distribution-Specialized Experts", §3): when the data distribution shifts,
 * add experts (and their router columns) to a trained MoE, keep the old experts and their gating frozen, and train
 * on the new distribution, so what the old experts learned is not overwritten. With the same model and no freeze
 * it is plain fine-tuning, the baseline that forgets.
 *
 * `initFromRun` copies a finished run's weights into the new model (same shape; a router may gain columns for the
 * new experts, which keep their fresh initialisation) and returns which entries stay frozen; `Frozen.mask` zeroes
 * their gradients and `Frozen.restore` puts their values back after every optimizer step (weight decay would
 * otherwise still shrink them), so a frozen entry ends the run bit-identical to the base run's.
 */
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { ModelConfig, routedExpertCount } from '../model/config';
import { ConfigError } from '../model/errors';
import type { Weights } from '../model/weights';
import { CheckpointError, loadCheckpoint } from './checkpoint';

/** Weight groups `initFrom.freeze` can keep at the base run's values. */
export const FREEZE_GROUPS = ['old-experts', 'old-router', 'attention', 'embeddings', 'norms', 'ffn'] as const;
export type FreezeGroup = (typeof FREEZE_GROUPS)[number];

export const InitFromSchema = z
  .object({
    /** A finished run's folder (its checkpoint.bin, written at the last step, holds the final weights). */
    run: z.string().min(1),
    /**
     * What stays at the base run's values: `old-experts` (the base run's experts, shared ones included),
     * `old-router` (the router columns of those experts), `attention`, `embeddings` (token, position, unembedding),
     * `norms` (every LayerNorm), `ffn` (dense blocks' FFNs). Default: nothing (fine-tuning).
     */
    freeze: z.array(z.enum(FREEZE_GROUPS)).default([]),
  })
  .strict();
export type InitFrom = z.output<typeof InitFromSchema>;

/** The minimal view of a base run's checkpoint state this module reads. */
interface BaseState {
  step: number;
  config: string;
}

/** The base run's model config and step count, read from its checkpoint (its saved, resolved trainer config). */
function baseModel(dir: string): { model: ModelConfig; finished: boolean; tokens: number; values: Map<string, { shape: number[]; data: Float32Array }> } {
  let ckpt;
  try {
    ckpt = loadCheckpoint<BaseState>(dir);
  } catch (e) {
    if (e instanceof CheckpointError) throw new ConfigError('initFrom.run', `${dir}: ${e.message}`);
    throw e;
  }
  if (!ckpt) throw new ConfigError('initFrom.run', `${dir} holds no checkpoint.bin; name the folder of a finished run (moelab train --out, or a train stage's state folder)`);
  const base = JSON.parse(ckpt.state.config) as { model: ModelConfig; tokens: number; data: { batchSize: number; seqLen: number } };
  const steps = Math.ceil(base.tokens / (base.data.batchSize * base.data.seqLen));
  return { model: base.model, finished: ckpt.state.step >= steps, tokens: steps * base.data.batchSize * base.data.seqLen, values: ckpt.values };
}

/** Refuses a new model that is not the base model with more experts (naming the field), and returns the base's routed expert count (0: dense). */
function checkGrowth(base: ModelConfig, next: ModelConfig): number {
  for (const k of ['vocab', 'dModel', 'layers', 'heads', 'dFF', 'ffn', 'tiedEmbeddings', 'contextLength'] as const) {
    if (base[k] !== next[k]) throw new ConfigError(`model.${k}`, `is ${String(next[k])} but the initFrom run's is ${String(base[k])}; a run continued from another keeps its shape (only the experts may grow)`);
  }
  if (base.peer || next.peer) throw new ConfigError('model.peer', 'continuing a run with PEER layers is not supported; initFrom takes dense and MoE runs');
  if (!base.moe) {
    if (next.moe) throw new ConfigError('model.moe', 'the initFrom run is dense; growing experts needs an MoE base run (or drop moe to fine-tune the dense model)');
    return 0;
  }
  if (!next.moe) throw new ConfigError('model.moe', 'the initFrom run is an MoE; keep its moe section (with a larger expansionRate to add experts)');
  for (const k of ['router', 'granularity', 'topK', 'every', 'sharedExperts', 'outputLayerNorm'] as const) {
    if (base.moe[k] !== next.moe[k]) throw new ConfigError(`model.moe.${k}`, `is ${String(next.moe[k])} but the initFrom run's is ${String(base.moe[k])}; only expansionRate may change (to add experts)`);
  }
  if (next.moe.expansionRate < base.moe.expansionRate) {
    throw new ConfigError('model.moe.expansionRate', `${next.moe.expansionRate} is below the initFrom run's ${base.moe.expansionRate}; experts can be added, not removed`);
  }
  return routedExpertCount(base.moe);
}

/** Entries kept at the base run's values: whole variables, and router columns of the old experts. */
export interface Frozen {
  /** Variables frozen as a whole (the trainer leaves them out of the gradient). */
  whole: Set<string>;
  /** Router variables whose first `columns` columns are frozen, with those columns' values. */
  columns: Array<{ name: string; columns: number; values: tf.Tensor2D }>;
  /** Description for the log: counts per group. */
  summary: string;
  /** Weights kept at the base's values, all groups (the run table's `frozen_weights`). */
  weights: number;
  /** Tokens the base run trained on (whole steps; the run table's `prior_tokens`). */
  baseTokens: number;
}

/** Expert index of a routed or shared expert weight name (`b1.moe.e3.w1` → routed 3; `b1.moe.s0.w2` → shared). */
function expertOf(name: string): { kind: 'routed' | 'shared'; index: number } | null {
  const m = /\.moe\.(e|s)(\d+)\./.exec(name);
  return m ? { kind: m[1] === 'e' ? 'routed' : 'shared', index: Number(m[2]) } : null;
}

function inGroup(name: string, group: FreezeGroup, oldRouted: number): boolean {
  const e = expertOf(name);
  switch (group) {
    case 'old-experts':
      return e !== null && (e.kind === 'shared' || e.index < oldRouted);
    case 'attention':
      return name.includes('.attn.');
    case 'embeddings':
      return name === 'tok_emb' || name === 'pos_emb' || name === 'unemb';
    case 'norms':
      return /(^|\.)ln(\d|_f)?\./.test(name);
    case 'ffn':
      return name.includes('.ffn.');
    case 'old-router':
      return false; // columns, not whole variables
  }
}

/**
 * Copies the finished run `from.run` into `weights` (the new model's, freshly initialised): every base weight into
 * the weight of the same name and shape; a router with more columns gets the base router's columns first (the new
 * experts' columns and weights keep their initialisation). Refuses a base run that is unfinished, of another shape,
 * or with a weight the new model lacks. Returns what `from.freeze` keeps frozen.
 */
export function initFromRun(weights: Weights, model: ModelConfig, from: InitFrom, options: { copy: boolean }): Frozen {
  const base = baseModel(from.run);
  if (!base.finished) throw new ConfigError('initFrom.run', `${from.run} is not finished (its checkpoint is mid-run); finish it first (moelab train --resume) so the new run starts from its final weights`);
  const oldRouted = checkGrowth(base.model, model);
  for (const key of base.values.keys()) {
    if (key.startsWith('w/') && !weights.has(key.slice(2))) throw new ConfigError('initFrom.run', `the initFrom run has weight ${key.slice(2)}, which the new model lacks`);
  }
  const frozen: Frozen = { whole: new Set(), columns: [], summary: '', weights: 0, baseTokens: base.tokens };
  const counts = new Map<string, number>();
  tf.tidy(() => {
    for (const [name, v] of weights) {
      const saved = base.values.get(`w/${name}`);
      const isNewExpert = (() => {
        const e = expertOf(name);
        return e !== null && e.kind === 'routed' && e.index >= oldRouted;
      })();
      if (!saved) {
        if (!isNewExpert) throw new ConfigError('initFrom.run', `the initFrom run has no weight ${name} (and it is not a new expert); continue from a run of the same architecture`);
        continue;
      }
      const same = saved.shape.length === v.shape.length && saved.shape.every((d, i) => d === v.shape[i]);
      const isRouter = name.endsWith('.moe.router');
      if (!same && !(isRouter && saved.shape[0] === v.shape[0] && saved.shape[1]! <= v.shape[1]!)) {
        throw new ConfigError('initFrom.run', `weight ${name} is [${saved.shape}] in the initFrom run but [${v.shape}] here`);
      }
      const old = tf.tensor(saved.data, saved.shape);
      if (options.copy) {
        if (same) v.assign(old);
        else v.assign(tf.concat([old, tf.slice(v, [0, saved.shape[1]!], [v.shape[0], v.shape[1]! - saved.shape[1]!])], 1));
      }
      if (isRouter && from.freeze.includes('old-router') && saved.shape[1]! === v.shape[1]!) {
        // no new experts: the whole router is old
        frozen.whole.add(name);
        counts.set('old-router', (counts.get('old-router') ?? 0) + v.size);
      } else if (isRouter && from.freeze.includes('old-router')) {
        frozen.columns.push({ name, columns: saved.shape[1]!, values: tf.keep(old as tf.Tensor2D) });
        counts.set('old-router', (counts.get('old-router') ?? 0) + saved.shape[0]! * saved.shape[1]!);
      }
      for (const g of from.freeze) {
        if (inGroup(name, g, oldRouted)) {
          frozen.whole.add(name);
          counts.set(g, (counts.get(g) ?? 0) + v.size);
          break;
        }
      }
    }
  });
  frozen.weights = [...counts.values()].reduce((a, b) => a + b, 0);
  frozen.summary = from.freeze.length ? from.freeze.map((g) => `${g} ${counts.get(g) ?? 0} weights`).join(', ') : 'nothing frozen';
  return frozen;
}

/** Zeroes the frozen router columns' gradients (in place in `grads`; whole frozen variables have none). */
export function maskFrozenGrads(frozen: Frozen, weights: Weights, grads: tf.NamedTensorMap): void {
  for (const c of frozen.columns) {
    const v = weights.get(c.name)!;
    const g = grads[v.name];
    if (!g) continue;
    grads[v.name] = tf.tidy(() => tf.concat([tf.zeros([v.shape[0], c.columns]), tf.slice(g, [0, c.columns], [v.shape[0], v.shape[1]! - c.columns])], 1));
    g.dispose();
  }
}

/** Puts the frozen router columns back after an optimizer step (weight decay moves them even with a zero gradient). */
export function restoreFrozen(frozen: Frozen, weights: Weights): void {
  tf.tidy(() => {
    for (const c of frozen.columns) {
      const v = weights.get(c.name)!;
      v.assign(tf.concat([c.values, tf.slice(v, [0, c.columns], [v.shape[0], v.shape[1]! - c.columns])], 1));
    }
  });
}

export function disposeFrozen(frozen: Frozen): void {
  for (const c of frozen.columns) c.values.dispose();
}
