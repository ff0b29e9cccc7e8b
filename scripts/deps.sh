#!/usr/bin/env bash
# Installs the Debian 12 packages cjdns-cpp builds with (and, with --test,
# the ones its tests use). Safe to run again; does nothing if all are there.
set -euo pipefail

build_pkgs=(g++ meson ninja-build pkg-config cmake
            libsodium-dev libevent-dev capnproto libcapnp-dev libspdlog-dev
            libseccomp-dev libcap-dev)
# clang and its runtimes: the libFuzzer build; iproute2, ping: namespace tests.
test_pkgs=(doctest-dev python3 iproute2 iputils-ping clang libclang-rt-14-dev gdb)
# node and npm: the npm cjdnsadmin test. Best effort: a machine with its own
# node (e.g. from nodesource) keeps it, and without them that test skips.
optional_test_cmds=(node npm)
optional_test_pkgs=(nodejs npm)

install_optional() {
  local need=0 c
  for c in "${optional_test_cmds[@]}"; do command -v "$c" >/dev/null || need=1; done
  ((need)) || return 0
  if [[ $(id -u) -ne 0 ]]; then
    echo "deps: node/npm missing (the npm cjdnsadmin test will skip): apt-get install ${optional_test_pkgs[*]}" >&2
    return 0
  fi
  echo "deps: installing ${optional_test_pkgs[*]} (optional)" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${optional_test_pkgs[@]}" >/dev/null ||
    echo "deps: could not install ${optional_test_pkgs[*]}; the npm cjdnsadmin test will skip" >&2
}

want=("${build_pkgs[@]}")
if [[ "${1:-}" == "--test" ]]; then want+=("${test_pkgs[@]}"); fi

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  if [[ "${1:-}" == "--test" ]]; then install_optional; fi
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  echo "deps: missing packages: ${missing[*]}; run as root or: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
if [[ "${1:-}" == "--test" ]]; then install_optional; fi
