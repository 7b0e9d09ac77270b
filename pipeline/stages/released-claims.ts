/**
 * Stage `released-claims`: for a preset whose runs come from a released table (the `clark` preset), the experts
 * claims of Yun et al. and Krajewski et al. on those runs, once per router, with the same claim code as on our own
 * runs (`src/report/claims/released.ts`); a claim whose inputs the table lacks is inconclusive naming them. Written
 * to `tables/released-claims.json` for the report.
 */
import fs from 'node:fs';
import { defineStage } from '../../src/pipeline/types';
import type { Preset } from '../presets/schema';
import { importsReleasedRuns } from '../presets/sections';
import { asInput, OUTPUTS } from '../outputs';

export default defineStage<Preset>()({
  name: 'released-claims',
  module: __filename,
  description: "Yun's and Krajewski's experts claims on a released table's runs, per router (same claim code as our runs)",
  params: ['source'],
  when: importsReleasedRuns,
  deps: ['import'],
  inputs: [OUTPUTS.releasedManifest, OUTPUTS.releasedCurves].map(asInput),
  outputs: [OUTPUTS.releasedClaims],
  async run(ctx) {
    const path = await import('node:path');
    const { readReleasedImport } = await import('../../src/runs/released/io');
    const { releasedClaimsJson, releasedSourceClaims } = await import('../../src/report/claims/released');
    const source = ctx.params.source;
    const { table } = readReleasedImport(path.dirname(ctx.resolve(asInput(OUTPUTS.releasedManifest))));
    const claims = releasedSourceClaims(source.kind === 'released' ? source.table : '', table.table, table.runs);
    const counts = { holds: 0, fails: 0, inconclusive: 0 };
    for (const r of claims.rows) counts[r.claim.verdict]++;
    ctx.log.info(`${claims.rows.length} claim rows on ${table.table}: ${counts.holds} hold, ${counts.fails} fail, ${counts.inconclusive} inconclusive`);
    fs.writeFileSync(ctx.out(OUTPUTS.releasedClaims), releasedClaimsJson(claims));
  },
});
