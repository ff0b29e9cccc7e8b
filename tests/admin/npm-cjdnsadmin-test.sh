#!/usr/bin/env bash
# The Node.js admin library that cjdns's own tools use (npm package
# `cjdnsadmin` 1.0.3, its `cexec` command) against our node, unchanged: it
# pings, pages Admin_availableFunctions until an empty page, authenticates
# every call, and requires a txid in every answer. Our node runs in its own
# network namespace with admin on 127.0.0.1:11234; cexec reads ~/.cjdnsadmin.
# TAP output.   npm-cjdnsadmin-test.sh CJDROUTE
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
cjdroute="$1"
source "$here/netns/netns-lib.sh"
netns_require
command -v node >/dev/null || { echo "1..0 # SKIP node (nodejs) is not installed"; exit 0; }
command -v npm >/dev/null || { echo "1..0 # SKIP npm is not installed"; exit 0; }
[[ -x "$(dirname "$cjdroute")/cjdns-admin" ]] || { echo "1..0 # SKIP no cjdns-admin beside $cjdroute"; exit 0; }
netns_init
tmp=$(mktemp -d)
trap 'netns_cleanup; rm -rf "$tmp"' EXIT
n=0; fails=0
ok() { n=$((n + 1)); if "$@"; then echo "ok $n - $desc"; else echo "not ok $n - $desc"; fails=$((fails + 1)); fi; }

# The package, exactly as published (CJDNS_NPM_CACHE: a directory with it
# already installed, for machines without the npm registry).
pkg="${CJDNS_NPM_CACHE:-$tmp/npm}"
if [[ ! -x "$pkg/node_modules/.bin/cexec" ]]; then
  mkdir -p "$pkg"
  if ! (cd "$pkg" && timeout 120 npm install --no-audit --no-fund --loglevel=error cjdnsadmin@1.0.3 >"$tmp/npm.log" 2>&1); then
    echo "1..0 # SKIP cannot install npm cjdnsadmin@1.0.3 (no registry?): $(tail -1 "$tmp/npm.log")"
    exit 0
  fi
fi
cexec="$pkg/node_modules/.bin/cexec"

netns_add a
"$cjdroute" --genconf | "$cjdroute" --cleanconf | CJDNS_TEST_TUN=1 python3 "$here/netns/make-conf.py" 127.0.0.1:7937 11234 \
  > "$tmp/a.conf" 2> /dev/null
pw=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["admin"]["password"])' "$tmp/a.conf")
mkdir "$tmp/home"
printf '{"addr": "127.0.0.1", "port": 11234, "password": "%s"}\n' "$pw" > "$tmp/home/.cjdnsadmin"
netns_spawn a "$tmp/a.log" "$cjdroute" --nobg --config "$tmp/a.conf"
serving() { grep -q "serving the admin API" "$tmp/a.log"; }
desc="the node serves its admin API"; ok wait_for 10 serving

run() {  # run NAME CALL: cexec in the namespace; output in $tmp/NAME.json
  HOME="$tmp/home" netns_exec a timeout 30 node "$cexec" "$2" > "$tmp/$1.json" 2> "$tmp/$1.err"
}
has_keys() {  # has_keys NAME KEY...: the output is JSON with these keys
  local f="$tmp/$1.json"; shift
  python3 - "$f" "$@" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
missing = [k for k in sys.argv[2:] if k not in d]
if missing or d.get("error", "none") != "none":
    print("# missing", missing, "error", d.get("error")); sys.exit(1)
PY
}
check() {  # check NAME CALL KEY...
  local name="$1" call="$2" before=$fails; shift 2
  desc="cexec '$call' exits 0"; ok run "$name" "$call"
  desc="cexec '$call' answers with $*"; ok has_keys "$name" "$@" 2>/dev/null
  if ((fails > before)); then sed 's/^/#   /' "$tmp/$name.json" "$tmp/$name.err" | head -20; fi
}
check peers 'InterfaceController_peerStats()' peers total txid
check dump0 'NodeStore_dumpTable(0)' routingTable count peers txid
# cjdns registers NodeStore_dumpTable's page as required (the captured
# availableFunctions and missing-required-arg exchanges say so, and we do the
# same), so cjdnsadmin itself refuses the call without one before sending
# anything, against real cjdns too.
client_refuses() { ! run dump 'NodeStore_dumpTable()' && grep -q "\[Int page\] is required and is not specified" "$tmp/dump.err"; }
desc="cexec 'NodeStore_dumpTable()' is refused by cjdnsadmin itself, as against real cjdns (page is required)"
ok client_refuses
check info 'Core_nodeInfo()' myAddr myIp6 compressedSchemeHex encodingScheme version txid
check users 'AuthorizedPasswords_list()' total users txid

if ((fails)); then echo "# --- node log (tail)"; tail -15 "$tmp/a.log" | sed 's/^/#   /'; fi
echo "1..$n"
exit $((fails > 0))
