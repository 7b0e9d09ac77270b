/**
 * Stage `fit@<law>`: fits one law to its runs (multi-start L-BFGS), with bootstrap intervals, the variable-
 * projection cross-check and the held-out extrapolation error. A fit that cannot be made at this scale (too
 * few runs, a non-finite optimum) is recorded as `status: "failed"` with the reason, so the report says so
 * instead of the whole reproduction stopping; grid-edge findings are kept as warnings.
 */
import fs from 'node:fs';
import { defineStage } from '../../src/pipeline/types';
import type { FittedLaw } from '../../src/laws/selection';
import type { Preset } from '../presets/schema';

export default defineStage<Preset>()({
  name: 'fit',
  module: __filename,
  description: 'law fits with bootstrap CIs, varpro cross-check and hold-out error',
  params: ['fit'],
  matrix: (p) => p.fit.laws.map((law) => ({ name: law, params: law as FittedLaw })),
  deps: ['runs'],
  inputs: ['results:runs.csv'],
  outputs: (_p, law: FittedLaw) => [`fits/${law}.json`],
  async run(ctx) {
    const { bootstrapFit, fitLaw, holdoutExtrapolation, lawFormOf, runsForLaw } = await import('../../src/laws');
    const { readRunTable } = await import('../../src/runs/table');
    const law = ctx.matrix;
    const form = lawFormOf(law);
    const { target, bootstrap, bootstrapSeed, holdoutFraction } = ctx.params.fit;
    const runs = runsForLaw(law, await readRunTable(ctx.resolve('results:runs.csv')));
    const options = { target, edgePolicy: 'warn' as const };
    let record: Record<string, unknown>;
    try {
      const fit = fitLaw(form, runs, options);
      ctx.progress({ fraction: 0.2, message: `fitted ${law} on ${runs.length} runs; cross-check` });
      let crossCheck: unknown = null;
      try {
        crossCheck = fitLaw(form, runs, { ...options, fitter: 'varpro' });
      } catch (err) {
        crossCheck = { error: (err as Error).message };
      }
      ctx.progress({ fraction: 0.3, message: `bootstrap ${bootstrap}` });
      const boot = bootstrap > 0 ? bootstrapFit(form, runs, { resamples: bootstrap, seed: bootstrapSeed, fullFit: fit, fit: options }) : null;
      let holdout: unknown = null;
      try {
        holdout = holdoutExtrapolation(form, runs, { fraction: holdoutFraction, fit: options });
      } catch (err) {
        holdout = { error: (err as Error).message };
      }
      record = { law, form, status: 'ok', target, nRuns: runs.length, runIds: runs.map((r) => r.runId), fit, crossCheck, bootstrap: boot, holdout };
    } catch (err) {
      const e = err as Error;
      ctx.log.warn(`fit@${law}: ${e.name}: ${e.message}`);
      record = { law, form, status: 'failed', target, nRuns: runs.length, runIds: runs.map((r) => r.runId), error: `${e.name}: ${e.message}` };
    }
    fs.writeFileSync(ctx.out(`fits/${law}.json`), JSON.stringify(record, null, 2) + '\n');
  },
});
