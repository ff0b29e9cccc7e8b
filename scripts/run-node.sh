#!/usr/bin/env bash
# Builds cjdns-cpp and starts a node in the foreground.
#   scripts/run-node.sh [CONFIG]     (default CONFIG: /etc/cjdroute.conf)
# Installs the Debian build dependencies first, and generates CONFIG with
# `cjdroute --genconf` (mode 0600) if it does not exist yet.
set -euo pipefail
cd "$(dirname "$0")/.."

conf="${1:-/etc/cjdroute.conf}"
scripts/deps.sh
if [[ ! -f build/release/build.ninja ]]; then
  meson setup build/release --buildtype=release >/dev/null
fi
ninja -C build/release >/dev/null
cjdroute=build/release/angel/cjdroute

if [[ ! -e "$conf" ]]; then
  echo "run-node: generating a new configuration in $conf" >&2
  (umask 077 && "$cjdroute" --genconf > "$conf.tmp" && mv "$conf.tmp" "$conf")
fi
echo "run-node: starting cjdroute with $conf" >&2
exec "$cjdroute" --nobg --config "$conf"
