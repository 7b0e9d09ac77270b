/**
 * `moelab fit --law chinchilla|dense|fine-grained|experts|clark --runs FILE.csv [selection] [--protocol paper|moelab]
 * [--bootstrap N] [--out FILE.json] [--json]`: fits a scaling law by a fitting protocol (the defining paper's by
 * default) to a run table (the runs the pipeline fits for that law, unless `--sweep`, `--family`, `--router`,
 * `--where` or `--all-runs` say otherwise) or to a plain CSV with the law's plain columns + `loss` (e.g.
 * `params,tokens,loss` for Chinchilla), optionally bootstraps it and measures held-out extrapolation. A protocol
 * that shares a coefficient with another law's fit (Krajewski's dense law takes c from the fine-grained fit) gets it
 * from `--fixed`, or, on a run table, from a fit of that law to its pipeline runs, as the fit stage does.
 * The laws are loaded only when the command runs (`moelab --help` stays fast).
 */
import * as fs from 'node:fs';
import { Command, Option } from 'commander';
import type { BootstrapResult } from '../laws/fit/bootstrap';
import type { FitResult } from '../laws/fit/fit';
import type { HoldoutResult } from '../laws/fit/holdout';
import type { LawName } from '../laws/coefficients';
import type { FitProtocol } from '../laws/protocol';
import type { LawForm, LawObservations } from '../laws/types';
import type { RunSummary } from '../runs/types';
import type { Identification } from './fit-identification';
import { numberOption, parseNumberOption, SPECS, UsageError } from './options';
import { num } from './table';
import type { RunSelection, RunSelectionOptions } from './select-runs';

/** The laws `--law` accepts: `LAW_NAMES` of src/laws/coefficients.ts (written out so `--help` loads no law code; a test keeps them equal). */
export const FIT_LAWS = ['chinchilla', 'dense', 'fine-grained', 'experts', 'clark'] as const;

export interface FitCliOptions extends RunSelectionOptions {
  /** Law name (`FIT_LAWS`). */
  law: LawName;
  /** Run table or plain CSV path. */
  runs: string;
  /** Fitting protocol: the law's defining paper's (default) or moelab's. */
  protocol?: 'paper' | 'moelab';
  /** Loss column of a run table (default: the protocol's target). */
  target?: 'valLoss' | 'trainLossSmoothed';
  /** Global search (default: what the protocol's starts say). */
  fitter?: 'multistart' | 'random' | 'varpro';
  /** Coefficients held fixed, `name=value` (the protocol's shared coefficients, e.g. `c=1.46` for dense). */
  fixed?: string[];
  /** Bootstrap resamples (0 = none). Default 0. */
  bootstrap: number;
  /** Bootstrap seed. Default 0. */
  seed: number;
  /** Interval level (default: the protocol's). */
  level?: number;
  /** Held-out fraction by the protocol's hold-out rule (0 = skip). Default 0. */
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
  /** Coefficients held fixed and where each value came from (`--fixed`, or a fit of the law it is shared with). */
  fixed?: Array<{ coefficient: string; value: number; source: string }>;
  bootstrap?: Omit<BootstrapResult, 'fullFit'>;
  /** Whether the bootstrap says the data determine each coefficient (`identificationOf`), with the data's spans. */
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
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  ...(require('../laws/protocol') as typeof import('../laws/protocol')),
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  ...(require('../laws/record') as typeof import('../laws/record')),
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  ...(require('../laws/selection') as typeof import('../laws/selection')),
});

export interface LoadedFitData {
  data: readonly RunSummary[] | LawObservations;
  selection?: RunSelection;
  /** Every row of a run table (for fits a shared coefficient comes from). */
  allRuns?: readonly RunSummary[];
}

/** Loads observations: a run table (selected as the pipeline does) when the header has `run_id`, else the law's plain columns + `loss`. */
export function loadFitData(o: Pick<FitCliOptions, 'law' | 'runs' | 'sweep' | 'family' | 'router' | 'where' | 'allRuns'>): LoadedFitData {
  const L = laws();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const table = require('../runs/table') as typeof import('../runs/table');
  const law = L.getLaw(o.law);
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
    return { data: selection.runs, selection, allRuns: runs };
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
    .replace(/;\s*widen th(at|e) (grid|range)/g, '');
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
  const law = L.getLaw(o.law);
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
  const { protocol } = wrap(() => L.resolveProtocol(law, { protocol: o.protocol ?? 'paper', target: o.target }));
  const { data, selection, allRuns } = loadFitData(o);
  const obs = wrap(() => L.toObservations(law, data, protocol.target));
  if (o.holdout > 0 && Math.round(o.holdout * obs.loss.length) < 1) {
    throw new UsageError('--holdout', `--holdout ${o.holdout} of ${obs.loss.length} runs holds out no run; use at least ${(1 / obs.loss.length).toPrecision(2)}`);
  }
  const warnings = plausibilityWarnings(law, obs);
  for (const w of warnings) process.stderr.write(`moelab fit: warning: ${w}\n`);
  const fixed = sharedCoefficients(o, protocol, allRuns, progress);
  const fitOptions = {
    protocol: o.protocol ?? ('paper' as const),
    fitter: o.fitter,
    target: o.target,
    edgePolicy: o.allowEdge ? ('warn' as const) : ('error' as const),
    fixed: Object.fromEntries(fixed.map((f) => [f.coefficient, f.value])),
  };
  if (selection) progress.phase(`fitting ${o.law} to ${selection.runs.length} of ${selection.total} runs (${selection.rule})`);
  else progress.phase(`fitting ${o.law} to ${obs.loss.length} rows of ${o.runs}`);
  const fit = wrap(() => L.fitLaw(law.name, obs, fitOptions));
  progress.done(`fitted (${fit.diagnostics.starts} starts)`);
  const report: FitReport = { fit, warnings };
  if (selection) report.selection = { rule: selection.rule, selected: selection.runs.length, total: selection.total, runIds: selection.runs.map((r) => r.runId) };
  if (fixed.length) report.fixed = fixed;
  if (o.bootstrap > 0) {
    progress.phase(`bootstrap, ${o.bootstrap} ${protocol.bootstrap.scheme} resamples`);
    const base = L.defaultDerived(law.name);
    let done = 0;
    const { fullFit: _full, ...boot } = wrap(() =>
      L.bootstrapFit(law.name, obs, {
        fullFit: fit,
        fit: fitOptions,
        scheme: { resamples: o.bootstrap, ...(o.level !== undefined ? { level: o.level } : {}) },
        seed: o.seed,
        // called once for the full fit, then once per converged resample: our progress hook
        derived: (c) => {
          progress.tick(done++, o.bootstrap);
          return base ? base(c) : {};
        },
      }),
    );
    progress.done(`bootstrap done (${boot.failures} of ${boot.scheme.resamples} resamples failed)`);
    report.bootstrap = boot;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { identification } = require('./fit-identification') as typeof import('./fit-identification');
    report.identification = identification(L.identificationOf(fit, boot), boot, obs, law.variables.map((v) => v.symbol));
  }
  if (o.holdout > 0) {
    progress.phase(`hold-out fit without ${Math.round(o.holdout * 100)}% of the runs (${protocol.holdout.rule})`);
    const { fit: hFit, ...rest } = wrap(() => L.holdoutExtrapolation(law.name, obs, { rule: { fraction: o.holdout }, fit: fitOptions }));
    progress.done('hold-out fit done');
    report.holdout = { ...rest, fitCoefficients: hFit.coefficients };
  }
  return report;
}

/** `--fixed c=1.46,…` as { name: value }, each value read by the numeric-option parser. */
export function parseFixed(items: readonly string[] | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of (items ?? []).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean)) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError('--fixed', `--fixed ${JSON.stringify(item)}: write name=value, e.g. --fixed c=1.46`);
    out[item.slice(0, eq).trim()] = parseNumberOption(`--fixed ${item.slice(0, eq).trim()}=`, item.slice(eq + 1), { example: '1.46' });
  }
  return out;
}

/**
 * The coefficients held fixed: `--fixed`, plus every coefficient the protocol shares with another law's fit that
 * `--fixed` does not give, taken (on a run table) from a fit of that law to its pipeline runs, as the fit stage does.
 */
function sharedCoefficients(o: FitCliOptions, protocol: FitProtocol, allRuns: readonly RunSummary[] | undefined, progress: Progress): Array<{ coefficient: string; value: number; source: string }> {
  const L = laws();
  const given = parseFixed(o.fixed);
  const out = Object.entries(given).map(([coefficient, value]) => ({ coefficient, value, source: '--fixed' }));
  for (const s of protocol.shared) {
    if (s.coefficient in given) continue;
    if (!allRuns) {
      throw new UsageError(
        '--fixed',
        `the ${protocol.id} protocol of ${o.law} takes ${s.coefficient} from the ${s.fromLaw} fit: pass it (--fixed ${s.coefficient}=VALUE, e.g. from \`moelab fit --law ${s.fromLaw}\`), or fit a run table, where moelab fits ${s.fromLaw} first`,
      );
    }
    const runs = L.runsForLaw(s.fromLaw, allRuns);
    progress.phase(`fitting ${s.fromLaw} to ${L.describeRunsForLaw(s.fromLaw, allRuns)} for the shared ${s.coefficient}`);
    let value: number;
    try {
      const from = L.fitLaw(s.fromLaw, runs, { protocol: protocol.id, edgePolicy: 'warn' });
      value = (from.coefficients as Record<string, number>)[s.fromCoefficient]!;
    } catch (e) {
      throw new FitCommandError(`the ${protocol.id} protocol of ${o.law} takes ${s.coefficient} from the ${s.fromLaw} fit, which failed: ${(e as Error).message}; pass --fixed ${s.coefficient}=VALUE`, 'input', 1);
    }
    progress.done(`${s.coefficient} = ${value.toPrecision(4)} from the ${s.fromLaw} fit`);
    out.push({ coefficient: s.coefficient, value, source: `${s.fromLaw} fit of ${L.describeRunsForLaw(s.fromLaw, allRuns)} (${s.fromCoefficient})` });
  }
  return out;
}

function printHuman(r: FitReport): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { intervalText } = require('./fit-identification') as typeof import('./fit-identification');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const L_describeProtocol = (require('../laws/protocol') as typeof import('../laws/protocol')).describeProtocol;
  const f = r.fit;
  const lines = [`${f.law}: ${f.equation}   [${f.citation}]`];
  lines.push(L_describeProtocol(f.protocol));
  if (f.overrides.length) lines.push(`overrides: ${f.overrides.join('; ')}`);
  if (r.selection) lines.push(`runs: ${r.selection.selected} of ${r.selection.total} (${r.selection.rule})`);
  for (const x of r.fixed ?? []) lines.push(`fixed: ${x.coefficient} = ${x.value.toPrecision(6)} (${x.source})`);
  lines.push(`fitter ${f.fitter}, ${f.nObservations} runs, objective ${f.objective.toExponential(6)}, RMSLE ${f.rmsle.toExponential(3)}`);
  if (r.identification?.paragraph) lines.push(r.identification.paragraph);
  const width = Math.max(7, ...Object.keys(f.coefficients).map((k) => k.length));
  for (const [k, v] of Object.entries(f.coefficients)) {
    const ci = r.bootstrap?.coefficients[k];
    const reason = r.identification?.reasons[k];
    let tail = '';
    if (ci && reason) tail = `   not identified: ${reason}`;
    else if (ci) tail = `   ${intervalText(ci, r.bootstrap!.scheme.level)}, se ${ci.se.toPrecision(3)}`;
    if (f.fixed.includes(k)) tail = '   (fixed)';
    lines.push(`  ${k.padEnd(width)} ${v.toPrecision(6)}${tail}`);
  }
  for (const [k, ci] of Object.entries(r.bootstrap?.derived ?? {})) {
    lines.push(`  ${k.padEnd(width)} ${ci.estimate.toPrecision(6)}   ${intervalText(ci, r.bootstrap!.scheme.level)} (derived)`);
  }
  if (r.holdout) lines.push(`held-out ${r.holdout.nHeldOut} ${r.holdout.rule.rule} runs: RMSE(log loss) ${r.holdout.rmseLog.toExponential(3)}`);
  for (const w of f.diagnostics.warnings) lines.push(`warning: ${w.replace(/edgePolicy/g, '--allow-edge').replace(/;\s*widen th(at|e) (grid|range)/g, '')}`);
  for (const w of r.warnings) lines.push(`warning: ${w}`);
  if (!r.bootstrap && f.diagnostics.warnings.length > 0) lines.push('(add --bootstrap 200 to see whether these runs identify the coefficients)');
  process.stdout.write(lines.join('\n') + '\n');
}

export function register(program: Command): void {
  program
    .command('fit')
    .description("fit a scaling law to the runs the pipeline fits, with its defining paper's protocol (or moelab's): objective, starts, target, hold-out rule and bootstrap scheme; bootstrap CIs and held-out extrapolation")
    .addOption(new Option('--law <law>', 'law to fit (dense = Krajewski Eq. 1: the Chinchilla form on the dense baselines)').choices(FIT_LAWS).makeOptionMandatory())
    .requiredOption('--runs <file>', 'run table CSV (results/runs.csv) or a plain CSV with the law columns + loss (chinchilla: params,tokens,loss)')
    .option('--sweep <names>', "run table: fit these sweeps' runs (comma-separated) instead of the pipeline's selection")
    .option('--family <dense|moe>', "run table: fit only this family (replaces the pipeline's selection)")
    .option('--router <names>', 'run table: fit only these routers: none, token-choice, expert-choice (comma-separated)')
    .option('--where <expr>', 'run table: keep runs matching column OP value, e.g. "tokens>=1e5" or "granularity=4" (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--all-runs', 'run table: fit every row')
    .addOption(new Option('--protocol <protocol>', "fitting protocol: the law's defining paper's or moelab's (README: Scaling laws)").choices(['paper', 'moelab']).default('paper'))
    .addOption(new Option('--target <column>', "loss column of a run table (default: the protocol's)").choices(['valLoss', 'trainLossSmoothed']))
    .addOption(new Option('--fitter <fitter>', "global search (default: the protocol's)").choices(['multistart', 'random', 'varpro']))
    .option('--fixed <name=value>', "hold coefficients fixed, e.g. c=1.46 (a protocol's shared coefficient; repeatable)", (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--bootstrap <n>', 'bootstrap resamples (0 = none)', numberOption('--bootstrap', { ...SPECS.nonNegativeInteger, max: 1e6 }), 0)
    .option('--seed <n>', 'bootstrap seed (0 … 2^32−1)', numberOption('--seed', SPECS.seed), 0)
    .option('--level <p>', "bootstrap interval level, in (0, 1) (default: the protocol's)", numberOption('--level', SPECS.openFraction))
    .option('--holdout <fraction>', "hold out this fraction of the runs by the protocol's rule and report the extrapolation RMSE, in [0, 1)", numberOption('--holdout', SPECS.fraction), 0)
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
