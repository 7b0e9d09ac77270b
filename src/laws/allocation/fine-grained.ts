import {
  KRAJEWSKI_C_F,
  KRAJEWSKI_C_R,
  KRAJEWSKI_DMODEL_PER_BLOCK,
  krajewskiParamsActive,
  krajewskiParamsTotal,
  krajewskiTrainingFlops,
} from '../../accounting/formulas';
import type { DenseCoefficients, FineGrainedCoefficients } from '../coefficients';
import { bisectRoot } from '../fit/brent';
import { fineGrainedLaw } from '../forms';
import { lawLoss, lossFunction } from '../predict';
import { KRAJEWSKI_TABLE2, PUBLISHED } from '../published';
import { denseFlopsForLoss, denseOptimal } from './chinchilla';
import { scanThenBrent, type SearchBound } from './scan';

/** Krajewski et al. 2024 Eq. 9 loss `c + (g/G^γ + a)/N^α + b/D^β` (N = total non-embedding params), via the law form. */
export function fineGrainedLoss(c: FineGrainedCoefficients, paramsTotal: number, tokens: number, granularity: number): number {
  return lawLoss(fineGrainedLaw, c, [paramsTotal, tokens, granularity]);
}

/** Searched range of n_blocks (d_model = 64·n_blocks), continuous. */
export const FINE_GRAINED_N_BLOCKS_RANGE: readonly [number, number] = [0.25, 1e4];
/** Candidate granularities by default: powers of two 1…256 (the solver of Krajewski's code searches the same). */
export const FINE_GRAINED_GRANULARITIES: readonly number[] = [1, 2, 4, 8, 16, 32, 64, 128, 256];

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
  /** Set when the loss-optimal n_blocks for this G sits on an end of `FINE_GRAINED_N_BLOCKS_RANGE`. */
  bound: SearchBound | null;
}

export interface FineGrainedAllocation extends FineGrainedPoint {
  flops: number;
  expansionRate: number;
  /** Best allocation per candidate granularity (for Fig. 1a-style curves). */
  perGranularity: FineGrainedPoint[];
  /**
   * Set when the optimum is on a search bound: n_blocks on an end of its range, or G the largest candidate (a
   * larger G might be better). G = 1 is not a bound (granularity is ≥ 1 by definition).
   */
  bound: SearchBound | null;
}

/**
 * Compute-optimal (N, D, G) for a FLOPs budget, Krajewski et al. 2024 §6.1: FLOPs by Eq. 10/11 with c_f = 6,
 * c_r = 14 and d_model = 64·n_blocks; for each G (powers of two) the budget fixes D given n_blocks, and the
 * loss is minimised over log n_blocks with Brent's method; the best G wins.
 */
export function fineGrainedOptimal(c: FineGrainedCoefficients, flops: number, options: FineGrainedAllocationOptions = {}): FineGrainedAllocation {
  const expansionRate = options.expansionRate ?? 64;
  const granularities = options.granularities ?? FINE_GRAINED_GRANULARITIES;
  const loss = lossFunction(fineGrainedLaw, c);
  const per = granularities.map((g) => bestForGranularity(loss, flops, g, expansionRate, options));
  let best = per[0]!;
  for (const p of per) if (p.loss < best.loss) best = p;
  const gMax = Math.max(...granularities);
  const bound: SearchBound | null =
    best.bound ?? (granularities.length > 1 && best.granularity === gMax ? { variable: 'granularity G', range: [Math.min(...granularities), gMax], end: 'high' } : null);
  return { ...best, flops, expansionRate, perGranularity: per, bound };
}

type PointWithoutBound = Omit<FineGrainedPoint, 'bound'>;

type LossOf = (variables: ArrayLike<number>) => number;

function pointAt(loss: LossOf, flops: number, granularity: number, expansionRate: number, nBlocks: number, o: FineGrainedAllocationOptions): PointWithoutBound {
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
    loss: loss([paramsTotal, tokens, granularity]),
  };
}

function bestForGranularity(loss: LossOf, flops: number, g: number, e: number, o: FineGrainedAllocationOptions): FineGrainedPoint {
  const [lo, hi] = FINE_GRAINED_N_BLOCKS_RANGE;
  const r = scanThenBrent((x) => pointAt(loss, flops, g, e, Math.exp(x), o).loss, Math.log(lo), Math.log(hi));
  return { ...pointAt(loss, flops, g, e, Math.exp(r.x), o), bound: r.atBound ? { variable: 'n_blocks', range: [lo, hi], end: r.atBound } : null };
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
  /** FLOPs a compute-optimal G = 1 MoE needs to reach `loss` (= flops when G = 1 is the optimum). */
  g1Flops: number;
  /** g1Flops / flops (Fig. 1b "MoE (G = 1)"); exactly 1 when the optimal G is 1. */
  g1Overhead: number;
  /** The optimal MoE's search bound, if it sat on one. */
  bound: SearchBound | null;
  /** Why an overhead is not finite (NaN), in words; empty when both are. */
  notes: string[];
}

/** How far beyond `flops` the G = 1 search for the matching budget goes. */
export const OVERHEAD_SEARCH_FACTOR = 1e6;

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
  const notes: string[] = [];
  const denseFlops = denseFlopsForLoss(dense, opt.loss);
  if (!Number.isFinite(denseFlops)) notes.push(`the dense law's floor c = ${dense.c.toPrecision(3)} is not below the MoE loss ${opt.loss.toPrecision(4)}: no dense budget reaches it`);
  let g1Flops: number;
  if (opt.granularity === 1) {
    g1Flops = flops; // the G = 1 MoE is the optimum: no overhead
  } else {
    const g1Loss = (f: number) => fineGrainedOptimal(moe, f, { ...options, granularities: [1] }).loss;
    const lx = Math.log(flops);
    const hiX = lx + Math.log(OVERHEAD_SEARCH_FACTOR);
    if (g1Loss(Math.exp(hiX)) > opt.loss) {
      g1Flops = NaN;
      notes.push(`a G = 1 MoE does not reach the optimal loss within ${OVERHEAD_SEARCH_FACTOR.toExponential(0)}× the budget`);
    } else {
      g1Flops = Math.exp(bisectRoot((x) => g1Loss(Math.exp(x)) - opt.loss, lx, hiX, 100, 1e-10));
    }
  }
  return {
    flops,
    loss: opt.loss,
    optimalGranularity: opt.granularity,
    denseFlops,
    denseOverhead: denseFlops / flops,
    g1Flops,
    g1Overhead: g1Flops / flops,
    bound: opt.bound,
    notes,
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
