/**
 * Stage `claims`: every claim of the papers as a falsifiable test on our runs and fits (holds / fails /
 * inconclusive with the effect and its interval), the solver checks on the published coefficients, and the
 * protocol sensitivity of every verdict (the claims recomputed with each protocol variant's refits), written to
 * `tables/claims.json` for the report and the notebooks. Beside them, the experts claims at real scale: the same
 * claim code on Clark et al.'s 223 released routed-LM runs (vendored, no training), per router, written to
 * `tables/claims-at-scale.json` so the report shows both verdicts side by side.
 */
import fs from 'node:fs';
import { defineStage } from '../../src/pipeline/types';
import type { Preset } from '../presets/schema';
import { trainsItsRuns } from '../presets/sections';
import { asInput, fitsInputs, OUTPUTS } from '../outputs';
import { CLARK_ROUTING_FILE } from '../../src/runs/released/clark';

export default defineStage<Preset>()({
  name: 'claims',
  module: __filename,
  description: "the papers' claims as tests (verdict, effect, interval) and their protocol sensitivity",
  params: ['analysis.inferenceBudgetsFlops', 'analysis.gpu', 'fit.protocol', 'fit.sensitivity', 'fit.laws', 'source', 'corpus.name', 'sweeps.lifelong'],
  gridParams: ['source'],
  when: trainsItsRuns,
  deps: ['runs', 'fit', 'corpus', 'lifelong'],
  inputs: (p) => [
    asInput(OUTPUTS.runTable),
    ...fitsInputs(p['fit.laws'], p['fit.sensitivity']),
    CLARK_ROUTING_FILE,
    OUTPUTS.corpus(p['corpus.name']).train,
    ...(p['sweeps.lifelong'] ? [asInput(OUTPUTS.lifelongAll)] : []),
  ],
  outputs: [OUTPUTS.claims, OUTPUTS.claimsAtScale],
  async run(ctx) {
    const { claimsTable, claimsTableJson } = await import('../../src/report/claims');
    const { readResultFits, readVariantFits } = await import('../../src/laws/fits');
    const { variantChange } = await import('../../src/laws/protocol');
    const { readRunTable } = await import('../../src/runs/table');
    const runs = await readRunTable(ctx.resolve(asInput(OUTPUTS.runTable)));
    const records = readResultFits(ctx.resultsDir);
    const variants = [...readVariantFits(ctx.resultsDir)].map(([id, rs]) => ({ id, change: variantChange(id, rs.map((r) => r.protocol)), records: rs }));
    ctx.progress({ fraction: 0.1, message: `claims under the ${ctx.params['fit.protocol']} protocol and ${variants.length} variants` });
    // The unigram entropy of the training split: the plateau diagnostic's reference loss.
    const { corpusStats } = await import('../../src/data/stats');
    const path = await import('node:path');
    const { unigramEntropyNats } = corpusStats(path.join(ctx.dataDir, ctx.params['corpus.name']));
    const { readLifelongRecords } = await import('../../src/runs/lifelong');
    const lifelong = ctx.params['sweeps.lifelong'] ? readLifelongRecords(path.join(ctx.resultsDir, OUTPUTS.lifelongDir)) : [];
    const table = claimsTable(
      { runs, records, inferenceBudgetsFlops: ctx.params['analysis.inferenceBudgetsFlops'], gpu: ctx.params['analysis.gpu'], ...(lifelong.length ? { lifelong } : {}) },
      ctx.params['fit.protocol'],
      variants,
      { unigramEntropyNats },
    );
    fs.writeFileSync(ctx.out(OUTPUTS.claims), claimsTableJson(table));
    ctx.progress({ fraction: 0.9, message: "the experts claims on Clark et al.'s released runs" });
    const { readReleasedTable } = await import('../../src/runs/released/sources');
    const { releasedClaimsJson, releasedSourceClaims } = await import('../../src/report/claims/released');
    const clark = readReleasedTable('clark');
    fs.writeFileSync(ctx.out(OUTPUTS.claimsAtScale), releasedClaimsJson(releasedSourceClaims('clark', clark.table, clark.runs)));
  },
});
