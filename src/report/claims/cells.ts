/**
 * Runs as an experiment: configurations (every setting but the seed), their seed replicates, and the run-to-run
 * noise the replicates measure. Claims compare configurations, never single runs.
 */
import type { LossTarget } from '../../laws/protocol';
import type { RunSummary } from '../../runs/types';
import { groupBy } from '../../util/group-by';
import { decide, inconclusiveReason, meanInterval, summary, type ClaimCase } from './verdict';

/** What a claim on one sweep's run table reads: the runs, the loss column and the interval level. */
export interface SweepClaimInputs {
  runs: readonly RunSummary[];
  /** Loss column (valLoss by default: these sweeps fit no law whose protocol would choose one). */
  column?: LossTarget;
  /** Interval level. Default 0.95. */
  level?: number;
}

/** Every setting of a run except its seed (and what it does not choose: backend, wall time, its own results). */
export function configKey(r: RunSummary): string {
  return [r.sweep, r.family, r.router, r.layers, r.dModel, r.heads, r.dFF, r.expansionRate, r.granularity, r.experts, r.topKEffective, r.moeEvery, r.sharedExperts ?? 0, r.priorTokens ?? 0, r.frozenWeights ?? 0, r.paramsTotal, r.paramsActive, r.paramsDense, r.tokens].join('|');
}

/** One configuration: its runs (seeds), the mean of the loss column and the number of seeds. */
export interface Config {
  key: string;
  runs: RunSummary[];
  /** Mean over seeds of the loss column. */
  loss: number;
  seeds: number;
}

/** Runs grouped into configurations, with the mean loss over their seeds. */
export function configurations(runs: readonly RunSummary[], column: LossTarget): Config[] {
  return groupBy(runs, configKey).map(([key, rs]) => ({ key, runs: rs, loss: summary(rs.map((r) => r[column])).mean, seeds: rs.length }));
}

/** Run-to-run noise of a loss column: the pooled standard deviation over configurations with ≥ 2 seeds. */
export interface NoiseFloor {
  /** Pooled standard deviation of one run's loss (nats). */
  sd: number;
  /** Degrees of freedom Σ (seeds − 1). */
  df: number;
  /** Configurations with replicates. */
  configs: number;
}

export function noiseFloor(runs: readonly RunSummary[], column: LossTarget): NoiseFloor | null {
  let ss = 0;
  let df = 0;
  let configs = 0;
  for (const c of configurations(runs, column)) {
    if (c.seeds < 2) continue;
    for (const r of c.runs) ss += (r[column] - c.loss) ** 2;
    df += c.seeds - 1;
    configs++;
  }
  return df > 0 ? { sd: Math.sqrt(ss / df), df, configs } : null;
}

/**
 * Configurations grouped into cells by `cellKey` (e.g. the same active size and tokens), then a per-cell paired
 * difference `diff(cell)` wherever it is defined. Returns the differences and the cells' labels.
 */
export function pairedDifferences(
  configs: readonly Config[],
  cellKey: (c: Config) => string,
  diff: (cell: Config[]) => number | undefined,
): { labels: string[]; differences: number[] } {
  const labels: string[] = [];
  const differences: number[] = [];
  for (const [label, cell] of groupBy(configs, cellKey)) {
    const d = diff(cell);
    if (d === undefined || !Number.isFinite(d)) continue;
    labels.push(label);
    differences.push(d);
  }
  return { labels, differences };
}

/** The first run of a configuration (its settings; every run of a configuration shares them). */
export function settings(c: Config): RunSummary {
  return c.runs[0]!;
}

/** Standard deviation of one difference of two configuration means, from the noise floor. */
export function differenceSd(noise: NoiseFloor | null, seedsA: number, seedsB: number): number | undefined {
  return noise ? noise.sd * Math.sqrt(1 / seedsA + 1 / seedsB) : undefined;
}

/**
 * One case of a paired claim: per cell (`cellKey`), `pick` names the two configurations to compare (or none), the
 * effect is `first.loss − second.loss` averaged over cells with a t interval (one cell: the seed replicates' noise,
 * scaled to the pair's seed counts), decided against `smallestEffect`. `missing` is the reason when no cell has both.
 */
export function pairedCase(o: {
  configs: readonly Config[];
  cellKey: (c: Config) => string;
  pick: (cell: Config[]) => readonly [Config, Config] | undefined;
  noise: NoiseFloor | null;
  level: number;
  label: string;
  quantity: string;
  missing: string;
  smallestEffect: number;
}): ClaimCase {
  let seeds: [number, number] = [1, 1];
  const { labels, differences } = pairedDifferences(o.configs, o.cellKey, (cell) => {
    const pair = o.pick(cell);
    if (!pair) return undefined;
    seeds = [pair[0].seeds, pair[1].seeds];
    return pair[0].loss - pair[1].loss;
  });
  if (labels.length === 0) return { label: o.label, verdict: 'inconclusive', effect: null, reason: o.missing };
  const sd = differenceSd(o.noise, seeds[0], seeds[1]);
  const effect = meanInterval(differences, o.level, o.quantity, o.noise && sd ? { sd: o.noise.sd, df: o.noise.df, perDifference: sd / o.noise.sd } : undefined);
  const verdict = decide(effect, o.smallestEffect);
  return { label: `${o.label} (${labels.length} cells)`, verdict, effect, reason: verdict === 'inconclusive' ? inconclusiveReason(effect, o.smallestEffect) : undefined };
}
