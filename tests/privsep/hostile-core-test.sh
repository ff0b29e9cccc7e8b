#!/usr/bin/env bash
# The angel against a hostile core: for each way of breaking the IPC rules
# (out of phase, repeated, oversized, fd-bearing, out of config, garbage) the
# angel must end that core, say why, restart a fresh one with backoff, and
# still stop cleanly on SIGTERM; a core that keeps crashing makes the angel
# give up with a non-zero status. No TUN and no root needed: the node has
# only a UDP socket on 127.0.0.1. TAP output.
#   hostile-core-test.sh CJDROUTE HOSTILE_CORE
set -u
cjdroute="$1"; hostile="$2"
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$tmp"; }
trap cleanup EXIT
n=0; fails=0
ok() { n=$((n + 1)); if "$@"; then echo "ok $n - $desc"; else echo "not ok $n - $desc"; fails=$((fails + 1)); fi; }
wait_for() { local deadline=$((SECONDS + $1)); shift; until "$@"; do ((SECONDS >= deadline)) && return 1; sleep 0.1; done; }

# A config with no TUN (router.interface of type "SocketInterface" would warn;
# drop the interface) and one UDP interface on loopback, any port.
"$cjdroute" --genconf | "$cjdroute" --cleanconf | python3 -c '
import json, sys
c = json.load(sys.stdin)
c["interfaces"] = {"UDPInterface": [{"bind": "127.0.0.1:0", "connectTo": {}}]}
c["router"]["interface"] = {"type": "SocketInterface", "socketFullPath": "/nonexistent"}
c["admin"]["bind"] = "127.0.0.1:0"  # never collide with a real node or a parallel test
c.pop("noBackground", None)
json.dump(c, sys.stdout)' > "$tmp/node.conf"

# run MODE: starts the angel with the hostile core; leaves its PID in $apid.
run() {
  : > "$tmp/$1.log"
  "$cjdroute" --nobg --config "$tmp/node.conf" --core "$hostile" --core-arg "$1" > "$tmp/$1.log" 2>&1 &
  apid=$!; pids+=("$apid")
}
starts() { [ "$(grep -c 'core started' "$1")" -ge "$2" ]; }
stops_cleanly() {  # stops_cleanly PID: SIGTERM, then exit status 0 within 5 s
  kill -TERM "$1"
  local i; for i in $(seq 50); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  wait "$1"
}

check_mode() {  # check_mode MODE EXPECTED-REASON
  local mode="$1" reason="$2" log="$tmp/$1.log"
  run "$mode"
  desc="$mode: the angel ends the core and says why ($reason)"
  ok wait_for 10 grep -q "broke the angel's rules: .*$reason" "$log"
  desc="$mode: a fresh core is started after the backoff"
  ok wait_for 10 starts "$log" 2
  desc="$mode: the angel still stops cleanly on SIGTERM (status 0)"
  ok stops_cleanly "$apid"
  if ((fails)); then sed 's/^/#   /' "$log" | tail -12; fi
}

check_mode out-of-phase "running in phase SPAWNED"
check_mode repeated "configured in phase CONFIGURED"
check_mode oversized "message over"
check_mode oversized-packet "relayPacket"
check_mode fd-bearing "the core sent file descriptors"
check_mode out-of-config "gateway is not in router.ipTunnel.outgoingConnections"
check_mode garbage "not whole Cap'n Proto words\|malformed"

# A core that crashes every time: restarts back off, then the angel gives up.
run crash
desc="a core that keeps crashing: the angel gives up with status 1"
gave_up() { ! kill -0 "$apid" 2>/dev/null; }
if wait_for 40 gave_up; then wait "$apid"; st=$?; else st=timeout; fi
ok test "$st" = 1
desc="it said why"
ok grep -q "crashes within 300 s, giving up" "$tmp/crash.log"
starts6() { starts "$tmp/crash.log" 6; }
desc="after 6 starts"
ok starts6
delays=$(grep -o 'core [0-9]* .*; restarting it in [0-9]* ms' "$tmp/crash.log" | awk '{print $(NF-1)}' | tr '\n' ' ')
desc="restart delays back off ($delays)"
ok test "$delays" = "500 1000 2000 4000 8000 "

echo "1..$n"
exit $((fails > 0))
