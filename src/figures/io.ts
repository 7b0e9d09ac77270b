/** Atomic file output for figures: write a temp file beside the target, then rename over it. */
import fs from 'node:fs';
import path from 'node:path';

export { writeFileAtomic } from '../util/atomic-write';

/** Path of plotly.js-dist's bundle in node_modules. */
export function plotlyBundlePath(): string {
  return require.resolve('plotly.js-dist/plotly.js');
}
