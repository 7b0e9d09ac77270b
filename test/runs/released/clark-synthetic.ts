/**
 * Small synthetic tables in Clark et al.'s released format (the columns of data/released/clark-routing/curves.csv.gz),
 * with planted final losses, for the fit, claims and report tests: every run has two evaluations (steps 50000 and
 * 100000); the planted loss is the loss_validation of the last one.
 */
import { CLARK_ROUTING_FORMAT, parseReleasedTable, type ClarkLossColumn, type ReleasedTable } from '../../../src/runs/released';
import { SeededRandom } from '../../../src/laws/fit/rng';
import { clarkLaw } from '../../../src/laws/forms';
import { lawLoss } from '../../../src/laws/predict';
import type { ClarkCoefficients } from '../../../src/laws/coefficients';

export interface SyntheticClarkRun {
  router: 'Dense' | 'S-Base' | 'RL-R' | 'Hash';
  experts: number;
  /** Dense parameter count N. */
  paramsDense: number;
  finalLoss: number;
  seed?: number;
  topK?: number;
  routingFrequency?: number;
}

const HEADER =
  'hyper_id,step,loss_c4,loss_curation_corpus,loss_lambada,loss_pile,loss_validation,loss_wikitext103,num_experts,d_model,num_blocks,num_heads,kqv_size,flop_increase,k,router_type,seed,routing_frequency,total_parameter_count,dense_parameter_count,flops_per_step,model_size_label';

/** The CSV text of a Clark-format table with these runs (ids 0, 1, …). */
export function clarkCsv(runs: readonly SyntheticClarkRun[]): string {
  const lines = [HEADER];
  runs.forEach((r, id) => {
    const rf = r.routingFrequency ?? 0.5;
    const total = r.experts === 1 ? r.paramsDense : Math.round(r.paramsDense * (1 + (r.experts - 1) * rf * 0.6));
    const label = `${Math.round(r.paramsDense / 1e6)}M`;
    for (const [step, loss] of [
      [50000, r.finalLoss + 0.2],
      [100000, r.finalLoss],
    ] as const) {
      const l = loss.toFixed(6);
      lines.push([id, step, l, l, l, l, l, l, r.experts, 512, 6, 8, 32, 1, r.topK ?? 1, r.router, r.seed ?? 42, rf, total, r.paramsDense, 6 * r.paramsDense * 1e5, label].join(','));
    }
  });
  return `${lines.join('\n')}\n`;
}

/** A parsed synthetic Clark-format table. */
export function clarkTable(runs: readonly SyntheticClarkRun[], name = 'synthetic-clark'): ReleasedTable<ClarkLossColumn> {
  return parseReleasedTable(clarkCsv(runs), `${name}.csv`, CLARK_ROUTING_FORMAT, { table: name });
}

/** Dense parameter counts of the synthetic sizes (15M … 1.3B, as Clark's). */
export const SYNTHETIC_SIZES = [16.5e6, 27.3e6, 57.4e6, 132e6, 368e6, 1.31e9];
export const SYNTHETIC_EXPERTS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512];

/**
 * Runs whose final losses follow Eq. 1 with `coefficients` (Clark et al.'s published values, say) times
 * exp(noise · ε): dense runs (E = 1) and `router`'s runs at every size × expert count.
 */
export function plantedEq1Runs(coefficients: ClarkCoefficients, router: SyntheticClarkRun['router'], noise: number, seed = 1): SyntheticClarkRun[] {
  const rng = new SeededRandom(seed);
  const out: SyntheticClarkRun[] = [];
  for (const n of SYNTHETIC_SIZES) {
    for (const e of SYNTHETIC_EXPERTS) {
      const loss = lawLoss(clarkLaw, coefficients, [n, e]) * Math.exp(noise * rng.normal());
      out.push({ router: e === 1 ? 'Dense' : router, experts: e, paramsDense: n, finalLoss: loss });
    }
  }
  return out;
}
