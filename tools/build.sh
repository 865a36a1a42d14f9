#!/usr/bin/env bash
# Installs what is missing, then configures and builds a preset (default: release).
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-release}"
bash tools/setup-debian.sh
if [ ! -f "build/$preset/CMakeCache.txt" ]; then
  cmake --preset "$preset" >/dev/null
fi
jobs="$(nproc 2>/dev/null || echo 2)"
cmake --build --preset "$preset" -j "$jobs"
