/**
 * Synthetic run tables and fit records planted from known laws, for the claims' must-hold / must-fail /
 * inconclusive tests. Every loss is a planted function of the configuration plus seeded Gaussian noise.
 */
import type { LifelongRecord } from '../../src/runs/lifelong';
import { krajewskiParamsActive, krajewskiParamsTotal, krajewskiTrainingFlops, chinchillaTrainingFlops, yunParamsActive, yunParamsTotal } from '../../src/accounting/formulas';
import type { CoefficientsOf, LawName } from '../../src/laws/coefficients';
import { SeededRandom } from '../../src/laws/fit/rng';
import { LAWS } from '../../src/laws/forms';
import { FIT_RECORD_SCHEMA_VERSION, type FitRecord } from '../../src/laws/record';
import type { RunSummary } from '../../src/runs/types';

function row(partial: Partial<RunSummary> & Pick<RunSummary, 'runId' | 'sweep' | 'family' | 'valLoss'>): RunSummary {
  return {
    router: partial.family === 'moe' ? 'expert-choice' : 'none',
    layers: 2,
    dModel: 64,
    heads: 2,
    dFF: 256,
    expansionRate: 1,
    granularity: 1,
    experts: 1,
    topKEffective: 1,
    moeEvery: 1,
    paramsTotal: 1e5,
    paramsActive: 1e5,
    paramsDense: 1e5,
    paramsEmbedding: 2e4,
    tokens: 1e6,
    flopsKrajewski: 6e11,
    flops6ND: 6e11,
    flops6NDAll: 7.2e11,
    trainLossSmoothed: partial.valLoss,
    seed: 0,
    backend: 'synthetic',
    wallSeconds: 1,
    ...partial,
  };
}

/** Krajewski-style fine-grained sweep: d_model × tokens cells, G ∈ granularities at expansion rate E, plus dense. */
export function fineGrainedTable(o: {
  /** Loss of a configuration (G = 0 for dense). */
  loss: (c: { paramsActive: number; paramsTotal: number; tokens: number; granularity: number; dense: boolean }) => number;
  noise: number;
  seeds?: number;
  dModels?: number[];
  tokens?: number[];
  granularities?: number[];
  expansionRate?: number;
  seed?: number;
}): RunSummary[] {
  const rng = new SeededRandom(o.seed ?? 1);
  const runs: RunSummary[] = [];
  const E = o.expansionRate ?? 4;
  for (const dModel of o.dModels ?? [32, 48, 64]) {
    const nBlocks = 2;
    const paramsActive = krajewskiParamsActive({ dModel, nBlocks });
    for (const tokens of o.tokens ?? [64e3, 128e3, 256e3]) {
      for (let s = 0; s < (o.seeds ?? 1); s++) {
        const dense = o.loss({ paramsActive, paramsTotal: paramsActive, tokens, granularity: 1, dense: true }) + o.noise * rng.normal();
        runs.push(
          row({ runId: `dense-d${dModel}-t${tokens}-s${s}`, sweep: 'fine-grained', family: 'dense', dModel, layers: nBlocks, paramsActive, paramsTotal: paramsActive, paramsDense: paramsActive, tokens, valLoss: dense, seed: s, flopsKrajewski: chinchillaTrainingFlops(paramsActive, tokens), flops6ND: chinchillaTrainingFlops(paramsActive, tokens) }),
        );
        for (const g of o.granularities ?? [1, 2, 4]) {
          const paramsTotal = krajewskiParamsTotal({ dModel, nBlocks, expansionRate: E });
          const loss = o.loss({ paramsActive, paramsTotal, tokens, granularity: g, dense: false }) + o.noise * rng.normal();
          runs.push(
            row({
              runId: `moe-g${g}-d${dModel}-t${tokens}-s${s}`,
              sweep: 'fine-grained',
              family: 'moe',
              dModel,
              layers: nBlocks,
              expansionRate: E,
              granularity: g,
              experts: E * g,
              topKEffective: g,
              paramsActive,
              paramsTotal,
              paramsDense: paramsActive,
              tokens,
              valLoss: loss,
              seed: s,
              flopsKrajewski: krajewskiTrainingFlops({ dModel, nBlocks, expansionRate: E, granularity: g, tokens }),
              flops6ND: chinchillaTrainingFlops(paramsActive, tokens),
            }),
          );
        }
      }
    }
  }
  return runs;
}

/** Yun-style experts sweep: dense sizes × tokens cells, E ∈ experts (1 = dense). */
export function expertsTable(o: {
  loss: (c: { paramsDense: number; experts: number; tokens: number }) => number;
  noise: number;
  seeds?: number;
  paramsDense?: number[];
  tokens?: number[];
  experts?: number[];
  seed?: number;
}): RunSummary[] {
  const rng = new SeededRandom(o.seed ?? 2);
  const runs: RunSummary[] = [];
  for (const paramsDense of o.paramsDense ?? [5e4, 2e5, 8e5]) {
    for (const tokens of o.tokens ?? [2e5, 8e5]) {
      for (const experts of o.experts ?? [1, 4, 8, 16, 32]) {
        for (let s = 0; s < (o.seeds ?? 1); s++) {
          const paramsActive = experts === 1 ? paramsDense : yunParamsActive(paramsDense, 2, 1 / 3);
          runs.push(
            row({
              runId: `ex-e${experts}-n${paramsDense}-t${tokens}-s${s}`,
              sweep: 'experts',
              family: experts === 1 ? 'dense' : 'moe',
              router: experts === 1 ? 'none' : 'token-choice',
              experts,
              expansionRate: experts,
              topKEffective: experts === 1 ? 1 : 2,
              moeEvery: 2,
              paramsDense,
              paramsActive,
              paramsTotal: yunParamsTotal(paramsDense, experts),
              tokens,
              valLoss: o.loss({ paramsDense, experts, tokens }) + o.noise * rng.normal(),
              seed: s,
              flops6ND: chinchillaTrainingFlops(paramsActive, tokens),
            }),
          );
        }
      }
    }
  }
  return runs;
}

/**
 * A successful fit record of `law` whose bootstrap resamples are exactly `samples` (coefficient records): the
 * claims read only these, so a test controls the uncertainty directly.
 */
export function recordWithSamples<L extends LawName>(law: L, full: CoefficientsOf<L>, samples: readonly CoefficientsOf<L>[], extra: Partial<FitRecord> = {}): FitRecord<L> {
  const form = LAWS[law];
  const protocol = form.protocols.paper;
  const names = Object.keys(full);
  const cols: Record<string, number[]> = Object.fromEntries(names.map((k) => [k, samples.map((s) => (s as Record<string, number>)[k]!)]));
  const iv = (k: string) => {
    const v = cols[k]!.slice().sort((a, b) => a - b);
    return { estimate: (full as Record<string, number>)[k]!, mean: v[Math.floor(v.length / 2)]!, se: 0, lo: v[0]!, hi: v[v.length - 1]! };
  };
  const params = Array.from(form.fromCoefficients(full as never));
  return {
    schema: FIT_RECORD_SCHEMA_VERSION,
    law,
    variant: 'paper',
    protocol,
    status: 'ok',
    nRuns: 40,
    runIds: [],
    shared: [],
    fit: {
      law,
      citation: form.citation,
      equation: form.equation,
      protocol,
      overrides: [],
      fitter: 'multistart',
      coefficients: full,
      fixed: [],
      params,
      paramNames: [...form.paramNames],
      objective: 0,
      rmsle: 0.005,
      nObservations: 40,
      diagnostics: { starts: 1, convergedStarts: 1, bestStart: params, iterations: 1, evaluations: 1, gradNormInf: 0, stop: 'gradient', warnings: [] },
    },
    crossCheck: null,
    bootstrap: {
      scheme: { ...protocol.bootstrap, resamples: samples.length },
      seed: 0,
      failures: 0,
      coefficients: Object.fromEntries(names.map((k) => [k, iv(k)])),
      derived: {},
      samples: cols,
    },
    holdout: null,
    identification: { identified: true, coefficients: [], summary: 'identified' },
    ...extra,
  } as FitRecord<L>;
}

/** `n` copies of `c` with each coefficient multiplied by (1 + spread·z), z standard normal (seeded). */
export function jittered<C extends Record<string, number>>(c: C, n: number, spread: number, seed = 3): C[] {
  const rng = new SeededRandom(seed);
  return Array.from({ length: n }, () => Object.fromEntries(Object.entries(c).map(([k, v]) => [k, v * (1 + spread * rng.normal())])) as C);
}

/** A shared-expert sweep: d_model × tokens × G cells, each with the given shared-expert counts (0 = no sharing), token choice. */
export function sharedTable(o: {
  /** Loss of a configuration. */
  loss: (c: { paramsActive: number; tokens: number; granularity: number; sharedExperts: number }) => number;
  noise: number;
  seeds?: number;
  dModels?: number[];
  tokens?: number[];
  granularities?: number[];
  sharedExperts?: number[];
  seed?: number;
}): RunSummary[] {
  const rng = new SeededRandom(o.seed ?? 1);
  const runs: RunSummary[] = [];
  const E = 4;
  for (const dModel of o.dModels ?? [32, 48, 64]) {
    const nBlocks = 2;
    const paramsActive = krajewskiParamsActive({ dModel, nBlocks });
    const paramsTotal = krajewskiParamsTotal({ dModel, nBlocks, expansionRate: E });
    for (const tokens of o.tokens ?? [64e3, 128e3, 256e3]) {
      for (const g of o.granularities ?? [2, 4, 8]) {
        for (const sh of o.sharedExperts ?? [0, 1]) {
          for (let s = 0; s < (o.seeds ?? 1); s++) {
            const loss = o.loss({ paramsActive, tokens, granularity: g, sharedExperts: sh }) + o.noise * rng.normal();
            runs.push(
              row({
                runId: `sh-g${g}-sh${sh}-d${dModel}-t${tokens}-s${s}`,
                sweep: 'shared',
                family: 'moe',
                router: 'token-choice',
                dModel,
                layers: nBlocks,
                expansionRate: E,
                granularity: g,
                experts: E * g,
                topKEffective: g,
                ...(sh > 0 ? { sharedExperts: sh } : {}),
                paramsActive,
                paramsTotal,
                paramsDense: paramsActive,
                tokens,
                valLoss: loss,
                seed: s,
              }),
            );
          }
        }
      }
    }
  }
  return runs;
}

/** A PEER sweep: d_model × tokens cells, each with PEER runs at the given expert counts (h · k = 64 active). */
export function peerTable(o: {
  /** Loss of a configuration. */
  loss: (c: { dModel: number; tokens: number; experts: number }) => number;
  noise: number;
  seeds?: number;
  dModels?: number[];
  tokens?: number[];
  experts?: number[];
  seed?: number;
}): RunSummary[] {
  const rng = new SeededRandom(o.seed ?? 1);
  const runs: RunSummary[] = [];
  for (const dModel of o.dModels ?? [32, 48, 64]) {
    const nBlocks = 2;
    const paramsActive = krajewskiParamsActive({ dModel, nBlocks });
    for (const tokens of o.tokens ?? [64e3, 128e3, 256e3]) {
      for (const experts of o.experts ?? [1024, 4096, 16384]) {
        for (let s = 0; s < (o.seeds ?? 1); s++) {
          runs.push(
            row({
              runId: `peer-n${experts}-d${dModel}-t${tokens}-s${s}`,
              sweep: 'peer',
              family: 'moe',
              router: 'product-key',
              dModel,
              layers: nBlocks,
              dFF: 4 * dModel,
              expansionRate: experts / (4 * dModel),
              granularity: 4 * dModel,
              experts,
              topKEffective: 64,
              paramsActive,
              paramsTotal: paramsActive + 2 * experts * dModel * nBlocks,
              paramsDense: paramsActive,
              tokens,
              flopsKrajewski: 6 * paramsActive * tokens,
              valLoss: o.loss({ dModel, tokens, experts }) + o.noise * rng.normal(),
              seed: s,
            }),
          );
        }
      }
    }
  }
  return runs;
}

/** Lifelong records, one per seed: the old-corpus loss of each arm rises by its planted forgetting (+ noise). */
export function lifelongRecords(o: { forgetting: { finetune: number; 'grow-frozen': number; grow: number }; grownBefore?: number; newLoss?: { finetune: number; 'grow-frozen': number; grow: number }; noise: number; seeds?: number; seed?: number }): LifelongRecord[] {
  const rng = new SeededRandom(o.seed ?? 1);
  return Array.from({ length: o.seeds ?? 5 }, (_, s) => {
    const oldBefore = 2.2 + 0.05 * rng.normal();
    return {
      schema: 1 as const,
      seed: s,
      baseRunId: `ll-base-s${s}`,
      base: { experts: 8, oldLoss: oldBefore },
      arms: (['finetune', 'grow-frozen', 'grow'] as const).map((arm) => ({
        arm,
        runId: `ll-${arm}-s${s}`,
        experts: arm === 'finetune' ? 8 : 16,
        freeze: arm === 'grow-frozen' ? ['old-experts', 'old-router'] : [],
        // a grown model's loss before its first step is its own (new router columns perturb it), not the base's
        old: { before: arm !== 'finetune' && o.grownBefore !== undefined ? o.grownBefore : oldBefore, after: oldBefore + o.forgetting[arm] + o.noise * rng.normal() },
        new: { before: 2.9, after: (o.newLoss?.[arm] ?? 2.3) + o.noise * rng.normal() },
      })),
    };
  });
}
