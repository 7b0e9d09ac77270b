/**
 * Clark et al. 2022, *Unified Scaling Laws for Routed Language Models* (arXiv 2202.01169): the format of their
 * released training curves (vendored in `data/released/clark-routing/`, Apache-2.0, with its README), and the
 * run selection of the authors' example notebook, which fits Eq. 1 per router.
 */
import path from 'node:path';
import { packageRoot } from '../../util/package-root';
import { ReleasedTableError } from './errors';
import { readReleasedFile, type ReleasedImportOptions } from './import';
import { selectReleasedRuns, type ReleasedRunFilter } from './select';
import type { ReleasedFormat, ReleasedRun, ReleasedTable } from './types';

/** The six evaluation losses of Clark's table (nats/token); `loss_validation` is what the paper's laws fit. */
export const CLARK_LOSS_COLUMNS = ['loss_c4', 'loss_curation_corpus', 'loss_lambada', 'loss_pile', 'loss_validation', 'loss_wikitext103'] as const;
export type ClarkLossColumn = (typeof CLARK_LOSS_COLUMNS)[number];

/** Clark's three routers (the fourth `router_type`, `Dense`, marks the dense baselines). */
export const CLARK_ROUTERS = ['S-Base', 'RL-R', 'Hash'] as const;
export type ClarkRouter = (typeof CLARK_ROUTERS)[number];

/** Column names of Clark et al.'s `curves.csv.gz`. */
export const CLARK_ROUTING_FORMAT: ReleasedFormat<ClarkLossColumn> = {
  name: 'clark',
  description: 'Clark et al. 2022 released curves (hyper_id, step, loss_*, num_experts, …, model_size_label)',
  columns: {
    runId: 'hyper_id',
    step: 'step',
    router: 'router_type',
    experts: 'num_experts',
    topK: 'k',
    routingFrequency: 'routing_frequency',
    paramsDense: 'dense_parameter_count',
    paramsTotal: 'total_parameter_count',
    flopsPerStep: 'flops_per_step',
    seed: 'seed',
    sizeLabel: 'model_size_label',
    tokens: null,
    dModel: 'd_model',
    layers: 'num_blocks',
    heads: 'num_heads',
  },
  lossColumns: CLARK_LOSS_COLUMNS,
  defaultTarget: 'loss_validation',
  denseRouter: 'Dense',
  extraColumns: ['kqv_size', 'flop_increase'],
};

/** Where the vendored file lives (repository-relative), its table name and its sha256 as released. */
export const CLARK_ROUTING_FILE = 'data/released/clark-routing/curves.csv.gz';
export const CLARK_ROUTING_TABLE = 'clark-routing';
export const CLARK_ROUTING_SHA256 = 'c03e7531add85e594f368d33bac4a0220280be858a7ed12d147cf73af6a3819f';
export const CLARK_ROUTING_CITATION =
  'Clark et al. 2022, Unified Scaling Laws for Routed Language Models (arXiv 2202.01169); data: github.com/google-deepmind/scaling_laws_for_routing @42da0c3, Apache-2.0';

/**
 * The selection of the authors' example notebook: the last step of each run with routing_frequency 0.5,
 * k = 1 and seed 42, dense runs included. It leaves out the 130M dense baseline (its three runs have seeds
 * 1, 2, 3), the dense runs with k > 1, and the routed runs at other routing frequencies or k.
 */
export const CLARK_NOTEBOOK_SELECTION = { routingFrequency: [0.5], topK: [1], seeds: [42] } as const satisfies ReleasedRunFilter;

/**
 * The runs Clark's table offers the cross-paper claims (src/report/claims/released.ts): the notebook's routing
 * frequency 1/2 and k = 1, every seed. Unlike the fit selection it keeps the 130M dense baseline (seeds 1, 2, 3,
 * the only seed replicates in that slice), so every size has its dense baseline and the replicates measure the
 * run-to-run noise.
 */
export const CLARK_CLAIM_SELECTION = { routingFrequency: [0.5], topK: [1] } as const satisfies ReleasedRunFilter;

/**
 * Tokens every run of Clark's table was trained on: Clark et al. 2022 fix D at 130B tokens. The table records no
 * tokens, and 221 of its 223 runs end at step 249000, the other two within 0.4% of it. An input from the paper,
 * not the table: the claims that compare runs "at the same tokens" read it.
 */
export const CLARK_TRAINING_TOKENS = 130e9;

/** Reads Clark's released table (the vendored file unless `file` names another copy of it). */
export function readClarkRouting(options: ReleasedImportOptions & { file?: string } = {}): ReleasedTable<ClarkLossColumn> {
  const file = options.file ?? path.join(packageRoot(), CLARK_ROUTING_FILE);
  const table = readReleasedFile(file, CLARK_ROUTING_FORMAT, { table: CLARK_ROUTING_TABLE, ...options });
  if (options.file === undefined && table.sha256 !== CLARK_ROUTING_SHA256) {
    throw new ReleasedTableError(
      'unreadable',
      `the vendored ${CLARK_ROUTING_FILE} has sha256 ${table.sha256}, not the released ${CLARK_ROUTING_SHA256}; restore it (git checkout -- ${CLARK_ROUTING_FILE})`,
      file,
    );
  }
  return table;
}

/** One router's fit set in the notebook's protocol: the selected dense runs (E = 1) plus that router's runs. */
export interface ClarkFitSet<L extends string = ClarkLossColumn> {
  router: ClarkRouter;
  /** Dense runs first, then the router's, each in table order. */
  runs: ReleasedRun<L>[];
  dense: number;
  routed: number;
}

/**
 * The per-router fit sets of the authors' notebook: runs passing `selection` (default
 * `CLARK_NOTEBOOK_SELECTION`), the dense ones added to every router's set ("dense models are equivalent to
 * any router type with num_experts = 1").
 */
export function clarkFitSets<L extends string>(runs: readonly ReleasedRun<L>[], selection: ReleasedRunFilter = CLARK_NOTEBOOK_SELECTION): Record<ClarkRouter, ClarkFitSet<L>> {
  const chosen = selectReleasedRuns(runs, selection);
  const dense = chosen.filter((r) => r.family === 'dense');
  const sets = {} as Record<ClarkRouter, ClarkFitSet<L>>;
  for (const router of CLARK_ROUTERS) {
    const routed = chosen.filter((r) => r.router === router);
    sets[router] = { router, runs: [...dense, ...routed], dense: dense.length, routed: routed.length };
  }
  return sets;
}
