/**
 * How released runs meet the laws. The laws read run-table columns (`RunSummary` keys, e.g. Clark's Eq. 1 reads
 * `paramsDense` and `experts`); `RELEASED_RUN_COLUMNS` says, for every one of them, which `ReleasedRun` field
 * fills it or why none can. `releasedLawInputs` builds a law's observations from released runs and refuses a
 * column the table cannot fill, instead of substituting something.
 */
import type { RunColumn } from '../types';
import { ReleasedTableError } from './errors';
import type { ReleasedRun } from './types';

/** Fields of a released run that stand for a run-table column. */
export type ReleasedLawField = 'runId' | 'table' | 'family' | 'dModel' | 'layers' | 'heads' | 'experts' | 'topK' | 'moeEvery' | 'paramsTotal' | 'paramsDense' | 'tokens' | 'valLoss' | 'seed';

/** Where a run-table column comes from in a released run: a field (with what to know), or nothing and why. */
export type ReleasedColumnSource = { field: ReleasedLawField; note: string } | { field: null; why: string };

/** The mapping from every run-table column to released runs (README "Released run tables"). */
export const RELEASED_RUN_COLUMNS: Readonly<Record<RunColumn, ReleasedColumnSource>> = {
  runId: { field: 'runId', note: 'the table’s run id (Clark: hyper_id)' },
  sweep: { field: 'table', note: 'the released table’s name (e.g. clark-routing)' },
  family: { field: 'family', note: 'dense when router is the format’s dense router' },
  router: { field: null, why: 'released routers (S-Base, RL-R, Hash) are not moelab’s token/expert choice; ReleasedRun.router keeps them as released' },
  layers: { field: 'layers', note: 'when the table records blocks (Clark: num_blocks)' },
  dModel: { field: 'dModel', note: 'when the table records the width' },
  heads: { field: 'heads', note: 'when the table records heads' },
  dFF: { field: null, why: 'released tables give no FFN width' },
  expansionRate: { field: null, why: 'Krajewski’s expansion rate needs the expert width, which released tables do not give' },
  granularity: { field: null, why: 'Krajewski’s granularity needs the expert width, which released tables do not give' },
  experts: { field: 'experts', note: 'E (Clark: num_experts; 1 for dense)' },
  topKEffective: { field: 'topK', note: 'experts per token k' },
  moeEvery: { field: 'moeEvery', note: '1 / routing_frequency' },
  sharedExperts: { field: null, why: 'released tables record no shared experts (Clark et al.’s runs have none)' },
  priorTokens: { field: null, why: 'released runs are trained from scratch (no continued runs)' },
  frozenWeights: { field: null, why: 'released runs freeze nothing' },
  paramsTotal: { field: 'paramsTotal', note: 'P, every expert included' },
  paramsActive: { field: null, why: 'released tables give N (the dense-equivalent count) and P, not the active count per token' },
  paramsDense: { field: 'paramsDense', note: 'N, the parameters a token passes through (Clark’s and Yun’s N)' },
  paramsEmbedding: { field: null, why: 'released tables do not split off embeddings' },
  tokens: { field: 'tokens', note: 'D at the final step, only when the table records tokens (Clark’s does not: every run sees the same D, 130B tokens per the paper)' },
  flopsKrajewski: { field: null, why: 'Krajewski’s FLOP convention needs the model’s shapes; ReleasedRun.flops is the table’s own count' },
  flops6ND: { field: null, why: 'needs active parameters and D; ReleasedRun.flops is the table’s own count' },
  flops6NDAll: { field: null, why: 'needs active and embedding parameters and D; ReleasedRun.flops is the table’s own count' },
  valLoss: { field: 'valLoss', note: 'the import’s target loss (Clark: loss_validation)' },
  trainLossSmoothed: { field: null, why: 'released tables give evaluation losses only' },
  seed: { field: 'seed', note: 'as released' },
  backend: { field: null, why: 'not a released quantity' },
  wallSeconds: { field: null, why: 'not a released quantity' },
};

/** A law's observations from released runs (the shape of `LawObservations` in src/laws). */
export interface ReleasedObservations {
  x: number[][];
  loss: number[];
  labels: string[];
}

/**
 * Observations for a law that reads `columns` (its variables' run-table columns, in order), with the loss of
 * `lossColumn` (default: each run's target). Throws `ReleasedTableError('unmapped-column')` for a column the
 * released table cannot fill, naming why.
 */
export function releasedLawInputs<L extends string>(runs: readonly ReleasedRun<L>[], columns: readonly RunColumn[], lossColumn?: L): ReleasedObservations {
  const fields = columns.map((c) => {
    const source = RELEASED_RUN_COLUMNS[c];
    if (source.field === null) {
      throw new ReleasedTableError('unmapped-column', `a law reads the run-table column ${c}, which released runs cannot fill: ${source.why}`, runs[0]?.table ?? '<released runs>', undefined, c);
    }
    return source.field;
  });
  const x: number[][] = [];
  const loss: number[] = [];
  const labels: string[] = [];
  for (const r of runs) {
    x.push(
      fields.map((f, j) => {
        const v = r[f];
        if (typeof v !== 'number') {
          throw new ReleasedTableError('unmapped-column', `run ${r.runId} of ${r.table} has no ${f} (the table does not record it), which the law's column ${columns[j]} needs`, r.table, undefined, columns[j]);
        }
        return v;
      }),
    );
    loss.push(lossColumn === undefined ? r.valLoss : r.losses[lossColumn]);
    labels.push(`${r.table}/${r.runId}`);
  }
  return { x, loss, labels };
}
