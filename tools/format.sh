#!/usr/bin/env bash
# Formats every C++ source with .clang-format (Debian bookworm's clang-format 14).
# With --check, changes nothing and fails listing the files that differ (the
# test suite runs it so).
set -euo pipefail
cd "$(dirname "$0")/.."
check=0
case "${1:-}" in
  --check) check=1 ;;
  "") ;;
  *) echo "usage: tools/format.sh [--check]" >&2; exit 2 ;;
esac
formatter="$(command -v clang-format-14 || command -v clang-format || true)"
if [ -z "$formatter" ]; then
  echo "format: clang-format is missing (bash tools/setup-debian.sh installs it)" >&2
  exit 1
fi
mapfile -t files < <(git ls-files -- '*.cpp' '*.hpp' ':!:tests/tools/fixtures/**' 2>/dev/null ||
                     find actors adapters protocol tests tools web -name '*.[ch]pp' -not -path '*/fixtures/*' -not -path '*/node_modules/*')
if [ "$check" -eq 0 ]; then
  "$formatter" -i "${files[@]}"
  exit 0
fi
bad=()
for f in "${files[@]}"; do
  if ! "$formatter" --dry-run --Werror "$f" >/dev/null 2>&1; then bad+=("$f"); fi
done
if [ ${#bad[@]} -gt 0 ]; then
  echo "format: ${#bad[@]} of ${#files[@]} files differ from .clang-format (run bash tools/format.sh):"
  printf '  %s\n' "${bad[@]}"
  exit 1
fi
echo "format: ${#files[@]} files follow .clang-format"
