#!/usr/bin/env bash
# `npm run lab`: opens Jupyter (Notebook or Lab) on notebooks/ with the project's tslab kernel. Debian's
# jupyter-nbconvert is enough to EXECUTE notebooks (CI), not to edit them; this says how to get an editor.
set -euo pipefail
cd "$(dirname "$0")/.."
export JUPYTER_PATH="$PWD/.jupyter/share/jupyter"
export PATH="$PWD/node_modules/.bin:$PATH"
[ -f "$JUPYTER_PATH/kernels/tslab/kernel.json" ] || node scripts/postinstall.mjs --kernel-only
[ -f dist/src/index.d.ts ] || npx tsc -p tsconfig.build.json || true
for app in lab notebook; do
  if /usr/bin/jupyter "$app" --version >/dev/null 2>&1; then
    # Serve from the repo root so notebooks load plotly.js from /files/node_modules/plotly.js-dist/plotly.js.
    exec /usr/bin/jupyter "$app" --notebook-dir="$PWD" "$PWD/notebooks"
  fi
done
cat <<'MSG'
moelab lab: neither Jupyter Lab nor Jupyter Notebook is installed.
  Debian (root):  apt-get install -y --no-install-recommends jupyter-notebook   # or: python3-notebook
  then:           npm run lab
Executing the notebooks headlessly needs only `bash scripts/setup-system.sh` (nbconvert):
  npx tsx -e "require('./src/notebooks').executeNotebooks({ log: console.log })"
MSG
exit 1
