/**
 * Stage `released-fit@<set>`: for a preset whose runs come from a released table (the `clark` preset), fits
 * Clark et al.'s Eq. 1 (law `clark`) to one of the table's fit sets — Clark's: one per router (S-Base, RL-R, Hash),
 * the notebook's selection with the dense runs in each — with the preset's protocol (`fit.protocol`, by default the
 * authors': mean squared log10 error, best of 500 random starts) and its bootstrap, as one fit record
 * (`results/fits/released/clark/<set>.json`). A fit that cannot be made is recorded as `failed` with the reason.
 */
import { defineStage } from '../../src/pipeline/types';
// Light modules (no danfojs, no tfjs): `moelab dag`/`status` enumerate the fit sets without loading the fitters.
import { releasedFitSets, type ReleasedFitSet } from '../../src/runs/released/fit-sets';
import type { Preset } from '../presets/schema';
import { importsReleasedRuns, type SourceSection } from '../presets/sections';
import { asInput, OUTPUTS } from '../outputs';

/** The law fitted on released tables: Clark et al.'s Eq. 1 (the tables record no tokens, so no law in D applies). */
export const RELEASED_FIT_LAW = 'clark';

function sourceRef(source: SourceSection): string {
  return source.kind === 'released' ? source.table : '';
}

export default defineStage<Preset>()({
  name: 'released-fit',
  module: __filename,
  description: "Clark et al.'s Eq. 1 per fit set of a released table (per router): bootstrap intervals, hold-out, identification",
  params: ['source', 'fit.protocol', 'fit.bootstrap', 'fit.bootstrapSeed'],
  gridParams: ['source'],
  when: importsReleasedRuns,
  matrix: (p) => releasedFitSets(sourceRef(p.source)).map((set) => ({ name: set.id, params: set })),
  deps: ['import'],
  inputs: [asInput(OUTPUTS.releasedManifest), asInput(OUTPUTS.releasedCurves)],
  outputs: (_p, set: ReleasedFitSet) => [OUTPUTS.releasedFit(RELEASED_FIT_LAW, set.id)],
  async run(ctx) {
    const path = await import('node:path');
    const { LAWS } = await import('../../src/laws/forms');
    const { fitReleasedSet } = await import('../../src/laws/released');
    const { writeFitRecord } = await import('../../src/laws/record');
    const { readReleasedImport } = await import('../../src/runs/released/io');
    const set = ctx.matrix;
    const { table } = readReleasedImport(path.dirname(ctx.resolve(asInput(OUTPUTS.releasedManifest))));
    const protocol = LAWS[RELEASED_FIT_LAW].protocols[ctx.params['fit.protocol']];
    const record = fitReleasedSet(RELEASED_FIT_LAW, table.runs, set, {
      protocol,
      resamples: ctx.params['fit.bootstrap'] ?? undefined,
      seed: ctx.params['fit.bootstrapSeed'],
      progress: (fraction, message) => ctx.progress({ fraction, message }),
    });
    if (record.status === 'failed') ctx.log.warn(`released-fit@${set.id}: ${record.error}`);
    else ctx.log.info(`${set.id}: ${record.nRuns} runs, RMSLE ${record.fit?.rmsle.toPrecision(3)}; ${record.identification?.summary ?? 'no bootstrap'}`);
    writeFitRecord(ctx.out(OUTPUTS.releasedFit(RELEASED_FIT_LAW, set.id)), record);
  },
});
