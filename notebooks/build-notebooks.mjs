#!/usr/bin/env node
// Writes the notebooks/*.ipynb sources from the cell lists below (so they stay reviewable as code).
// Run: node notebooks/build-notebooks.mjs
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = path.dirname(fileURLToPath(import.meta.url));
const md = (text) => ({ cell_type: 'markdown', metadata: {}, source: text.trim() });
const code = (text) => ({ cell_type: 'code', metadata: {}, execution_count: null, outputs: [], source: text.trim() });

const setup = (extra = '') =>
  code(`
import * as tslab from "tslab";
import { loadNotebookRuns, openNotebookRenderer, figureNotebookHtml, tableToMarkdown, buildFigureInputs, FIGURES, FigureInputError${extra} } from "moelab";
// (tslab shares top-level names between cells only for plain declarations, not destructuring)
const loaded = loadNotebookRuns();
const runs = loaded.runs;
const resultsDir = loaded.resultsDir;
console.log(\`\${runs.length} runs from \${loaded.source}\${loaded.file ? " (" + loaded.file + ")" : " (synthetic table: no results yet)"}\`);
const renderer = await openNotebookRenderer();
`);

const showPaper = (paper) =>
  code(`
for (const entry of FIGURES.filter((f) => f.paper === "${paper}")) {
  try {
    const spec = entry.build(inputs);
    if (spec.kind === "figure") tslab.display.html(await figureNotebookHtml(spec, renderer));
    else tslab.display.markdown(tableToMarkdown(spec));
  } catch (err) {
    if (err instanceof FigureInputError) tslab.display.markdown(\`*\${entry.id} not drawn: \${err.message}*\`);
    else throw err;
  }
}
`);

const close = code('await renderer?.close();');

const notebooks = {
  '01-corpus-and-runs': [
    md(`# Corpus and runs\nWhat was trained: the corpora under \`data/\`, the run table (\`results/runs.csv\`, else the committed reference, else a synthetic table) and loss against compute.`),
    setup(),
    code(`
import * as fs from "fs";
import * as path from "path";
import * as dfd from "danfojs-node";
const dataDir = path.join(resultsDir, "..", "data");
const manifests = fs.existsSync(dataDir) ? fs.readdirSync(dataDir).map((d) => path.join(dataDir, d, "manifest.json")).filter((f) => fs.existsSync(f)) : [];
for (const m of manifests) tslab.display.markdown("**" + path.basename(path.dirname(m)) + "**: \`" + fs.readFileSync(m, "utf8").slice(0, 400) + "\`");
if (manifests.length === 0) console.log("no corpus manifests under data/ yet (run moelab repro)");
`),
    code(`
const df = new dfd.DataFrame(runs.map((r) => ({ runId: r.runId, sweep: r.sweep, family: r.family, G: r.granularity, experts: r.experts, paramsActive: r.paramsActive, tokens: r.tokens, valLoss: r.valLoss })));
df.head(8).print();
df.groupby(["sweep", "family"]).col(["valLoss"]).mean().print();
`),
    code(`
import { chinchilla } from "moelab";
tslab.display.html(await figureNotebookHtml(chinchilla.isoflop(runs, { family: "all" }), renderer));
`),
    close,
  ],
  '02-chinchilla-fit': [
    md(`# Chinchilla-style fit\nHoffmann et al. 2022 Approach 3 (L = E + A/N^α + B/D^β, Huber δ = 1e-3 on log L) fitted on our dense runs, the loss-optimal frontier and IsoFLOP slices.`),
    setup(', chinchilla'),
    code(`
const inputs = buildFigureInputs({ runs: runs }) // tslab: no shorthand properties for names from earlier cells;
const fit = inputs.fits?.chinchilla;
tslab.display.markdown(fit ? "Fitted: " + Object.entries(fit).map(([k, v]) => \`\${k} = \${Number(v).toPrecision(4)}\`).join(", ") : "*No Chinchilla fit (too few dense runs).*");
`),
    showPaper('chinchilla'),
    close,
  ],
  '03-krajewski-fine-grained': [
    md(`# Krajewski et al. 2024: fine-grained MoE\nFigures 1a/1b (published coefficients next to our fit), 3a–7 from our runs, Tables 1, 2 and the bootstrap table. Captions say where our runs do not cover the paper's range.`),
    setup(),
    code(`
const inputs = buildFigureInputs({ runs: runs }) // tslab: no shorthand properties for names from earlier cells;
const fit = inputs.fits?.fineGrained;
tslab.display.markdown(fit ? "Our Eq. 9 fit: " + Object.entries(fit).map(([k, v]) => \`\${k} = \${Number(v).toPrecision(3)}\`).join(", ") : "*No Eq. 9 fit of our runs.*");
`),
    showPaper('krajewski'),
    close,
  ],
  '04-yun-inference-optimal': [
    md(`# Yun et al. 2024: inference-optimal MoE\nFig. 1 (runs and our fitted Eq. 4), Table 1 (model configurations). Figures 2–6 and 8 need the serving-cost model; they are listed with the reason when it is not available.`),
    setup(),
    code(`
const inputs = buildFigureInputs({ runs: runs }) // tslab: no shorthand properties for names from earlier cells;
const fit = inputs.fits?.experts;
tslab.display.markdown(fit ? "Our Eq. 4 fit: " + Object.entries(fit).map(([k, v]) => \`\${k} = \${Number(v).toPrecision(3)}\`).join(", ") : "*No Eq. 4 fit of our runs.*");
`),
    showPaper('yun'),
    close,
  ],
  '05-your-own-sweep': [
    md(`# Your own sweep\nA template: point \`MY_RUNS\` at your own \`runs.csv\` (same columns as \`results/runs.csv\`), or keep the default, then fit and draw any figure by id.`),
    setup(', readRunsCsv, krajewski'),
    code(`
const MY_RUNS = process.env.MY_RUNS; // e.g. "/path/to/my/runs.csv"
const mine = MY_RUNS ? readRunsCsv(MY_RUNS) : runs;
const inputs = buildFigureInputs({ runs: mine, krajewskiLoss: "valLoss" });
console.log(\`\${mine.length} runs; fits: \${Object.keys(inputs.fits ?? {}).filter((k) => inputs.fits?.[k]).join(", ") || "none"}\`);
`),
    code(`
// Any registered figure by id:
const spec = FIGURES.find((f) => f.id === "krajewski.fig4")!.build(inputs);
if (spec.kind === "figure") tslab.display.html(await figureNotebookHtml(spec, renderer));
`),
    code(`
// Or call a figure function directly with your own options:
tslab.display.html(await figureNotebookHtml(krajewski.fig3c(mine.filter((r) => r.family === "moe"), { lossColumn: "valLoss" }), renderer));
`),
    close,
  ],
};

const meta = {
  kernelspec: { display_name: 'TypeScript', language: 'typescript', name: 'tslab' },
  language_info: { name: 'typescript', file_extension: '.ts', mimetype: 'text/typescript', codemirror_mode: { mode: 'typescript', name: 'javascript', typescript: true } },
};
for (const [name, cells] of Object.entries(notebooks)) {
  const nb = { cells, metadata: meta, nbformat: 4, nbformat_minor: 5 };
  nb.cells = cells.map((c, i) => ({ id: `${name}-${i}`, ...c }));
  fs.writeFileSync(path.join(dir, `${name}.ipynb`), `${JSON.stringify(nb, null, 1)}\n`);
}
console.log(`wrote ${Object.keys(notebooks).length} notebooks`);
