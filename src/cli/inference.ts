/**
 * `moelab inference cost|alg1|alg2`: Yun et al.'s serving-cost model (§4, App. C) and over-training searches
 * (App. E, Algorithms 1 and 2). Every column names its unit; G is the granularity everywhere in moelab, so GPU
 * counts are `GPUs` and `--gpus`; every infeasible row says why. The models are loaded only when a command runs.
 */
import { Command, Option } from 'commander';
import type { ServingOptions, ServingPoint } from '../inference/cost';
import type { ServedModel } from '../inference/model';
import type { OvertrainResult, OvertrainRow } from '../inference/overtrain';
import type { ExpertsCoefficients } from '../laws/published';
import { numberListOption, numberOption, parseNumberList, SPECS, UsageError } from './options';
import { int, num, renderTable } from './table';

/** Serving cost is reported in GPU-hours per million generated tokens (the cost unit of Yun's figures here). */
export const COST_UNIT = 'GPU-h / 1M tokens';
const costOf = (perToken: number) => perToken * 1e6;
const GPU_NAMES = ['A100-40GB', 'H100-80GB'] as const;
/** The most GPUs one serving configuration may use (a 512-node cluster of 8-GPU nodes). */
const MAX_GPUS = 4096;

interface CommonOptions {
  /** GPU preset. Default A100-40GB. */
  gpu: string;
  /** Mean prompt tokens. Default 161. */
  promptTokens: number;
  /** Mean output tokens. Default 338. */
  outputTokens: number;
  /** GPU counts to consider. Default 1…8. */
  gpus: number[];
  json?: boolean;
}

/** `--gpus 8`, `--gpus 1,2,4,8` or `--gpus 1-8`: the GPU counts the cost is minimised over. */
export function parseGpuCounts(raw: string): number[] {
  const spec = { min: 1, max: MAX_GPUS, integer: true, example: '1-8' };
  const range = /^\s*(\S+)\s*-\s*(\S+)\s*$/.exec(raw);
  let counts: number[];
  if (range && !raw.includes(',')) {
    const [lo, hi] = parseNumberList('--gpus', `${range[1]},${range[2]}`, spec) as [number, number];
    if (hi < lo) throw new UsageError('--gpus', `--gpus ${JSON.stringify(raw)}: the range ends below its start; write e.g. --gpus 1-8`);
    counts = Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
  } else counts = parseNumberList('--gpus', raw, spec);
  return [...new Set(counts)].sort((a, b) => a - b);
}

function serving(o: CommonOptions): ServingOptions {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { getGpu } = require('../inference/gpus') as typeof import('../inference/gpus');
  const { rooflineLatency } = require('../inference/latency') as typeof import('../inference/latency');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const gpu = getGpu(o.gpu);
  return { gpu, latency: rooflineLatency(gpu), promptTokens: o.promptTokens, outputTokens: o.outputTokens, gpuCounts: o.gpus };
}

function common(cmd: Command): Command {
  return cmd
    .addOption(new Option('--gpu <name>', 'GPU preset').choices(GPU_NAMES).default('A100-40GB'))
    .option('--gpus <counts>', `GPU counts to minimise the cost over: N, a list (1,2,4,8) or a range (1-8); at most ${MAX_GPUS}`, parseGpuCounts, [1, 2, 3, 4, 5, 6, 7, 8])
    .option('--prompt-tokens <n>', 'mean prompt length p (tokens)', numberOption('--prompt-tokens', { min: 1, integer: true, example: '161' }), 161)
    .option('--output-tokens <n>', 'mean output length n (tokens)', numberOption('--output-tokens', { min: 1, integer: true, example: '338' }), 338)
    .option('--json', 'print JSON');
}

/** `1–8` for a contiguous range of GPU counts, else `1,2,4,8`. */
export function gpuSpan(counts: readonly number[]): string {
  const contiguous = counts.length > 2 && counts.every((c, i) => i === 0 || c === counts[i - 1]! + 1);
  return contiguous ? `${counts[0]}–${counts[counts.length - 1]}` : counts.join(',');
}

const GB = (bytes: number) => `${(bytes / 1e9).toFixed(1)} GB`;

/** Why a serving point is infeasible, in words (weights too big for the GPUs' memory, or no room for one sequence's KV cache). */
export function infeasibleReason(model: ServedModel, point: ServingPoint, o: ServingOptions): string {
  const weights = model.paramsTotal * model.bytesPerValue;
  const memory = point.gpus * o.gpu.memoryBytes;
  if (weights >= memory) return `weights need ${GB(weights)}, ${point.gpus} × ${o.gpu.name} hold ${GB(memory)}`;
  const perSequence = (2 * (o.promptTokens ?? 161) + (o.outputTokens ?? 338)) * model.hiddenLayers * model.bytesPerValue;
  return `weights fit (${GB(weights)} of ${GB(memory)}) but one sequence's KV cache needs ${GB(perSequence)} more`;
}

function costCommand(inf: Command): void {
  common(inf.command('cost').description('cost per generated token of a Yun-style MoE on 1…N GPUs (roofline latency), and the cheapest GPU count'))
    .requiredOption('--params-dense <N>', 'dense-equivalent parameters N, e.g. 7e9 or 7B', numberOption('--params-dense', { ...SPECS.count, example: '7e9 or 7B' }))
    .option('--experts <E>', 'number of experts (1 = dense)', numberOption('--experts', { min: 1, integer: true, max: 1e7, example: '8' }), 1)
    .action((o: CommonOptions & { paramsDense: number; experts: number }) => {
      /* eslint-disable @typescript-eslint/no-require-imports */
      const { servingCost } = require('../inference/cost') as typeof import('../inference/cost');
      const { yunServedModel } = require('../inference/model') as typeof import('../inference/model');
      /* eslint-enable @typescript-eslint/no-require-imports */
      const model = yunServedModel(o.paramsDense, o.experts);
      const so = serving(o);
      const r = servingCost(model, so);
      const rows = r.perGpuCount.map((p) => ({ ...p, reason: p.feasible ? undefined : infeasibleReason(model, p, so) }));
      if (o.json) {
        process.stdout.write(JSON.stringify({ model, gpu: so.gpu.name, costUnit: 'GPU-hours per token', best: r.best.feasible ? r.best : null, perGpuCount: rows }, null, 1) + '\n');
        return;
      }
      const lines = [
        `Yun-style model: N_dense ${num(o.paramsDense)} params, E = ${o.experts} expert${o.experts === 1 ? '' : 's'} (top-2, MoE every other layer): ` +
          `${num(model.paramsTotal)} total / ${num(model.paramsActive)} active params; on ${so.gpu.name}, prompt ${o.promptTokens} + output ${o.outputTokens} tokens`,
        renderTable(
          [
            { header: 'GPUs', cell: (p) => String(p.gpus) },
            { header: 'batch (sequences)', cell: (p) => (p.feasible ? int(p.batch) : '–') },
            { header: 'latency per step (ms)', cell: (p) => (p.feasible ? (p.latencySeconds * 1e3).toFixed(2) : '–') },
            { header: 'throughput (tokens/s)', cell: (p) => (p.feasible ? int(p.throughputTokensPerSecond) : '–') },
            { header: `cost (${COST_UNIT})`, cell: (p) => (p.feasible ? num(costOf(p.costPerToken)) : '–') },
            { header: '', cell: (p) => (!p.feasible ? `not servable: ${p.reason}` : p === rows[r.perGpuCount.indexOf(r.best)] ? '← cheapest' : ''), numeric: false },
          ],
          rows,
        ),
      ];
      if (!r.best.feasible) lines.push(`  no GPU count in ${gpuSpan(o.gpus)} serves this model: allow more GPUs (--gpus 1-64) or a larger GPU (--gpu H100-80GB)`);
      process.stdout.write(lines.join('\n') + '\n');
    });
}

/** Which way the fitted loss still falls from N at this budget (at 2N: larger, at N/2: smaller), or null when N is a minimum. */
function notAMinimum(c: ExpertsCoefficients, flops: number, experts: number, paramsDense: number): 'larger' | 'smaller' | null {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { expertsAtSize } = require('../laws/allocation/experts') as typeof import('../laws/allocation/experts');
  const at = (n: number) => expertsAtSize(c, flops, experts, n).loss;
  const here = at(paramsDense);
  if (at(paramsDense * 2) < here) return 'larger';
  if (at(paramsDense / 2) < here) return 'smaller';
  return null;
}

function overtrainCommands(inf: Command): void {
  for (const [name, what] of [
    ['alg1', 'Algorithm 1: for each expert count, the smallest (over-trained) model that matches the loss of the base loss-optimal model, and its serving cost'],
    ['alg2', 'Algorithm 2: for each expert count, the lowest loss within the serving cost of the base loss-optimal model'],
  ] as const) {
    common(inf.command(name).description(what))
      .requiredOption('--coefficients <file>', 'experts-law coefficients (JSON from `moelab fit --law experts --out`, or results/fits/experts.json)')
      .requiredOption('--flops <C>', 'training budget in FLOPs, e.g. 5.15e21', numberOption('--flops', { ...SPECS.count, example: '5.15e21' }))
      .option('--base-experts <E>', 'base expert count (1 = dense)', numberOption('--base-experts', { min: 1, integer: true, max: 1e7, example: '4' }), 4)
      .option('--experts <list>', 'candidate expert counts', numberListOption('--experts', { min: 1, integer: true, max: 1e7, example: '1,4,8,16,32' }), [1, 4, 8, 16, 32])
      .action((o: CommonOptions & { coefficients: string; flops: number; baseExperts: number; experts: number[] }) => {
        /* eslint-disable @typescript-eslint/no-require-imports */
        const { loadCoefficients } = require('./optimal') as typeof import('./optimal');
        const { minCostForBoundedLoss, minLossForBoundedCost } = require('../inference/overtrain') as typeof import('../inference/overtrain');
        const { yunServedModel } = require('../inference/model') as typeof import('../inference/model');
        /* eslint-enable @typescript-eslint/no-require-imports */
        const c = loadCoefficients('experts', o.coefficients);
        const so = serving(o);
        const fn = name === 'alg1' ? minCostForBoundedLoss : minLossForBoundedCost;
        const r: OvertrainResult = fn(c, o.flops, o.baseExperts, o.experts, { serving: so });
        const base = r.base;
        const baseModel = yunServedModel(base.allocation.paramsDense, base.allocation.experts);
        const baseUnservable = !base.serving.feasible;
        if (baseUnservable && name === 'alg2') {
          throw new UsageError(
            '--gpus',
            `the base model (E = ${o.baseExperts}, N_dense ${num(base.allocation.paramsDense)}) cannot be served on ${gpuSpan(o.gpus)} × ${so.gpu.name} (${infeasibleReason(baseModel, { ...base.serving, gpus: o.gpus[o.gpus.length - 1]! }, so)}), so it sets no cost bound: allow more GPUs (--gpus 1-64), a larger GPU (--gpu H100-80GB) or a smaller --flops`,
          );
        }
        const why = (row: OvertrainRow): string => {
          const notes: string[] = [];
          const falls = notAMinimum(c, o.flops, row.experts, row.lossOptimal.paramsDense);
          if (falls) {
            notes.push(`its loss-optimal N (${num(row.lossOptimal.paramsDense)}) sits at the edge of the search range: the fitted loss keeps falling toward ${falls} N at this budget, so it is no optimum`);
          }
          if (!row.chosen) {
            notes.push(
              name === 'alg1'
                ? `infeasible: even its loss-optimal model (loss ${row.lossOptimal.loss.toFixed(4)}) does not reach the base loss ${base.allocation.loss.toFixed(4)} at this budget`
                : `infeasible: at 1/10,000 of its loss-optimal size it still costs more to serve than the base (${num(costOf(base.serving.costPerToken))} ${COST_UNIT})`,
            );
          } else if (row.serving && !row.serving.feasible) {
            const most = { ...row.serving, gpus: o.gpus[o.gpus.length - 1]! };
            notes.push(`not servable on ${gpuSpan(o.gpus)} × ${so.gpu.name}: ${infeasibleReason(yunServedModel(row.chosen.paramsDense, row.experts), most, so)}`);
          }
          if (row.experts === o.baseExperts) notes.unshift('base');
          return notes.join('; ');
        };
        const rows = r.rows.map((row) => ({ ...row, reason: why(row) }));
        if (o.json) {
          process.stdout.write(JSON.stringify({ ...r, costUnit: 'GPU-hours per token', gpu: so.gpu.name, rows }, null, 1) + '\n');
          return;
        }
        const ratio = (x: number) => (Number.isFinite(x) ? `${num(x, 3)}×` : '–');
        const lines = [
          name === 'alg1'
            ? `Yun et al. App. E, Algorithm 1 at C = ${num(o.flops)} FLOPs: per expert count E, the smallest model trained on the whole budget that reaches the loss of the base (E = ${o.baseExperts}) loss-optimal model`
            : `Yun et al. App. E, Algorithm 2 at C = ${num(o.flops)} FLOPs: per expert count E, the lowest loss of a model trained on the whole budget whose serving cost stays within the base (E = ${o.baseExperts}) loss-optimal model's`,
          `base: N_dense ${num(base.allocation.paramsDense)} params, D ${num(base.allocation.tokens)} tokens, loss ${base.allocation.loss.toFixed(4)} nats/token, ` +
            (base.serving.feasible ? `${num(costOf(base.serving.costPerToken))} ${COST_UNIT} on ${base.serving.gpus} × ${so.gpu.name}` : `not servable (${infeasibleReason(baseModel, { ...base.serving, gpus: o.gpus[o.gpus.length - 1]! }, so)})`),
          renderTable(
            [
              { header: 'E (experts)', cell: (x) => String(x.experts) },
              { header: 'N_dense (params)', cell: (x) => (x.chosen ? num(x.chosen.paramsDense) : '–') },
              { header: 'N / own loss-optimal N', cell: (x) => ratio(x.sizeRatioToOwnOptimal) },
              { header: 'N / base N', cell: (x) => ratio(x.sizeRatioToBase) },
              { header: 'D (tokens)', cell: (x) => (x.chosen ? num(x.chosen.tokens) : '–') },
              { header: 'loss (nats/token)', cell: (x) => (x.chosen ? x.chosen.loss.toFixed(4) : '–') },
              { header: `cost (${COST_UNIT})`, cell: (x) => (x.serving?.feasible ? num(costOf(x.serving.costPerToken)) : '–') },
              { header: 'GPUs', cell: (x) => (x.serving?.feasible ? String(x.serving.gpus) : '–') },
              { header: 'note', cell: (x) => x.reason, numeric: false },
            ],
            rows,
          ),
        ];
        process.stdout.write(lines.join('\n') + '\n');
      });
  }
}

export function register(program: Command): void {
  const inf = program.command('inference').description("Yun et al. serving-cost model and over-training searches (Algorithms 1 and 2)");
  costCommand(inf);
  overtrainCommands(inf);
}
