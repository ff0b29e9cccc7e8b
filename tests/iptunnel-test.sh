#!/usr/bin/env bash
# IpTunnel end to end (upper.md 2), as root in three network namespaces:
#
#   client --- 198.18.0.0/24 (cjdns over UDP) --- gateway --- 192.0.2.0/24,
#                                                  2001:db8:2::/64 --- server
#
# The gateway's router.ipTunnel.allowedConnections gives the client's key
# 10.77.0.2 (ip4Prefix 0, ip4Alloc 32) and 2001:db8:77::2 (ip6Prefix 0,
# ip6Alloc 128); the client's outgoingConnections names the gateway. The
# gateway forwards (ip_forward, IPv6 forwarding) and routes the client
# blocks to its TUN; the server routes them back via the gateway, so no NAT
# is needed. 198.18.0.0/24 is not one of RouteGen's local prefixes, so the
# client's default route is cut around its UDP peer: 32 IPv4 routes, more
# than the angel's old limit of 16.
#
# The gateway runs with --tun-relay (its TUN stays in the angel), the client
# with the TUN fd in its core: both ways of writing to the TUN are used.
#
# Checks: the tunnel addresses and routes on the client's TUN, the underlay
# route to the peer untouched and the peering up, ping over IPv4 and IPv6
# to the server, a 5 MB TCP transfer over IPv4 (and 1 MB over IPv6) whose
# SHA-256 must match. TAP output.
#   iptunnel-test.sh CJDROUTE
set -u
here=$(cd "$(dirname "$0")" && pwd)
cjdroute="$1"
source "$here/netns/netns-lib.sh"
source "$here/netns/iptunnel-lib.sh"
netns_require
[[ -c /dev/net/tun ]] || { echo "1..0 # SKIP /dev/net/tun is missing"; exit 0; }
command -v ping >/dev/null || { echo "1..0 # SKIP ping (iputils-ping) is not installed"; exit 0; }
command -v python3 >/dev/null || { echo "1..0 # SKIP python3 is not installed"; exit 0; }
netns_init
tmp=$(mktemp -d)
trap 'netns_cleanup; rm -rf "$tmp"' EXIT

n=0; fails=0
ok() { n=$((n + 1)); if "$@"; then echo "ok $n - $desc"; else echo "not ok $n - $desc"; fails=$((fails + 1)); fi; }

# Short names: netns-lib names veths after both ends, within 15 characters.
netns_add c; netns_add g; netns_add s
netns_link c g 198.18.0.2 198.18.0.1
netns_link g s 192.0.2.1 192.0.2.2
gs="v$$gs"; sg="v$$sg"
netns_exec g ip -6 addr add 2001:db8:2::1/64 dev "${gs:0:15}" nodad
netns_exec s ip -6 addr add 2001:db8:2::2/64 dev "${sg:0:15}" nodad
netns_exec s ip route add 10.77.0.0/16 via 192.0.2.1
netns_exec s ip -6 route add 2001:db8:77::/64 via 2001:db8:2::1

export CJDNS_TEST_TUN=1
gen() { "$cjdroute" --genconf | "$cjdroute" --cleanconf; }
field() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" "$2"; }
gen | python3 "$here/netns/make-conf.py" 198.18.0.1:7937 11234 > "$tmp/g0.conf" 2> "$tmp/g.id"
gkey=$(field pubkey "$tmp/g.id"); gpw=$(field password "$tmp/g.id")
gen | python3 "$here/netns/make-conf.py" 198.18.0.2:7937 11234 198.18.0.1:7937 "$gkey" "$gpw" default-login \
  > "$tmp/c0.conf" 2> "$tmp/c.id"
ckey=$(field pubkey "$tmp/c.id")
python3 "$here/netns/iptunnel-conf.py" --allow "$ckey" 10.77.0.2 0 32 2001:db8:77::2 0 128 \
  < "$tmp/g0.conf" > "$tmp/g.conf"
python3 "$here/netns/iptunnel-conf.py" --connect "$gkey" < "$tmp/c0.conf" > "$tmp/c.conf"

netns_spawn g "$tmp/g.log" "$cjdroute" --nobg --tun-relay --config "$tmp/g.conf"; pg=$NETNS_LAST_PID
netns_spawn c "$tmp/c.log" "$cjdroute" --nobg --config "$tmp/c.conf"; pc=$NETNS_LAST_PID

desc="the gateway's TUN is up"; ok wait_for 10 has_tun g
# The operator's part on a gateway: forwarding, the client blocks to the TUN.
gateway_setup g 10.77.0.0/16 2001:db8:77::/64

established() { grep -q "peer $1.* ESTABLISHED" "$2"; }
both() { established 198.18.0.1:7937 "$tmp/c.log" && established 198.18.0.2:7937 "$tmp/g.log"; }
desc="client and gateway are peered over UDP"; ok wait_for 20 both
has4() { netns_exec c ip -4 addr show | grep -q "inet 10.77.0.2/32"; }
desc="the client's TUN gets 10.77.0.2/32 from the gateway"; ok wait_for 45 has4
has6() { netns_exec c ip -6 addr show | grep -q "inet6 2001:db8:77::2/128"; }
desc="the client's TUN gets 2001:db8:77::2/128 from the gateway"; ok wait_for 5 has6
ctun=$(tun_of c)
routes4() { netns_exec c ip -4 route show dev "$ctun" | grep -vc "proto kernel"; }
all_routes() { [[ $(routes4) -eq 32 ]]; }
desc="the client's default route is 32 IPv4 routes around its UDP peer"; ok wait_for 5 all_routes
echo "# client IPv4 routes on $ctun: $(routes4); e.g. $(netns_exec c ip -4 route show dev "$ctun" | head -3 | tr '\n' ';')"
desc="the UDP peer 198.18.0.1 is still reached on the veth"; ok routes_via c 198.18.0.1 "v$$cg"
desc="192.0.2.2 is routed into the TUN"; ok routes_via c 192.0.2.2 "$ctun"
has_ip6_routes() { netns_exec c ip -6 route show dev "$ctun" | grep -q "^::/1" &&
                   netns_exec c ip -6 route show dev "$ctun" | grep -q "^8000::/1"; }
desc="the client routes ::/1 and 8000::/1 into the TUN"; ok has_ip6_routes
no_kill() { ! grep -qE "too many tunnel prefixes|killed|SIGKILL" "$tmp/c.log"; }
desc="the client's core asked for every prefix without breaking the angel's rules"; ok no_kill

desc="the client pings the server 192.0.2.2 through the tunnel"; ok wait_for 20 ping_from c -c 5 -i 0.2 -W 2 192.0.2.2
ping_summary IPv4
desc="the client pings the server 2001:db8:2::2 through the tunnel"
ok wait_for 20 ping_from c -6 -c 5 -i 0.2 -W 2 2001:db8:2::2
ping_summary IPv6

tunnel_transfer ipv4 c s 192.0.2.2 7000 5000000 10.77.0.2
tunnel_transfer ipv6 c s 2001:db8:2::2 7001 1000000 2001:db8:77::2

# A restarted core knows nothing of the tunnel: it asks the gateway again,
# and the angel finds the addresses and routes already on the TUN.
old_core=$(pgrep -P "$pc" -x cjdns-core | head -1)
kill -KILL "$old_core"
new_core() { local c; c=$(pgrep -P "$pc" -x cjdns-core | head -1); [[ -n "$c" && "$c" != "$old_core" ]] &&
             grep -q "core $c running" "$tmp/c.log"; }
desc="kill -9 of the client's core: the angel starts a new one"; ok wait_for 10 new_core
asked_again() { [[ $(grep -c "IpTunnel: gateway .* gave us 10.77.0.2/32" "$tmp/c.log") -ge 2 ]]; }
desc="the new core gets its addresses from the gateway again"; ok wait_for 30 asked_again
desc="the client pings the server through the tunnel again"; ok wait_for 20 ping_from c -c 3 -i 0.2 -W 2 192.0.2.2
ping_summary "IPv4 after the restart"

# SIGUSR1 to the cores (not the angels: they pass it on to the admin
# bridge too): status lines with the peer state and the tunnel counters.
status() {
  local core
  core=$(pgrep -P "$1" -x cjdns-core | head -1)
  [[ -n "$core" ]] && kill -USR1 "$core" && sleep 0.5
}
status "$pc"; status "$pg"
still_up() { grep "status peer 198.18.0.1:7937" "$tmp/c.log" | tail -1 | grep -q "state=ESTABLISHED"; }
desc="the client's peering with the gateway is still up after the tunnel's routes went in"; ok still_up
for f in c g; do grep -h "status iptunnel" "$tmp/$f.log" | tail -1 | sed "s/^.*status iptunnel/# $f iptunnel:/"; done

if ((fails)); then
  for f in c g; do echo "# --- $f log (tail)"; tail -25 "$tmp/$f.log" | sed 's/^/#   /'; done
  for f in "$tmp"/send-*.err "$tmp"/recv-*.log; do [[ -s "$f" ]] && { echo "# --- $f"; tail -5 "$f" | sed 's/^/#   /'; }; done
fi
echo "1..$n"
exit $((fails > 0))
