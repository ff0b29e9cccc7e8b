#!/usr/bin/env bash
# cjdroute with no root at all (design.md; upper.md 5.4): root preallocates a
# TUN owned by `nobody` with cjdns-ifacectl, then A's angel and core run as
# nobody (setpriv, no capabilities) on that TUN, peered with B (root, as
# usual) over a veth pair; they ping6 each other both ways. Stopping A leaves
# the preallocated TUN in place. TAP output.
#   nonroot-test.sh CJDROUTE CJDNS_IFACECTL
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
cjdroute="$1"; ifacectl="$2"
source "$here/netns/netns-lib.sh"
netns_require
[[ -c /dev/net/tun ]] || { echo "1..0 # SKIP /dev/net/tun is missing"; exit 0; }
command -v ping >/dev/null || { echo "1..0 # SKIP ping (iputils-ping) is not installed"; exit 0; }
id nobody >/dev/null 2>&1 || { echo "1..0 # SKIP there is no user nobody"; exit 0; }
netns_init
tmp=$(mktemp -d)
chmod 755 "$tmp"  # nobody reads A's config and runs the binaries from here
trap 'netns_cleanup; rm -rf "$tmp"' EXIT
n=0; fails=0
ok() { n=$((n + 1)); if "$@"; then echo "ok $n - $desc"; else echo "not ok $n - $desc"; fails=$((fails + 1)); fi; }

# nobody may not be able to enter the build tree (a clone under /root): run
# copies of cjdroute and cjdns-core (found beside it) from the test's directory.
mkdir "$tmp/bin"
cp "$cjdroute" "$(dirname "$cjdroute")/cjdns-core" "$tmp/bin/"
chmod 755 "$tmp/bin" "$tmp/bin/cjdroute" "$tmp/bin/cjdns-core"
cjdroute="$tmp/bin/cjdroute"

netns_add a; netns_add b
netns_link a b 10.84.0.1 10.84.0.2
export CJDNS_TEST_TUN=1
gen() { "$cjdroute" --genconf | "$cjdroute" --cleanconf; }
gen | python3 "$here/netns/make-conf.py" 0.0.0.0:7937 11234 > "$tmp/b.conf" 2> "$tmp/b.id"
bkey=$(sed -n 's/^pubkey=\([^ ]*\) .*/\1/p' "$tmp/b.id")
bpw=$(sed -n 's/.*password=\([^ ]*\).*/\1/p' "$tmp/b.id")
bip=$(sed -n 's/.*ipv6=//p' "$tmp/b.id")
gen | python3 "$here/netns/make-conf.py" 10.84.0.1:7937 11234 10.84.0.2:7937 "$bkey" "$bpw" default-login 2>/dev/null \
  | python3 -c 'import json,sys; c=json.load(sys.stdin); c["router"]["interface"]["tunDevice"]="cjdroute0"; json.dump(c,sys.stdout)' \
  > "$tmp/a.conf" 2> /dev/null
aip=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["ipv6"])' "$tmp/a.conf")
chmod 644 "$tmp/a.conf"

netns_exec a "$ifacectl" prealloc --user nobody --config "$tmp/a.conf" --name cjdroute0 > "$tmp/prealloc.txt" 2>&1
desc="root preallocates cjdroute0 for nobody"; ok test $? = 0

netns_spawn b "$tmp/b.log" "$cjdroute" --nobg --config "$tmp/b.conf"
netns_spawn a "$tmp/a.log" setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all \
  "$cjdroute" --nobg --config "$tmp/a.conf"
pa=$NETNS_LAST_PID

running() { grep -q "core [0-9]* running" "$tmp/a.log"; }
desc="A (as nobody) starts its core"; ok wait_for 10 running
core=$(pgrep -P "$pa" -x cjdns-core | head -1)
st() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }
echo "# angel $pa: Uid $(st "$pa" Uid) CapEff $(st "$pa" CapEff); core $core: Uid $(st "$core" Uid) CapEff $(st "$core" CapEff) NoNewPrivs $(st "$core" NoNewPrivs) Seccomp $(st "$core" Seccomp)"
nobody=$(id -u nobody)
desc="A's angel runs as nobody with no capabilities"; ok test "$(st "$pa" Uid)" = "$nobody" -a "$(st "$pa" CapEff)" = 0000000000000000
desc="A's core runs as nobody, no capabilities"; ok test "$(st "$core" Uid)" = "$nobody" -a "$(st "$core" CapEff)" = 0000000000000000
desc="A's core is still sandboxed (NoNewPrivs 1, Seccomp 2)"; ok test "$(st "$core" NoNewPrivs)" = 1 -a "$(st "$core" Seccomp)" = 2
desc="A uses the preallocated cjdroute0"; ok grep -q "TUN device cjdroute0" "$tmp/a.log"
ping_ok() { netns_exec "$1" ping -6 -c 2 -i 0.3 -W 2 "$2" > "$tmp/ping-$1.txt" 2>&1; }
desc="A (no root) pings B's fc address"; ok wait_for 20 ping_ok a "$bip"
desc="B pings A's fc address (no root)"; ok wait_for 20 ping_ok b "$aip"
grep -h "rtt" "$tmp"/ping-*.txt 2>/dev/null | sed 's/^/# /'

kill -TERM "$pa"; wait_for 5 sh -c "! kill -0 $pa 2>/dev/null"; wait "$pa"; st_a=$?
desc="A stops cleanly (status $st_a)"; ok test "$st_a" = 0
tun_stays() { netns_exec a "$ifacectl" show --name cjdroute0 > /dev/null; }
desc="the preallocated TUN stays after A stops"; ok tun_stays
desc="A said the device was left in place"; ok grep -q "preallocated: left in place" "$tmp/a.log"

if ((fails)); then
  for f in a b; do echo "# --- $f log (tail)"; tail -15 "$tmp/$f.log" | sed 's/^/#   /'; done
  sed 's/^/# prealloc: /' "$tmp/prealloc.txt"
fi
echo "1..$n"
exit $((fails > 0))
