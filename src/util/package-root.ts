/** Where the moelab package lives, from `src/` (tsx) and from the compiled `dist/src/` alike. */
import fs from 'node:fs';
import path from 'node:path';

/** The repository root: the nearest ancestor of this file holding package.json (works from src/ and dist/). */
export function packageRoot(): string {
  // `__dirname` exists in CommonJS (src via tsx, dist/, the GPU bundle); elsewhere fall back to the cwd.
  let dir = typeof __dirname === 'string' ? __dirname : process.cwd();
  for (let i = 0; i < 6; i++) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    dir = path.dirname(dir);
  }
  return path.resolve(__dirname, '..', '..');
}
