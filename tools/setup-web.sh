#!/usr/bin/env bash
# Installs what the dashboard (web/) needs: Node.js and npm from Debian bookworm when
# npm is missing, then web/node_modules from web/package-lock.json. With --browser,
# also Debian's chromium, which tests/web/dashboard_test.mjs drives.
# Idempotent: apt's index is refreshed only when a package is missing, and `npm ci`
# runs only when web/node_modules is missing or older than the lock file.
set -euo pipefail

browser=0
for arg in "$@"; do
  case "$arg" in
    --browser) browser=1 ;;
    *) echo "usage: tools/setup-web.sh [--browser]" >&2; exit 2 ;;
  esac
done

web="$(cd "$(dirname "${BASH_SOURCE[0]}")/../web" && pwd)"
did=()

missing=()
if ! command -v npm >/dev/null 2>&1; then missing+=(nodejs npm); fi
if [ "$browser" -eq 1 ] && [ ! -x /usr/bin/chromium ]; then missing+=(chromium); fi
if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  did+=("installed ${missing[*]}")
fi

if [ ! -d "$web/node_modules" ] || [ "$web/package-lock.json" -nt "$web/node_modules" ]; then
  (cd "$web" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  touch "$web/node_modules" # its mtime is what the next run compares with the lock file
  did+=("npm ci in web/")
fi

if [ ${#did[@]} -eq 0 ]; then
  echo "setup-web: nothing to do (npm $(npm --version 2>/dev/null), web/node_modules current)"
else
  joined="$(printf '%s; ' "${did[@]}")"
  echo "setup-web: ${joined%; }"
fi
