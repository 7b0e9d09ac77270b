/**
 * Stage `notebooks`: executes every notebook in `notebooks/` headlessly (tslab kernel, Debian Jupyter) against
 * this results folder, into `results/notebooks/*.ipynb` and `.html`. A cell that throws or fails to type-check
 * fails the stage, naming the notebook and cell. Without Jupyter the stage fails with the install command,
 * unless the preset turns execution off (`notebooks.execute: false`), in which case it records why.
 */
import fs from 'node:fs';
import { defineStage } from '../../src/pipeline/types';
import type { Preset } from '../presets/schema';
import { trainsItsRuns } from '../presets/sections';
import { asInput, fitsInputs, OUTPUTS } from '../outputs';

export default defineStage<Preset>()({
  name: 'notebooks',
  module: __filename,
  description: 'execute the tslab notebooks headlessly into results/notebooks/',
  params: ['notebooks', 'source', 'fit.laws'],
  gridParams: ['source'],
  when: trainsItsRuns,
  deps: ['runs', 'fit', 'analysis', 'figures'],
  // The notebooks import the compiled package (dist/), so any source change re-runs them after a rebuild.
  inputs: (p) => ['notebooks/*.ipynb', 'src/**/*.ts', 'pipeline/**/*.ts', asInput(OUTPUTS.runTable), ...fitsInputs(p['fit.laws'])],
  outputs: [OUTPUTS.notebooks],
  async run(ctx) {
    const path = await import('node:path');
    const outDir = ctx.out(OUTPUTS.notebooks);
    fs.mkdirSync(outDir, { recursive: true });
    if (!ctx.params.notebooks.execute) {
      fs.writeFileSync(path.join(outDir, 'SKIPPED.md'), 'Notebook execution is turned off in this preset (notebooks.execute: false).\n');
      return;
    }
    // Rebuild dist/ (what `import … from "moelab"` loads in a notebook) so notebooks never run stale code.
    const { spawnSync } = await import('node:child_process');
    // scripts/build.mjs = tsc -p tsconfig.build.json plus the record of the sources built (the fast CLI start checks it)
    const build = spawnSync(process.execPath, [path.join(ctx.repoRoot, 'scripts', 'build.mjs')], { cwd: ctx.repoRoot, encoding: 'utf8' });
    if (build.status !== 0) {
      throw new Error(`building dist/ for the notebooks failed (npm run build):\n${`${build.stdout}${build.stderr}`.trim().split('\n').slice(0, 20).join('\n')}`);
    }
    ctx.progress({ fraction: 0.1, message: 'dist/ rebuilt; executing notebooks' });
    const { executeNotebooks } = await import('../../src/notebooks/execute');
    const done = await executeNotebooks({
      notebooksDir: path.join(ctx.repoRoot, 'notebooks'),
      outDir,
      resultsDir: ctx.resultsDir,
      log: (line) => ctx.log.info(line),
    });
    ctx.log.info(`${done.length} notebooks executed`);
  },
});
