#!/usr/bin/env bash
# Real cjdns nodes using OUR node as their route server (upper.md 1.15):
# R1 and R2 run real cjdns with router.supernodes = [O's key] and peer only
# with our node O, which lists its own key and so serves. Checks that both
# real nodes adopt O as their snode, that O accepts their signed
# announcements (real cjdns's Ed25519 signatures, items and state hash) and
# answers their route queries, and that R1 and R2 ping each other.
# Skips unless CJDNS_REFERENCE_CJDROUTE names a real cjdroute. TAP output.
#   real-snode-test.sh CJDROUTE
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
cjdroute="$1"
real="${CJDNS_REFERENCE_CJDROUTE:-}"
if [[ -z "$real" || ! -x "$real" ]]; then
  echo "1..0 # SKIP set CJDNS_REFERENCE_CJDROUTE to a real cjdns cjdroute (see docs/interop.md)"
  exit 0
fi
source "$here/netns/netns-lib.sh"
netns_require
[[ -c /dev/net/tun ]] || { echo "1..0 # SKIP /dev/net/tun is missing"; exit 0; }
netns_init
tmp=$(mktemp -d)
stop_real() { for r in r1 r2; do netns_exec "$r" python3 "$here/netns/admin-call.py" Core_exit >/dev/null 2>&1; done; }
trap 'stop_real; netns_cleanup; rm -rf "$tmp" /tmp/cjdsnode$$-*.sock' EXIT
n=0; fails=0
ok() { n=$((n + 1)); if "$@"; then echo "ok $n - $desc"; else echo "not ok $n - $desc"; fails=$((fails + 1)); fi; }

netns_add r1; netns_add o; netns_add r2
netns_link r1 o 10.88.0.1 10.88.0.2
netns_link r2 o 10.89.0.1 10.89.0.2

"$cjdroute" --genconf | "$cjdroute" --cleanconf > "$tmp/o.json"
python3 "$here/netns/make-conf.py" 0.0.0.0:7937 11234 < "$tmp/o.json" > /dev/null 2> "$tmp/o.id"
okey=$(sed -n 's/^pubkey=\([^ ]*\) .*/\1/p' "$tmp/o.id")
opw=$(sed -n 's/.*password=\([^ ]*\) .*/\1/p' "$tmp/o.id")
CJDNS_TEST_TUN=1 CJDNS_TEST_SUPERNODE="$okey" python3 "$here/netns/make-conf.py" 0.0.0.0:7937 11234 \
  < "$tmp/o.json" > "$tmp/o.conf" 2> /dev/null

real_conf() {  # real_conf NAME PEER_ADDR: a real node that dials O and uses it as snode
  "$real" --genconf | "$real" --cleanconf > "$tmp/$1.json"
  python3 "$here/netns/real-conf.py" "/tmp/cjdsnode$$-$1.sock" --udp 0.0.0.0:7937 --peer "$2" "$okey" "$opw" --admin 11234 --supernode "$okey" \
    < "$tmp/$1.json" > "$tmp/$1.conf" 2> "$tmp/$1.id"
}
real_conf r1 10.88.0.2:7937
real_conf r2 10.89.0.2:7937
r1ip=$(sed -n 's/.*ipv6=//p' "$tmp/r1.id")
r2ip=$(sed -n 's/.*ipv6=//p' "$tmp/r2.id")

netns_spawn o "$tmp/o.log" "$cjdroute" --nobg --config "$tmp/o.conf"
opid=$NETNS_LAST_PID
netns_spawn r1 "$tmp/r1.log" sh -c "exec '$real' --nobg < '$tmp/r1.conf'"
netns_spawn r2 "$tmp/r2.log" sh -c "exec '$real' --nobg < '$tmp/r2.conf'"

both_peered() { [ "$(grep -c "peer 10.8[89].0.1:7937 .* ESTABLISHED" "$tmp/o.log")" -ge 2 ]; }
desc="both real nodes are peered with ours"; ok wait_for 30 both_peered

# SupernodeHunter_status on a real node: activeSnode names O's key.
uses_o() {
  netns_exec "$1" python3 "$here/netns/admin-call.py" SupernodeHunter_status > "$tmp/hunter-$1.txt" 2>&1 &&
    grep -q "${okey%.k}" "$tmp/hunter-$1.txt"
}
desc="real R1 adopted our node as its route server"; ok wait_for 60 uses_o r1
desc="real R2 adopted our node as its route server"; ok wait_for 60 uses_o r2
server_has() {  # server_has NODES: our route server holds that many nodes with accepted announcements
  kill -USR1 "$opid" 2>/dev/null; sleep 0.5
  grep "status routeserver" "$tmp/o.log" | tail -1 | grep -q "nodes=$1 .*announcementsAccepted=[1-9]"
}
desc="our route server accepted real cjdns's signed announcements (3 nodes: itself, R1, R2)"
ok wait_for 60 server_has 3
ping_ok() { netns_exec "$1" ping -6 -c 3 -i 0.3 -W 2 "$2" > "$tmp/ping-$1.txt" 2>&1; }
desc="real R1 pings real R2 through our node"; ok wait_for 60 ping_ok r1 "$r2ip"
desc="real R2 pings real R1 through our node"; ok wait_for 60 ping_ok r2 "$r1ip"
answered() {
  kill -USR1 "$opid" 2>/dev/null; sleep 0.5
  grep "status routeserver" "$tmp/o.log" | tail -1 | grep -q "routesAnswered=[1-9]"
}
desc="our route server answered real cjdns's route queries (gr)"; ok wait_for 30 answered
grep "status routeserver" "$tmp/o.log" | tail -1 | sed 's/^/# ours: /'
grep -h "rtt" "$tmp"/ping-r*.txt 2>/dev/null | sed 's/^/# /'
sed 's/^/# R1 hunter: /' "$tmp/hunter-r1.txt" 2>/dev/null | head -3
if ((fails)); then
  for f in o r1 r2; do echo "# --- $f log (tail)"; tail -15 "$tmp/$f.log" | sed 's/^/#   /'; done
fi
echo "1..$n"
exit $((fails > 0))
