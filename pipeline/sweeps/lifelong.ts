import type { CorpusConfig } from '../../src/data/corpus-config';
import type { LifelongArm } from '../../src/runs/lifelong';
import type { FreezeGroup } from '../../src/train/grow';
import { formatTokens, type ModelShape, type SweepRun } from './types';

/**
 * The lifelong sweep (Chen et al. 2023, "Lifelong Language Pretraining with Distribution-Specialized Experts"): an
 * MoE trained on one corpus (the old distribution), then continued on another (the new one) in several arms from
 * the same base weights, each measured on both corpora before and after (forgetting = the old corpus's loss after
 * minus before):
 * - `finetune`: the same model, nothing frozen (the baseline that forgets);
 * - `grow-frozen`: experts added (expansion rate `grow.expansionRate`), the base run's experts and their router
 *   columns frozen (`grow.freeze`), Lifelong-MoE's recipe;
 * - `grow`: the same added experts, nothing frozen (capacity without freezing, to tell the two apart).
 * One base and its arms per seed; the seeds are the claim's replicates (paired per seed).
 */
export interface LifelongGrid {
  /** The model shape (d_ff defaults to 4 · d_model, GELU experts). */
  shape: ModelShape;
  /** The base MoE: token choice, E experts of width d_ff/G, G · topK active. */
  moe: { expansionRate: number; granularity: number; topK: number };
  /** The old and the new distribution (each its own corpus, built under the data folder). */
  corpora: { old: CorpusConfig; new: CorpusConfig };
  /** Training tokens of the base run (old corpus) and of each arm (new corpus). */
  tokens: { old: number; new: number };
  /** The grown arms' expansion rate (> the base's) and what `grow-frozen` freezes. */
  grow: { expansionRate: number; freeze: FreezeGroup[] };
  /** LayerNorm on the MoE output (as the shared sweep: token choice's gates start small). */
  outputLayerNorm: boolean;
  /** One base run and its arms per seed. */
  seeds: number[];
}


/** One run of a lifelong instance: the base (old corpus) or an arm (new corpus, from the base's weights). */
export interface LifelongRun {
  role: 'base' | LifelongArm;
  run: SweepRun;
  /** Which corpus it trains on. */
  corpus: 'old' | 'new';
  /** Arms only: what stays frozen at the base's values. */
  freeze?: FreezeGroup[];
}

/**
 * The runs of one seed: the base `ll-base-e{E}-g{G}-d{d}x{L}-t{D_old}-s{seed}` and its arms
 * `ll-{arm}-e{E'}-…-t{D_new}-s{seed}` (E' the arm's expansion rate).
 */
export function lifelongRuns(grid: Omit<LifelongGrid, 'seeds'>, seed: number): LifelongRun[] {
  const { shape, moe } = grid;
  const at = `g${moe.granularity}-d${shape.dModel}x${shape.layers}`;
  const run = (runId: string, expansionRate: number, tokens: number): SweepRun => ({
    runId,
    sweep: 'lifelong',
    family: 'moe',
    router: 'token-choice',
    dModel: shape.dModel,
    layers: shape.layers,
    heads: shape.heads,
    dFF: shape.dFF ?? 4 * shape.dModel,
    ffn: 'gelu',
    expansionRate,
    granularity: moe.granularity,
    topK: moe.topK,
    moeEvery: 1,
    tokens,
    outputLayerNorm: grid.outputLayerNorm,
    seed,
    ...(shape.lr !== undefined ? { lr: shape.lr } : {}),
  });
  const newTokens = formatTokens(grid.tokens.new);
  return [
    { role: 'base', corpus: 'old', run: run(`ll-base-e${moe.expansionRate}-${at}-t${formatTokens(grid.tokens.old)}-s${seed}`, moe.expansionRate, grid.tokens.old) },
    { role: 'finetune', corpus: 'new', freeze: [], run: run(`ll-finetune-e${moe.expansionRate}-${at}-t${newTokens}-s${seed}`, moe.expansionRate, grid.tokens.new) },
    { role: 'grow-frozen', corpus: 'new', freeze: grid.grow.freeze, run: run(`ll-grow-frozen-e${grid.grow.expansionRate}-${at}-t${newTokens}-s${seed}`, grid.grow.expansionRate, grid.tokens.new) },
    { role: 'grow', corpus: 'new', freeze: [], run: run(`ll-grow-e${grid.grow.expansionRate}-${at}-t${newTokens}-s${seed}`, grid.grow.expansionRate, grid.tokens.new) },
  ];
}

/** Every run of the sweep, seed by seed. */
export function expandLifelong(grid: LifelongGrid): LifelongRun[] {
  return grid.seeds.flatMap((seed) => lifelongRuns(grid, seed));
}
