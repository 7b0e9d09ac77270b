/**
 * `moelab compare A B [--loss-tolerance X] [--coef-tolerance R] [--all] [--json]`: per-run validation-loss and
 * per-coefficient differences between two results folders, e.g. `moelab compare results/ results/reference/tiny/`
 * after a fresh `repro`. Like `diff`, it exits 1 when the folders differ beyond the tolerances (a run or a fitted
 * law on one side only, or fit records that cannot be read, count as a difference: nothing is left uncompared
 * silently), 0 when they agree, 2 when a folder holds no run table.
 */
import type { Command } from 'commander';
import type { CoefficientDifference, ResultsComparison, RunDifference } from '../report/compare';
import { numberOption } from './options';
import { num, renderTable } from './table';

/** Differences that `compare` reports as beyond tolerance, and its verdict. */
export interface CompareVerdict {
  /** |Δ val loss| above `lossTolerance`, largest first. */
  runsBeyond: RunDifference[];
  /** |relative difference| above `coefTolerance` (or a coefficient that is not finite on one side). */
  coefficientsBeyond: CoefficientDifference[];
  /** True when nothing differs beyond the tolerances, no run or law is on one side only, and every fit record could be read. */
  same: boolean;
  lossTolerance: number;
  coefTolerance: number;
}

/** Default tolerances: equal up to float printing. Results from another machine drift more (README: tiny runs are sensitive to float rounding). */
export const DEFAULT_LOSS_TOLERANCE = 1e-6;
export const DEFAULT_COEF_TOLERANCE = 1e-6;

export function verdict(c: ResultsComparison, lossTolerance = DEFAULT_LOSS_TOLERANCE, coefTolerance = DEFAULT_COEF_TOLERANCE): CompareVerdict {
  const runsBeyond = c.runs.filter((r) => !(Math.abs(r.valLossDelta) <= lossTolerance)).sort((x, y) => Math.abs(y.valLossDelta) - Math.abs(x.valLossDelta));
  const coefficientsBeyond = c.coefficients.filter((d) => (d.a === d.b ? false : !(Math.abs(d.relative) <= coefTolerance)));
  const same =
    runsBeyond.length === 0 && coefficientsBeyond.length === 0 && c.onlyInA.length === 0 && c.onlyInB.length === 0 && c.lawsMissing.length === 0 && c.fitsUnreadable.length === 0;
  return { runsBeyond, coefficientsBeyond, same, lossTolerance, coefTolerance };
}

const signed = (x: number, digits = 4) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(digits)}`;

function names(ids: readonly string[], all: boolean, limit = 12): string {
  if (all || ids.length <= limit) return ids.join(', ');
  return `${ids.slice(0, limit).join(', ')} … and ${ids.length - limit} more (--all lists them)`;
}

/** The human report. */
export function formatComparison(c: ResultsComparison, v: CompareVerdict, all = false, limit = 10): string {
  const out: string[] = [];
  out.push(`compare A = ${c.a} with B = ${c.b}`);
  out.push(`runs: ${c.runs.length} in both, ${c.onlyInA.length} only in A, ${c.onlyInB.length} only in B`);
  if (c.onlyInA.length) out.push(`  only in A: ${names(c.onlyInA, all)}`);
  if (c.onlyInB.length) out.push(`  only in B: ${names(c.onlyInB, all)}`);
  if (c.runs.length) {
    out.push(
      `validation loss, A − B: ${v.runsBeyond.length} of ${c.runs.length} runs differ by more than ${v.lossTolerance} nats/token ` +
        `(max |Δ| ${c.maxAbsValLossDelta.toFixed(4)}, RMS ${c.rmsValLossDelta.toFixed(4)} nats/token)`,
    );
    const shown = all ? v.runsBeyond : v.runsBeyond.slice(0, limit);
    if (shown.length) {
      out.push(
        renderTable(
          [
            { header: 'run', cell: (r) => r.runId, numeric: false },
            { header: 'A val loss (nats/token)', cell: (r) => r.valLossA.toFixed(4) },
            { header: 'B val loss (nats/token)', cell: (r) => r.valLossB.toFixed(4) },
            { header: 'Δ A − B (nats/token)', cell: (r) => signed(r.valLossDelta) },
          ],
          shown,
        ),
      );
      if (shown.length < v.runsBeyond.length) out.push(`  … ${v.runsBeyond.length - shown.length} more beyond tolerance (--all lists them, --json gives every run)`);
    }
  }
  if (c.coefficients.length) {
    out.push(`fitted coefficients: ${v.coefficientsBeyond.length} of ${c.coefficients.length} differ by more than ${v.coefTolerance} relative`);
    const rows = all ? c.coefficients : c.coefficients.filter((d) => v.coefficientsBeyond.includes(d));
    if (rows.length) {
      out.push(
        renderTable(
          [
            { header: 'law', cell: (d) => d.law, numeric: false },
            { header: 'coefficient', cell: (d) => d.coefficient, numeric: false },
            { header: 'A', cell: (d) => num(d.a) },
            { header: 'B', cell: (d) => num(d.b) },
            { header: 'A/B − 1 (%)', cell: (d) => (Number.isFinite(d.relative) ? signed(100 * d.relative, 2) : '–') },
            { header: '', cell: (d) => (v.coefficientsBeyond.includes(d) ? '≠' : ''), numeric: false },
          ],
          rows,
        ),
      );
    }
  }
  if (c.lawsMissing.length) out.push(`laws fitted (successfully) in only one folder: ${c.lawsMissing.join(', ')}`);
  for (const u of c.fitsUnreadable) out.push(`fits of ${u.folder} not compared: ${u.reason}`);
  const parts = [
    v.runsBeyond.length ? `${v.runsBeyond.length} run(s) beyond the loss tolerance` : '',
    v.coefficientsBeyond.length ? `${v.coefficientsBeyond.length} coefficient(s) beyond the tolerance` : '',
    c.onlyInA.length + c.onlyInB.length ? `${c.onlyInA.length + c.onlyInB.length} run(s) on one side only` : '',
    c.lawsMissing.length ? `${c.lawsMissing.length} law(s) fitted on one side only` : '',
    c.fitsUnreadable.length ? `fits not compared: ${c.fitsUnreadable.length} folder(s) with unreadable fit records` : '',
  ].filter(Boolean);
  out.push(v.same ? 'verdict: same within the tolerances' : `verdict: different (${parts.join(', ')})`);
  return out.join('\n');
}

export function register(program: Command): void {
  program
    .command('compare')
    .description('compare two results folders: per-run val loss and per-coefficient differences; exit 1 when they differ beyond the tolerances')
    .argument('<a>', 'results folder (e.g. results/)')
    .argument('<b>', 'results folder to compare against (e.g. results/reference/tiny/)')
    .option('--loss-tolerance <nats>', 'largest |Δ val loss| per run counted as equal, nats/token (float drift across machines: try 0.02)', numberOption('--loss-tolerance', { min: 0, example: '0.02' }), DEFAULT_LOSS_TOLERANCE)
    .option('--coef-tolerance <fraction>', 'largest |A/B − 1| per fitted coefficient counted as equal', numberOption('--coef-tolerance', { min: 0, example: '0.05' }), DEFAULT_COEF_TOLERANCE)
    .option('--all', 'list every differing run and every coefficient')
    .option('--json', 'machine-readable output on stdout (every run and coefficient, and the verdict)')
    .action(async (a: string, b: string, o: { json?: boolean; all?: boolean; lossTolerance: number; coefTolerance: number }) => {
      const { compareResults } = await import('../report/compare');
      const c = await compareResults(a, b);
      const v = verdict(c, o.lossTolerance, o.coefTolerance);
      if (o.json) process.stdout.write(JSON.stringify({ ...c, verdict: v }, null, 1) + '\n');
      else process.stdout.write(formatComparison(c, v, o.all) + '\n');
      process.exitCode = v.same ? 0 : 1;
    });
}
