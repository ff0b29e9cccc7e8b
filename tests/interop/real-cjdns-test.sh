#!/usr/bin/env bash
# Interop with a real cjdns node (built by hand outside this tree; see
# docs/interop.md). Skips unless CJDNS_REFERENCE_CJDROUTE names its cjdroute.
# Namespaces: R runs real cjdns; U1 runs ours and dials R; U2 runs ours and
# R dials it. Both links must be ESTABLISHED in R's own peerStats, early and
# again after the soak. TAP output; R's peerStats lines are printed as
# comments for the record.
#   real-cjdns-test.sh CJDROUTE      (env CJDNS_SOAK_SECONDS, default 65)
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
cjdroute="$1"
real="${CJDNS_REFERENCE_CJDROUTE:-}"
soak="${CJDNS_SOAK_SECONDS:-65}"
if [[ -z "$real" || ! -x "$real" ]]; then
  echo "1..0 # SKIP set CJDNS_REFERENCE_CJDROUTE to a real cjdns cjdroute (see docs/interop.md)"
  exit 0
fi
source "$here/netns/netns-lib.sh"
netns_require
netns_init
tmp=$(mktemp -d)
pipe="cjdint$$.sock"
trap 'netns_exec r python3 "$here/netns/admin-call.py" Core_exit >/dev/null 2>&1; netns_cleanup; rm -rf "$tmp" "/tmp/$pipe"' EXIT

n=0; fails=0
ok() { n=$((n + 1)); if "$@"; then echo "ok $n - $desc"; else echo "not ok $n - $desc"; fails=$((fails + 1)); fi; }

netns_add r; netns_add u1; netns_add u2
netns_link u1 r 10.79.0.1 10.79.0.2
netns_link u2 r 10.80.0.1 10.80.0.2

# Our nodes.
gen() { "$cjdroute" --genconf | "$cjdroute" --cleanconf; }
gen > "$tmp/u2.json"
CJDNS_TEST_TUN=1 python3 "$here/netns/make-conf.py" 10.80.0.1:7937 11234 < "$tmp/u2.json" > "$tmp/u2.conf" 2> "$tmp/u2.id"
u2key=$(sed -n 's/^pubkey=\([^ ]*\) .*/\1/p' "$tmp/u2.id")
u2pw=$(sed -n 's/.*password=\([^ ]*\).*/\1/p' "$tmp/u2.id")
u2ip=$(sed -n 's/.*ipv6=//p' "$tmp/u2.id")

# The real node: its own genconf, beacons off, one UDP socket, logs to stdout.
"$real" --genconf | "$real" --cleanconf > "$tmp/r.json"
python3 "$here/netns/real-conf.py" "$pipe" --udp 0.0.0.0:7937 --peer 10.80.0.1:7937 "$u2key" "$u2pw" \
  < "$tmp/r.json" > "$tmp/r.conf" 2> "$tmp/r.id"
rkey=$(sed -n 's/^pubkey=\([^ ]*\) .*/\1/p' "$tmp/r.id")
rpw=$(sed -n 's/.*password=\([^ ]*\).*/\1/p' "$tmp/r.id")
rip=$(sed -n 's/.*ipv6=//p' "$tmp/r.id")
CJDNS_TEST_TUN=1 gen | CJDNS_TEST_TUN=1 python3 "$here/netns/make-conf.py" 10.79.0.1:7937 11234 10.79.0.2:7937 "$rkey" "$rpw" default-login > "$tmp/u1.conf" 2> "$tmp/u1.id"
u1ip=$(sed -n 's/.*ipv6=//p' "$tmp/u1.id")

netns_spawn u2 "$tmp/u2.log" "$cjdroute" --nobg --config "$tmp/u2.conf"; pu2=$NETNS_LAST_PID
netns_spawn r "$tmp/r.log" sh -c "exec '$real' --nobg < '$tmp/r.conf'"
sleep 1
netns_spawn u1 "$tmp/u1.log" "$cjdroute" --nobg --config "$tmp/u1.conf"; pu1=$NETNS_LAST_PID

peerstats() { netns_exec r python3 "$here/netns/admin-call.py" InterfaceController_peerStats page=i:0; }
real_sees() {  # real_sees IP: R's peerStats has an ESTABLISHED peer at IP
  peerstats > "$tmp/ps.json" 2>/dev/null || return 1
  python3 - "$tmp/ps.json" "$1" <<'PY'
import json, sys
ps = json.load(open(sys.argv[1]))
sys.exit(0 if any(p.get("lladdr", "").startswith(sys.argv[2] + ":") and p.get("state") == "ESTABLISHED"
                  for p in ps.get("peers", [])) else 1)
PY
}
desc="real cjdns sees our node that dialled it ESTABLISHED"; ok wait_for 30 real_sees 10.79.0.1
desc="real cjdns sees our node it dialled ESTABLISHED"; ok wait_for 30 real_sees 10.80.0.1
ours_sees() { grep -q "peer $1 .* ESTABLISHED" "$2"; }
desc="our dialling node sees real cjdns ESTABLISHED"; ok wait_for 10 ours_sees 10.79.0.2:7937 "$tmp/u1.log"
desc="our dialled node sees real cjdns ESTABLISHED"; ok wait_for 10 ours_sees 10.80.0.2:7937 "$tmp/u2.log"
sleep "$soak"
desc="after ${soak}s real cjdns still sees the node that dialled it ESTABLISHED"; ok real_sees 10.79.0.1
desc="after ${soak}s real cjdns still sees the node it dialled ESTABLISHED"; ok real_sees 10.80.0.1
python3 - "$tmp/ps.json" <<'PY' | sed 's/^/# real peerStats: /'
import json, sys
for p in json.load(open(sys.argv[1])).get("peers", []):
    print("%s %s %s in=%s out=%s dup=%s los=%s oor=%s user=%s" % (p.get("lladdr"), p.get("addr"), p.get("state"),
          p.get("bytesIn"), p.get("bytesOut"), p.get("duplicates"), p.get("lostPackets"),
          p.get("receivedOutOfRange"), p.get("user")))
PY
version21() { kill -USR1 "$1" 2>/dev/null; sleep 1; grep "status peer $2" "$3" | tail -1 | grep -q "state=ESTABLISHED version=21"; }
# End to end: R's inner sessions with our nodes (set up by its CJDHT pings).
sessions_established() {
  netns_exec r python3 "$here/netns/admin-call.py" SessionManager_getHandles page=i:0 > "$tmp/h.json" 2>/dev/null || return 1
  local count=0 h
  for h in $(python3 -c "import json,sys; print(' '.join(str(x) for x in json.load(open(sys.argv[1])).get('handles',[])))" "$tmp/h.json"); do
    netns_exec r python3 "$here/netns/admin-call.py" SessionManager_sessionStats handle=i:$h > "$tmp/s.json" 2>/dev/null || continue
    python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d.get('state')=='ESTABLISHED' else 1)" "$tmp/s.json" && count=$((count + 1))
    python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print('# real session: %s %s %s handle=%s sendHandle=%s dup=%s lost=%s' % (d.get('addr'), d.get('ip6'), d.get('state'), d.get('handle'), d.get('sendHandle'), d.get('duplicates'), d.get('lostPackets')))" "$tmp/s.json"
  done
  [ "$count" -ge 2 ]
}
desc="real cjdns has ESTABLISHED end-to-end sessions with both our nodes"; ok wait_for 20 sessions_established
# IPv6 through both TUNs: our dialling node (with a TUN) and the real node.
ping_ok() { netns_exec "$1" ping -6 -c 3 -i 0.3 -W 2 "$2" > "$tmp/ping-$1.txt" 2>&1; }
desc="our node pings real cjdns's fc address through the TUNs"; ok wait_for 30 ping_ok u1 "$rip"
desc="real cjdns pings our node's fc address through the TUNs"; ok wait_for 30 ping_ok r "$u1ip"
# A chain ours - real cjdns - ours: U1 and U2 are not peers; U1 finds U2
# by asking R (fn) and routes through R's switch.
desc="our node pings our other node through real cjdns (ours - real - ours)"; ok wait_for 30 ping_ok u1 "$u2ip"
desc="and back (U2 pings U1 through real cjdns)"; ok wait_for 30 ping_ok u2 "$u1ip"
grep -h "rtt\|packets transmitted" "$tmp"/ping-*.txt 2>/dev/null | sed 's/^/# ping: /'
desc="our dialling node learned version 21 from real cjdns's pongs"; ok version21 "$pu1" 10.79.0.2:7937 "$tmp/u1.log"
desc="our dialled node learned version 21 from real cjdns's pongs"; ok version21 "$pu2" 10.80.0.2:7937 "$tmp/u2.log"

if ((fails)); then
  for f in r u1 u2; do echo "# --- $f log (tail)"; tail -25 "$tmp/$f.log" | sed 's/^/#   /'; done
fi
echo "1..$n"
exit $((fails > 0))
