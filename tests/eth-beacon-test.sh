#!/usr/bin/env bash
# ETHInterface with beacons, end to end: two nodes with TUNs in their own
# namespaces, joined only by a veth pair; no connectTo anywhere, beacon mode 2
# on both, so they can only find each other by their Ethernet beacons. Run
# twice: ETHInterface bound to the veth by name, then bind "all". Each run:
# the angel binds the device, both nodes see the other ESTABLISHED at its MAC,
# and each pings the other's fc address through TUN, session and Ethernet.
# Then, beacons off, A dials B from an ETHInterface connectTo keyed by MAC.
# TAP output.
#   eth-beacon-test.sh CJDROUTE
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
netns_link a b 10.84.0.1 10.84.0.2
va="v$$ab"; va=${va:0:15}; vb="v$$ba"; vb=${vb:0:15}  # as netns_link names them
mac_of() { netns_exec "$1" ip -o link show dev "$2" | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2; }
maca=$(mac_of a "$va"); macb=$(mac_of b "$vb")
echo "# A's veth $va is $maca, B's veth $vb is $macb"

export CJDNS_TEST_TUN=1
gen() { "$cjdroute" --genconf | "$cjdroute" --cleanconf; }
gen > "$tmp/a.json"; gen > "$tmp/b.json"
conf() {  # conf NODE ETH_BIND: writes NODE.conf, NODE.id
  CJDNS_TEST_ETH="$2" python3 "$here/netns/make-conf.py" 0.0.0.0:7937 11234 < "$tmp/$1.json" > "$tmp/$1.conf" 2> "$tmp/$1.id"
}

established() { grep -q "peer $1 .* ESTABLISHED" "$2"; }
ping_ok() { netns_exec "$1" ping -6 -c 3 -i 0.3 -W 2 "$2" > "$tmp/ping-$1.txt" 2>&1; }
no_udp_peer() { ! grep -q "peer [0-9.]*:[0-9]* " "$1"; }
stop_node() {  # stop_node PID: SIGTERM to the angel we started, then wait for it
  kill -TERM "$1" 2>/dev/null
  local i; for i in $(seq 50); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  wait "$1" 2>/dev/null
}

one_run() {  # one_run LABEL BIND_A BIND_B
  local label="$1"
  conf a "$2"; conf b "$3"
  aip=$(sed -n 's/.*ipv6=//p' "$tmp/a.id"); bip=$(sed -n 's/.*ipv6=//p' "$tmp/b.id")
  netns_spawn a "$tmp/a-$label.log" "$cjdroute" --nobg --config "$tmp/a.conf"; local pa=$NETNS_LAST_PID
  netns_spawn b "$tmp/b-$label.log" "$cjdroute" --nobg --config "$tmp/b.conf"; local pb=$NETNS_LAST_PID
  desc="$label: A's angel binds ETHInterface to $va"; ok wait_for 10 grep -q "ETHInterface bound to $va " "$tmp/a-$label.log"
  desc="$label: B's angel binds ETHInterface to $vb"; ok wait_for 10 grep -q "ETHInterface bound to $vb " "$tmp/b-$label.log"
  desc="$label: A's core runs under its seccomp allow-list"; ok wait_for 10 grep -q "seccomp allow-list" "$tmp/a-$label.log"
  desc="$label: A sees B ESTABLISHED at its MAC"; ok wait_for 20 established "$macb" "$tmp/a-$label.log"
  desc="$label: B sees A ESTABLISHED at its MAC"; ok wait_for 20 established "$maca" "$tmp/b-$label.log"
  desc="$label: a beacon started the peering"
  ok grep -qE "beacon on ETH/($va|$vb): connecting to ($macb|$maca)" "$tmp/a-$label.log" "$tmp/b-$label.log"
  desc="$label: A pings B's fc address over Ethernet"; ok wait_for 20 ping_ok a "$bip"
  desc="$label: B pings A's fc address over Ethernet"; ok wait_for 20 ping_ok b "$aip"
  grep -h "rtt" "$tmp"/ping-*.txt 2>/dev/null | sed "s/^/# $label: /"
  desc="$label: no peer over UDP (nothing to find one)"; ok no_udp_peer "$tmp/a-$label.log"
  kill -USR1 "$(pgrep -P "$pa" -x cjdns-core | head -1)" 2>/dev/null; sleep 0.5  # the core's status lines
  grep -h "status lan" "$tmp/a-$label.log" | tail -1 | sed "s/^.*status lan/# $label A: lan/"
  stop_node "$pa"; stop_node "$pb"
  desc="$label: neither core was killed (seccomp allows the ETH path)"
  ok bash -c "! grep -q 'core [0-9]* was killed by signal' '$tmp/a-$label.log' '$tmp/b-$label.log'"
}

one_run named "$va" "$vb"
one_run all all all

# Without beacons: A dials B by MAC from its ETHInterface connectTo.
bkey=$(sed -n 's/^pubkey=\([^ ]*\) .*/\1/p' "$tmp/b.id"); bpw=$(sed -n 's/.*password=\([^ ]*\).*/\1/p' "$tmp/b.id")
export CJDNS_TEST_ETH_BEACON=0
CJDNS_TEST_ETH_CONNECT="$macb $bkey $bpw default-login" conf a "$va"; conf b "$vb"
aip=$(sed -n 's/.*ipv6=//p' "$tmp/a.id"); bip=$(sed -n 's/.*ipv6=//p' "$tmp/b.id")
netns_spawn a "$tmp/a-connect.log" "$cjdroute" --nobg --config "$tmp/a.conf"; pa=$NETNS_LAST_PID
netns_spawn b "$tmp/b-connect.log" "$cjdroute" --nobg --config "$tmp/b.conf"; pb=$NETNS_LAST_PID
desc="connectTo: A dials B's MAC"; ok wait_for 10 grep -q "connecting to $macb on $va" "$tmp/a-connect.log"
desc="connectTo: A sees B ESTABLISHED"; ok wait_for 20 established "$macb" "$tmp/a-connect.log"
desc="connectTo: B sees A ESTABLISHED"; ok wait_for 20 established "$maca" "$tmp/b-connect.log"
desc="connectTo: A pings B's fc address over Ethernet"; ok wait_for 20 ping_ok a "$bip"
desc="connectTo: no beacon was acted on (mode 0)"; ok bash -c "! grep -q 'beacon on ETH' '$tmp/a-connect.log' '$tmp/b-connect.log'"
stop_node "$pa"; stop_node "$pb"

if ((fails)); then
  for f in "$tmp"/*.log; do echo "# --- $(basename "$f") (tail)"; tail -20 "$f" | sed 's/^/#   /'; done
fi
echo "1..$n"
exit $((fails > 0))
