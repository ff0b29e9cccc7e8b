#!/usr/bin/env bash
# Installs the Debian 12 packages cjdns-cpp builds with (and, with --test,
# the ones its tests use). Safe to run again; does nothing if all are there.
set -euo pipefail

build_pkgs=(g++ meson ninja-build pkg-config cmake
            libsodium-dev libevent-dev capnproto libcapnp-dev libspdlog-dev
            libseccomp-dev libcap-dev)
# clang and its runtimes: the libFuzzer build; iproute2, ping: namespace tests.
test_pkgs=(doctest-dev python3 iproute2 iputils-ping clang libclang-rt-14-dev gdb nodejs npm)

want=("${build_pkgs[@]}")
if [[ "${1:-}" == "--test" ]]; then want+=("${test_pkgs[@]}"); fi

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then exit 0; fi

if [[ $(id -u) -ne 0 ]]; then
  echo "deps: missing packages: ${missing[*]}; run as root or: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
