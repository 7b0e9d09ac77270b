#!/usr/bin/env bash
# Builds .gpu-bundle/ (git-ignored): everything a bare x86-64 Linux GPU box without Node.js needs to run
# moelab on the webgpu backend (or wasm on its CPU):
#   node.xz      this machine's Node binary, xz-compressed (glibc >= 2.28 on the target)
#   app.tar.xz   app/*.js       esbuild bundles of the entries (smoke, gpu-compare, moelab CLI when present)
#                app/*.wasm     tfjs-backend-wasm binaries (read from the bundle's folder)
#                app/node_modules/webgpu   Dawn's linux-x64 dawn.node + its two tiny JS deps
#                lib/vulkan     libvulkan.so.1 from Debian's libvulkan1 (used only where the system has none)
#                lib/gl         glvnd libraries from Debian (libglvnd0, libglx0, libgl1, libegl1, libopengl0, libgles2)
#                manifest.json  build date, node version, entries, .deb versions
#   corpus/      the byte-level Moby-Dick corpus gpu-compare trains on (scripts/gpu/make-corpus.ts, ~1.2 MB)
# About 30 MiB, so repository + bundle stay under 64 MiB. Needs: node, xz, apt-get download, dpkg-deb.
# Usage: scripts/gpu/build-bundle.sh [--out DIR] [--no-node]     then: scripts/gpu/run.sh smoke
set -euo pipefail
cd "$(dirname "$0")/../.."
for tool in xz dpkg-deb apt-get; do
  command -v "$tool" >/dev/null || { echo "build-bundle: '$tool' is required" >&2; exit 1; }
done
node scripts/gpu/build-bundle.mjs "$@"
out=.gpu-bundle
for ((i = 1; i <= $#; i++)); do [ "${!i}" = --out ] && { j=$((i + 1)); out="${!j}"; }; done
npx tsx scripts/gpu/make-corpus.ts "$out/corpus"
