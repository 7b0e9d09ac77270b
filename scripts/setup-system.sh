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

# Software WebGPU adapter for the webgpu tests (test/backend/webgpu*.test.ts): Dawn (npm `webgpu`) refuses
# Debian 12's own Mesa 22.3 lavapipe ("shaderUniform*ArrayDynamicIndexing required"), so Mesa >= 25 comes from
# Debian's bookworm-backports suite, added beside the machine's existing apt source (same mirror URI).
# Dawn then finds an `llvmpipe` adapter. Debian 12 only: elsewhere the distribution's Mesa decides.
MESA_MIN_VERSION=25
mesa_version() { dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null || true; }
mesa_ok() {
  local v
  v="$(mesa_version)"
  [ -n "$v" ] && dpkg --compare-versions "$v" ge "$MESA_MIN_VERSION" &&
    dpkg-query -W -f='${Status}' libvulkan1 2>/dev/null | grep -q "install ok installed"
}
# The mirror URI of the existing bookworm source (deb822 .sources or one-line .list), else Debian's default.
debian_mirror() {
  local f uri
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    uri="$(awk 'BEGIN{RS="";FS="\n"} /Suites:[^\n]*bookworm([ \n]|$)/ { for (i=1;i<=NF;i++) if ($i ~ /^URIs:/) { sub(/^URIs:[ \t]*/, "", $i); split($i, a, /[ \t]+/); print a[1]; exit } }' "$f")"
    if [ -n "$uri" ]; then echo "$uri"; return; fi
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    uri="$(awk '$1=="deb" && $0 ~ / bookworm / { for (i=2;i<=NF;i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' "$f")"
    if [ -n "$uri" ]; then echo "$uri"; return; fi
  done
  echo "http://deb.debian.org/debian"
}
BACKPORTS_FILE=/etc/apt/sources.list.d/moelab-bookworm-backports.sources
codename="$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")"
if [ "$codename" != "bookworm" ]; then
  echo "setup-system: not Debian 12 (codename '${codename}'): skipping the Mesa >= $MESA_MIN_VERSION software WebGPU adapter (webgpu tests skip without an adapter)"
elif mesa_ok; then
  echo "setup-system: software WebGPU adapter present (mesa-vulkan-drivers $(mesa_version), libvulkan1)"
else
  mirror="$(debian_mirror)"
  have_bpo=0
  if grep -rqs "bookworm-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then have_bpo=1; fi
  stanza="Types: deb
URIs: $mirror
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg"
  if [ "$(id -u)" -eq 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    if [ "$have_bpo" -eq 0 ]; then
      echo "setup-system: adding bookworm-backports ($mirror) as $BACKPORTS_FILE"
      printf '%s\n' "$stanza" >"$BACKPORTS_FILE"
    fi
    echo "setup-system: installing mesa-vulkan-drivers (>= $MESA_MIN_VERSION, bookworm-backports) and libvulkan1"
    # Wait for another apt/dpkg run (a shared machine) instead of failing on its lock.
    apt-get -o DPkg::Lock::Timeout=600 update -qq
    apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends -t bookworm-backports mesa-vulkan-drivers libvulkan1
    if ! mesa_ok; then
      echo "setup-system: mesa-vulkan-drivers is $(mesa_version), still older than $MESA_MIN_VERSION" >&2
      exit 1
    fi
  else
    echo "setup-system: the software WebGPU adapter (Mesa >= $MESA_MIN_VERSION from bookworm-backports) is missing (mesa-vulkan-drivers: '$(mesa_version)')"
    echo "  run as root:"
    if [ "$have_bpo" -eq 0 ]; then
      echo "    printf '%s\\n' 'Types: deb' 'URIs: $mirror' 'Suites: bookworm-backports' 'Components: main' 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' > $BACKPORTS_FILE"
    fi
    echo "    apt-get update && apt-get install -y --no-install-recommends -t bookworm-backports mesa-vulkan-drivers libvulkan1"
  fi
fi

# Register the tslab kernel into the project when Jupyter and tslab are both there (npm install's
# postinstall does the same; this covers running setup after install).
if [ "${1:-}" != "--no-kernel" ] && [ -x /usr/bin/jupyter ] && [ -x node_modules/.bin/tslab ]; then
  node scripts/postinstall.mjs --kernel-only || true
fi
