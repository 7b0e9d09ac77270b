/**
 * `moelab fit --law chinchilla|fine-grained|experts|clark --runs FILE.csv [--bootstrap N] [--out FILE.json] [--json]`:
 * fits a scaling law to a run table (or, for a plain fit, a CSV with the law's plain columns + `loss`, e.g.
 * `params,tokens,loss` for Chinchilla) and optionally bootstraps it and measures held-out extrapolation.
 */
import * as fs from 'node:fs';
import { Command, Option } from 'commander';
import { bootstrapFit, type BootstrapResult } from '../laws/fit/bootstrap';
import { fitLaw, type FitResult } from '../laws/fit/fit';
import { holdoutExtrapolation, type HoldoutResult } from '../laws/fit/holdout';
import { getLaw, LAW_NAMES } from '../laws/forms';
import { describeProtocol } from '../laws/protocol';
import type { LawObservations } from '../laws/types';
import { readNumericCsv, readRunTable, writeFileAtomic } from '../runs/table';

export interface FitCliOptions {
  /** Law name. */
  law: string;
  /** Run table or plain CSV path. */
  runs: string;
  /** Fitting protocol: the law's defining paper's (default) or moelab's. */
  protocol?: 'paper' | 'moelab';
  /** Loss column of a run table (default: the protocol's target). */
  target?: 'valLoss' | 'trainLossSmoothed';
  /** multistart (default) or varpro. */
  fitter: 'multistart' | 'varpro';
  /** Bootstrap resamples (0 = none). Default 0. */
  bootstrap: number;
  /** Bootstrap seed. Default 0. */
  seed: number;
  /** Interval level (default: the protocol's). */
  level?: number;
  /** Held-out fraction by the protocol's hold-out rule (0 = skip). Default 0. */
  holdout: number;
  /** Accept optima on a grid edge / bound (warn instead of FitError). */
  allowEdge?: boolean;
  /** Write the JSON report here (atomically). */
  out?: string;
  /** Print the JSON report on stdout. */
  json?: boolean;
}

export interface FitReport {
  fit: FitResult;
  bootstrap?: Omit<BootstrapResult, 'fullFit'>;
  holdout?: Omit<HoldoutResult, 'fit'> & { fitCoefficients: Record<string, number> };
}

/** Loads observations: a run table when the header has `run_id`, else the law's plain columns + `loss`. */
export async function loadFitData(lawName: string, file: string) {
  const law = getLaw(lawName);
  const header = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n', 1)[0].split(',').map((s) => s.trim()) : [];
  if (header.includes('run_id')) return readRunTable(file);
  const cols = law.variables.map((v) => v.plainColumn ?? v.column);
  const data = await readNumericCsv(file, [...cols, 'loss']);
  const n = data.loss.length;
  const obs: LawObservations = {
    x: Array.from({ length: n }, (_, i) => cols.map((c) => data[c][i])),
    loss: data.loss,
    labels: Array.from({ length: n }, (_, i) => `${file} line ${i + 2}`),
  };
  return obs;
}

export async function runFit(o: FitCliOptions): Promise<FitReport> {
  const data = await loadFitData(o.law, o.runs);
  const fitOptions = { protocol: o.protocol ?? 'paper', fitter: o.fitter, target: o.target, edgePolicy: o.allowEdge ? ('warn' as const) : ('error' as const) };
  const fit = fitLaw(o.law, data, fitOptions);
  const report: FitReport = { fit };
  if (o.bootstrap > 0) {
    const { fullFit: _full, ...boot } = bootstrapFit(o.law, data, {
      fullFit: fit,
      fit: fitOptions,
      scheme: { resamples: o.bootstrap, ...(o.level !== undefined ? { level: o.level } : {}) },
      seed: o.seed,
    });
    report.bootstrap = boot;
  }
  if (o.holdout > 0) {
    const { fit: hFit, ...rest } = holdoutExtrapolation(o.law, data, { rule: { fraction: o.holdout }, fit: fitOptions });
    report.holdout = { ...rest, fitCoefficients: hFit.coefficients };
  }
  return report;
}

function printHuman(r: FitReport): void {
  const f = r.fit;
  const lines = [`${f.law}: ${f.equation}   [${f.citation}]`, `${describeProtocol(f.protocol)}`, `fitter ${f.fitter}, ${f.nObservations} runs, objective ${f.objective.toExponential(6)}, RMSLE ${f.rmsle.toExponential(3)}`];
  for (const [k, v] of Object.entries(f.coefficients)) {
    const ci = r.bootstrap?.coefficients[k];
    lines.push(`  ${k.padEnd(7)} ${v.toPrecision(6)}${ci ? `   ${(r.bootstrap!.scheme.level * 100).toFixed(0)}% CI [${ci.lo.toPrecision(4)}, ${ci.hi.toPrecision(4)}]  se ${ci.se.toPrecision(3)}` : ''}`);
  }
  for (const [k, ci] of Object.entries(r.bootstrap?.derived ?? {})) {
    lines.push(`  ${k.padEnd(7)} ${ci.estimate.toPrecision(6)}   CI [${ci.lo.toPrecision(4)}, ${ci.hi.toPrecision(4)}] (derived)`);
  }
  if (r.holdout) lines.push(`held-out ${r.holdout.nHeldOut} ${r.holdout.rule.rule} runs: RMSE(log loss) ${r.holdout.rmseLog.toExponential(3)}`);
  for (const w of f.diagnostics.warnings) lines.push(`warning: ${w}`);
  process.stdout.write(lines.join('\n') + '\n');
}

export function register(program: Command): void {
  program
    .command('fit')
    .description('fit a scaling law (summed Huber on log loss, L-BFGS) with optional bootstrap CIs and held-out extrapolation')
    .addOption(new Option('--law <law>', 'law to fit').choices(LAW_NAMES).makeOptionMandatory())
    .requiredOption('--runs <file>', 'run table CSV (results/runs.csv) or a plain CSV with the law columns + loss (chinchilla: params,tokens,loss)')
    .addOption(new Option('--protocol <protocol>', "fitting protocol: the law's defining paper's or moelab's (see README)").choices(['paper', 'moelab']).default('paper'))
    .addOption(new Option('--target <column>', "loss column of a run table (default: the protocol's)").choices(['valLoss', 'trainLossSmoothed']))
    .addOption(new Option('--fitter <fitter>', 'global search').choices(['multistart', 'varpro']).default('multistart'))
    .option('--bootstrap <n>', 'bootstrap resamples (0 = none)', (v) => parseInt(v, 10), 0)
    .option('--seed <n>', 'bootstrap seed', (v) => parseInt(v, 10), 0)
    .option('--level <p>', "bootstrap interval level (default: the protocol's)", parseFloat)
    .option('--holdout <fraction>', "hold out this fraction of runs by the protocol's rule and report the extrapolation RMSE", parseFloat, 0)
    .option('--allow-edge', 'warn instead of failing when the optimum sits on a grid edge or bound')
    .option('--out <file>', 'write the JSON report here')
    .option('--json', 'print the JSON report on stdout')
    .action(async (o: FitCliOptions) => {
      const report = await runFit(o);
      if (o.out) writeFileAtomic(o.out, JSON.stringify(report, null, 1) + '\n');
      if (o.json) process.stdout.write(JSON.stringify(report, null, 1) + '\n');
      else printHuman(report);
    });
}
