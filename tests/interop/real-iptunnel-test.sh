#!/usr/bin/env bash
# IpTunnel interop with a real cjdns node (see docs/interop.md; skips unless
# CJDNS_REFERENCE_CJDROUTE names a real cjdroute). Five namespaces, two
# tunnels to one server, each the other way round:
#
#   ca (ours, client) --- 198.18.0.0/24 --- ga (real, gateway) --- 192.0.2.0/24 ---+
#                                                                                  s
#   cb (real, client) --- 198.18.1.0/24 --- gb (ours, gateway) --- 192.0.3.0/24 ---+
#
# ga gives ca 10.77.0.2 and 2001:db8:77::2; gb gives cb 10.78.0.2 and
# 2001:db8:78::2 (prefix 0, so default routes, cut around each client's UDP
# peer). No NAT: the server routes the client blocks back via the gateways.
# Each way: the client's TUN gets its addresses, pings the server over IPv4
# and IPv6, and sends it 5 MB over TCP (SHA-256 compared). TAP output.
#   real-iptunnel-test.sh CJDROUTE
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
cjdroute="$1"
real="${CJDNS_REFERENCE_CJDROUTE:-}"
if [[ -z "$real" || ! -x "$real" ]]; then
  echo "1..0 # SKIP set CJDNS_REFERENCE_CJDROUTE to a real cjdns cjdroute (see docs/interop.md)"
  exit 0
fi
source "$here/netns/netns-lib.sh"
source "$here/netns/iptunnel-lib.sh"
netns_require
[[ -c /dev/net/tun ]] || { echo "1..0 # SKIP /dev/net/tun is missing"; exit 0; }
command -v ping >/dev/null || { echo "1..0 # SKIP ping (iputils-ping) is not installed"; exit 0; }
netns_init
tmp=$(mktemp -d)
pipe_ga="cjdipt$$a.sock"; pipe_cb="cjdipt$$b.sock"
real_exit() { netns_exec "$1" python3 "$here/netns/admin-call.py" Core_exit >/dev/null 2>&1; }
trap 'real_exit ga; real_exit cb; netns_cleanup; rm -rf "$tmp" "/tmp/$pipe_ga" "/tmp/$pipe_cb"' EXIT

n=0; fails=0
ok() { n=$((n + 1)); if "$@"; then echo "ok $n - $desc"; else echo "not ok $n - $desc"; fails=$((fails + 1)); fi; }

for ns in ca ga cb gb s; do netns_add "$ns"; done
netns_link ca ga 198.18.0.2 198.18.0.1
netns_link cb gb 198.18.1.2 198.18.1.1
netns_link ga s 192.0.2.1 192.0.2.2
netns_link gb s 192.0.3.1 192.0.3.2
veth() { local v="v$$$1$2"; echo "${v:0:15}"; }
netns_exec ga ip -6 addr add 2001:db8:2::1/64 dev "$(veth ga s)" nodad
netns_exec s ip -6 addr add 2001:db8:2::2/64 dev "$(veth s ga)" nodad
netns_exec gb ip -6 addr add 2001:db8:3::1/64 dev "$(veth gb s)" nodad
netns_exec s ip -6 addr add 2001:db8:3::2/64 dev "$(veth s gb)" nodad
netns_exec s ip route add 10.77.0.0/16 via 192.0.2.1
netns_exec s ip route add 10.78.0.0/16 via 192.0.3.1
netns_exec s ip -6 route add 2001:db8:77::/64 via 2001:db8:2::1
netns_exec s ip -6 route add 2001:db8:78::/64 via 2001:db8:3::1

field() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" "$2"; }
gen() { "$cjdroute" --genconf | "$cjdroute" --cleanconf; }
realgen() { "$real" --genconf | "$real" --cleanconf; }
# real_conf IN PIPE BIND [PEER KEY PASSWORD]: a real node's config with one
# UDP socket, logging to stdout, in the foreground; its identity to stderr.
real_conf() {
  local in="$1" pipe="$2" bind="$3"; shift 3
  if (($#)); then set -- --peer "$1" "$2" "$3"; fi
  python3 "$here/netns/real-conf.py" "$pipe" --udp "$bind" "$@" < "$in"
}

# Way A: the real gateway ga, our client ca.
realgen > "$tmp/ga.json"
real_conf "$tmp/ga.json" "$pipe_ga" 198.18.0.1:7937 > "$tmp/ga0.conf" 2> "$tmp/ga.id"
gakey=$(field pubkey "$tmp/ga.id"); gapw=$(field password "$tmp/ga.id")
gen | CJDNS_TEST_TUN=1 python3 "$here/netns/make-conf.py" 198.18.0.2:7937 11234 198.18.0.1:7937 "$gakey" "$gapw" \
  default-login > "$tmp/ca0.conf" 2> "$tmp/ca.id"
cakey=$(field pubkey "$tmp/ca.id")
python3 "$here/netns/iptunnel-conf.py" --allow "$cakey" 10.77.0.2 0 32 2001:db8:77::2 0 128 \
  < "$tmp/ga0.conf" > "$tmp/ga.conf"
python3 "$here/netns/iptunnel-conf.py" --connect "$gakey" < "$tmp/ca0.conf" > "$tmp/ca.conf"

# Way B: our gateway gb, the real client cb.
gen | CJDNS_TEST_TUN=1 python3 "$here/netns/make-conf.py" 198.18.1.1:7937 11234 > "$tmp/gb0.conf" 2> "$tmp/gb.id"
gbkey=$(field pubkey "$tmp/gb.id"); gbpw=$(field password "$tmp/gb.id")
realgen > "$tmp/cb.json"
real_conf "$tmp/cb.json" "$pipe_cb" 198.18.1.2:7937 198.18.1.1:7937 "$gbkey" "$gbpw" > "$tmp/cb0.conf" 2> "$tmp/cb.id"
cbkey=$(field pubkey "$tmp/cb.id")
python3 "$here/netns/iptunnel-conf.py" --allow "$cbkey" 10.78.0.2 0 32 2001:db8:78::2 0 128 \
  < "$tmp/gb0.conf" > "$tmp/gb.conf"
python3 "$here/netns/iptunnel-conf.py" --connect "$gbkey" < "$tmp/cb0.conf" > "$tmp/cb.conf"

netns_spawn ga "$tmp/ga.log" sh -c "exec '$real' --nobg < '$tmp/ga.conf'"
netns_spawn gb "$tmp/gb.log" "$cjdroute" --nobg --config "$tmp/gb.conf"
desc="the real gateway's TUN is up"; ok wait_for 10 has_tun ga
desc="our gateway's TUN is up"; ok wait_for 10 has_tun gb
gateway_setup ga 10.77.0.0/16 2001:db8:77::/64
gateway_setup gb 10.78.0.0/16 2001:db8:78::/64
netns_spawn ca "$tmp/ca.log" "$cjdroute" --nobg --config "$tmp/ca.conf"
netns_spawn cb "$tmp/cb.log" sh -c "exec '$real' --nobg < '$tmp/cb.conf'"

# way NAME CLIENT SERVER4 SERVER6 ADDR4 ADDR6 PORT: the client side checks
# (real-gateway: ours is the client; real-client: ours is the gateway).
way() {
  local name=$1 c=$2 server4=$3 server6=$4 addr4=$5 addr6=$6 port=$7 ctun
  _has4() { netns_exec "$c" ip -4 addr show | grep -q "inet $addr4/32"; }
  desc="$name: the client's TUN gets $addr4/32"; ok wait_for 60 _has4
  _has6() { netns_exec "$c" ip -6 addr show | grep -q "inet6 $addr6/128"; }
  desc="$name: the client's TUN gets $addr6/128"; ok wait_for 10 _has6
  ctun=$(tun_of "$c")
  _routed() { routes_via "$c" "$server4" "$ctun"; }
  desc="$name: $server4 is routed into the client's TUN"; ok wait_for 10 _routed
  echo "# $name: $(netns_exec "$c" ip -4 route show dev "$ctun" | grep -vc "proto kernel") IPv4 routes on the client's TUN"
  desc="$name: the client pings $server4 through the tunnel"; ok wait_for 20 ping_from "$c" -c 5 -i 0.2 -W 2 "$server4"
  ping_summary "$name IPv4"
  desc="$name: the client pings $server6 through the tunnel"
  ok wait_for 20 ping_from "$c" -6 -c 5 -i 0.2 -W 2 "$server6"
  ping_summary "$name IPv6"
  tunnel_transfer "$name" "$c" s "$server4" "$port" 5000000 "$addr4"
}
way real-gateway ca 192.0.2.2 2001:db8:2::2 10.77.0.2 2001:db8:77::2 7000
way real-client cb 192.0.3.2 2001:db8:3::2 10.78.0.2 2001:db8:78::2 7001

if ((fails)); then
  for f in ca ga cb gb; do echo "# --- $f log (tail)"; tail -25 "$tmp/$f.log" | sed 's/^/#   /'; done
fi
echo "1..$n"
exit $((fails > 0))
