/** Atomic file output for figures: write a temp file beside the target, then rename over it. */
import fs from 'node:fs';
import path from 'node:path';

export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  try {
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/** Path of plotly.js-dist's bundle in node_modules. */
export function plotlyBundlePath(): string {
  return require.resolve('plotly.js-dist/plotly.js');
}
