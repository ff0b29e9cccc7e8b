#!/usr/bin/env bash
# Interop over Ethernet with a real cjdns node (built by hand outside this
# tree; see docs/interop.md). Skips unless CJDNS_REFERENCE_CJDROUTE names its
# cjdroute. Namespaces R (real cjdns) and U (ours) share one veth pair and
# nothing else: both have only an ETHInterface on the veth with beacon mode 2
# and no connectTo, so they must find each other by their beacons. Run twice,
# real cjdns started first (it dials us) and ours first (we dial it). Checks:
# each sees the other ESTABLISHED (R in its own peerStats), and ping6 of the
# other's fc address works both ways through the TUNs. TAP output.
#   real-eth-beacon-test.sh CJDROUTE
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
command -v ping >/dev/null || { echo "1..0 # SKIP ping (iputils-ping) is not installed"; exit 0; }
netns_init
tmp=$(mktemp -d)
pipe="cjdeth$$.sock"
trap 'netns_exec r python3 "$here/netns/admin-call.py" Core_exit >/dev/null 2>&1; netns_cleanup; rm -rf "$tmp" "/tmp/$pipe"' EXIT

n=0; fails=0
ok() { n=$((n + 1)); if "$@"; then echo "ok $n - $desc"; else echo "not ok $n - $desc"; fails=$((fails + 1)); fi; }

netns_add r; netns_add u
netns_link u r 10.86.0.1 10.86.0.2
vu="v$$ur"; vu=${vu:0:15}; vr="v$$ru"; vr=${vr:0:15}  # as netns_link names them
mac_of() { netns_exec "$1" ip -o link show dev "$2" | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2; }
macu=$(mac_of u "$vu"); macr=$(mac_of r "$vr")
echo "# our veth $vu is $macu, real cjdns's veth $vr is $macr"

# The real node: its own genconf (TUN included), ETHInterface only, logs to stdout.
"$real" --genconf | "$real" --cleanconf > "$tmp/r.json"
python3 "$here/netns/real-conf.py" "$pipe" --eth "$vr" < "$tmp/r.json" > "$tmp/r.conf" 2> "$tmp/r.id"
rip=$(sed -n 's/.*ipv6=//p' "$tmp/r.id")

# Ours: a TUN, an ETHInterface on the veth with beacons, a UDP socket nobody dials.
"$cjdroute" --genconf | "$cjdroute" --cleanconf \
  | CJDNS_TEST_TUN=1 CJDNS_TEST_ETH="$vu" python3 "$here/netns/make-conf.py" 127.0.0.1:7937 11234 \
  > "$tmp/u.conf" 2> "$tmp/u.id"
ukey=$(sed -n 's/^pubkey=\([^ ]*\) .*/\1/p' "$tmp/u.id")
uip=$(sed -n 's/.*ipv6=//p' "$tmp/u.id")

real_sees_us() {
  netns_exec r python3 "$here/netns/admin-call.py" InterfaceController_peerStats page=i:0 > "$tmp/ps.json" 2>/dev/null || return 1
  python3 - "$tmp/ps.json" "$ukey" <<'PY'
import json, sys
ps = json.load(open(sys.argv[1]))
sys.exit(0 if any(sys.argv[2] in p.get("addr", "") and p.get("state") == "ESTABLISHED"
                  for p in ps.get("peers", [])) else 1)
PY
}
ours_sees() { grep -q "peer $macr .* ESTABLISHED" "$1"; }
ping_ok() { netns_exec "$1" ping -6 -c 3 -i 0.3 -W 2 "$2" > "$tmp/ping-$1.txt" 2>&1; }
stop_pid() {  # stop_pid PID: a process we started, asked to stop, then waited for
  kill -TERM "$1" 2>/dev/null
  local i; for i in $(seq 50); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  wait "$1" 2>/dev/null
}
stop_real() {  # Core_exit through its admin API, then its angel is waited for
  netns_exec r python3 "$here/netns/admin-call.py" Core_exit >/dev/null 2>&1
  local i; for i in $(seq 50); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$1" 2>/dev/null && stop_pid "$1"
  { wait "$1"; } 2>/dev/null  # its angel aborts when the core exits: not ours to report
}

# Who dials depends on whose beacon is heard first: each node beacons once at
# start, then every 32 s. "real-first": real cjdns hears ours and dials us
# (auth type 1, the password alone). "ours-first": we hear its beacon and
# dial it (login "Local Peers", auth type 2).
one_run() {  # one_run real-first|ours-first
  local label="$1" pr pu
  if [[ $label == real-first ]]; then
    netns_spawn r "$tmp/r-$label.log" sh -c "exec '$real' --nobg < '$tmp/r.conf'"; pr=$NETNS_LAST_PID
    sleep 2
    netns_spawn u "$tmp/u-$label.log" "$cjdroute" --nobg --config "$tmp/u.conf"; pu=$NETNS_LAST_PID
  else
    netns_spawn u "$tmp/u-$label.log" "$cjdroute" --nobg --config "$tmp/u.conf"; pu=$NETNS_LAST_PID
    sleep 2
    netns_spawn r "$tmp/r-$label.log" sh -c "exec '$real' --nobg < '$tmp/r.conf'"; pr=$NETNS_LAST_PID
  fi
  desc="$label: real cjdns sees our node ESTABLISHED over Ethernet (found by beacon)"; ok wait_for 40 real_sees_us
  python3 - "$tmp/ps.json" <<'PY' | sed "s/^/# $label: real peerStats: /"
import json, sys
for p in json.load(open(sys.argv[1])).get("peers", []):
    print("%s %s %s in=%s out=%s incoming=%s user=%s" % (p.get("lladdr"), p.get("addr"), p.get("state"),
          p.get("bytesIn"), p.get("bytesOut"), p.get("isIncoming"), p.get("user")))
PY
  desc="$label: our node sees real cjdns ESTABLISHED at its MAC"; ok wait_for 20 ours_sees "$tmp/u-$label.log"
  if [[ $label == ours-first ]]; then
    desc="$label: our node dialled real cjdns on hearing its beacon"
    ok grep -q "beacon on ETH/$vu: connecting to $macr" "$tmp/u-$label.log"
  fi
  desc="$label: our node pings real cjdns's fc address over Ethernet"; ok wait_for 30 ping_ok u "$rip"
  desc="$label: real cjdns pings our node's fc address over Ethernet"; ok wait_for 30 ping_ok r "$uip"
  grep -h "rtt" "$tmp"/ping-*.txt 2>/dev/null | sed "s/^/# $label: ping: /"
  desc="$label: no UDP peer on our side (Ethernet only)"; ok bash -c "! grep -q 'peer [0-9.]*:[0-9]* ' '$tmp/u-$label.log'"
  stop_pid "$pu"; stop_real "$pr"
}
one_run real-first
one_run ours-first

if ((fails)); then
  for f in "$tmp"/*.log; do echo "# --- $(basename "$f") (tail)"; tail -25 "$f" | sed 's/^/#   /'; done
fi
echo "1..$n"
exit $((fails > 0))
