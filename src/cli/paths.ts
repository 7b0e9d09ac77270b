import fs from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../util/package-root';

/** Repository (package) root: works from src/ (tsx) and dist/ (compiled). */
export const REPO_ROOT = packageRoot();

/** moelab's version, from package.json (`unknown` in a bundle shipped without it, e.g. the GPU bundle). */
export function moelabVersion(): string {
  try {
    return (JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}
