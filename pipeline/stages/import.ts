/**
 * Stage `import`: for a preset whose runs come from a released table (`source.kind: released`, e.g. the `clark`
 * preset), reads the table (`src/runs/released/`, validated at the boundary) into `results/released/`: `runs.csv`
 * (one row per run at its final step), `curves.csv.gz` (every evaluation) and `import.json` (source, counts,
 * the paper's run selection, notes on the data). It stands in for corpus → train → runs; nothing is trained.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PresetError } from '../../src/pipeline/errors';
import { defineStage } from '../../src/pipeline/types';
// The released-table modules are light (no danfojs, no tfjs), so `moelab dag`/`status` may load them.
import { importReleased, isReleasedSourceName, RELEASED_SOURCE_NAMES, RELEASED_SOURCES } from '../../src/runs/released/sources';
import type { Preset } from '../presets/schema';
import { importsReleasedRuns, type SourceSection } from '../presets/sections';
import { OUTPUTS } from '../outputs';

/** The released source of a preset (present whenever the stage applies). */
function releasedOf(p: { readonly source: SourceSection }): Extract<SourceSection, { kind: 'released' }> {
  if (p.source.kind !== 'released') throw new PresetError('the import stage needs a preset whose source is a released table (source.kind: released)');
  return p.source;
}

/** The file a preset's released source reads, repository-relative (or absolute when given so). */
function tableFile(p: { readonly source: SourceSection }): string {
  const { table } = releasedOf(p);
  return isReleasedSourceName(table) ? RELEASED_SOURCES[table].file : table;
}

export default defineStage<Preset>()({
  name: 'import',
  module: __filename,
  description: 'released run table (one row per run at its final step) and curves from a released table; no training',
  params: ['source'],
  when: importsReleasedRuns,
  inputs: (p) => [tableFile(p)],
  outputs: [OUTPUTS.released],
  check: (p, _m, repoRoot) => {
    const file = path.resolve(repoRoot, tableFile(p));
    if (!fs.existsSync(file)) {
      throw new PresetError(`source.table: released table ${file} does not exist; use a vendored table (${RELEASED_SOURCE_NAMES.join(', ')}) or a .csv/.csv.gz file relative to the repository root`);
    }
  },
  async run(ctx) {
    const source = releasedOf(ctx.params);
    const ref = isReleasedSourceName(source.table) ? source.table : path.resolve(ctx.repoRoot, source.table);
    const { manifest } = importReleased(ref, ctx.out(OUTPUTS.released), { format: source.format, target: source.target, finalStepTolerance: source.finalStepTolerance });
    const counts = Object.entries(manifest.byRouter).map(([r, n]) => `${r} ${n}`).join(', ');
    ctx.log.info(`${manifest.table}: ${manifest.runs} runs from ${manifest.rows} rows (${counts}); target ${manifest.target}`);
    if (manifest.selection) ctx.log.info(`selection for the paper's fits (${manifest.selection.description}): ${manifest.selection.runs} runs`);
    for (const note of manifest.notes) ctx.log.info(`note: ${note.message}`);
  },
});
