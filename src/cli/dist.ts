/**
 * dist/ (the compiled package the notebooks import and the fast CLI runs) against the sources: why it is stale,
 * and a rebuild through scripts/build.mjs (which records the sources it was built from; bin/dist-stamp.js).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from './paths';

/** Why dist/ does not match the sources, or undefined. */
export function distStaleReason(root: string = REPO_ROOT): string | undefined {
  // plain JS shared with bin/moelab.js, resolved from the package root (the same file from src/ and dist/)
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const stamp = require(path.join(root, 'bin', 'dist-stamp.js')) as { distStaleReason(root: string): string | undefined };
  return stamp.distStaleReason(root);
}

/** Rebuilds dist/ when stale; throws with tsc's first lines when nothing could be emitted. Returns whether it built. */
export function ensureDist(log: (line: string) => void = () => undefined, root: string = REPO_ROOT): boolean {
  const why = distStaleReason(root);
  if (!why) return false;
  log(`building dist/ (${why})`);
  const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'build.mjs')], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0 && r.status !== 2) {
    throw new Error(`building dist/ failed (npm run build):\n${`${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(0, 20).join('\n')}`);
  }
  return true;
}
