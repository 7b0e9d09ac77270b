/**
 * `moelab fit --law chinchilla|dense|fine-grained|experts|clark --runs FILE.csv [selection] [--bootstrap N] [--out FILE.json] [--json]`:
 * fits a scaling law to a run table (the runs the pipeline fits for that law, unless `--sweep`, `--family`,
 * `--router`, `--where` or `--all-runs` say otherwise) or to a plain CSV with the law's plain columns + `loss`
 * (e.g. `params,tokens,loss` for Chinchilla), optionally bootstraps it and measures held-out extrapolation.
 * The laws are loaded only when the command runs (`moelab --help` stays fast).
 */
import * as fs from 'node:fs';
import { Command, Option } from 'commander';
import type { BootstrapResult } from '../laws/fit/bootstrap';
import type { FitResult } from '../laws/fit/fit';
import type { HoldoutResult } from '../laws/fit/holdout';
import type { LawForm, LawObservations } from '../laws/types';
import type { RunSummary } from '../runs/types';
import type { Identification } from './fit-identification';
import { numberOption, SPECS, UsageError } from './options';
import { num } from './table';
import type { RunSelection, RunSelectionOptions } from './select-runs';

/** The law forms `--law` accepts, plus `dense` (Krajewski Eq. 1: the Chinchilla form on the dense baselines). */
export const FIT_LAWS = ['chinchilla', 'dense', 'fine-grained', 'experts', 'clark'] as const;

export interface FitCliOptions extends RunSelectionOptions {
  /** Law name (`FIT_LAWS`). */
  law: string;
  /** Run table or plain CSV path. */
  runs: string;
  /** Loss column of a run table: valLoss (default) or trainLossSmoothed. */
  target: 'valLoss' | 'trainLossSmoothed';
  /** multistart (default) or varpro. */
  fitter: 'multistart' | 'varpro';
  /** Bootstrap resamples (0 = none). Default 0. */
  bootstrap: number;
  /** Bootstrap seed. Default 0. */
  seed: number;
  /** Interval level. Default 0.95. */
  level: number;
  /** Held-out fraction of largest-compute runs (0 = skip). Default 0. */
  holdout: number;
  /** Accept optima on a grid edge / bound (warn instead of failing). */
  allowEdge?: boolean;
  /** Write the JSON report here (atomically). */
  out?: string;
  /** Print the JSON report on stdout. */
  json?: boolean;
  /** Progress lines on stderr (default: on). */
  progress?: boolean;
}

export interface FitReport {
  fit: FitResult;
  /** Which rows were fitted (run tables only). */
  selection?: { rule: string; selected: number; total: number; runIds: string[] };
  bootstrap?: Omit<BootstrapResult, 'fullFit'>;
  /** Whether the bootstrap says the data determine each coefficient. */
  identification?: Identification;
  holdout?: Omit<HoldoutResult, 'fit'> & { fitCoefficients: Record<string, number> };
  /** Input values outside any plausible range (the fit ran; check the units). */
  warnings: string[];
}

/**
 * Ranges no real language-model run leaves; a value outside is almost surely a unit or column mix-up
 * (1e300 parameters, a loss of 1e5). The fit still runs; the report and stderr say which rows.
 */
export const PLAUSIBLE: Readonly<Record<string, readonly [number, number]>> = {
  N: [1e2, 1e15], // non-embedding parameters: a toy MLP to 1000× GPT-4-class models
  D: [1e3, 1e17], // training tokens
  E: [1, 1e7], // experts (PEER-style models use ~1e6)
  G: [1 / 64, 1e5], // granularity
  loss: [1e-3, 50], // nats/token: ln(vocabulary) is ~12 for a 200k vocabulary
};

/** Lazy loaders, so that registering the command (and `--help`) loads no law code. */
const laws = () => ({
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  ...(require('../laws/fit/fit') as typeof import('../laws/fit/fit')),
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  ...(require('../laws/fit/bootstrap') as typeof import('../laws/fit/bootstrap')),
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  ...(require('../laws/fit/holdout') as typeof import('../laws/fit/holdout')),
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  ...(require('../laws/forms') as typeof import('../laws/forms')),
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  ...(require('../laws/errors') as typeof import('../laws/errors')),
});

/** The law form behind a `--law` name. */
function formName(law: string): string {
  return law === 'dense' ? 'chinchilla' : law;
}

export interface LoadedFitData {
  data: readonly RunSummary[] | LawObservations;
  selection?: RunSelection;
}

/** Loads observations: a run table (selected as the pipeline does) when the header has `run_id`, else the law's plain columns + `loss`. */
export function loadFitData(o: Pick<FitCliOptions, 'law' | 'runs' | 'sweep' | 'family' | 'router' | 'where' | 'allRuns'>): LoadedFitData {
  const L = laws();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const table = require('../runs/table') as typeof import('../runs/table');
  const law = L.getLaw(formName(o.law));
  const file = o.runs;
  let header: string[] = [];
  if (fs.existsSync(file) && fs.statSync(file).isFile()) {
    const fd = fs.openSync(file, 'r');
    const buf = Buffer.alloc(4096);
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    fs.closeSync(fd);
    header = buf.subarray(0, n).toString('latin1').split(/\r?\n/, 1)[0]!.split(',').map((s) => s.trim().replace(/^"|"$/g, ''));
  }
  const selecting = o.sweep || o.family || o.router || (o.where && o.where.length) || o.allRuns;
  if (header.includes('run_id')) {
    const runs = table.readRunTableSync(file);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { selectRuns } = require('./select-runs') as typeof import('./select-runs');
    const selection = selectRuns(o.law, runs, o);
    return { data: selection.runs, selection };
  }
  if (selecting) {
    throw new UsageError('--sweep', `${file} is a plain CSV (no run_id column): --sweep, --family, --router, --where and --all-runs select rows of a run table (results/runs.csv); filter the plain CSV yourself`);
  }
  const cols = law.variables.map((v) => v.plainColumn ?? v.column);
  const data = table.readNumericCsvSync(file, [...cols, 'loss']);
  const n = data.loss!.length;
  const lines = data.lines ?? Array.from({ length: n }, (_, i) => i + 2);
  const obs: LawObservations = {
    x: Array.from({ length: n }, (_, i) => cols.map((c) => data[c]![i]!)),
    loss: data.loss!,
    labels: Array.from({ length: n }, (_, i) => `${file} line ${lines[i]}`),
  };
  return { data: obs };
}

/** Values outside `PLAUSIBLE`, one warning per variable naming the worst row. */
export function plausibilityWarnings(law: LawForm, obs: LawObservations): string[] {
  const out: string[] = [];
  const check = (symbol: string, name: string, values: readonly number[]) => {
    const range = PLAUSIBLE[symbol];
    if (!range) return;
    const bad = values.map((v, i) => [v, i] as const).filter(([v]) => v < range[0] || v > range[1]);
    if (bad.length === 0) return;
    const [v, i] = bad.reduce((w, b) => (Math.abs(Math.log10(b[0])) > Math.abs(Math.log10(w[0])) ? b : w));
    out.push(
      `${name} = ${v.toPrecision(4)} (${obs.labels?.[i] ?? `row ${i + 1}`}${bad.length > 1 ? ` and ${bad.length - 1} more` : ''}) is outside any plausible range for ${name} ` +
        `(${num(range[0])}–${num(range[1])}); check the column's units: the fit ran, but its coefficients will not mean what the law says`,
    );
  };
  law.variables.forEach((v, j) =>
    check(
      v.symbol,
      v.plainColumn ?? v.column,
      obs.x.map((row) => row[j]!),
    ),
  );
  check('loss', 'loss', obs.loss);
  return out;
}

/** Progress on stderr: a line per phase, and resample counts on long bootstraps (rewritten in place on a TTY). */
class Progress {
  private last = 0;
  private t0 = Date.now();
  constructor(private readonly enabled: boolean) {}
  phase(text: string): void {
    if (!this.enabled) return;
    this.t0 = Date.now();
    this.last = this.t0;
    process.stderr.write(`moelab fit: ${text}…\n`);
  }
  done(text: string): void {
    if (!this.enabled) return;
    if (process.stderr.isTTY) process.stderr.write('\r\u001b[K');
    process.stderr.write(`moelab fit: ${text} in ${((Date.now() - this.t0) / 1000).toFixed(1)} s\n`);
  }
  tick(done: number, total: number): void {
    if (!this.enabled) return;
    const now = Date.now();
    const tty = process.stderr.isTTY;
    if (now - this.last < (tty ? 200 : 5000)) return;
    this.last = now;
    const elapsed = (now - this.t0) / 1000;
    const eta = done > 0 ? (elapsed / done) * (total - done) : NaN;
    const line = `moelab fit: bootstrap ${done}/${total} resamples, ${elapsed.toFixed(0)} s${Number.isFinite(eta) ? `, about ${eta.toFixed(0)} s left` : ''}`;
    process.stderr.write(tty ? `\r\u001b[K${line}` : `${line}\n`);
  }
}

/** A fit the CLI cannot report: the laws' FitError with the fix written as CLI flags. */
export class FitCommandError extends Error {
  override readonly name = 'FitError';
  constructor(
    message: string,
    readonly code: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

/** The laws' FitError message with API advice (`edgePolicy`, option names) replaced by the CLI flags that do the same. */
export function cliFitMessage(code: string, message: string, o: Pick<FitCliOptions, 'law'>): string {
  // the grid and the edge policy are API options (FitOptions.initGrid, edgePolicy); the CLI's levers are flags
  const base = message
    .replace(/\s*\(pass edgePolicy[^)]*\)/g, '')
    .replace(/`?edgePolicy:? ?'warn'`?/g, '--allow-edge')
    .replace(/;\s*widen th(at|e) grid/g, '');
  switch (code) {
    case 'grid-edge':
    case 'bound':
      return `${base}. Rerun with --allow-edge to accept this optimum (add --bootstrap 200 to see whether the runs identify the coefficients), or fit runs that span more of the law's variables`;
    case 'too-few':
      return `${base}; select more runs (--sweep, --family, --router, --where, or --all-runs)`;
    case 'not-finite':
      return `${base}; check the input's units, or try --fitter ${o.law === 'experts' ? 'multistart' : 'varpro'}`;
    default:
      return base;
  }
}

export async function runFit(o: FitCliOptions): Promise<FitReport> {
  return runFitSync(o);
}

/** `runFit` without the promise (the fit is synchronous CPU work). */
export function runFitSync(o: FitCliOptions): FitReport {
  const L = laws();
  const progress = new Progress(o.progress ?? !o.json);
  const law = L.getLaw(formName(o.law));
  const wrap = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (e) {
      if (e instanceof L.FitError) {
        const usage = e.code === 'input' || e.code === 'too-few' || e.code === 'unknown-law';
        throw new FitCommandError(cliFitMessage(e.code, e.message, o), e.code, usage ? 2 : 1);
      }
      throw e;
    }
  };
  const { data, selection } = loadFitData(o);
  const obs = wrap(() => L.toObservations(law, data, o.target));
  if (o.holdout > 0 && Math.floor(o.holdout * obs.loss.length) < 1) {
    throw new UsageError('--holdout', `--holdout ${o.holdout} of ${obs.loss.length} runs holds out no run; use at least ${(1 / obs.loss.length).toPrecision(2)}`);
  }
  const warnings = plausibilityWarnings(law, obs);
  for (const w of warnings) process.stderr.write(`moelab fit: warning: ${w}\n`);
  const fitOptions = { fitter: o.fitter, target: o.target, edgePolicy: o.allowEdge ? ('warn' as const) : ('error' as const) };
  if (selection) progress.phase(`fitting ${o.law} to ${selection.runs.length} of ${selection.total} runs (${selection.rule})`);
  else progress.phase(`fitting ${o.law} to ${obs.loss.length} rows of ${o.runs}`);
  const fit = wrap(() => L.fitLaw(law.name, obs, fitOptions));
  progress.done(`fitted (${fit.diagnostics.starts} starts)`);
  const report: FitReport = { fit, warnings };
  if (selection) report.selection = { rule: selection.rule, selected: selection.runs.length, total: selection.total, runIds: selection.runs.map((r) => r.runId) };
  if (o.bootstrap > 0) {
    progress.phase(`bootstrap, ${o.bootstrap} resamples`);
    const base = L.defaultDerived(law.name);
    let done = 0;
    const { fullFit: _full, ...boot } = wrap(() =>
      L.bootstrapFit(law.name, obs, {
        fullFit: fit,
        fit: fitOptions,
        resamples: o.bootstrap,
        seed: o.seed,
        level: o.level,
        // called once for the full fit, then once per converged resample: our progress hook
        derived: (c) => {
          progress.tick(done++, o.bootstrap);
          return base ? base(c) : {};
        },
      }),
    );
    progress.done(`bootstrap done (${boot.failures} of ${boot.resamples} resamples failed)`);
    report.bootstrap = boot;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { identification } = require('./fit-identification') as typeof import('./fit-identification');
    report.identification = identification(boot, obs, law.variables.map((v) => v.symbol));
  }
  if (o.holdout > 0) {
    progress.phase(`hold-out fit without the ${Math.round(o.holdout * 100)}% largest-compute runs`);
    const { fit: hFit, ...rest } = wrap(() => L.holdoutExtrapolation(law.name, obs, { fraction: o.holdout, fit: fitOptions }));
    progress.done('hold-out fit done');
    report.holdout = { ...rest, fitCoefficients: hFit.coefficients };
  }
  return report;
}

function printHuman(r: FitReport): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { intervalText } = require('./fit-identification') as typeof import('./fit-identification');
  const f = r.fit;
  const lines = [`${f.law}: ${f.equation}   [${f.citation}]`];
  if (r.selection) lines.push(`runs: ${r.selection.selected} of ${r.selection.total} (${r.selection.rule})`);
  lines.push(`fitter ${f.fitter}, ${f.nObservations} runs, Huber δ ${f.huberDelta}, objective ${f.objective.toExponential(6)}, RMSLE ${f.rmsle.toExponential(3)}`);
  if (r.identification?.summary) lines.push(r.identification.summary);
  const width = Math.max(7, ...Object.keys(f.coefficients).map((k) => k.length));
  for (const [k, v] of Object.entries(f.coefficients)) {
    const ci = r.bootstrap?.coefficients[k];
    const id = r.identification?.coefficients[k];
    let tail = '';
    if (ci && id && !id.identified) tail = `   not identified: ${id.reason}`;
    else if (ci) tail = `   ${intervalText(ci, r.bootstrap!.level)}, se ${ci.se.toPrecision(3)}`;
    lines.push(`  ${k.padEnd(width)} ${v.toPrecision(6)}${tail}`);
  }
  for (const [k, ci] of Object.entries(r.bootstrap?.derived ?? {})) {
    lines.push(`  ${k.padEnd(width)} ${ci.estimate.toPrecision(6)}   ${intervalText(ci, r.bootstrap!.level)} (derived)`);
  }
  if (r.holdout) lines.push(`held-out ${r.holdout.nHeldOut} largest-compute runs: RMSE(log loss) ${r.holdout.rmseLog.toExponential(3)}`);
  for (const w of f.diagnostics.warnings) lines.push(`warning: ${w.replace(/edgePolicy/g, '--allow-edge').replace(/;\s*widen th(at|e) grid/g, '')}`);
  for (const w of r.warnings) lines.push(`warning: ${w}`);
  if (!r.bootstrap && f.diagnostics.warnings.length > 0) lines.push('(add --bootstrap 200 to see whether these runs identify the coefficients)');
  process.stdout.write(lines.join('\n') + '\n');
}

export function register(program: Command): void {
  program
    .command('fit')
    .description('fit a scaling law (summed Huber on log loss, L-BFGS) to the runs the pipeline fits, with optional bootstrap CIs and held-out extrapolation')
    .addOption(new Option('--law <law>', 'law to fit (dense = Krajewski Eq. 1: the Chinchilla form on the dense baselines)').choices(FIT_LAWS).makeOptionMandatory())
    .requiredOption('--runs <file>', 'run table CSV (results/runs.csv) or a plain CSV with the law columns + loss (chinchilla: params,tokens,loss)')
    .option('--sweep <names>', "run table: fit these sweeps' runs (comma-separated) instead of the pipeline's selection")
    .option('--family <dense|moe>', "run table: fit only this family (replaces the pipeline's selection)")
    .option('--router <names>', 'run table: fit only these routers: none, token-choice, expert-choice (comma-separated)')
    .option('--where <expr>', 'run table: keep runs matching column OP value, e.g. "tokens>=1e5" or "granularity=4" (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--all-runs', 'run table: fit every row')
    .addOption(new Option('--target <column>', 'loss column of a run table').choices(['valLoss', 'trainLossSmoothed']).default('valLoss'))
    .addOption(new Option('--fitter <fitter>', 'global search').choices(['multistart', 'varpro']).default('multistart'))
    .option('--bootstrap <n>', 'bootstrap resamples (0 = none)', numberOption('--bootstrap', { ...SPECS.nonNegativeInteger, max: 1e6 }), 0)
    .option('--seed <n>', 'bootstrap seed (0 … 2^32−1)', numberOption('--seed', SPECS.seed), 0)
    .option('--level <p>', 'bootstrap interval level, in (0, 1)', numberOption('--level', SPECS.openFraction), 0.95)
    .option('--holdout <fraction>', 'hold out this fraction of largest-compute runs and report extrapolation RMSE, in [0, 1)', numberOption('--holdout', SPECS.fraction), 0)
    .option('--allow-edge', 'accept an optimum on a grid edge or bound (warn instead of failing)')
    .option('--out <file>', 'write the JSON report here')
    .option('--json', 'print the JSON report on stdout')
    .option('--no-progress', 'no progress lines on stderr')
    .action((o: FitCliOptions) => {
      const report = runFitSync(o);
      if (o.out) {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { writeFileAtomic } = require('../util/atomic-write') as typeof import('../util/atomic-write');
        writeFileAtomic(o.out, JSON.stringify(report, null, 1) + '\n');
      }
      if (o.json) process.stdout.write(JSON.stringify(report, null, 1) + '\n');
      else printHuman(report);
    });
}
