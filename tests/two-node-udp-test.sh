#!/usr/bin/env bash
# Two (and a third, misconfigured) cjdns-cpp nodes in their own network
# namespaces peer over UDP on a veth pair: they reach ESTABLISHED, stay there
# through keepalives, learn each other's version from switch pongs, refuse a
# wrong password and drop a replayed packet, counting both. TAP output.
#   two-node-udp-test.sh CJDROUTE      (env CJDNS_SOAK_SECONDS, default 65)
set -u
here=$(cd "$(dirname "$0")" && pwd)
cjdroute="$1"
soak="${CJDNS_SOAK_SECONDS:-65}"
source "$here/netns/netns-lib.sh"
netns_require
netns_init
tmp=$(mktemp -d)
trap 'netns_cleanup; rm -rf "$tmp"' EXIT

n=0; fails=0
ok() { n=$((n + 1)); if "$@"; then echo "ok $n - $desc"; else echo "not ok $n - $desc"; fails=$((fails + 1)); fi; }

netns_add a; netns_add b; netns_add c
netns_link a b 10.77.0.1 10.77.0.2
netns_link c b 10.78.0.3 10.78.0.2
va="v$$ab"; va="${va:0:15}"

gen() { "$cjdroute" --genconf | "$cjdroute" --cleanconf; }
gen > "$tmp/b.json"
python3 "$here/netns/make-conf.py" 0.0.0.0:7937 11234 < "$tmp/b.json" > "$tmp/b.conf" 2> "$tmp/b.id"
bkey=$(sed -n 's/^pubkey=\([^ ]*\) .*/\1/p' "$tmp/b.id")
bpw=$(sed -n 's/.*password=\([^ ]*\).*/\1/p' "$tmp/b.id")
gen | python3 "$here/netns/make-conf.py" 10.77.0.1:7937 11234 10.77.0.2:7937 "$bkey" "$bpw" default-login > "$tmp/a.conf" 2>/dev/null
gen | python3 "$here/netns/make-conf.py" 10.78.0.3:7937 11234 10.78.0.2:7937 "$bkey" "wrong-password" default-login > "$tmp/c.conf" 2>/dev/null

netns_spawn b "$tmp/b.log" "$cjdroute" --nobg --config "$tmp/b.conf"; pb=$NETNS_LAST_PID
netns_spawn a "$tmp/a.log" "$cjdroute" --nobg --config "$tmp/a.conf"; pa=$NETNS_LAST_PID
netns_spawn c "$tmp/c.log" "$cjdroute" --nobg --config "$tmp/c.conf"; pc=$NETNS_LAST_PID

established() { grep -q "peer $1.* ESTABLISHED" "$2"; }
desc="A sees B ESTABLISHED"; ok wait_for 20 established 10.77.0.2:7937 "$tmp/a.log"
desc="B sees A ESTABLISHED"; ok wait_for 20 established 10.77.0.1:7937 "$tmp/b.log"

# Replay one of A's data packets to B, byte for byte, from A's side of the link.
desc="a captured data packet from A can be replayed"
ok netns_exec a python3 "$here/netns/replay-udp.py" "$va" 7937 20

sleep "$soak"
status() {  # status NODE-PID LOG: ask for a status dump and wait for it
  local before; before=$(grep -c 'status counters' "$2")
  kill -USR1 "$1"
  wait_for 5 sh -c "[ \$(grep -c 'status counters' '$2') -gt $before ]"
}
status "$pa" "$tmp/a.log"; status "$pb" "$tmp/b.log"; status "$pc" "$tmp/c.log"

last_state() { grep "peer $1 " "$2" | grep -v status | tail -1 | awk '{print $NF}' | tr -d '"'; }
still_established() { grep "status peer $1 " "$2" | tail -1 | grep -q "state=ESTABLISHED version=21"; }
desc="after ${soak}s A still sees B ESTABLISHED with version 21 (pongs came back)"; ok still_established 10.77.0.2:7937 "$tmp/a.log"
desc="after ${soak}s B still sees A ESTABLISHED with version 21"; ok still_established 10.77.0.1:7937 "$tmp/b.log"
# State lines after the first ESTABLISHED one must all say ESTABLISHED.
never_dropped() {
  grep "peer $1 " "$2" | grep -v status | awk '/ ESTABLISHED /{seen=1; next} seen{bad=1} END{exit bad}'
}
desc="A's view of B never fell back from ESTABLISHED"; ok never_dropped 10.77.0.2:7937 "$tmp/a.log"
counter() { grep 'status counters' "$2" | tail -1 | sed -n "s/.*$1=\([0-9]*\).*/\1/p"; }
refused() { [ "$(counter handshakeRefused "$tmp/b.log")" -gt 0 ]; }
desc="B refused C's wrong password and counted it"; ok refused
no_c_peer() { ! grep -q "peer 10.78.0.3" "$tmp/b.log"; }
desc="B created no peer for C"; ok no_c_peer
c_not_est() { ! grep "peer 10.78.0.2" "$tmp/c.log" | grep -q ESTABLISHED; }
desc="C never reached ESTABLISHED"; ok c_not_est
replay_counted() { [ "$(counter replayDrops "$tmp/b.log")" -ge 1 ] && grep "status peer 10.77.0.1:7937" "$tmp/b.log" | tail -1 | grep -qv " dup=0 "; }
desc="B dropped the replayed packet and counted it as a duplicate"; ok replay_counted

if ((fails)); then
  for f in a b c; do echo "# --- node $f log (tail)"; tail -15 "$tmp/$f.log" | sed 's/^/#   /'; done
fi
echo "1..$n"
exit $((fails > 0))
