#!/usr/bin/env bash
# README command 2: build, then run the whole test suite (the dashboard test in a
# headless chromium included; its screenshot lands in build/release/artifacts/dashboard).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup-web.sh --browser # Node.js and Debian's chromium for the dashboard's browser test
bash tools/build.sh release
jobs="$(nproc 2>/dev/null || echo 2)"
ctest --preset release -j "$jobs" --timeout 900
