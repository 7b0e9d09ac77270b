/**
 * What moelab may replace. A directory output (`figures/`, `notebooks/`) is replaced as a whole when its stage
 * re-runs, so moelab marks each one it commits with `.moelab-output.json` listing the files it wrote, and refuses
 * to replace a folder holding anything else (a user's notes in `results/notebooks/`). Results and data folders
 * that are a project (the repository itself, a folder with `.git` or `package.json`), an ancestor of the
 * repository, the home folder or `/` are refused outright (`--results .`).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PipelineError } from './errors';
import type { HashCache } from './hash';

import { OUTPUT_MARKER } from './output-marker';

export { OUTPUT_MARKER };

/** A folder moelab would replace holds files it did not write, or a results/data folder is not moelab's to write. */
export class OutputOwnershipError extends PipelineError {
  override name = 'OutputOwnershipError';
}

interface OutputMarker {
  writtenBy: 'moelab';
  instance: string;
  files: string[];
}

/** Relative paths of the files under `dir` (sorted; the marker excluded). */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (p !== path.join(dir, OUTPUT_MARKER)) out.push(path.relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

/** Writes the marker into a directory output about to be committed (listing what the stage wrote). */
export function writeOutputMarker(dir: string, instance: string): void {
  const marker: OutputMarker = { writtenBy: 'moelab', instance, files: filesUnder(dir) };
  fs.writeFileSync(path.join(dir, OUTPUT_MARKER), `${JSON.stringify(marker, null, 1)}\n`);
}

function readMarker(dir: string): OutputMarker | undefined {
  try {
    const m = JSON.parse(fs.readFileSync(path.join(dir, OUTPUT_MARKER), 'utf8')) as OutputMarker;
    return m && m.writtenBy === 'moelab' && Array.isArray(m.files) ? m : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Files in an existing directory output that moelab did not write (empty when replacing it loses nothing of the
 * user's): with a marker, the files it does not list; without one (outputs of moelab before markers), none when
 * the folder is empty or its hash is the one the lock file recorded for this output, else every file in it.
 */
export function foreignFiles(dir: string, recordedHash: string | undefined, hashes: Pick<HashCache, 'dirHash'>): string[] {
  let st: fs.Stats;
  try {
    st = fs.statSync(dir);
  } catch {
    return [];
  }
  if (!st.isDirectory()) return [path.basename(dir)];
  const files = filesUnder(dir);
  const marker = readMarker(dir);
  if (marker) {
    const ours = new Set(marker.files);
    return files.filter((f) => !ours.has(f));
  }
  if (files.length === 0) return [];
  if (recordedHash !== undefined && hashes.dirHash(dir) === recordedHash) return [];
  return files;
}

/** The error for a directory output holding foreign files. */
export function foreignFilesError(dir: string, foreign: string[], instance: string): OutputOwnershipError {
  const shown = foreign.slice(0, 5).join(', ') + (foreign.length > 5 ? ` and ${foreign.length - 5} more` : '');
  return new OutputOwnershipError(
    `${dir}${path.sep} holds files moelab did not write (${shown}); ${instance} replaces that folder when it runs, so move them elsewhere (or delete the folder), then run again`,
  );
}

/**
 * Refuses a results or data folder that is not moelab's to write: `/`, the home folder, the repository or one of
 * its ancestors, or any folder that holds a project (`.git`, `package.json`, `node_modules`).
 */
export function assertWritableRoot(dir: string, option: string, repoRoot: string): void {
  const resolve = (p: string) => {
    try {
      return fs.realpathSync(p);
    } catch {
      return path.resolve(p);
    }
  };
  const abs = resolve(dir);
  const repo = resolve(repoRoot);
  const refuse = (why: string) =>
    new OutputOwnershipError(
      `refusing ${option} ${dir}: ${why}; moelab writes and replaces its outputs there. Use a new or empty folder (it is created), e.g. ${option} ${path.join(repo, option === '--data' ? 'data' : 'results')}`,
    );
  if (abs === path.parse(abs).root) throw refuse('it is the root of the file system');
  if (abs === resolve(os.homedir())) throw refuse('it is your home folder');
  if (abs === repo || repo.startsWith(`${abs}${path.sep}`)) throw refuse(`it ${abs === repo ? 'is' : 'holds'} the repository ${repo}`);
  for (const marker of ['.git', 'package.json', 'node_modules']) {
    if (fs.existsSync(path.join(abs, marker))) throw refuse(`it holds ${marker}, so it is a project folder, not a results folder`);
  }
}
