#!/usr/bin/env node
// Builds the portable GPU bundle (.gpu-bundle/, git-ignored) that runs moelab on a bare x86-64 Linux GPU box
// without Node.js or internet: see scripts/gpu/build-bundle.sh for the layout and scripts/gpu/run.sh for use.
// Usage: node scripts/gpu/build-bundle.mjs [--out .gpu-bundle] [--no-node]
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const args = process.argv.slice(2);
const outArg = args.indexOf('--out');
const out = path.resolve(root, outArg >= 0 ? args[outArg + 1] : '.gpu-bundle');
const withNode = !args.includes('--no-node');
const stage = path.join(out, 'stage');
const app = path.join(stage, 'app');

/** Entry points: name -> source. The CLI is included once it exists. */
const entries = {
  smoke: 'scripts/gpu/smoke.ts',
  'gpu-compare': 'scripts/gpu/compare.ts',
  moelab: 'src/cli/main.ts',
};
const present = Object.fromEntries(Object.entries(entries).filter(([, p]) => fs.existsSync(path.join(root, p))));

/** Native or optional packages that stay outside the JS bundle (shipped as files, or absent on purpose). */
const external = [
  'webgpu', // Dawn native addon: shipped below as node_modules/webgpu (linux-x64 only)
  '@tensorflow/tfjs-node-gpu', // needs libtensorflow + CUDA; never on the bundle's boxes (loader falls back)
  '@tensorflow/tfjs-node',
  'playwright-core', // figure export: not a GPU-box task
  'tslab',
];

fs.rmSync(stage, { recursive: true, force: true });
fs.mkdirSync(app, { recursive: true });

const common = {
  absWorkingDir: root,
  outdir: app,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: true,
  sourcemap: false,
  external,
  metafile: true,
  logLevel: 'silent',
  logOverride: { 'empty-import-meta': 'silent', 'commonjs-variable-in-esm': 'silent' },
};
const built = [];
let inputs = 0;
// Each entry is built on its own, so that one in-progress module elsewhere does not stop the others; the GPU
// entries must build, the CLI is best-effort (a warning names what failed).
for (const [name, src] of Object.entries(present)) {
  try {
    const r = await build({ ...common, entryPoints: { [name]: path.join(root, src) } });
    inputs += Object.keys(r.metafile.inputs).length;
    built.push(name);
  } catch (err) {
    const first = (err.errors ?? []).slice(0, 3).map((e) => `${e.location?.file}:${e.location?.line}: ${e.text}`);
    if (name === 'moelab') console.warn(`build-bundle: skipping entry moelab (${src}): ${first.join('; ')}`);
    else throw err;
  }
}

// tfjs-backend-wasm's Emscripten loader reads its .wasm files from __dirname, which is now app/.
const wasmDir = path.join(root, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');
for (const f of fs.readdirSync(wasmDir).filter((f) => f.endsWith('.wasm'))) {
  fs.copyFileSync(path.join(wasmDir, f), path.join(app, f));
}

// webgpu: index.js + package.json + linux-x64 dawn.node + its runtime deps (debug, ms).
function copyPkg(name, files) {
  const src = path.join(root, 'node_modules', name);
  const dst = path.join(app, 'node_modules', name);
  for (const f of files) {
    fs.mkdirSync(path.dirname(path.join(dst, f)), { recursive: true });
    fs.copyFileSync(path.join(src, f), path.join(dst, f));
  }
}
const webgpuRoot = path.join(root, 'node_modules/webgpu');
copyPkg('webgpu', ['package.json', 'index.js', 'LICENSE.md', 'dist/linux-x64/dawn.node']);
for (const dep of ['debug', 'ms']) {
  const base = fs.existsSync(path.join(webgpuRoot, 'node_modules', dep))
    ? path.join(webgpuRoot, 'node_modules', dep)
    : path.join(root, 'node_modules', dep);
  fs.cpSync(base, path.join(app, 'node_modules/webgpu/node_modules', dep), { recursive: true });
}
fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'moelab-gpu-bundle', private: true }));

// Vulkan loader from Debian (libvulkan1) and the glvnd libraries (NVIDIA's Vulkan ICD is libGLX_nvidia, which
// needs glvnd's dispatch libraries; measured on an H100 box: with libvulkan1 + libglvnd0 alone the ICD returned
// no vkCreateInstance, with the full set below it worked). Extracted here so the target needs neither dpkg nor
// root; run.sh adds each folder to LD_LIBRARY_PATH only when the system lacks it.
const debDir = path.join(out, 'debs');
fs.mkdirSync(debDir, { recursive: true });
const debs = {};
const groups = {
  'lib/vulkan': ['libvulkan1'],
  'lib/gl': ['libglvnd0', 'libglx0', 'libgl1', 'libegl1', 'libopengl0', 'libgles2'],
};
for (const [sub, pkgs] of Object.entries(groups)) {
  fs.mkdirSync(path.join(stage, sub), { recursive: true });
  for (const pkg of pkgs) {
    if (!fs.readdirSync(debDir).some((f) => f.startsWith(`${pkg}_`))) {
      execFileSync('apt-get', ['download', pkg], { cwd: debDir, stdio: ['ignore', 'ignore', 'inherit'] });
    }
    const deb = fs.readdirSync(debDir).find((f) => f.startsWith(`${pkg}_`));
    debs[pkg] = deb;
    const sysroot = path.join(stage, 'sysroot');
    execFileSync('dpkg-deb', ['-x', path.join(debDir, deb), sysroot]);
    const libDir = path.join(sysroot, 'usr/lib/x86_64-linux-gnu');
    for (const f of fs.readdirSync(libDir).filter((f) => /\.so(\.|$)/.test(f))) {
      fs.cpSync(path.join(libDir, f), path.join(stage, sub, f), { dereference: true });
    }
    fs.rmSync(sysroot, { recursive: true, force: true });
  }
}

const manifest = {
  builtAt: new Date().toISOString(),
  node: process.version,
  entries: built,
  debs,
  bundleInputs: inputs,
};
fs.writeFileSync(path.join(stage, 'manifest.json'), JSON.stringify(manifest, null, 2));

// Pack: app + lib + manifest in one xz tarball; the Node binary separately (rebuilt only when it changes).
execFileSync('tar', ['-C', stage, '-cJf', path.join(out, 'app.tar.xz'), '.'], {
  env: { ...process.env, XZ_OPT: '-6 -T2' },
});
if (withNode) {
  const nodeXz = path.join(out, 'node.xz');
  const stamp = path.join(out, 'node.version');
  const have = fs.existsSync(stamp) ? fs.readFileSync(stamp, 'utf8') : '';
  if (!fs.existsSync(nodeXz) || have !== process.version) {
    execFileSync('sh', ['-c', `xz -9 -T2 -c "${process.execPath}" > "${nodeXz}.tmp" && mv "${nodeXz}.tmp" "${nodeXz}"`]);
    fs.writeFileSync(stamp, process.version);
  }
}
fs.rmSync(stage, { recursive: true, force: true });
const sizes = fs.readdirSync(out).map((f) => `${f} ${(fs.statSync(path.join(out, f)).size / 2 ** 20).toFixed(1)} MiB`);
console.log(`gpu bundle in ${path.relative(root, out)}/: entries ${manifest.entries.join(', ')}; ${sizes.join('; ')}`);
