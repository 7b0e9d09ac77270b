/**
 * `moelab inference cost|alg1|alg2`: Yun et al.'s serving-cost model (§4, App. C) and over-training searches
 * (App. E, Algorithms 1 and 2).
 */
import { Command, Option } from 'commander';
import { servingCost } from '../inference/cost';
import { getGpu, GPU_PRESETS } from '../inference/gpus';
import { rooflineLatency } from '../inference/latency';
import { yunServedModel } from '../inference/model';
import { minCostForBoundedLoss, minLossForBoundedCost } from '../inference/overtrain';
import type { ExpertsCoefficients } from '../laws/published';
import { loadCoefficients } from './optimal';

interface CommonOptions {
  /** GPU preset. Default A100-40GB. */
  gpu: string;
  /** Mean prompt tokens. Default 161. */
  promptTokens: number;
  /** Mean output tokens. Default 338. */
  outputTokens: number;
  /** Largest GPU count considered. Default 8. */
  maxGpus: number;
  json?: boolean;
}

function serving(o: CommonOptions) {
  const gpu = getGpu(o.gpu);
  return {
    gpu,
    latency: rooflineLatency(gpu),
    promptTokens: o.promptTokens,
    outputTokens: o.outputTokens,
    gpuCounts: Array.from({ length: o.maxGpus }, (_, i) => i + 1),
  };
}

function common(cmd: Command): Command {
  return cmd
    .addOption(new Option('--gpu <name>', 'GPU preset').choices(Object.keys(GPU_PRESETS)).default('A100-40GB'))
    .option('--prompt-tokens <n>', 'mean prompt length p', parseFloat, 161)
    .option('--output-tokens <n>', 'mean output length n', parseFloat, 338)
    .option('--max-gpus <n>', 'largest GPU count considered', (v) => parseInt(v, 10), 8)
    .option('--json', 'print JSON');
}

const out = (json: boolean | undefined, value: unknown, human: () => string) =>
  process.stdout.write(json ? JSON.stringify(value, null, 1) + '\n' : human() + '\n');

export function register(program: Command): void {
  const inf = program.command('inference').description("Yun et al. serving-cost model and over-training searches (Algorithms 1 and 2)");
  common(inf.command('cost').description('cost per token of a Yun-style MoE, minimised over GPU count'))
    .requiredOption('--params-dense <N>', 'dense-equivalent parameters N', parseFloat)
    .option('--experts <E>', 'number of experts', parseFloat, 1)
    .action((o: CommonOptions & { paramsDense: number; experts: number }) => {
      const r = servingCost(yunServedModel(o.paramsDense, o.experts), serving(o));
      out(o.json, r, () =>
        r.perGpuCount
          .map((p) => `  G=${p.gpus} batch ${p.batch} latency ${(p.latencySeconds * 1e3).toFixed(2)} ms  ${p.throughputTokensPerSecond.toFixed(0)} tok/s  cost/token ${p.costPerToken.toExponential(3)}${p === r.best ? '  ← min' : ''}`)
          .join('\n'),
      );
    });
  for (const [name, fn, what] of [
    ['alg1', minCostForBoundedLoss, 'Algorithm 1: minimum inference cost for the loss of the base loss-optimal model'],
    ['alg2', minLossForBoundedCost, 'Algorithm 2: minimum loss for the inference cost of the base loss-optimal model'],
  ] as const) {
    common(inf.command(name).description(what))
      .requiredOption('--coefficients <file>', 'experts-law coefficients (JSON from `moelab fit --law experts --out`)')
      .requiredOption('--flops <B>', 'training budget in FLOPs', parseFloat)
      .option('--base-experts <E>', 'base expert count (1 = dense)', parseFloat, 4)
      .option('--experts <list>', 'candidate expert counts', '1,4,8,16,32')
      .action((o: CommonOptions & { coefficients: string; flops: number; baseExperts: number; experts: string }) => {
        const c = loadCoefficients('experts', o.coefficients) as unknown as ExpertsCoefficients;
        const r = fn(c, o.flops, o.baseExperts, o.experts.split(',').map(Number), { serving: serving(o) });
        out(o.json, r, () =>
          r.rows
            .map((row) =>
              row.chosen
                ? `  E=${row.experts}: N ${row.chosen.paramsDense.toPrecision(4)} (${(row.sizeRatioToOwnOptimal * 100).toFixed(1)}% of its loss-optimal, ${(row.sizeRatioToBase * 100).toFixed(1)}% of base)  D ${row.chosen.tokens.toPrecision(4)}  loss ${row.chosen.loss.toFixed(4)}  cost/token ${row.serving!.costPerToken.toExponential(3)} on ${row.serving!.gpus} GPU(s)`
                : `  E=${row.experts}: infeasible`,
            )
            .join('\n'),
        );
      });
  }
}
