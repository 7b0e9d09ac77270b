/**
 * `moelab compare A B [--json]`: per-run validation-loss and per-coefficient differences between two results
 * folders, e.g. `moelab compare results/ results/reference/tiny/` after a fresh `repro`.
 */
import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('compare')
    .description('compare two results folders: per-run val loss and per-coefficient differences')
    .argument('<a>', 'results folder (e.g. results/)')
    .argument('<b>', 'results folder to compare against (e.g. results/reference/tiny/)')
    .option('--json', 'machine-readable output on stdout')
    .action(async (a: string, b: string, o: { json?: boolean }) => {
      const { compareResults } = await import('../report/compare');
      const c = await compareResults(a, b);
      if (o.json) {
        process.stdout.write(JSON.stringify(c, null, 1) + '\n');
        return;
      }
      const out: string[] = [];
      out.push(`runs: ${c.runs.length} in both, ${c.onlyInA.length} only in ${a}, ${c.onlyInB.length} only in ${b}`);
      out.push(`val loss (${a} − ${b}): max |Δ| ${c.maxAbsValLossDelta.toFixed(4)}, RMS ${c.rmsValLossDelta.toFixed(4)} nats/token`);
      for (const r of [...c.runs].sort((x, y) => Math.abs(y.valLossDelta) - Math.abs(x.valLossDelta)).slice(0, 10)) {
        out.push(`  ${r.runId.padEnd(32)} ${r.valLossA.toFixed(4)}  ${r.valLossB.toFixed(4)}  Δ ${r.valLossDelta >= 0 ? '+' : ''}${r.valLossDelta.toFixed(4)}`);
      }
      let law = '';
      for (const d of c.coefficients) {
        if (d.law !== law) out.push(`fit ${(law = d.law)}:`);
        out.push(`  ${d.coefficient.padEnd(8)} ${d.a.toPrecision(4).padStart(11)}  ${d.b.toPrecision(4).padStart(11)}  ${Number.isFinite(d.relative) ? `${(100 * d.relative).toFixed(1)}%` : '–'}`);
      }
      if (c.lawsMissing.length) out.push(`laws fitted in only one folder: ${c.lawsMissing.join(', ')}`);
      process.stdout.write(out.join('\n') + '\n');
    });
}
