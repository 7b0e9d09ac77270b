import {
  KRAJEWSKI_C_F,
  KRAJEWSKI_C_R,
  KRAJEWSKI_DMODEL_PER_BLOCK,
  krajewskiParamsActive,
  krajewskiParamsTotal,
  krajewskiTrainingFlops,
} from '../../accounting/formulas';
import { bisectRoot } from '../fit/brent';
import { KRAJEWSKI_TABLE2, PUBLISHED, type DenseCoefficients, type FineGrainedCoefficients } from '../published';
import { chinchillaFlopsForLoss, chinchillaOptimal } from './chinchilla';
import { scanThenBrent } from './scan';

/** Krajewski et al. 2024 Eq. 9: `c + (g/G^γ + a)/N^α + b/D^β`, N = total non-embedding params. */
export function fineGrainedLoss(c: FineGrainedCoefficients, paramsTotal: number, tokens: number, granularity: number): number {
  return c.c + (c.g / Math.pow(granularity, c.gamma) + c.a) / Math.pow(paramsTotal, c.alpha) + c.b / Math.pow(tokens, c.beta);
}

export interface FineGrainedAllocationOptions {
  /** Expansion rate E. Default 64 (Krajewski Table 2; 16 for Table 9). */
  expansionRate?: number;
  /** Candidate granularities. Default powers of two 1…256. */
  granularities?: readonly number[];
  /** FFN FLOPs constant c_f. Default 6. */
  cF?: number;
  /** Routing FLOPs constant c_r. Default 14. */
  cR?: number;
}

export interface FineGrainedPoint {
  granularity: number;
  /** Continuous number of blocks (d_model = 64 · nBlocks). */
  nBlocks: number;
  dModel: number;
  paramsActive: number;
  paramsTotal: number;
  tokens: number;
  loss: number;
}

export interface FineGrainedAllocation extends FineGrainedPoint {
  flops: number;
  expansionRate: number;
  /** Best allocation per candidate granularity (for Fig. 1a-style curves). */
  perGranularity: FineGrainedPoint[];
}

/**
 * Compute-optimal (N, D, G) for a FLOPs budget, Krajewski et al. 2024 §6.1: FLOPs by Eq. 10/11 with c_f = 6,
 * c_r = 14 and d_model = 64·n_blocks; for each G (powers of two) the budget fixes D given n_blocks, and the
 * loss is minimised over log n_blocks with Brent's method; the best G wins.
 */
export function fineGrainedOptimal(c: FineGrainedCoefficients, flops: number, options: FineGrainedAllocationOptions = {}): FineGrainedAllocation {
  const expansionRate = options.expansionRate ?? 64;
  const granularities = options.granularities ?? [1, 2, 4, 8, 16, 32, 64, 128, 256];
  const per = granularities.map((g) => bestForGranularity(c, flops, g, expansionRate, options));
  let best = per[0];
  for (const p of per) if (p.loss < best.loss) best = p;
  return { ...best, flops, expansionRate, perGranularity: per };
}

function pointAt(c: FineGrainedCoefficients, flops: number, granularity: number, expansionRate: number, nBlocks: number, o: FineGrainedAllocationOptions): FineGrainedPoint {
  const dModel = KRAJEWSKI_DMODEL_PER_BLOCK * nBlocks;
  const shape = { dModel, nBlocks, expansionRate };
  const flopsPerToken = krajewskiTrainingFlops({ ...shape, granularity, tokens: 1 }, { cF: o.cF ?? KRAJEWSKI_C_F, cR: o.cR ?? KRAJEWSKI_C_R });
  const tokens = flops / flopsPerToken;
  const paramsTotal = krajewskiParamsTotal(shape);
  return {
    granularity,
    nBlocks,
    dModel,
    paramsActive: krajewskiParamsActive(shape),
    paramsTotal,
    tokens,
    loss: fineGrainedLoss(c, paramsTotal, tokens, granularity),
  };
}

function bestForGranularity(c: FineGrainedCoefficients, flops: number, g: number, e: number, o: FineGrainedAllocationOptions): FineGrainedPoint {
  const r = scanThenBrent((x) => pointAt(c, flops, g, e, Math.exp(x), o).loss, Math.log(0.25), Math.log(1e4));
  return pointAt(c, flops, g, e, Math.exp(r.x), o);
}

/** Dense compute-optimal loss under Krajewski's dense law (Eq. 1) with F = 6·N·D (closed form). */
export function denseOptimal(dense: DenseCoefficients, flops: number) {
  return chinchillaOptimal({ A: dense.a, B: dense.b, E: dense.c, alpha: dense.alpha, beta: dense.beta }, flops);
}

export interface OverheadPoint {
  flops: number;
  /** Compute-optimal MoE loss at `flops`. */
  loss: number;
  optimalGranularity: number;
  /** Dense FLOPs needed to reach `loss`. */
  denseFlops: number;
  /** denseFlops / flops (Fig. 1b "Dense Transformer"). */
  denseOverhead: number;
  /** FLOPs a compute-optimal G = 1 MoE needs to reach `loss`. */
  g1Flops: number;
  /** g1Flops / flops (Fig. 1b "MoE (G = 1)"). */
  g1Overhead: number;
}

/**
 * Fig. 1b of Krajewski et al.: how many times more compute a dense Transformer (Eq. 1 law, F = 6ND) and a
 * G = 1 MoE need to match the loss of the compute-optimal-G MoE at budget `flops`.
 */
export function computeOverhead(
  flops: number,
  moe: FineGrainedCoefficients = PUBLISHED.krajewski.table1MoE.values,
  dense: DenseCoefficients = PUBLISHED.krajewski.table1Dense.values,
  options: FineGrainedAllocationOptions = {},
): OverheadPoint {
  const opt = fineGrainedOptimal(moe, flops, options);
  const denseFlops = chinchillaFlopsForLoss({ A: dense.a, B: dense.b, E: dense.c, alpha: dense.alpha, beta: dense.beta }, opt.loss);
  const g1Loss = (f: number) => fineGrainedOptimal(moe, f, { ...options, granularities: [1] }).loss;
  const lx = Math.log(flops);
  const root = bisectRoot((x) => g1Loss(Math.exp(x)) - opt.loss, lx, lx + Math.log(1e4), 80, 1e-10);
  const g1Flops = Math.exp(root);
  return {
    flops,
    loss: opt.loss,
    optimalGranularity: opt.granularity,
    denseFlops,
    denseOverhead: denseFlops / flops,
    g1Flops,
    g1Overhead: g1Flops / flops,
  };
}

/** Fig. 1a of Krajewski et al.: loss vs FLOPs for optimal-G MoE, G = 1 MoE and dense, one row per budget. */
export function lossVersusFlops(
  flopsList: readonly number[],
  moe: FineGrainedCoefficients = PUBLISHED.krajewski.table1MoE.values,
  dense: DenseCoefficients = PUBLISHED.krajewski.table1Dense.values,
  options: FineGrainedAllocationOptions = {},
): { flops: number; lossOptimal: number; optimalGranularity: number; lossG1: number; lossDense: number }[] {
  return flopsList.map((flops) => {
    const opt = fineGrainedOptimal(moe, flops, options);
    return {
      flops,
      lossOptimal: opt.loss,
      optimalGranularity: opt.granularity,
      lossG1: opt.perGranularity.find((p) => p.granularity === 1)?.loss ?? fineGrainedOptimal(moe, flops, { ...options, granularities: [1] }).loss,
      lossDense: denseOptimal(dense, flops).loss,
    };
  });
}

export interface Table2Row {
  label: string;
  paper: (typeof KRAJEWSKI_TABLE2)[number];
  /** Eq. 10/11 FLOPs of the paper's (N_act, D, G) row. */
  flopsOfPaperConfig: number;
  /** |flopsOfPaperConfig / paper.flops − 1|. */
  flopsRelativeError: number;
  /** Our compute-optimal allocation at the paper's budget. */
  ours: FineGrainedAllocation;
  sameGranularity: boolean;
  /** ours.loss − paper.loss (rounded coefficients make ours ~0.01–0.02 lower). */
  lossDifference: number;
  /** Law loss at the paper's own configuration, minus paper.loss. */
  lossDifferenceAtPaperConfig: number;
}

/** Reproduces Krajewski et al. Table 2 from the Table 1 MoE coefficients (or others). */
export function reproduceTable2(c: FineGrainedCoefficients = PUBLISHED.krajewski.table1MoE.values, options: FineGrainedAllocationOptions = {}): Table2Row[] {
  const e = options.expansionRate ?? 64;
  return KRAJEWSKI_TABLE2.map((row) => {
    const nBlocks = Math.cbrt(row.paramsActive / (12 * KRAJEWSKI_DMODEL_PER_BLOCK ** 2));
    const dModel = KRAJEWSKI_DMODEL_PER_BLOCK * nBlocks;
    const flopsOfPaperConfig = krajewskiTrainingFlops(
      { dModel, nBlocks, expansionRate: e, granularity: row.granularity, tokens: row.tokens },
      { cF: options.cF, cR: options.cR },
    );
    const ours = fineGrainedOptimal(c, row.flops, options);
    const lossAtPaper = fineGrainedLoss(c, krajewskiParamsTotal({ dModel, nBlocks, expansionRate: e }), row.tokens, row.granularity);
    return {
      label: row.label,
      paper: row,
      flopsOfPaperConfig,
      flopsRelativeError: Math.abs(flopsOfPaperConfig / row.flops - 1),
      ours,
      sameGranularity: ours.granularity === row.granularity,
      lossDifference: ours.loss - row.loss,
      lossDifferenceAtPaperConfig: lossAtPaper - row.loss,
    };
  });
}

/**
 * Derived-quantity function for `bootstrapFit('fine-grained', …, { derived })`: the compute-optimal G,
 * N_act and D at each budget (Krajewski Tables 6 and 9 report their 10th–90th percentiles).
 */
export function optimalAllocationDerived(
  budgets: readonly number[],
  options: FineGrainedAllocationOptions = {},
): (coefficients: Record<string, number>) => Record<string, number> {
  return (coefficients) => {
    const out: Record<string, number> = {};
    for (const flops of budgets) {
      const r = fineGrainedOptimal(coefficients as unknown as FineGrainedCoefficients, flops, options);
      const key = flops.toExponential(2);
      out[`G@${key}`] = r.granularity;
      out[`paramsActive@${key}`] = r.paramsActive;
      out[`tokens@${key}`] = r.tokens;
    }
    return out;
  };
}
