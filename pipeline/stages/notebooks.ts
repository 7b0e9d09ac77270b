/**
 * Stage `notebooks`: executes every notebook in `notebooks/` headlessly (tslab kernel, Debian Jupyter) against
 * this results folder, into `results/notebooks/*.ipynb` and `.html`. A cell that throws or fails to type-check
 * fails the stage, naming the notebook and cell. Without Jupyter the stage fails with the install command,
 * unless the preset turns execution off (`notebooks.execute: false`), in which case it records why.
 */
import fs from 'node:fs';
import { defineStage } from '../../src/pipeline/types';
import type { Preset } from '../presets/schema';

export default defineStage<Preset>()({
  name: 'notebooks',
  module: __filename,
  description: 'execute the tslab notebooks headlessly into results/notebooks/',
  params: ['notebooks'],
  deps: ['runs', 'fit', 'analysis', 'figures'],
  inputs: ['notebooks/*.ipynb', 'results:runs.csv', 'results:fits/*.json'],
  outputs: ['notebooks/'],
  async run(ctx) {
    const path = await import('node:path');
    const outDir = ctx.out('notebooks/');
    fs.mkdirSync(outDir, { recursive: true });
    if (!ctx.params.notebooks.execute) {
      fs.writeFileSync(path.join(outDir, 'SKIPPED.md'), 'Notebook execution is turned off in this preset (notebooks.execute: false).\n');
      return;
    }
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
