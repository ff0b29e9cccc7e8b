#!/usr/bin/env bash
# UDP beacons, end to end: two nodes with TUNs in their own namespaces on one
# veth pair (an IPv4 /24), each with one UDPInterface on 0.0.0.0:7937 and
# beacon mode 2 on port 64512 to beaconDevices "all"; no connectTo anywhere.
# Each must hear the other's broadcast beacon, peer with it over the normal
# UDP socket (the sender's address at the beacon's commPort), see it
# ESTABLISHED, and ping its fc address through the TUNs. TAP output.
#   udp-beacon-test.sh CJDROUTE
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
netns_link a b 10.85.0.1 10.85.0.2
export CJDNS_TEST_TUN=1 CJDNS_TEST_UDP_BEACON=64512
gen() { "$cjdroute" --genconf | "$cjdroute" --cleanconf; }
for f in a b; do
  gen | python3 "$here/netns/make-conf.py" 0.0.0.0:7937 11234 > "$tmp/$f.conf" 2> "$tmp/$f.id"
done
aip=$(sed -n 's/.*ipv6=//p' "$tmp/a.id"); bip=$(sed -n 's/.*ipv6=//p' "$tmp/b.id")

netns_spawn a "$tmp/a.log" "$cjdroute" --nobg --config "$tmp/a.conf"; pa=$NETNS_LAST_PID
netns_spawn b "$tmp/b.log" "$cjdroute" --nobg --config "$tmp/b.conf"; pb=$NETNS_LAST_PID

desc="A's angel opens the beacon socket for 10.85.0.255"; ok wait_for 10 grep -q "UDP beacons on port 64512 to 10.85.0.255" "$tmp/a.log"
desc="A's core runs under its seccomp allow-list"; ok wait_for 10 grep -q "seccomp allow-list" "$tmp/a.log"
established() { grep -q "peer $1 .* ESTABLISHED" "$2"; }
desc="A sees B ESTABLISHED at its UDP data address"; ok wait_for 20 established 10.85.0.2:7937 "$tmp/a.log"
desc="B sees A ESTABLISHED at its UDP data address"; ok wait_for 20 established 10.85.0.1:7937 "$tmp/b.log"
desc="a UDP beacon started the peering (sender's address, beacon's commPort)"
ok grep -qE "beacon on UDP beacon port 64512: connecting to 10.85.0.[12]:7937" "$tmp/a.log" "$tmp/b.log"
ping_ok() { netns_exec "$1" ping -6 -c 3 -i 0.3 -W 2 "$2" > "$tmp/ping-$1.txt" 2>&1; }
desc="A pings B's fc address"; ok wait_for 20 ping_ok a "$bip"
desc="B pings A's fc address"; ok wait_for 20 ping_ok b "$aip"
grep -h "rtt" "$tmp"/ping-*.txt 2>/dev/null | sed 's/^/# /'
kill -USR1 "$(pgrep -P "$pb" -x cjdns-core | head -1)" 2>/dev/null; sleep 0.5  # the core's status lines
grep -h "status lan" "$tmp/b.log" | tail -1 | sed 's/^.*status lan/# B: lan/'
desc="B sent beacons and refused its own when the broadcast came back"
ok grep -qE "status lan .* beaconsSent=[1-9][0-9]* .* ownKey=[1-9]" "$tmp/b.log"
desc="neither core was killed (seccomp allows the beacon path)"
ok bash -c "! grep -q 'core [0-9]* was killed by signal' '$tmp/a.log' '$tmp/b.log'"

if ((fails)); then
  for f in a b; do echo "# --- node $f log (tail)"; tail -20 "$tmp/$f.log" | sed 's/^/#   /'; done
fi
echo "1..$n"
exit $((fails > 0))
