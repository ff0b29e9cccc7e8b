#!/usr/bin/env bash
# Three cjdns-cpp nodes in a line, A - B - C, each in its own network
# namespace with a TUN device: A and C both dial B and are not peers of each
# other, so A and C can only reach each other through the pathfinder (an fn
# query to B names the other end) and B's switch. Checks the TUN addresses,
# both peerings, ping6 A -> C and C -> A on the fc addresses, then a 100 MB
# TCP transfer from A to C whose SHA-256 must match on both sides. TAP output.
#   three-node-test.sh CJDROUTE
set -u
here=$(cd "$(dirname "$0")" && pwd)
cjdroute="$1"
source "$here/netns/netns-lib.sh"
netns_require
[[ -c /dev/net/tun ]] || { echo "1..0 # SKIP /dev/net/tun is missing"; exit 0; }
command -v ping >/dev/null || { echo "1..0 # SKIP ping (iputils-ping) is not installed"; exit 0; }
command -v python3 >/dev/null || { echo "1..0 # SKIP python3 is not installed"; exit 0; }
netns_init
tmp=$(mktemp -d)
trap 'netns_cleanup; rm -rf "$tmp"' EXIT

n=0; fails=0
ok() { n=$((n + 1)); if "$@"; then echo "ok $n - $desc"; else echo "not ok $n - $desc"; fails=$((fails + 1)); fi; }

netns_add a; netns_add b; netns_add c
netns_link a b 10.82.0.1 10.82.0.2
netns_link b c 10.83.0.2 10.83.0.3
export CJDNS_TEST_TUN=1
gen() { "$cjdroute" --genconf | "$cjdroute" --cleanconf; }
gen | python3 "$here/netns/make-conf.py" 0.0.0.0:7937 11234 > "$tmp/b.conf" 2> "$tmp/b.id"
bkey=$(sed -n 's/^pubkey=\([^ ]*\) .*/\1/p' "$tmp/b.id")
bpw=$(sed -n 's/.*password=\([^ ]*\).*/\1/p' "$tmp/b.id")
bip=$(sed -n 's/.*ipv6=//p' "$tmp/b.id")
gen | python3 "$here/netns/make-conf.py" 10.82.0.1:7937 11234 10.82.0.2:7937 "$bkey" "$bpw" default-login \
  > "$tmp/a.conf" 2> "$tmp/a.id"
gen | python3 "$here/netns/make-conf.py" 10.83.0.3:7937 11234 10.83.0.2:7937 "$bkey" "$bpw" default-login \
  > "$tmp/c.conf" 2> "$tmp/c.id"
aip=$(sed -n 's/.*ipv6=//p' "$tmp/a.id")
cip=$(sed -n 's/.*ipv6=//p' "$tmp/c.id")

netns_spawn b "$tmp/b.log" "$cjdroute" --nobg --config "$tmp/b.conf"
netns_spawn a "$tmp/a.log" "$cjdroute" --nobg --config "$tmp/a.conf"
netns_spawn c "$tmp/c.log" "$cjdroute" --nobg --config "$tmp/c.conf"

has_addr() { netns_exec "$1" ip -6 addr show | grep -q "$2"; }
short() { python3 -c "import ipaddress,sys; print(ipaddress.IPv6Address(sys.argv[1]).compressed)" "$1"; }
desc="A's TUN carries its fc address"; ok wait_for 10 has_addr a "$(short "$aip")"
desc="B's TUN carries its fc address"; ok wait_for 10 has_addr b "$(short "$bip")"
desc="C's TUN carries its fc address"; ok wait_for 10 has_addr c "$(short "$cip")"
established() { grep -q "peer $1.* ESTABLISHED" "$2"; }
both() { established 10.82.0.2:7937 "$tmp/a.log" && established 10.82.0.1:7937 "$tmp/b.log"; }
desc="A and B are peered"; ok wait_for 20 both
both() { established 10.83.0.2:7937 "$tmp/c.log" && established 10.83.0.3:7937 "$tmp/b.log"; }
desc="B and C are peered"; ok wait_for 20 both
not_peered() { ! grep -q "peer 10.83.0.3:7937" "$tmp/a.log" && ! grep -q "peer 10.82.0.1:7937" "$tmp/c.log"; }
desc="A and C are not peers"; ok not_peered
ping_ok() { netns_exec "$1" ping -6 -c 3 -i 0.3 -W 2 "$2" > "$tmp/ping-$1.txt" 2>&1; }
desc="A pings C's fc address through B"; ok wait_for 30 ping_ok a "$cip"
desc="C pings A's fc address through B"; ok wait_for 30 ping_ok c "$aip"
grep -h "rtt\|packets transmitted" "$tmp"/ping-*.txt 2>/dev/null | sed 's/^/# /'

# 100 MB of random data over TCP from A to C, on their fc addresses.
size=$((100 * 1024 * 1024))
netns_spawn c "$tmp/recv.log" python3 "$here/netns/tcp-transfer.py" recv "$cip" 7000 "$tmp/recv.out"
desc="C listens on its fc address"; ok wait_for 10 test -e "$tmp/recv.out.ready"
send() { netns_exec a timeout 120 python3 "$here/netns/tcp-transfer.py" send "$cip" 7000 "$size" > "$tmp/send.out" 2> "$tmp/send.err"; }
desc="A sends 100 MB to C over TCP within 120 s"; ok send
got() { test -s "$tmp/recv.out"; }
wait_for 10 got
read -r shash ssize secs < "$tmp/send.out" 2>/dev/null || true
read -r rhash rsize _ < "$tmp/recv.out" 2>/dev/null || true
same() { [[ -n "${shash:-}" && "${shash:-}" == "${rhash:-}" && "${ssize:-}" == "$size" && "${rsize:-}" == "$size" ]]; }
desc="C received the same 100 MB (SHA-256 ${rhash:-none})"; ok same
if [[ -n "${secs:-}" ]]; then
  python3 -c "import sys; print('# 100 MB A -> C in %s s: %.1f MB/s' % (sys.argv[1], 100 / float(sys.argv[1])))" "$secs"
fi

if ((fails)); then
  for f in a b c; do echo "# --- node $f log (tail)"; tail -15 "$tmp/$f.log" | sed 's/^/#   /'; done
  for f in send.err recv.log; do [[ -s "$tmp/$f" ]] && { echo "# --- $f"; tail -5 "$tmp/$f" | sed 's/^/#   /'; }; done
fi
echo "1..$n"
exit $((fails > 0))
