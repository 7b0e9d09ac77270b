/**
 * Helpers the notebooks call (through `import { … } from "moelab"`): find the results, fall back to the
 * committed reference results and then to the synthetic run table, and turn figure specs into notebook
 * outputs (interactive Plotly HTML with an inline PNG fallback).
 */
import fs from 'node:fs';
import path from 'node:path';
import { readRunTable } from '../runs/table';
import { readLifelongRecords, type LifelongRecord } from '../runs/lifelong';
import { MoelabError } from '../errors';
import { fitRunTable } from '../laws/fit/all';
import { fitsOf, readResultFits, type LawFits } from '../laws/fits';
import { recordOf, type FitRecord } from '../laws/record';
import type { LawName } from '../laws/coefficients';
import { formatCoefficient } from '../util/format';
import { figureInputs, type FigureInputs } from '../figures/inputs';
import { readTrainingCurves } from '../figures/training-curves';
import { PLOTLY_FILE, scriptJson } from '../figures/html';
import { FigureRenderer, findChromium } from '../figures/render';
import { syntheticRunTable } from '../figures/synthetic';
import type { FigureSpec } from '../figures/types';
import type { RunSummary } from '../runs/types';

/** The repository root: the nearest folder upwards from `from` whose package.json is named `moelab`. */
export function findRepoRoot(from = process.cwd()): string {
  let dir = path.resolve(from);
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg)) {
      try {
        if ((JSON.parse(fs.readFileSync(pkg, 'utf8')) as { name?: string }).name === 'moelab') return dir;
      } catch {
        // not ours
      }
    }
    const up = path.dirname(dir);
    if (up === dir) return path.resolve(from);
    dir = up;
  }
}

export interface NotebookRuns {
  runs: RunSummary[];
  /** Where they came from: the results folder, the committed reference, or the synthetic table. */
  source: 'results' | 'reference' | 'synthetic';
  /** The runs.csv read (absent for synthetic). */
  file?: string;
  /** The results folder figures/notebooks should write next to. */
  resultsDir: string;
  /**
   * The fit stage's records beside the runs (`fits/<law>.json`), exactly what the report shows; for the synthetic
   * table, fitted here with `fitRunTable` (each law's paper protocol, no bootstrap).
   */
  records: FitRecord[];
  /** Coefficients of the successful fits, by law (`fitsOf(records)`). */
  fits: LawFits;
  /** The figure inputs of these runs and records (training curves included): pass to `FIGURES[i].build`. */
  inputs: FigureInputs;
}

/**
 * Runs for a notebook: `$MOELAB_RESULTS/runs.csv` or `<repo>/results/runs.csv`, else
 * `<repo>/results/reference/tiny/runs.csv`, else the synthetic run table, so every notebook runs top to bottom
 * on a fresh checkout.
 */
export async function loadNotebookRuns(): Promise<NotebookRuns> {
  const root = findRepoRoot();
  const resultsDir = path.resolve(root, process.env.MOELAB_RESULTS ?? 'results');
  const candidates: Array<[NotebookRuns['source'], string]> = [
    ['results', path.join(resultsDir, 'runs.csv')],
    ['reference', path.join(root, 'results', 'reference', 'tiny', 'runs.csv')],
  ];
  for (const [source, file] of candidates) {
    if (fs.existsSync(file)) {
      const runs = await readRunTable(file);
      if (runs.length === 0) continue;
      const dir = path.dirname(file);
      const records = readResultFits(dir);
      const inputs = figureInputs({ runs, records, trainingCurves: readTrainingCurves(path.join(dir, 'runs'), runs) });
      return { runs, source, file, resultsDir, records, fits: fitsOf(records), inputs };
    }
  }
  const runs = syntheticRunTable({ seed: 0 });
  const records = fitRunTable(runs, { resamples: 0 });
  return { runs, source: 'synthetic', resultsDir, records, fits: fitsOf(records), inputs: figureInputs({ runs, records }) };
}

/** A preset's results for a notebook: its run table, and its lifelong records when the preset has that sweep. */
export interface PresetResults {
  preset: string;
  /** `results`: your own `results/<preset>/`; `reference`: the committed `results/reference/<preset>/`. */
  source: 'results' | 'reference';
  dir: string;
  runs: RunSummary[];
  lifelong: LifelongRecord[];
}

/**
 * The results of one preset's reproduction (e.g. `shared`, `peer`, `lifelong`): `<repo>/results/<preset>/` when you
 * ran `moelab repro --preset <preset> --results results/<preset>` to the end, else the committed reference.
 */
export async function loadPresetResults(preset: string): Promise<PresetResults> {
  const root = findRepoRoot();
  const candidates: Array<[PresetResults['source'], string]> = [
    ['results', path.join(root, 'results', preset)],
    ['reference', path.join(root, 'results', 'reference', preset)],
  ];
  for (const [source, dir] of candidates) {
    if (!fs.existsSync(path.join(dir, 'runs.csv'))) continue;
    return { preset, source, dir, runs: await readRunTable(path.join(dir, 'runs.csv')), lifelong: readLifelongRecords(path.join(dir, 'lifelong')) };
  }
  throw new NotebookResultsError(`no results of preset ${preset}: neither ${candidates.map(([, d]) => path.join(d, 'runs.csv')).join(' nor ')} exists; run moelab repro --preset ${preset} --results results/${preset}`);
}

/** A notebook asked for results that are not there (names what is missing and the command that makes it). */
export class NotebookResultsError extends MoelabError {
  override name = 'NotebookResultsError';
}

/** Opens the Chromium renderer for PNG fallbacks, or returns undefined (with no error) when Chromium is absent. */
export async function openNotebookRenderer(): Promise<FigureRenderer | undefined> {
  if (!findChromium()) return undefined;
  try {
    return await FigureRenderer.open({ scale: 1.5 });
  } catch {
    return undefined;
  }
}

let counter = 0;

/**
 * Notebook HTML for a figure: an inline PNG (rendered when `renderer` is given) that is replaced by the
 * interactive Plotly figure when plotly.js can be loaded (Jupyter serving the repo at /files/, or the exported
 * gallery's copy beside an executed notebook), followed by the caption.
 */
export async function figureNotebookHtml(spec: FigureSpec, renderer?: FigureRenderer): Promise<string> {
  const id = `moelab-fig-${process.pid}-${++counter}`;
  const png = renderer ? (await renderer.render(spec, 'png')).toString('base64') : undefined;
  const fallback = png
    ? `<img alt="${spec.id}" style="max-width:100%" src="data:image/png;base64,${png}">`
    : `<p><i>${spec.id}: interactive figure (plotly.js not reachable and no Chromium for a PNG)</i></p>`;
  // Jupyter serving the repository (npm run lab), an executed copy in <results>/notebooks/, a notebook in notebooks/
  const sources = [`/files/node_modules/plotly.js-dist-min/plotly.min.js`, `../figures/${PLOTLY_FILE}`, `../results/figures/${PLOTLY_FILE}`];
  const loader = `(function(){var el=document.getElementById(${JSON.stringify(id)});var src=${JSON.stringify(sources)};
function draw(){el.innerHTML='';el.style.width='${spec.layout.width}px';el.style.height='${spec.layout.height}px';Plotly.newPlot(el,${scriptJson(spec.data)},${scriptJson(spec.layout)},{displaylogo:false});}
if(window.Plotly){draw();return;}
(function next(i){if(i>=src.length)return;var s=document.createElement('script');s.src=src[i];s.onload=draw;s.onerror=function(){next(i+1)};document.head.appendChild(s);})(0);})();`;
  return `<div id="${id}">${fallback}</div><script>${loader}</script><p style="max-width:1000px;font-size:13px">${spec.caption}</p>`;
}

/**
 * One line (Markdown) naming law `law`'s fit as the report shows it: where it comes from, its protocol and target,
 * and every coefficient formatted as in REPORT.md's fit tables (`formatCoefficient`), or why there is none.
 */
export function fitSummary(records: readonly FitRecord[], law: LawName): string {
  const r = recordOf(records, law);
  if (!r) return `*No ${law} fit in these results (fits/${law}.json is missing).*`;
  if (r.status !== 'ok' || !r.fit) return `*The ${law} fit failed on ${r.nRuns} runs: ${r.error ?? 'no reason recorded'}.*`;
  const coefficients: Record<string, number> = r.fit.coefficients;
  const values = Object.entries(coefficients).map(([k, v]) => `${k} = ${formatCoefficient(v)}`);
  return `**${law}** (fits/${law}.json; ${r.protocol.id} protocol, target ${r.protocol.target}, ${r.nRuns} runs): ${values.join(', ')}`;
}
