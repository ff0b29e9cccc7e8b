#!/usr/bin/env bash
# Installs what the tests need, builds cjdns-cpp twice (warnings as errors;
# once plain, once with AddressSanitizer + UndefinedBehaviorSanitizer) and runs
# every test suite in both, then builds the libFuzzer targets with clang and
# runs each for a short while (CJDNS_FUZZ_SECONDS, default 20), then checks
# the packaging (scripts/packaging-check.sh; CJDNS_SKIP_PACKAGING=1 skips it).
# Ends with one line: "N passed, N failed, N skipped".
#   scripts/test.sh [--quick]     (--quick: only the plain build)
set -uo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh --test || exit 1
jobs=$(nproc 2>/dev/null || echo 2)

builds=(release)
[[ "${1:-}" == "--quick" ]] || builds+=(asan fuzz)

status=0
logs=()
for b in "${builds[@]}"; do
  dir="build/test-$b"
  opts=(-Dwerror=true -Dtests=enabled)
  suites=()
  env_cxx=()
  [[ $b == asan ]] && opts+=(-Db_sanitize=address,undefined -Dbuildtype=debug)
  if [[ $b == fuzz ]]; then
    # Only the fuzzers matter here: the unit tests already ran in two builds.
    opts=(-Dwerror=true -Dtests=disabled -Dfuzz=true -Dfuzz_seconds="${CJDNS_FUZZ_SECONDS:-20}"
          -Db_sanitize=address,undefined -Db_lundef=false)
    env_cxx=(env CXX=clang++)
    suites=(--suite libfuzzer)
  fi
  mkdir -p build
  if [[ ! -f "$dir/build.ninja" ]]; then
    "${env_cxx[@]}" meson setup "$dir" "${opts[@]}" >"$dir.setup.log" 2>&1 || { cat "$dir.setup.log"; exit 1; }
  fi
  echo "== build $b" >&2
  ninja -C "$dir" -j"$jobs" >&2 || { echo "0 passed, 1 failed"; exit 1; }
  echo "== test $b" >&2
  meson test -C "$dir" "${suites[@]}" --num-processes "$jobs" --print-errorlogs >&2 || status=1
  logs+=("$dir/meson-logs/testlog.json")
done

# The packages (systemd units, SELinux module, .deb, source RPM): only on
# the full run, as they install and remove system packages.
if [[ "${1:-}" != "--quick" && "${CJDNS_SKIP_PACKAGING:-0}" != 1 ]]; then
  echo "== packaging" >&2
  bash scripts/packaging-check.sh > build/packaging.tap 2>build/packaging.log || status=1
  cat build/packaging.tap >&2
  logs+=(build/packaging.tap)
fi

python3 scripts/test-summary.py "${logs[@]}" || status=1
exit $status
