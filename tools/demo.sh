#!/usr/bin/env bash
# README command 1: build, then run the demo simulation on embedded defaults
# (no Redis; leads in a SQLite file under ./data).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/build.sh release
exec ./build/release/tools/ringbid simulate --config examples/demo.json --calls "${CALLS:-10000}" --seed "${SEED:-1}" "$@"
