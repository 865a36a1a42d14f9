#!/usr/bin/env bash
# README command 2: build, then run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/build.sh release
jobs="$(nproc 2>/dev/null || echo 2)"
ctest --preset release -j "$jobs" --timeout 900
