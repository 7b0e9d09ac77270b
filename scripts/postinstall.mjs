#!/usr/bin/env node
// npm postinstall for moelab: wires what the notebooks need, and never fails the install.
//  1. links node_modules/moelab -> .. so notebooks `import { ... } from "moelab"` (tslab resolves like node10,
//     using package.json main/types, so it needs compiled JS + .d.ts, see platform-notes);
//  2. builds dist/ with `node scripts/build.mjs` (tsc -p tsconfig.build.json + the record of the sources it was built
//     from, so `moelab` starts from dist/ while it matches them; errors are reported, the emitted output is kept);
//  3. registers the tslab kernel into the project (.jupyter/) when Debian's Jupyter is installed;
//  0b. builds the optional native CPU-kernel addon (scripts/build-native.mjs → build/native/).
//  0. first, the Debian packages the figures and notebooks need (Chromium, Jupyter): `scripts/setup-system.sh`
//     installs them with apt-get when running as root, else prints the exact command. Set
//     MOELAB_SKIP_SYSTEM_SETUP=1 to skip this step.
//  1b. links node_modules/.bin/moelab -> bin/moelab.js (npm links only dependencies' bins), for `npx moelab`;
// Flags: --kernel-only (step 3 only), --no-build (skip step 2).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = new Set(process.argv.slice(2));
const say = (msg) => console.log(`moelab postinstall: ${msg}`);

function linkSelf() {
  const nm = path.join(root, 'node_modules');
  if (!fs.existsSync(nm)) return say('no node_modules/, skipping the moelab self-link');
  const link = path.join(nm, 'moelab');
  try {
    const st = fs.lstatSync(link, { throwIfNoEntry: false });
    if (st?.isSymbolicLink() && fs.readlinkSync(link) === '..') return;
    if (st) fs.rmSync(link, { recursive: true, force: true });
    fs.symlinkSync('..', link, 'dir');
    say('linked node_modules/moelab -> .. (notebooks import from "moelab")');
  } catch (err) {
    say(`could not link node_modules/moelab (${err.message}); notebooks will not find "moelab"`);
  }
}

// npm links the bins of dependencies into node_modules/.bin, never the project's own: link `moelab` there, so that
// `npx moelab …` finds it at once and `export PATH="$PWD/node_modules/.bin:$PATH"` makes plain `moelab …` work.
function linkBin() {
  const binDir = path.join(root, 'node_modules', '.bin');
  if (!fs.existsSync(path.join(root, 'node_modules'))) return;
  const link = path.join(binDir, 'moelab');
  const target = path.join('..', '..', 'bin', 'moelab.js');
  try {
    fs.mkdirSync(binDir, { recursive: true });
    const st = fs.lstatSync(link, { throwIfNoEntry: false });
    if (st?.isSymbolicLink() && fs.readlinkSync(link) === target) return;
    if (st) fs.rmSync(link, { force: true });
    fs.symlinkSync(target, link);
    fs.chmodSync(path.join(root, 'bin', 'moelab.js'), 0o755);
    say('linked node_modules/.bin/moelab -> bin/moelab.js (npx moelab, or put node_modules/.bin on your PATH)');
  } catch (err) {
    say(`could not link node_modules/.bin/moelab (${err.message}); run the CLI as node bin/moelab.js`);
  }
}

function build() {
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  if (!fs.existsSync(tsc)) return say('typescript not installed; run `npm run build` later to build dist/');
  const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'build.mjs')], { cwd: root, encoding: 'utf8' });
  if (r.status === 0) return say('built dist/ (scripts/build.mjs: tsc -p tsconfig.build.json)');
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(0, 20).join('\n');
  say(`tsc reported errors (dist/ was still emitted where possible); fix them and run \`npm run build\`:\n${out}`);
}

function systemPackages() {
  if (process.env.MOELAB_SKIP_SYSTEM_SETUP) return say('MOELAB_SKIP_SYSTEM_SETUP is set: not checking Debian packages');
  if (process.platform !== 'linux' || !fs.existsSync('/usr/bin/dpkg-query')) {
    return say('not a Debian system: install Chromium and Jupyter (nbconvert + nbclient) yourself for figures and notebooks');
  }
  const r = spawnSync('bash', [path.join(root, 'scripts', 'setup-system.sh'), '--no-kernel'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) say('scripts/setup-system.sh failed (see above); figures/notebooks need Chromium and Jupyter');
}

// The optional native CPU-kernel addon (scripts/build-native.mjs says why when it cannot build; never fatal).
function nativeAddon() {
  const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'build-native.mjs')], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) say('scripts/build-native.mjs failed; training uses tfjs\'s own kernels');
}

function registerKernel() {
  const jupyter = '/usr/bin/jupyter';
  const tslab = path.join(root, 'node_modules', '.bin', 'tslab');
  if (!fs.existsSync(jupyter)) {
    return say('Jupyter not found; for notebooks run `bash scripts/setup-system.sh` (as root) then `npm run postinstall`');
  }
  if (!fs.existsSync(tslab)) return say('tslab not installed (dev dependency); notebooks cannot run');
  // The spec `tslab install` writes, written directly: its installer imports IPython, which Debian's
  // jupyter-client (installed without recommends) does not pull in. The spec holds an absolute path, so it
  // is generated here and never committed (.jupyter/ is git-ignored).
  const kernelsDir = path.join(root, '.jupyter', 'share', 'jupyter', 'kernels');
  for (const [name, displayName, language, extra] of [
    ['tslab', 'TypeScript', 'typescript', []],
    ['jslab', 'JavaScript', 'javascript', ['--js']],
  ]) {
    const dir = path.join(kernelsDir, name);
    fs.mkdirSync(dir, { recursive: true });
    const spec = { argv: [tslab, 'kernel', '--config-path', '{connection_file}', ...extra], display_name: displayName, language };
    const file = path.join(dir, 'kernel.json');
    const tmp = `${file}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, `${JSON.stringify(spec, null, 1)}\n`);
    fs.renameSync(tmp, file);
  }
  say(`registered the tslab kernel in .jupyter/ (use JUPYTER_PATH=${path.join(root, '.jupyter', 'share', 'jupyter')})`);
}

try {
  if (!args.has('--kernel-only')) {
    systemPackages();
    nativeAddon();
    linkSelf();
    linkBin();
    if (!args.has('--no-build')) build();
  }
  registerKernel();
} catch (err) {
  say(`unexpected error ${err?.stack ?? err}; the install continues`);
}
process.exit(0);
