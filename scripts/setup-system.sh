#!/usr/bin/env bash
# Installs the Debian packages moelab needs at run/test time, then registers the tslab kernel into the
# project (.jupyter/, never the user profile). Idempotent: when everything is present it only checks and exits
# (no apt-get update). As non-root it prints the exact apt-get command instead of installing.
#
# Other engineers: append a package to PACKAGES with a one-line edit and a comment saying why.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  chromium            # figure export: headless Chromium driven by playwright-core (src/figures/export.ts)
  jupyter-nbconvert   # notebooks: `jupyter nbconvert --execute` (src/notebooks/execute.ts)
  python3-nbclient    # notebooks: kernel client used by nbconvert --execute
  jupyter-client      # notebooks: kernel specs / `jupyter kernelspec`
  jupyter-notebook    # `npm run lab`: Jupyter Notebook 6 to edit the notebooks (Debian bookworm and its backports package no JupyterLab)
  libopenblas-dev     # native matmul addon for the wasm/cpu backends (src/backend/native/blas.c, scripts/build-native.mjs)
  python3-scipy       # bench suite `fit`: scipy L-BFGS-B reference (scripts/bench/scipy_fit.py, /usr/bin/python3)
)

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    echo "setup-system: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # `apt-get update` only when the package lists are absent or the install cannot find a package.
    if [ -z "$(ls -A /var/lib/apt/lists 2>/dev/null | grep -v -e lock -e partial)" ]; then
      apt-get update -qq
    fi
    if ! apt-get install -y -qq --no-install-recommends "${missing[@]}"; then
      apt-get update -qq
      apt-get install -y -qq --no-install-recommends "${missing[@]}"
    fi
  else
    echo "setup-system: missing Debian packages: ${missing[*]}"
    echo "  run as root: apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
  fi
else
  echo "setup-system: Debian packages present (${PACKAGES[*]})"
fi

# Register the tslab kernel into the project when Jupyter and tslab are both there (npm install's
# postinstall does the same; this covers running setup after install).
if [ "${1:-}" != "--no-kernel" ] && [ -x /usr/bin/jupyter ] && [ -x node_modules/.bin/tslab ]; then
  node scripts/postinstall.mjs --kernel-only || true
fi
