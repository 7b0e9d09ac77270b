#!/usr/bin/env node
// Builds the optional native CPU-kernel addon (src/backend/native/blas.c → build/native/moelab_blas.node):
// matmul, GELU, row gather/scatter and AdamW for the tfjs `wasm` and `cpu` backends (src/backend/native-blas.ts).
// Needs a C compiler and OpenBLAS's shared library (Debian: libopenblas-dev, which scripts/setup-system.sh
// installs). Node-API headers come from Node's own include/node or the `node-api-headers` package.
// Never fails the install: when something is missing it says what and exits 0 (the backends then use tfjs's
// own kernels). `--strict` exits 1 instead (for CI checks). Writes atomically: a half-built addon never lands.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const strict = process.argv.includes('--strict');
const say = (msg) => console.log(`moelab native: ${msg}`);
const sources = ['blas.c', 'fused.c', 'gemm.c'].map((f) => path.join(root, 'src', 'backend', 'native', f));
const outDir = path.join(root, 'build', 'native');
const out = path.join(outDir, 'moelab_blas.node');

function give(reason) {
  say(`not built: ${reason}. Training still works on tfjs's own kernels (3-4x slower on wasm/cpu).`);
  process.exit(strict ? 1 : 0);
}

if (process.env.MOELAB_NATIVE_BLAS === '0') give('MOELAB_NATIVE_BLAS=0');
if (process.platform !== 'linux' && process.platform !== 'darwin') give(`no build recipe for ${process.platform}`);

const headerDirs = [
  path.join(path.dirname(process.execPath), '..', 'include', 'node'),
  path.join(root, 'node_modules', 'node-api-headers', 'include'),
];
const include = headerDirs.find((d) => fs.existsSync(path.join(d, 'node_api.h')));
if (!include) give(`no node_api.h in ${headerDirs.join(' or ')} (npm install node-api-headers)`);

const cc = ['cc', 'gcc', 'clang'].find((c) => spawnSync(c, ['--version'], { stdio: 'ignore' }).status === 0);
if (!cc) give('no C compiler (cc/gcc/clang) on PATH (Debian: apt-get install -y gcc)');

fs.mkdirSync(outDir, { recursive: true });
const tmp = path.join(outDir, `moelab_blas.tmp-${process.pid}.node`);
// -fno-math-errno lets the AdamW loop's sqrtf vectorise.
const args = ['-O3', '-fno-math-errno', '-std=c11', '-fPIC', '-shared', '-Wall', '-Wextra', '-Wno-unused-parameter', `-I${include}`, ...sources, '-o', tmp, '-lopenblas', '-lm'];
if (process.platform === 'darwin') args.splice(5, 0, '-undefined', 'dynamic_lookup');
const r = spawnSync(cc, args, { encoding: 'utf8' });
if (r.status !== 0) {
  fs.rmSync(tmp, { force: true });
  const text = `${r.stdout}${r.stderr}`.trim();
  if (/-lopenblas|openblas/.test(text)) give('OpenBLAS not found (Debian: apt-get install -y libopenblas-dev)');
  give(`${cc} failed:\n${text.split('\n').slice(0, 15).join('\n')}`);
}
// Load it in a fresh process before it replaces a working addon.
const check = spawnSync(process.execPath, ['-e', `const b = require(${JSON.stringify(tmp)}); const i = b.info(); console.log(i.core + ' ' + i.config)`], { encoding: 'utf8' });
if (check.status !== 0) {
  fs.rmSync(tmp, { force: true });
  give(`the built addon does not load: ${(check.stderr || '').trim().split('\n').slice(0, 5).join(' ')}`);
}
fs.renameSync(tmp, out);
say(`built ${path.relative(root, out)} (OpenBLAS ${check.stdout.trim()})`);
