#!/usr/bin/env node
// Builds dist/ (`tsc -p tsconfig.build.json`) and records which sources it was built from
// (dist/.moelab-build.json, see bin/dist-stamp.js), so that `moelab` starts from the compiled JavaScript while
// it matches the sources and from the TypeScript sources (through tsx) otherwise.
// The record is taken BEFORE compiling: a file edited during the build counts as changed afterwards.
// Exit code: tsc's (0 clean; 2 type errors, JavaScript still emitted; 1 nothing emitted).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { currentStamp, writeStamp } = require('../bin/dist-stamp.js');

const stamp = currentStamp(root);
const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
// 0: clean; 2: type errors but every file emitted (tsc never stops emitting on errors here), still a faithful build
if (r.status === 0 || r.status === 2) writeStamp(root, stamp);
process.exit(r.status ?? 1);
