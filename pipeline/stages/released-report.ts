/**
 * Stage `released-report`: `results/REPORT.md` and `results/REPORT.html` for a preset whose runs come from a released
 * table (the `clark` preset), assembled by `src/report/build.ts` (→ `src/report/clark.ts`): the import, our Eq. 1
 * fits per fit set next to the published coefficients, and the experts claims on those runs. It stands in for the
 * `report` stage, which reads our own training runs.
 */
import { defineStage } from '../../src/pipeline/types';
import type { Preset } from '../presets/schema';
import { importsReleasedRuns } from '../presets/sections';
import { asInput, OUTPUTS } from '../outputs';
import { RELEASED_FIT_LAW } from './released-fit';

export default defineStage<Preset>()({
  name: 'released-report',
  module: __filename,
  description: 'REPORT.md / REPORT.html of a released table: Eq. 1 per router vs published, the experts claims on those runs',
  params: ['name', 'source'],
  gridParams: ['source'],
  when: importsReleasedRuns,
  deps: ['import', 'released-fit', 'released-claims'],
  inputs: [OUTPUTS.releasedManifest, OUTPUTS.releasedCurves, OUTPUTS.releasedFits, OUTPUTS.releasedClaims].map(asInput),
  outputs: [OUTPUTS.report, OUTPUTS.reportHtml],
  async run(ctx) {
    const fs = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const { readFitRecord } = await import('../../src/laws/record');
    const { releasedFitSetRuns, releasedFitSets } = await import('../../src/runs/released/fit-sets');
    const { readReleasedImport } = await import('../../src/runs/released/io');
    const { buildReport } = await import('../../src/report/build');
    const { parseReleasedClaims } = await import('../../src/report/claims/released');
    const { toHtml, toMarkdown } = await import('../../src/report/document');
    const source = ctx.params.source;
    const { manifest, table } = readReleasedImport(path.dirname(ctx.resolve(asInput(OUTPUTS.releasedManifest))));
    const fits = releasedFitSets(source.kind === 'released' ? source.table : '').map((set) => {
      const file = path.join(ctx.resultsDir, OUTPUTS.releasedFit(RELEASED_FIT_LAW, set.id));
      return { set, record: fs.existsSync(file) ? readFitRecord(file) : undefined, runs: releasedFitSetRuns(table.runs, set) };
    });
    const lock = fs.existsSync(path.join(ctx.resultsDir, 'moelab.lock.json'))
      ? (JSON.parse(fs.readFileSync(path.join(ctx.resultsDir, 'moelab.lock.json'), 'utf8')) as { instances: Record<string, { stage: string; wallSeconds: number }> })
      : undefined;
    const perStage = new Map<string, { instances: number; seconds: number }>();
    for (const entry of Object.values(lock?.instances ?? {})) {
      const s = perStage.get(entry.stage) ?? { instances: 0, seconds: 0 };
      s.instances += 1;
      s.seconds += entry.wallSeconds;
      perStage.set(entry.stage, s);
    }
    const blocks = buildReport({
      preset: ctx.params.name,
      runs: [],
      fits: [],
      figures: [],
      released: { manifest, fits, claims: parseReleasedClaims(fs.readFileSync(ctx.resolve(asInput(OUTPUTS.releasedClaims)), 'utf8')) },
      environment: {
        runs: `released (${manifest.table}); nothing trained`,
        node: process.version,
        cpu: `${os.cpus()[0]?.model ?? 'unknown'} × ${os.cpus().length}`,
        memory: `${(os.totalmem() / 2 ** 30).toFixed(0)} GiB`,
        platform: `${os.platform()} ${os.release()}`,
      },
      stageSeconds: [...perStage.entries()].map(([stage, s]) => ({ stage, ...s })),
    });
    fs.writeFileSync(ctx.out(OUTPUTS.report), toMarkdown(blocks));
    fs.writeFileSync(ctx.out(OUTPUTS.reportHtml), toHtml(blocks, `moelab report (${ctx.params.name})`));
  },
});
