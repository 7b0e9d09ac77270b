/**
 * `exportFigures`: builds every selected figure from one input bundle and writes
 * `<outDir>/<paper>/<figure>.{json,html,png,svg}` (tables: `.json`, `.md`, `.html`), the offline gallery
 * `<outDir>/index.html` with plotly.js copied beside it, and `<outDir>/manifest.json`. One Chromium renders all
 * PNG/SVG. Figures whose inputs are missing are skipped with their reason (listed in the gallery and manifest).
 */
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { figureHtml, galleryHtml, PLOTLY_FILE, tableHtmlPage, type GalleryEntry } from './html';
import { plotlyBundlePath, plotlyMinBundlePath, writeFileAtomic } from './io';
import { selectFigures, type FigureInputs } from './registry';
import { FigureRenderer, type RendererOptions } from './render';
import { tableToMarkdown } from './tables';
import { FigureInputError, type FigureOrTable } from './types';

export type ExportFormat = 'json' | 'html' | 'png' | 'svg';
export const ALL_FORMATS: readonly ExportFormat[] = ['json', 'html', 'png', 'svg'];

export interface ExportOptions {
  /** The run table and law-library outputs (see `loadFigureInputs`). */
  inputs: FigureInputs;
  /** Output folder, e.g. `results/figures`. */
  outDir: string;
  /** Formats to write; default all (`json`, `html`, `png`, `svg`). Tables always get json/md/html. */
  formats?: readonly ExportFormat[];
  /** Figure ids or prefixes (`krajewski`, `yun.fig3`); default all. */
  only?: readonly string[];
  /** Chromium options (path, PNG scale). */
  renderer?: RendererOptions;
  /** Progress sink, one line per figure. */
  log?: (line: string) => void;
}

export interface ExportedFigure {
  id: string;
  kind: 'figure' | 'table';
  /** Files written, relative to `outDir`. */
  files: string[];
  /** Seconds to build and write it (rendering included). */
  seconds: number;
  notes: string[];
}

export interface ExportResult {
  outDir: string;
  written: ExportedFigure[];
  skipped: Array<{ id: string; reason: string }>;
  /** `index.html`, absolute. */
  gallery: string;
  totalSeconds: number;
  /** Chromium start + plotly load, seconds (0 when no image format was asked). */
  browserStartSeconds: number;
}

function rel(outDir: string, file: string): string {
  return path.relative(outDir, file).split(path.sep).join('/');
}

/** Builds, renders and writes the selected figures; see the module comment. */
export async function exportFigures(options: ExportOptions): Promise<ExportResult> {
  const t0 = performance.now();
  const formats = new Set(options.formats ?? ALL_FORMATS);
  const outDir = path.resolve(options.outDir);
  const log = options.log ?? (() => undefined);
  fs.mkdirSync(outDir, { recursive: true });
  // figures of an experiment these results do not hold (survey.* without its sweep) are not figures of this preset
  const entries = selectFigures(options.only).filter((e) => !e.appliesTo || e.appliesTo(options.inputs));

  const built: Array<{ id: string; spec: FigureOrTable; seconds: number }> = [];
  const skipped: ExportResult['skipped'] = [];
  for (const entry of entries) {
    const s = performance.now();
    try {
      built.push({ id: entry.id, spec: entry.build(options.inputs), seconds: (performance.now() - s) / 1000 });
    } catch (err) {
      if (!(err instanceof FigureInputError)) throw err;
      skipped.push({ id: entry.id, reason: err.message });
      log(`skip ${entry.id}: ${err.message}`);
    }
  }

  const needImages = (formats.has('png') || formats.has('svg')) && built.some((b) => b.spec.kind === 'figure');
  const tb = performance.now();
  const renderer = needImages ? await FigureRenderer.open(options.renderer) : undefined;
  const browserStartSeconds = needImages ? (performance.now() - tb) / 1000 : 0;
  const written: ExportedFigure[] = [];
  try {
    for (const b of built) {
      const s = performance.now();
      const { spec } = b;
      const base = path.join(outDir, spec.paper, spec.id.slice(spec.id.indexOf('.') + 1));
      const files: string[] = [];
      const put = (ext: string, data: string | Uint8Array) => {
        writeFileAtomic(`${base}.${ext}`, data);
        files.push(rel(outDir, `${base}.${ext}`));
      };
      if (spec.kind === 'table') {
        put('json', `${JSON.stringify(spec, null, 1)}\n`);
        put('md', tableToMarkdown(spec));
        put('html', tableHtmlPage(spec));
      } else {
        if (formats.has('json')) put('json', `${JSON.stringify(spec, null, 1)}\n`);
        if (formats.has('html')) put('html', figureHtml(spec));
        if (renderer && formats.has('png')) put('png', await renderer.render(spec, 'png'));
        if (renderer && formats.has('svg')) put('svg', await renderer.render(spec, 'svg'));
      }
      const seconds = b.seconds + (performance.now() - s) / 1000;
      written.push({ id: spec.id, kind: spec.kind, files, seconds, notes: spec.notes });
      log(`wrote ${spec.id} (${files.length} files, ${seconds.toFixed(2)} s)`);
    }
  } finally {
    await renderer?.close();
  }

  // Offline gallery: the minified plotly bundle once per figures folder, beside index.html (only when it changed);
  // every page links it relatively (`plotly.min.js`, `../plotly.min.js`), so a copied folder still renders.
  const plotlyDest = path.join(outDir, PLOTLY_FILE);
  const src = plotlyMinBundlePath();
  if (!fs.existsSync(plotlyDest) || !fs.readFileSync(plotlyDest).equals(fs.readFileSync(src))) {
    writeFileAtomic(plotlyDest, fs.readFileSync(src));
  }
  // the unminified 11 MB copy earlier versions wrote here is no longer linked from any page
  const legacy = path.join(outDir, 'plotly.js');
  if (fs.existsSync(legacy) && fs.statSync(legacy).size === fs.statSync(plotlyBundlePath()).size) fs.rmSync(legacy);
  const galleryEntries: GalleryEntry[] = entries.map((e) => {
    const b = built.find((x) => x.id === e.id);
    const w = written.find((x) => x.id === e.id);
    return { id: e.id, spec: b?.spec, files: w?.files ?? [], skipped: skipped.find((x) => x.id === e.id)?.reason };
  });
  const gallery = path.join(outDir, 'index.html');
  writeFileAtomic(gallery, galleryHtml(galleryEntries));
  const totalSeconds = (performance.now() - t0) / 1000;
  const result: ExportResult = { outDir, written, skipped, gallery, totalSeconds, browserStartSeconds };
  writeFileAtomic(path.join(outDir, 'manifest.json'), `${JSON.stringify({ ...result, outDir: '.' , gallery: 'index.html' }, null, 1)}\n`);
  return result;
}
