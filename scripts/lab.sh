#!/usr/bin/env bash
# `npm run lab [-- JUPYTER_ARGS…]`: opens the notebooks in JupyterLab when it is installed, else in Jupyter Notebook
# (Debian's `jupyter-notebook`, which scripts/setup-system.sh installs: Debian bookworm and bookworm-backports
# package no JupyterLab), with the project's tslab kernel and a dist/ built from the current sources. The server
# listens on localhost only; extra arguments go to Jupyter (e.g. `npm run lab -- --no-browser --port 8899`).
set -euo pipefail
cd "$(dirname "$0")/.."
export JUPYTER_PATH="$PWD/.jupyter/share/jupyter"
export PATH="$PWD/node_modules/.bin:$PATH"
[ -f "$JUPYTER_PATH/kernels/tslab/kernel.json" ] || node scripts/postinstall.mjs --kernel-only
# the notebooks import "moelab", i.e. dist/: rebuild it when a source changed since the last build
if stale="$(node -e 'const r = require("./bin/dist-stamp.js").distStaleReason(process.cwd()); if (r) process.stdout.write(r)')" && [ -n "$stale" ]; then
  echo "moelab lab: building dist/ ($stale)" >&2
  node scripts/build.mjs || echo "moelab lab: tsc reported errors (see above); the notebooks may show them" >&2
fi
extra=()
[ "$(id -u)" -eq 0 ] && extra+=(--allow-root)   # containers and CI run as root; Jupyter refuses that without the flag
[ "$#" -eq 0 ] && set -- "$PWD/notebooks"          # open the notebooks folder unless told otherwise
for app in lab notebook; do
  if /usr/bin/jupyter "$app" --version >/dev/null 2>&1; then
    # Serve from the repo root so notebooks load plotly from /files/node_modules/plotly.js-dist-min/plotly.min.js.
    exec /usr/bin/jupyter "$app" --ip=127.0.0.1 --notebook-dir="$PWD" "${extra[@]}" "$@"
  fi
done
cat >&2 <<'MSG'
moelab lab: neither JupyterLab nor Jupyter Notebook is installed.
  Debian (root):  apt-get install -y --no-install-recommends jupyter-notebook   (or: bash scripts/setup-system.sh)
  then:           npm run lab
To use your own Jupyter or VS Code instead: npx moelab kernel install (registers the "TypeScript (moelab)" kernel).
Executing the notebooks headlessly needs only nbconvert (installed by scripts/setup-system.sh): npx moelab notebooks
MSG
exit 1
