#!/usr/bin/env bash
# Runs one libFuzzer binary for a short, fixed time over copies of its seed
# corpora (libFuzzer adds what it finds to the first folder, so the tree's
# corpus stays untouched). A crash, leak or sanitizer report fails the test
# and leaves the input in the build folder as crash-*/leak-*.
#   run-libfuzzer.sh FUZZER SECONDS CORPUS...
set -u
fuzzer="$1" seconds="$2"; shift 2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dirs=()
for d in "$@"; do [[ -d "$d" ]] && dirs+=("$d"); done
"$fuzzer" -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
  -artifact_prefix="$(pwd)/" -print_final_stats=1 "$work" "${dirs[@]}" 2>"$work.log"
rc=$?
grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|Done)|ERROR|SUMMARY' "$work.log" | head -20
rm -f "$work.log"
exit $rc
