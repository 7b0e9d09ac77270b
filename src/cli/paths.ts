import fs from 'node:fs';
import path from 'node:path';

/**
 * The repository (package) root: the nearest folder above this file holding a package.json named `moelab`.
 * This file is `src/cli/paths.ts` when run through tsx and `dist/src/cli/paths.js` when run compiled.
 */
export function packageRoot(from: string = __dirname): string {
  let dir = from;
  for (let i = 0; i < 8; i++) {
    const pkg = path.join(dir, 'package.json');
    try {
      if ((JSON.parse(fs.readFileSync(pkg, 'utf8')) as { name?: string }).name === 'moelab') return dir;
    } catch {
      // not here
    }
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return path.resolve(from, '..', '..');
}

/** Repository root (works from src/ and dist/). */
export const REPO_ROOT = packageRoot();

/** moelab's version, from package.json (`unknown` in a bundle shipped without it, e.g. the GPU bundle). */
export function moelabVersion(): string {
  try {
    return (JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}
