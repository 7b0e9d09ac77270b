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

/**
 * Clark et al.'s Eq. 1 against the released runs, one panel per fit set (ours dashed, the paper's dotted): the spec
 * as JSON and, when Chromium is installed, a PNG, in `outDir`; returns what the report embeds (paths relative to the
 * results folder), or why an image is missing.
 */
async function drawEq1Figures(
  outDir: string,
  fits: ReadonlyArray<{ set: { router: string | null; id: string }; record: import('../../src/laws/record').FitRecord | undefined; runs: readonly import('../../src/runs/released/types').ReleasedRun[] }>,
  log: (line: string) => void,
): Promise<Array<{ id: string; caption: string; png?: string; skipped?: string }>> {
  const fs = await import('node:fs');
  const path = await import('node:path');
  const { coefficientsOf } = await import('../../src/laws/record');
  const { clarkLossVsExperts, clarkLossVsParams } = await import('../../src/figures/clark/eq1');
  const { FigureRenderer, findChromium } = await import('../../src/figures/render');
  const { writeFileAtomic } = await import('../../src/util/atomic-write');
  const { CLARK_PUBLISHED_BY_ROUTER } = await import('../../src/report/clark');
  const panels = fits.map(({ set, record, runs }) => {
    const router = set.router ?? set.id;
    const coefficients = record ? coefficientsOf([record], 'clark') : undefined;
    return { router, runs, coefficients, why: record ? record.error : 'no fit record', published: set.router ? CLARK_PUBLISHED_BY_ROUTER[set.router]?.values : undefined };
  });
  fs.mkdirSync(outDir, { recursive: true });
  const specs = [clarkLossVsParams(panels), clarkLossVsExperts(panels)];
  for (const spec of specs) writeFileAtomic(path.join(outDir, `${spec.id}.json`), `${JSON.stringify(spec)}\n`);
  if (!findChromium()) return specs.map((s) => ({ id: s.id, caption: s.caption, skipped: 'Chromium is not installed (bash scripts/setup-system.sh); the spec is in figures/released/' }));
  const renderer = await FigureRenderer.open();
  try {
    const out: Array<{ id: string; caption: string; png?: string }> = [];
    for (const spec of specs) {
      writeFileAtomic(path.join(outDir, `${spec.id}.png`), await renderer.render(spec, 'png'));
      log(`drew ${spec.id}`);
      out.push({ id: spec.id, caption: spec.caption, png: `figures/released/${spec.id}.png` });
    }
    return out;
  } finally {
    await renderer.close();
  }
}

export default defineStage<Preset>()({
  name: 'released-report',
  module: __filename,
  description: 'REPORT.md / REPORT.html of a released table: Eq. 1 per router vs published, the experts claims on those runs',
  params: ['name', 'source'],
  gridParams: ['source'],
  when: importsReleasedRuns,
  deps: ['import', 'released-fit', 'released-claims'],
  inputs: [OUTPUTS.releasedManifest, OUTPUTS.releasedCurves, OUTPUTS.releasedFits, OUTPUTS.releasedClaims].map(asInput),
  outputs: [OUTPUTS.report, OUTPUTS.reportHtml, OUTPUTS.releasedFigures],
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
    const figures = await drawEq1Figures(ctx.out(OUTPUTS.releasedFigures), fits, (line) => ctx.log.info(line));
    const { stageWallSeconds } = await import('../../src/pipeline/lock');
    const blocks = buildReport({
      preset: ctx.params.name,
      runs: [],
      fits: [],
      figures: [],
      released: { manifest, fits, figures, claims: parseReleasedClaims(fs.readFileSync(ctx.resolve(asInput(OUTPUTS.releasedClaims)), 'utf8')) },
      environment: {
        runs: `released (${manifest.table}); nothing trained`,
        node: process.version,
        cpu: `${os.cpus()[0]?.model ?? 'unknown'} × ${os.cpus().length}`,
        memory: `${(os.totalmem() / 2 ** 30).toFixed(0)} GiB`,
        platform: `${os.platform()} ${os.release()}`,
      },
      stageSeconds: stageWallSeconds(ctx.resultsDir),
    });
    fs.writeFileSync(ctx.out(OUTPUTS.report), toMarkdown(blocks));
    fs.writeFileSync(ctx.out(OUTPUTS.reportHtml), toHtml(blocks, `moelab report (${ctx.params.name})`));
  },
});
