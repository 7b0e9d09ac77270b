// Whether dist/ (the compiled CLI and library) was built from the TypeScript sources as they are now.
//
// `node scripts/build.mjs` (npm run build, postinstall, the notebooks stage) records, before compiling, the size,
// mtime and SHA-1 of every source file it compiles (src/**/*.ts, pipeline/**/*.ts, the tsconfigs) in
// dist/.moelab-build.json. `bin/moelab.js` runs the CLI from dist/ only when the sources match that record, else it
// runs them through tsx, as before: a stale dist/ is never run. The check stats ~200 files (a few ms); a file whose
// mtime changed is hashed, so a checkout or an npm-packed copy (npm resets mtimes) with the same content still counts
// as fresh, and the record's mtimes are then refreshed when dist/ is writable.
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const STAMP = path.join('dist', '.moelab-build.json');
/** Source folders compiled by tsconfig.build.json, and single files that change what is emitted. */
const SOURCE_DIRS = ['src', 'pipeline'];
const SOURCE_FILES = ['tsconfig.json', 'tsconfig.build.json'];

function isSource(name) {
  return name.endsWith('.ts') && !name.endsWith('.d.ts');
}

/** Repository-relative paths of the compiled sources, sorted. */
function sourceFiles(root) {
  const out = [];
  const walk = (rel) => {
    let entries;
    try {
      entries = fs.readdirSync(path.join(root, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const r = `${rel}/${e.name}`;
      if (e.isDirectory()) {
        if (e.name !== 'node_modules') walk(r);
      } else if (isSource(e.name)) out.push(r);
    }
  };
  for (const d of SOURCE_DIRS) walk(d);
  for (const f of SOURCE_FILES) if (fs.existsSync(path.join(root, f))) out.push(f);
  return out.sort();
}

function sha1(file) {
  return crypto.createHash('sha1').update(fs.readFileSync(file)).digest('hex');
}

/** The record of the sources as they are now: { rel: [size, mtimeMs, sha1] }. */
function currentStamp(root) {
  const files = {};
  for (const rel of sourceFiles(root)) {
    const abs = path.join(root, rel);
    const st = fs.statSync(abs);
    files[rel] = [st.size, st.mtimeMs, sha1(abs)];
  }
  return { version: 1, files };
}

function readStamp(root) {
  try {
    const s = JSON.parse(fs.readFileSync(path.join(root, STAMP), 'utf8'));
    return s && s.version === 1 && s.files && typeof s.files === 'object' ? s : undefined;
  } catch {
    return undefined;
  }
}

function writeStamp(root, stamp) {
  const file = path.join(root, STAMP);
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, `${JSON.stringify(stamp)}\n`);
  fs.renameSync(tmp, file);
}

/**
 * Why dist/ cannot be run for the current sources (e.g. "src/cli/fit.ts changed"), or undefined when it can.
 * `refresh` rewrites the record's mtimes after a content-equal mtime change (default true).
 */
function distStaleReason(root, refresh = true) {
  if (!fs.existsSync(path.join(root, 'dist', 'src', 'cli', 'main.js'))) return 'dist/ is not built';
  const stamp = readStamp(root);
  if (!stamp) return `${STAMP} is missing (dist/ was not built by scripts/build.mjs)`;
  const files = sourceFiles(root);
  const recorded = Object.keys(stamp.files);
  if (files.length !== recorded.length) {
    const added = files.find((f) => !(f in stamp.files));
    if (added) return `${added} was added`;
    return `${recorded.find((f) => !files.includes(f))} was removed`;
  }
  let touched = false;
  for (const rel of files) {
    const rec = stamp.files[rel];
    if (!rec) return `${rel} was added`;
    let st;
    try {
      st = fs.statSync(path.join(root, rel));
    } catch {
      return `${rel} was removed`;
    }
    if (st.size !== rec[0]) return `${rel} changed`;
    if (st.mtimeMs !== rec[1]) {
      if (sha1(path.join(root, rel)) !== rec[2]) return `${rel} changed`;
      rec[1] = st.mtimeMs;
      touched = true;
    }
  }
  if (touched && refresh) {
    try {
      writeStamp(root, stamp);
    } catch {
      // read-only install: the hashes are checked again next time
    }
  }
  return undefined;
}

module.exports = { STAMP, sourceFiles, currentStamp, readStamp, writeStamp, distStaleReason };
