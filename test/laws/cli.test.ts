import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runFit } from '../../src/cli/fit';
import { loadCoefficients, runOptimal } from '../../src/cli/optimal';
import { UsageError } from '../../src/cli/options';
import { RunTableError } from '../../src/runs/table';
import { syntheticObservations } from '../../src/laws/synthetic';

test('moelab optimal --law fine-grained --coefficients published reproduces Table 2 (same G in all 7 rows)', () => {
  const r = runOptimal({ law: 'fine-grained', coefficients: 'published', experts: '1', expansionRate: 64 }) as { table2: { sameGranularity: boolean; flopsRelativeError: number }[] };
  assert.equal(r.table2.length, 7);
  assert.ok(r.table2.every((row) => row.sameGranularity && row.flopsRelativeError < 0.01));
});

test('moelab optimal refuses published experts coefficients (Yun et al. published none)', () => {
  assert.throws(() => loadCoefficients('experts', 'published'), (e: unknown) => e instanceof UsageError && e.exitCode === 2 && /published no coefficients/.test(e.message));
});

test('moelab fit reads a plain params,tokens,loss CSV, bootstraps and holds out; NaN rows are rejected with the line', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moelab-fitcli-'));
  const obs = syntheticObservations('chinchilla', { seed: 9, nPoints: 60 });
  const file = path.join(dir, 'chin.csv');
  fs.writeFileSync(file, 'params,tokens,loss\n' + obs.x.map((x, i) => `${x[0]},${x[1]},${obs.loss[i]}`).join('\n') + '\n');
  const report = await runFit({ law: 'chinchilla', runs: file, target: 'valLoss', fitter: 'varpro', bootstrap: 20, seed: 1, level: 0.9, holdout: 0.2 });
  assert.ok(Math.abs(report.fit.coefficients.alpha / 0.3478 - 1) < 0.1);
  assert.equal(report.bootstrap!.scheme.resamples, 20);
  assert.equal(report.holdout!.nHeldOut, 12);
  fs.writeFileSync(file, 'params,tokens,loss\n1e8,1e9,NaN\n' + obs.x.map((x, i) => `${x[0]},${x[1]},${obs.loss[i]}`).join('\n') + '\n');
  await assert.rejects(
    runFit({ law: 'chinchilla', runs: file, target: 'valLoss', fitter: 'varpro', bootstrap: 0, seed: 0, level: 0.95, holdout: 0 }),
    (e: unknown) => e instanceof RunTableError && /line 2, column "loss"/.test(e.message),
  );
});
