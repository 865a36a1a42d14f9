#!/usr/bin/env bash
# Installs every Debian bookworm package ringbid needs to build, test and run,
# then the dashboard's npm packages (tools/setup-web.sh): after it, a plain
# `cmake -S . -B build -DCMAKE_BUILD_TYPE=Release && cmake --build build` works.
# Idempotent: packages already present are left alone, and apt's index is refreshed
# only when something is missing. Boost 1.81 replaces an installed Boost 1.74 -dev.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git clang-format
  libcaf-dev
  libboost1.81-dev libboost-url1.81-dev
  rapidjson-dev libhiredis-dev libsqlite3-dev sqlite3
  libspdlog-dev libfmt-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libsodium-dev libssl-dev libhowardhinnant-date-dev tzdata libcli11-dev
  redis-server
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

web_setup="$(dirname "${BASH_SOURCE[0]}")/setup-web.sh"

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
  exec bash "$web_setup"
fi

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
bash "$web_setup"
