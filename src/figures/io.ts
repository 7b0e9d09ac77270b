/** Atomic file output for figures: write a temp file beside the target, then rename over it. */
import fs from 'node:fs';
import path from 'node:path';

export { writeFileAtomic } from '../util/atomic-write';

/** Path of plotly.js-dist's bundle in node_modules (what Chromium renders PNG/SVG with). */
export function plotlyBundlePath(): string {
  return require.resolve('plotly.js-dist/plotly.js');
}

/** Path of the minified bundle of the same plotly version (4.9 MB instead of 11), copied beside exported HTML. */
export function plotlyMinBundlePath(): string {
  return require.resolve('plotly.js-dist-min/plotly.min.js');
}
