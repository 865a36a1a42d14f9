#!/usr/bin/env bash
# Installs what is missing, then configures and builds a preset (default: release).
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-release}"
# ccache hits across clones and checkouts in other directories (CI builds a fresh clone).
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
bash tools/setup-debian.sh # and the dashboard's npm packages (uPlot, compiled into the node)
if [ ! -f "build/$preset/CMakeCache.txt" ]; then
  cmake --preset "$preset" >/dev/null
fi
jobs="$(nproc 2>/dev/null || echo 2)"
cmake --build --preset "$preset" -j "$jobs"
