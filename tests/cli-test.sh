#!/usr/bin/env bash
# End-to-end checks of the cjdroute command line, as a user runs it.
# TAP output (one "ok"/"not ok" line per check). Usage: cli-test.sh CJDROUTE
set -u
cjdroute="$1"
vectors="${CJDNS_VECTORS:-}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
fails=0

check() {  # check "description" command...
  local desc="$1"; shift
  n=$((n + 1))
  if "$@" >"$tmp/out" 2>"$tmp/err"; then
    echo "ok $n - $desc"
  else
    echo "not ok $n - $desc"
    sed 's/^/#   /' "$tmp/out" "$tmp/err" | head -20
    fails=$((fails + 1))
  fi
}
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }

# Runs cjdroute; passes if it exits with status $1 and stderr matches $2.
expect_exit() {
  local want="$1" pattern="$2"; shift 2
  "$cjdroute" "$@" >"$tmp/o" 2>"$tmp/e"
  local rc=$?
  [[ $rc -eq $want ]] || { echo "exit status $rc, wanted $want"; cat "$tmp/e"; return 1; }
  [[ -z "$pattern" ]] || grep -qE -- "$pattern" "$tmp/e" || { echo "stderr lacks /$pattern/:"; cat "$tmp/e"; return 1; }
}

version_ok() { "$cjdroute" --version | grep -qx 'Cjdns protocol version: 21'; }
check "--version prints the protocol version" version_ok
check "--help exits 0" "$cjdroute" --help
check "--check and --genconf together are a usage error" expect_exit 2 "cannot be combined" --check --genconf
check "an unknown option is a usage error (2)" expect_exit 2 "unrecognized option" --frobnicate
check "--eth without --genconf is a usage error" expect_exit 2 "only goes with --genconf" --eth

"$cjdroute" --genconf > "$tmp/a.conf"
"$cjdroute" --genconf --eth > "$tmp/eth.conf"
check "a generated config validates cleanly" "$cjdroute" --check --config "$tmp/a.conf"
check "a generated config is read from stdin too" sh -c "'$cjdroute' --check < '$tmp/a.conf'"
no_warnings() { "$cjdroute" --check --config "$1" 2>&1 >/dev/null | grep -q . && return 1 || return 0; }
check "a generated config gives no warnings" no_warnings "$tmp/a.conf"
check "a generated --eth config validates" "$cjdroute" --check --config "$tmp/eth.conf"
clean_is_json() { "$cjdroute" --cleanconf --config "$1" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["version"] == 2 and "privateKey" in d'; }
check "--cleanconf of a generated config is standard JSON" clean_is_json "$tmp/a.conf"
two_keys_differ() { [[ $(grep -c privateKey "$tmp/a.conf") -ge 1 ]] && ! cmp -s <(grep '"privateKey"' "$tmp/a.conf") <(grep '"privateKey"' "$tmp/eth.conf"); }
check "two --genconf runs give different keys" two_keys_differ
clean_roundtrip() { "$cjdroute" --cleanconf --config "$tmp/a.conf" > "$tmp/c1.json" && "$cjdroute" --cleanconf --config "$tmp/c1.json" > "$tmp/c2.json" && cmp "$tmp/c1.json" "$tmp/c2.json"; }
check "--cleanconf output reads back to itself" clean_roundtrip
printf '{ "a": 1 "b": 2, }' > "$tmp/legacy.conf"
legacy_gets_version() { "$cjdroute" --cleanconf --config "$tmp/legacy.conf" | grep -q '"version" : 2'; }
check "--cleanconf accepts a legacy (lenient) file and adds version 2" legacy_gets_version
check "a missing config file is a clear error" expect_exit 1 "cannot open" --config "$tmp/nope.conf"
head -c 5000000 /dev/zero | tr '\0' ' ' > "$tmp/big.conf"
check "an oversized config is refused" expect_exit 1 "larger than" --config "$tmp/big.conf"

if [[ -n "$vectors" && -d "$vectors/configs" ]]; then
  for f in "$vectors"/configs/genconf-*.conf; do
    base="${f%.conf}"
    [[ -f "$base.clean.json" ]] || continue
    check "--cleanconf of $(basename "$f") equals real cjdns output" sh -c "'$cjdroute' --cleanconf < '$f' | cmp - '$base.clean.json'"
    check "$(basename "$f") from real cjdns validates" "$cjdroute" --check --config "$f"
  done
  bad="$vectors/configs/bad"
  check "crlf.conf is accepted" "$cjdroute" --check --config "$bad/crlf.conf"
  while read -r file pattern; do
    check "bad/$file is refused naming the problem" expect_exit 1 "$pattern" --config "$bad/$file"
  done <<'LIST'
unterminated-string.conf :62:[0-9]+: error: admin.password: unterminated string
missing-comma.conf :7:5: error: expected ','
trailing-comma.conf :304:1: error: trailing comma
nested-comment.conf :53:26: error: .*do not nest
empty.conf error: the text is empty
junk-1mb.conf :1:1: error: expected a value
json-array.conf must be a dict
privkey-wrong-length.conf error: privateKey: expected 64 hex digits
pubkey-mismatch.conf error: publicKey: does not match privateKey
bad-connectto-address.conf connectTo\["example.com:48422"\]: .*hostnames
unknown-interface-type.conf interfaces.TCPInterface: unknown interface type
unknown-router-interface-type.conf router.interface.type: expected "TUNInterface"
LIST
else
  skip "real cjdns vector configs" "vectors not found (CJDNS_VECTORS)"
fi

echo "1..$n"
exit $((fails > 0))
