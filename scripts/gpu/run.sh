#!/usr/bin/env bash
# Runs a bundle entry on a GPU box from the bundle made by scripts/gpu/build-bundle.sh; no Node.js, npm, root
# or internet needed there. Metrics go to $OUT (default ./gpu-out).
# Usage: scripts/gpu/run.sh ENTRY [ARGS...]
#   ENTRY: smoke        Dawn adapter + tfjs webgpu init + matmul GFLOP/s + op coverage  -> $OUT/smoke.json
#          gpu-compare  --part curve --backend webgpu|wasm, --part bench, --part diff  -> $OUT/*.json
#          moelab       the moelab CLI (e.g. `run.sh moelab train --backend webgpu ...`)
#          diag         prints what the Vulkan loader will see, runs nothing
# Env: MOELAB_GPU_BUNDLE (bundle dir, default <repo>/.gpu-bundle), MOELAB_GPU_WORK (unpack dir, default
#      /tmp/moelab-gpu), VK_DRIVER_FILES (Vulkan ICD json; found automatically for NVIDIA's usual paths).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
bundle="${MOELAB_GPU_BUNDLE:-$root/.gpu-bundle}"
work="${MOELAB_GPU_WORK:-/tmp/moelab-gpu}"
entry="${1:?usage: run.sh ENTRY [ARGS...] (smoke | gpu-compare | moelab | diag)}"
shift
[ -f "$bundle/app.tar.xz" ] || { echo "run.sh: no bundle at $bundle; run scripts/gpu/build-bundle.sh first" >&2; exit 1; }
mkdir -p "$work"

unxz_to() { # unxz_to SRC DST: xz if present, else Python's lzma
  if command -v xz >/dev/null; then xz -dc "$1" >"$2"
  else python3 -c 'import lzma,shutil,sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2],"wb"))' "$1" "$2"; fi
}
if [ ! -x "$work/node" ] || [ "$bundle/node.xz" -nt "$work/node" ]; then
  unxz_to "$bundle/node.xz" "$work/node.tmp" && chmod +x "$work/node.tmp" && mv "$work/node.tmp" "$work/node"
fi
if [ ! -f "$work/.stamp" ] || [ "$bundle/app.tar.xz" -nt "$work/.stamp" ]; then
  rm -rf "$work/app" "$work/lib"
  unxz_to "$bundle/app.tar.xz" "$work/app.tar"
  tar -C "$work" -xf "$work/app.tar" && rm "$work/app.tar" && touch "$work/.stamp"
fi

# Vulkan loader and glvnd (NVIDIA's Vulkan ICD needs it): the system's when it has them, else the bundle's.
has_lib() { ldconfig -p 2>/dev/null | grep -q "$1"; }
extra=""
has_lib 'libvulkan.so.1 ' || extra="$work/lib/vulkan"
has_lib 'libGLX.so.0 ' && has_lib 'libGLdispatch.so.0 ' || extra="${extra:+$extra:}$work/lib/gl"
for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib; do [ -d "$d" ] && extra="${extra:+$extra:}$d"; done
[ -n "$extra" ] && export LD_LIBRARY_PATH="$extra${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
# NVIDIA's ICD json: standard folders are searched by the loader itself; container images often mount it elsewhere.
if [ -z "${VK_DRIVER_FILES:-}${VK_ICD_FILENAMES:-}" ]; then
  for f in /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json \
           /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/local/nvidia/vulkan/icd.d/nvidia_icd.json; do
    if [ -f "$f" ]; then export VK_DRIVER_FILES="$f" VK_ICD_FILENAMES="$f"; break; fi
  done
fi
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"
export OUT="${OUT:-$PWD/gpu-out}"
export MOELAB_GPU_CORPUS="${MOELAB_GPU_CORPUS:-$bundle/corpus}"
mkdir -p "$OUT"

if [ "$entry" = diag ]; then
  echo "node: $("$work/node" --version)  bundle: $(cat "$work/manifest.json" | tr -d '\n ')"
  echo "LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-}"
  echo "VK_DRIVER_FILES=${VK_DRIVER_FILES:-<loader default>}"
  [ -n "${VK_DRIVER_FILES:-}" ] && cat "$VK_DRIVER_FILES"
  ls /usr/share/vulkan/icd.d /etc/vulkan/icd.d /usr/local/nvidia/share/vulkan/icd.d 2>/dev/null || true
  exit 0
fi
js="$work/app/$entry.js"
[ -f "$js" ] || { echo "run.sh: entry '$entry' is not in the bundle (have: $(cd "$work/app" && ls *.js | tr '\n' ' '))" >&2; exit 1; }
exec "$work/node" --max-old-space-size=16384 "$js" "$@"
