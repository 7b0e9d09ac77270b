/**
 * Stage `report`: `results/REPORT.md` and `results/REPORT.html` (figures linked from `results/figures/`),
 * assembled by `src/report/build.ts` from every upstream output.
 */
import { defineStage } from '../../src/pipeline/types';
import type { Preset } from '../presets/schema';
import { trainsItsRuns } from '../presets/sections';
import { asInput, fitsInputs, OUTPUTS } from '../outputs';

export default defineStage<Preset>()({
  name: 'report',
  module: __filename,
  description: 'REPORT.md / REPORT.html: figures, coefficients vs published, claims, environment',
  params: ['name', 'corpus.name', 'source', 'fit.laws'],
  gridParams: ['source'],
  when: trainsItsRuns,
  deps: ['runs', 'fit', 'analysis', 'claims', 'figures', 'notebooks'],
  inputs: (p) => [...[OUTPUTS.runTable, OUTPUTS.computeOptimal, OUTPUTS.inference, OUTPUTS.claims, OUTPUTS.claimsAtScale, OUTPUTS.figureManifest].map(asInput), ...fitsInputs(p['fit.laws'])],
  outputs: [OUTPUTS.report, OUTPUTS.reportHtml],
  async run(ctx) {
    const fs = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const { readRunTable } = await import('../../src/runs/table');
    const { readResultFits } = await import('../../src/laws/fits');
    const { buildReport } = await import('../../src/report/build');
    const { parseClaimsTable } = await import('../../src/report/claims');
    const { parseReleasedClaims } = await import('../../src/report/claims/released');
    const { toHtml, toMarkdown } = await import('../../src/report/document');
    const { corpusStats } = await import('../../src/data/stats');
    const readJson = <T>(p: string): T | undefined => (fs.existsSync(p) ? (JSON.parse(fs.readFileSync(p, 'utf8')) as T) : undefined);

    const runs = await readRunTable(ctx.resolve(asInput(OUTPUTS.runTable)));
    const manifest = readJson<{ written: Array<{ id: string; kind: string; files: string[] }>; skipped: Array<{ id: string; reason: string }> }>(
      ctx.resolve(asInput(OUTPUTS.figureManifest)),
    );
    const figures = [
      ...(manifest?.written ?? []).map((f) => {
        const png = f.files.find((x) => x.endsWith('.png'));
        const json = f.files.find((x) => x.endsWith('.json'));
        const spec = json ? readJson<{ caption?: string; title?: string }>(path.join(ctx.resultsDir, OUTPUTS.figures, json)) : undefined;
        const md = f.files.find((x) => x.endsWith('.md'));
        const html = f.files.find((x) => x.endsWith('.html'));
        const read = (rel: string) => fs.readFileSync(path.join(ctx.resultsDir, OUTPUTS.figures, rel), 'utf8');
        // Tables are embedded (Markdown in REPORT.md; the table element of their HTML page in REPORT.html).
        const table = f.kind === 'table' && md ? { markdown: read(md), html: html ? (/<table[\s\S]*<\/table>/.exec(read(html))?.[0] ?? '') : '' } : undefined;
        return { id: f.id, paper: f.id.split('.')[0]!, png: png ? `figures/${png}` : undefined, caption: spec?.caption, title: spec?.title, table };
      }),
      ...(manifest?.skipped ?? []).map((s) => ({ id: s.id, paper: s.id.split('.')[0]!, skipped: s.reason })),
    ];
    const { stageWallSeconds } = await import('../../src/pipeline/lock');
    const corpusDir = path.join(ctx.dataDir, ctx.params['corpus.name']);
    const stats = fs.existsSync(corpusDir) ? corpusStats(corpusDir) : undefined;
    const tfjsVersion = readJson<{ version: string }>(path.join(ctx.repoRoot, 'node_modules', '@tensorflow', 'tfjs', 'package.json'))?.version ?? 'unknown';
    const backends = [...new Set(runs.map((r) => r.backend))].join(', ');
    const blocks = buildReport({
      preset: ctx.params.name,
      runs,
      fits: readResultFits(ctx.resultsDir),
      tables: readJson(ctx.resolve(asInput(OUTPUTS.computeOptimal))),
      inference: readJson(ctx.resolve(asInput(OUTPUTS.inference))),
      claims: parseClaimsTable(fs.readFileSync(ctx.resolve(asInput(OUTPUTS.claims)), 'utf8')),
      claimsAtScale: parseReleasedClaims(fs.readFileSync(ctx.resolve(asInput(OUTPUTS.claimsAtScale)), 'utf8')),
      figures,
      corpus: stats && { name: stats.name, trainTokens: stats.trainTokens, valTokens: stats.valTokens, unigramEntropyNats: stats.unigramEntropyNats },
      environment: {
        'training backend(s)': backends,
        node: process.version,
        '@tensorflow/tfjs': tfjsVersion,
        cpu: `${os.cpus()[0]?.model ?? 'unknown'} × ${os.cpus().length}`,
        memory: `${(os.totalmem() / 2 ** 30).toFixed(0)} GiB`,
        platform: `${os.platform()} ${os.release()}`,
        'training wall seconds (sum over runs)': runs.reduce((s, r) => s + r.wallSeconds, 0).toFixed(0),
      },
      stageSeconds: stageWallSeconds(ctx.resultsDir),
    });
    fs.writeFileSync(ctx.out(OUTPUTS.report), toMarkdown(blocks));
    fs.writeFileSync(ctx.out(OUTPUTS.reportHtml), toHtml(blocks, `moelab report (${ctx.params.name})`));
  },
});
