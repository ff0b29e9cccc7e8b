#!/usr/bin/env bash
# Two cjdns-cpp nodes with TUN devices, in their own network namespaces and
# peered over UDP: each pings the other's fc00::/8 address with ping -6,
# through TUN, end-to-end session and peer link. TAP output.
#   two-node-ping6-test.sh CJDROUTE
set -u
here=$(cd "$(dirname "$0")" && pwd)
cjdroute="$1"
source "$here/netns/netns-lib.sh"
netns_require
[[ -c /dev/net/tun ]] || { echo "1..0 # SKIP /dev/net/tun is missing"; exit 0; }
command -v ping >/dev/null || { echo "1..0 # SKIP ping (iputils-ping) is not installed"; exit 0; }
netns_init
tmp=$(mktemp -d)
trap 'netns_cleanup; rm -rf "$tmp"' EXIT

n=0; fails=0
ok() { n=$((n + 1)); if "$@"; then echo "ok $n - $desc"; else echo "not ok $n - $desc"; fails=$((fails + 1)); fi; }

netns_add a; netns_add b
netns_link a b 10.81.0.1 10.81.0.2
export CJDNS_TEST_TUN=1
gen() { "$cjdroute" --genconf | "$cjdroute" --cleanconf; }
gen | python3 "$here/netns/make-conf.py" 0.0.0.0:7937 11234 > "$tmp/b.conf" 2> "$tmp/b.id"
bkey=$(sed -n 's/^pubkey=\([^ ]*\) .*/\1/p' "$tmp/b.id")
bpw=$(sed -n 's/.*password=\([^ ]*\).*/\1/p' "$tmp/b.id")
bip=$(sed -n 's/.*ipv6=//p' "$tmp/b.id")
gen | python3 "$here/netns/make-conf.py" 10.81.0.1:7937 11234 10.81.0.2:7937 "$bkey" "$bpw" default-login \
  > "$tmp/a.conf" 2> "$tmp/a.id"
aip=$(sed -n 's/.*ipv6=//p' "$tmp/a.id")

netns_spawn b "$tmp/b.log" "$cjdroute" --nobg --config "$tmp/b.conf"
netns_spawn a "$tmp/a.log" "$cjdroute" --nobg --config "$tmp/a.conf"

has_addr() { netns_exec "$1" ip -6 addr show | grep -q "$2"; }
short() { python3 -c "import ipaddress,sys; print(ipaddress.IPv6Address(sys.argv[1]).compressed)" "$1"; }
desc="A's TUN carries its fc address"; ok wait_for 10 has_addr a "$(short "$aip")"
desc="B's TUN carries its fc address"; ok wait_for 10 has_addr b "$(short "$bip")"
established() { grep -q "peer $1.* ESTABLISHED" "$2"; }
desc="A and B are peered"; ok wait_for 20 established 10.81.0.2:7937 "$tmp/a.log"
ping_ok() { netns_exec "$1" ping -6 -c 3 -i 0.3 -W 2 "$2" > "$tmp/ping-$1.txt" 2>&1; }
desc="A pings B's fc address through cjdns"; ok wait_for 20 ping_ok a "$bip"
desc="B pings A's fc address through cjdns"; ok wait_for 20 ping_ok b "$aip"
grep -h "rtt\|packets transmitted" "$tmp"/ping-*.txt 2>/dev/null | sed 's/^/# /'

if ((fails)); then
  for f in a b; do echo "# --- node $f log (tail)"; tail -15 "$tmp/$f.log" | sed 's/^/#   /'; done
fi
echo "1..$n"
exit $((fails > 0))
