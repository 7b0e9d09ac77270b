/**
 * Standalone HTML for one figure and the offline gallery page. Both load the minified plotly bundle that the
 * export writes once into the figures folder (`<figures>/plotly.min.js`) by a relative link, so a copied results or
 * figures folder still renders offline.
 */
import { escapeHtml, tableToHtml } from './tables';
import type { FigureOrTable, FigureSpec } from './types';

/** File name of the plotly bundle copied once into each figures folder (`results/figures/`). */
export const PLOTLY_FILE = 'plotly.min.js';

const STYLE = `body{font-family:"DejaVu Sans",Arial,sans-serif;margin:24px;color:#222;max-width:1800px}
.caption{max-width:1100px;font-size:14px;line-height:1.45;color:#333}
.card{border-top:1px solid #ddd;padding:18px 0}
.skipped{color:#8a5a00}
table.moelab-table{border-collapse:collapse;font-size:14px;margin:8px 0}
table.moelab-table td,table.moelab-table th{border-bottom:1px solid #ddd;padding:4px 10px}
table.moelab-table caption{caption-side:bottom;text-align:left;padding-top:6px;color:#333;max-width:1100px}
nav a{margin-right:10px}`;

/** JSON safe to embed inside a `<script>` element. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

function plotDiv(spec: FigureSpec, domId: string): string {
  return [
    `<div id="${domId}" style="width:${spec.layout.width}px;height:${spec.layout.height}px"></div>`,
    `<script>Plotly.newPlot(${JSON.stringify(domId)}, ${scriptJson(spec.data)}, ${scriptJson(spec.layout)}, {displaylogo:false});</script>`,
  ].join('\n');
}

/** `<paper>/<figure>.html`: the interactive figure and its caption; plotly from `../plotly.min.js`. */
export function figureHtml(spec: FigureSpec, plotlySrc = `../${PLOTLY_FILE}`): string {
  return [
    '<!doctype html><html><head><meta charset="utf-8">',
    `<title>${escapeHtml(spec.id)}: ${escapeHtml(spec.title)}</title>`,
    `<style>${STYLE}</style>`,
    `<script src="${escapeHtml(plotlySrc)}"></script></head><body>`,
    `<h2>${escapeHtml(spec.title)}</h2>`,
    plotDiv(spec, 'figure'),
    `<p class="caption">${escapeHtml(spec.caption)}</p>`,
    '</body></html>',
  ].join('\n');
}

/** `<paper>/<table>.html`. */
export function tableHtmlPage(spec: FigureOrTable & { kind: 'table' }): string {
  return [
    '<!doctype html><html><head><meta charset="utf-8">',
    `<title>${escapeHtml(spec.id)}</title><style>${STYLE}</style></head><body>`,
    tableToHtml(spec),
    '</body></html>',
  ].join('\n');
}

export interface GalleryEntry {
  spec?: FigureOrTable;
  id: string;
  /** Why the figure was not drawn. */
  skipped?: string;
  /** Files written for it, relative to the gallery. */
  files: string[];
}

/** `results/figures/index.html`: every figure interactive, tables inline, skipped ones with their reason. */
export function galleryHtml(entries: GalleryEntry[], title = 'moelab figures'): string {
  const papers = [...new Set(entries.map((e) => e.id.split('.')[0]!))];
  const sections = papers.map((paper) => {
    const cards = entries
      .filter((e) => e.id.startsWith(`${paper}.`))
      .map((e, i) => {
        const links = e.files.map((f) => `<a href="${escapeHtml(f)}">${escapeHtml(f.split('.').pop()!)}</a>`).join(' ');
        if (!e.spec) {
          return `<div class="card" id="${escapeHtml(e.id)}"><h3>${escapeHtml(e.id)}</h3><p class="skipped">Not drawn: ${escapeHtml(e.skipped ?? 'unknown reason')}</p></div>`;
        }
        const body = e.spec.kind === 'figure' ? `${plotDiv(e.spec, `fig-${paper}-${i}`)}\n<p class="caption">${escapeHtml(e.spec.caption)}</p>` : tableToHtml(e.spec);
        return `<div class="card" id="${escapeHtml(e.id)}"><h3>${escapeHtml(e.spec.title)} <small>(${escapeHtml(e.id)})</small></h3>\n${body}\n<p>${links}</p></div>`;
      });
    return `<h2 id="paper-${paper}">${escapeHtml(paper)}</h2>\n${cards.join('\n')}`;
  });
  return [
    '<!doctype html><html><head><meta charset="utf-8">',
    `<title>${escapeHtml(title)}</title><style>${STYLE}</style>`,
    `<script src="${PLOTLY_FILE}"></script></head><body>`,
    `<h1>${escapeHtml(title)}</h1>`,
    `<nav>${papers.map((p) => `<a href="#paper-${p}">${escapeHtml(p)}</a>`).join('')}</nav>`,
    ...sections,
    '</body></html>',
  ].join('\n');
}
