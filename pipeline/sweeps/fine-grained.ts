import { formatTokens, withSeedReplicates, type ModelShape, type Replicates, type SweepRun } from './types';

/** A cartesian block of a grid: every shape × every token count (× every granularity for MoE blocks). */
export interface FineGrainedBlock {
  shapes: ModelShape[];
  /** Training-token counts D. */
  tokens: number[];
  /** Granularities G (powers of two; paper: 1, 2, 4, 8, 16). */
  granularities: number[];
  /** Seed replicates of chosen runs of the block (`-s<seed>` ids). */
  replicates?: Replicates;
}

/**
 * The fine-grained sweep of Krajewski et al. 2024 (arXiv 2402.07871, §5, Tables 3 and 4): model sizes ×
 * granularity G × training tokens at a fixed expansion rate E, expert-choice routing, MoE in every block, plus
 * dense baselines. The paper's grid is not a full cartesian product (Table 3 rows differ in their G and D), so a
 * grid is a union of cartesian blocks.
 */
export interface FineGrainedGrid {
  /** Fixed expansion rate E (paper: 64; App. D: 16). */
  expansionRate: number;
  /** MoE runs: union of blocks. */
  moe: FineGrainedBlock[];
  /** Dense baselines: union of (shapes × tokens) blocks (paper Table 4). */
  dense: Array<Omit<FineGrainedBlock, 'granularities'>>;
}

function shapeId(shape: ModelShape): string {
  return `d${shape.dModel}x${shape.layers}`;
}

/**
 * Expands a fine-grained grid into runs with stable ids `fg-moe-e{E}-g{G}-d{d}x{L}-t{D}` and
 * `fg-dense-d{d}x{L}-t{D}`; a run listed by two blocks with the same settings appears once, with different
 * settings (e.g. another `lr` for the same shape) it is an error naming the run and the setting.
 */
export function expandFineGrained(grid: FineGrainedGrid): SweepRun[] {
  const runs = new Map<string, SweepRun>();
  const base = (shape: ModelShape, tokens: number) => ({
    sweep: 'fine-grained' as const,
    dModel: shape.dModel,
    layers: shape.layers,
    heads: shape.heads,
    dFF: shape.dFF ?? 4 * shape.dModel,
    ffn: 'gelu' as const,
    moeEvery: 1,
    tokens,
    ...(shape.lr !== undefined ? { lr: shape.lr } : {}),
  });
  const add = (run: SweepRun, replicates: Replicates | undefined) => {
    for (const r of withSeedReplicates(run, replicates)) {
      const listed = runs.get(r.runId);
      if (listed !== undefined && JSON.stringify(listed) !== JSON.stringify(r)) {
        // the id names a configuration: a second block giving it another recipe would silently replace the first
        throw new Error(`run ${r.runId} is listed by two blocks with different settings (${describeDifference(listed, r)}); list it in one block, or give the blocks different shapes or tokens`);
      }
      runs.set(r.runId, r);
    }
  };
  for (const block of grid.dense) {
    for (const shape of block.shapes) {
      for (const tokens of block.tokens) {
        const runId = `fg-dense-${shapeId(shape)}-t${formatTokens(tokens)}`;
        add({ ...base(shape, tokens), runId, family: 'dense', router: 'none', expansionRate: 1, granularity: 1, topK: 1 }, block.replicates);
      }
    }
  }
  for (const block of grid.moe) {
    for (const shape of block.shapes) {
      for (const tokens of block.tokens) {
        for (const granularity of block.granularities) {
          const runId = `fg-moe-e${grid.expansionRate}-g${granularity}-${shapeId(shape)}-t${formatTokens(tokens)}`;
          add({ ...base(shape, tokens), runId, family: 'moe', router: 'expert-choice', expansionRate: grid.expansionRate, granularity, topK: 1 }, block.replicates);
        }
      }
    }
  }
  return [...runs.values()];
}

function describeDifference(a: SweepRun, b: SweepRun): string {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])] as Array<keyof SweepRun>;
  return keys
    .filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]))
    .map((k) => `${k} ${JSON.stringify(a[k]) ?? 'unset'} vs ${JSON.stringify(b[k]) ?? 'unset'}`)
    .join(', ');
}
