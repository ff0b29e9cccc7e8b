#!/usr/bin/env bash
# A chain real cjdns - ours - real cjdns (upper.md 1.16; issue: routing):
# R1 and R2 run real cjdns and peer only with our node O, so R1 and R2 can
# reach each other only by finding the way through O (its DHT answers) and
# O's switch. Each pings the other's fc address through their TUNs.
# Skips unless CJDNS_REFERENCE_CJDROUTE names a real cjdroute. TAP output.
#   real-chain-test.sh CJDROUTE
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
trap 'stop_real; netns_cleanup; rm -rf "$tmp" /tmp/cjdchain$$-*.sock' EXIT
n=0; fails=0
ok() { n=$((n + 1)); if "$@"; then echo "ok $n - $desc"; else echo "not ok $n - $desc"; fails=$((fails + 1)); fi; }

netns_add r1; netns_add o; netns_add r2
netns_link r1 o 10.86.0.1 10.86.0.2
netns_link r2 o 10.87.0.1 10.87.0.2

"$cjdroute" --genconf | "$cjdroute" --cleanconf | CJDNS_TEST_TUN=1 python3 "$here/netns/make-conf.py" 0.0.0.0:7937 11234 \
  > "$tmp/o.conf" 2> "$tmp/o.id"
okey=$(sed -n 's/^pubkey=\([^ ]*\) .*/\1/p' "$tmp/o.id")
opw=$(sed -n 's/.*password=\([^ ]*\) .*/\1/p' "$tmp/o.id")
oip=$(sed -n 's/.*ipv6=//p' "$tmp/o.id")

real_conf() {  # real_conf NAME PEER_ADDR: a real node that dials O
  "$real" --genconf | "$real" --cleanconf > "$tmp/$1.json"
  python3 "$here/netns/real-conf.py" "/tmp/cjdchain$$-$1.sock" --udp 0.0.0.0:7937 --peer "$2" "$okey" "$opw" --admin 11234 \
    < "$tmp/$1.json" > "$tmp/$1.conf" 2> "$tmp/$1.id"
}
real_conf r1 10.86.0.2:7937
real_conf r2 10.87.0.2:7937
r1ip=$(sed -n 's/.*ipv6=//p' "$tmp/r1.id")
r2ip=$(sed -n 's/.*ipv6=//p' "$tmp/r2.id")

netns_spawn o "$tmp/o.log" "$cjdroute" --nobg --config "$tmp/o.conf"
netns_spawn r1 "$tmp/r1.log" sh -c "exec '$real' --nobg < '$tmp/r1.conf'"
netns_spawn r2 "$tmp/r2.log" sh -c "exec '$real' --nobg < '$tmp/r2.conf'"

both_peered() { [ "$(grep -c "peer 10.8[67].0.1:7937 .* ESTABLISHED" "$tmp/o.log")" -ge 2 ]; }
desc="both real nodes are peered with ours"; ok wait_for 30 both_peered
ping_ok() { netns_exec "$1" ping -6 -c 3 -i 0.3 -W 2 "$2" > "$tmp/ping-$1-$3.txt" 2>&1; }
desc="ours pings R1 and R2"; ok wait_for 30 sh -c "$(declare -f netns_exec ping_ok); NETNS_PREFIX=$NETNS_PREFIX tmp=$tmp; ping_ok o $r1ip r1 && ping_ok o $r2ip r2"
desc="real R1 pings real R2 through our node (real - ours - real)"; ok wait_for 60 ping_ok r1 "$r2ip" r2
desc="real R2 pings real R1 through our node"; ok wait_for 60 ping_ok r2 "$r1ip" r1
grep -h "rtt" "$tmp"/ping-r*.txt 2>/dev/null | sed 's/^/# /'
kill -USR1 "$(pgrep -f "cjdroute --nobg --config $tmp/o.conf" | head -1)" 2>/dev/null; sleep 1
grep "status counters\|status pathfinder" "$tmp/o.log" | tail -2 | sed 's/^/# ours: /'
if ((fails)); then
  for f in o r1 r2; do echo "# --- $f log (tail)"; tail -15 "$tmp/$f.log" | sed 's/^/#   /'; done
fi
echo "1..$n"
exit $((fails > 0))
