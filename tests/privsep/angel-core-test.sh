#!/usr/bin/env bash
# The running angel and core, as root, in network namespaces (two nodes, A and
# B, peered over a veth pair, both with TUNs):
#  - the core's /proc/PID/status: Uid != 0, CapEff 0, NoNewPrivs 1, Seccomp 2;
#    its only inherited fd beyond stdio is the IPC channel;
#  - a forbidden syscall injected into the running core (gdb) kills it with
#    SIGSYS, and the angel restarts it;
#  - kill -9 of the core: restarted, the TUN and its address stay, ping
#    resumes within 5 s;
#  - SIGTERM: status 0, core gone, TUN removed;
#  - the relay path (--tun-relay): the core holds no TUN fd, ping still works.
# TAP output.   angel-core-test.sh CJDROUTE
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
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
skip() { n=$((n + 1)); echo "ok $n - $desc # SKIP $1"; }

netns_add a; netns_add b
netns_link a b 10.83.0.1 10.83.0.2
export CJDNS_TEST_TUN=1
gen() { "$cjdroute" --genconf | "$cjdroute" --cleanconf; }
gen | python3 "$here/netns/make-conf.py" 0.0.0.0:7937 11234 > "$tmp/b.conf" 2> "$tmp/b.id"
bkey=$(sed -n 's/^pubkey=\([^ ]*\) .*/\1/p' "$tmp/b.id")
bpw=$(sed -n 's/.*password=\([^ ]*\).*/\1/p' "$tmp/b.id")
bip=$(sed -n 's/.*ipv6=//p' "$tmp/b.id")
gen | python3 "$here/netns/make-conf.py" 10.83.0.1:7937 11234 10.83.0.2:7937 "$bkey" "$bpw" default-login \
  > "$tmp/a.conf" 2> "$tmp/a.id"
aip=$(sed -n 's/.*ipv6=//p' "$tmp/a.id")
short() { python3 -c "import ipaddress,sys; print(ipaddress.IPv6Address(sys.argv[1]).compressed)" "$1"; }

netns_spawn b "$tmp/b.log" "$cjdroute" --nobg --config "$tmp/b.conf"
netns_spawn a "$tmp/a.log" "$cjdroute" --nobg --config "$tmp/a.conf"; pa=$NETNS_LAST_PID

core_of() { pgrep -P "$1" -x cjdns-core | head -1; }
has_core() { [ -n "$(core_of "$1")" ] && grep -q "core $(core_of "$1") running" "$2"; }
desc="A's angel spawns a core that reaches RUNNING"; ok wait_for 10 has_core "$pa" "$tmp/a.log"
core=$(core_of "$pa")
field() { awk -v k="$1:" '$1 == k {print $2}' "/proc/$core/status"; }
echo "# core $core: $(grep -E '^(Uid|CapEff|CapBnd|NoNewPrivs|Seccomp):' /proc/$core/status | tr '\t\n' '  ')"
desc="the core's Uid is not 0 ($(field Uid))"; ok test "$(field Uid)" != 0
desc="the core's CapEff is 0"; ok test "$(field CapEff)" = 0000000000000000
desc="the core's CapBnd is 0"; ok test "$(field CapBnd)" = 0000000000000000
desc="the core has NoNewPrivs 1"; ok test "$(field NoNewPrivs)" = 1
desc="the core has Seccomp 2 (filter)"; ok test "$(field Seccomp)" = 2
desc="the angel itself is root (it keeps the privileged work)"; ok test "$(awk '$1 == "Uid:" {print $2}' /proc/$pa/status)" = 0
# The core's fds: stdio, the IPC socket (fd 3), then what came over the IPC
# (TUN, UDP) and its own event-loop fds; nothing opened from a path.
fds=$(ls -l /proc/$core/fd | awk 'NR > 1 {print $9 "->" $11}' | tr '\n' ' ')
echo "# core fds: $fds"
desc="fd 3 of the core is the IPC socket"; ok grep -q 'socket:' <<<"$(readlink /proc/$core/fd/3)"
no_paths() { ! ls -l /proc/$core/fd | awk 'NR > 1 && $9 > 2 {print $11}' | grep -v '^socket:\|^anon_inode:\|^pipe:\|^/dev/net/tun$' | grep -q .; }
desc="the core holds no fd opened from a path besides the TUN"; ok no_paths

has_addr() { netns_exec "$1" ip -6 addr show dev tun0 | grep -q "$(short "$2")"; }
established() { grep -q "peer $1.* ESTABLISHED" "$2"; }
desc="A and B are peered"; ok wait_for 20 established 10.83.0.2:7937 "$tmp/a.log"
ping_ok() { netns_exec "$1" ping -6 -c 1 -W 1 "$2" > /dev/null 2>&1; }
desc="A pings B through the sandboxed core"; ok wait_for 20 ping_ok a "$bip"

# A forbidden syscall in the running core: socket() is not on the allow-list.
if command -v gdb >/dev/null; then
  timeout 60 gdb -p "$core" -batch -ex 'call (int)socket(2,2,0)' > "$tmp/gdb.txt" 2>&1
  sigsys() { grep -q "core $core was killed by signal 31" "$tmp/a.log"; }
  desc="socket() injected into the running core kills it with SIGSYS"; ok wait_for 10 sigsys
  restarted() { local c; c=$(core_of "$pa"); [ -n "$c" ] && [ "$c" != "$core" ] && grep -q "core $c running" "$tmp/a.log"; }
  desc="the angel restarts it"; ok wait_for 10 restarted
else
  desc="socket() injected into the running core kills it with SIGSYS"; skip "gdb is not installed"
  desc="the angel restarts it"; skip "gdb is not installed"
fi

# kill -9: the TUN (same ifindex) and its address stay; ping resumes quickly.
wait_for 10 ping_ok a "$bip"
core=$(core_of "$pa")
idx_before=$(netns_exec a cat /sys/class/net/tun0/ifindex)
start=$(date +%s%N)
kill -KILL "$core"
back() { ping_ok a "$bip"; }
resumed=no; if wait_for 5 back; then resumed=yes; fi
ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "# ping resumed ${ms} ms after kill -9 of the core"
desc="after kill -9 of the core, ping A->B resumes within 5 s (${ms} ms)"; ok test "$resumed" = yes
desc="a new core runs"; ok test -n "$(core_of "$pa")" -a "$(core_of "$pa")" != "$core"
desc="the TUN is the same device (ifindex $idx_before)"; ok test "$(netns_exec a cat /sys/class/net/tun0/ifindex)" = "$idx_before"
desc="the TUN still carries A's address"; ok has_addr a "$aip"
desc="B pings A again"; ok wait_for 5 ping_ok b "$aip"
# The admin API comes back with the new core (a new bridge beside it).
admin_pid() { netns_exec a python3 "$here/netns/admin-call.py" Core_pid 2>/dev/null | grep -q "\"pid\": $(core_of "$pa")"; }
desc="the admin API answers again, from the new core"; ok wait_for 10 admin_pid

# SIGTERM: clean exit, core gone, TUN removed.
core=$(core_of "$pa")
kill -TERM "$pa"
gone() { ! kill -0 "$pa" 2>/dev/null; }
wait_for 5 gone; wait "$pa"; st=$?
desc="SIGTERM: the angel exits with status 0"; ok test "$st" = 0
desc="SIGTERM: the core is gone"; ok test ! -e "/proc/$core"
no_tun() { ! netns_exec a ip link show tun0 >/dev/null 2>&1; }
desc="SIGTERM: the TUN is removed"; ok wait_for 3 no_tun

# The relay path: the angel keeps the TUN, packets cross the IPC.
netns_spawn a "$tmp/a2.log" "$cjdroute" --nobg --tun-relay --config "$tmp/a.conf"; pa=$NETNS_LAST_PID
desc="relay path: the core runs"; ok wait_for 10 has_core "$pa" "$tmp/a2.log"
core=$(core_of "$pa")
no_tun_fd() { ! ls -l /proc/$core/fd | grep -q /dev/net/tun; }
desc="relay path: the core holds no TUN fd"; ok no_tun_fd
desc="relay path: A pings B"; ok wait_for 20 ping_ok a "$bip"
desc="relay path: B pings A"; ok wait_for 10 ping_ok b "$aip"
relay_counted() {
  kill -USR1 "$pa"; sleep 0.3
  grep 'status angel' "$tmp/a2.log" | tail -1 | grep -q 'relayToCore=[1-9].*relayToHost=[1-9]'
}
desc="relay path: the angel counted packets both ways"; ok wait_for 5 relay_counted
grep 'status angel' "$tmp/a2.log" | tail -1 | sed 's/^/# /'

if ((fails)); then
  for f in a a2 b; do echo "# --- $f log (tail)"; tail -20 "$tmp/$f.log" 2>/dev/null | sed 's/^/#   /'; done
fi
echo "1..$n"
exit $((fails > 0))
