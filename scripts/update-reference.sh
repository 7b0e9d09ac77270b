#!/usr/bin/env bash
# Copies a finished reproduction into results/reference/<preset>/ (committed), so new users can open the
# notebooks, the gallery and the report before training anything:
#   bash scripts/update-reference.sh tiny [RESULTS_DIR]   (default RESULTS_DIR: results)
# Kept: run table, per-run final.json + metrics.jsonl, fits, lifelong records, tables, figures (png/svg/json/html and the one
# minified plotly bundle they link relatively, figures/plotly.min.js), report, and the executed notebooks
# (notebooks/*.ipynb and .html, from `moelab notebooks --results RESULTS_DIR` or the pipeline's notebooks stage).
# Left out: logs, checkpoints and the lock file.
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:?usage: update-reference.sh PRESET [RESULTS_DIR]}"
src="${2:-results}"
dst="results/reference/$preset"
for f in runs.csv REPORT.md REPORT.html figures/index.html figures/plotly.min.js notebooks; do
  [ -e "$src/$f" ] || { echo "update-reference: $src/$f is missing; run \`moelab repro --preset $preset --results $src\` first" >&2; exit 2; }
done
tmp="$dst.tmp-$$"
rm -rf "$tmp"
mkdir -p "$tmp/runs"
cp "$src/runs.csv" "$src/REPORT.md" "$src/REPORT.html" "$tmp/"
cp -r "$src/tables" "$tmp/"
[ -d "$src/fits" ] && cp -r "$src/fits" "$tmp/"   # a preset that fits no law (shared) has none
[ -d "$src/lifelong" ] && cp -r "$src/lifelong" "$tmp/"   # the lifelong sweep's per-seed records
for d in "$src"/runs/*/; do
  id=$(basename "$d")
  mkdir -p "$tmp/runs/$id"
  cp "$d/final.json" "$d/metrics.jsonl" "$tmp/runs/$id/"
done
cp -r "$src/figures" "$tmp/figures"
rm -f "$tmp/figures/plotly.js"   # an unminified copy left by an older export; no page links it
mkdir -p "$tmp/notebooks"
cp "$src"/notebooks/*.ipynb "$src"/notebooks/*.html "$tmp/notebooks/" 2>/dev/null || true
rm -f "$tmp"/notebooks/*.failed.ipynb "$tmp"/notebooks/*.tmp-*
rm -rf "$dst"
mv "$tmp" "$dst"
du -sh "$dst"
