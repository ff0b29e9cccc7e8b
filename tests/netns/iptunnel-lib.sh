# Shell helpers for the IpTunnel tests (tests/iptunnel-test.sh and
# tests/interop/real-iptunnel-test.sh). Source after netns-lib.sh; the
# caller defines ok() and the variables here (tests dir) and tmp.

# tun_of NS: the name of the (first) TUN device in a namespace.
tun_of() { netns_exec "$1" ip -o link show type tun | awk -F': ' '{print $2; exit}'; }
has_tun() { [[ -n "$(tun_of "$1")" ]]; }

# gateway_setup NS BLOCK4 BLOCK6: what an operator does on a gateway whose
# clients' blocks need no NAT: forwarding on, the blocks routed to its TUN.
gateway_setup() {
  local tun
  tun=$(tun_of "$1")
  netns_exec "$1" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
  netns_exec "$1" ip route add "$2" dev "$tun"
  netns_exec "$1" ip -6 route add "$3" dev "$tun"
}

# routes_via NS DEST DEV: the kernel of NS sends DEST out of DEV.
routes_via() { netns_exec "$1" ip route get "$2" | grep -q "dev $3 "; }

# ping_from NS ARGS...: ping inside NS; its output stays in $tmp/ping.txt.
ping_from() { local ns=$1; shift; netns_exec "$ns" ping "$@" > "$tmp/ping.txt" 2>&1; }
ping_summary() { grep -h "rtt\|packets transmitted" "$tmp/ping.txt" | sed "s/^/# $1: /"; }

# tunnel_transfer NAME FROM_NS TO_NS ADDR PORT BYTES SOURCE: BYTES of
# random data over TCP from FROM_NS to ADDR:PORT in TO_NS, SHA-256 compared
# on both ends; the receiver must have seen SOURCE (the client's tunnel
# address: no NAT). Four TAP lines and one comment with the rate.
tunnel_transfer() {
  local name=$1 from=$2 to=$3 addr=$4 port=$5 size=$6 source=$7 shash ssize secs rhash rsize rpeer
  local out="$tmp/recv-$name.out"
  netns_spawn "$to" "$tmp/recv-$name.log" python3 "$here/netns/tcp-transfer.py" recv "$addr" "$port" "$out"
  desc="$name: the receiver listens on $addr"; ok wait_for 10 test -e "$out.ready"
  _send() {
    netns_exec "$from" timeout 90 python3 "$here/netns/tcp-transfer.py" send "$addr" "$port" "$size" \
      > "$tmp/send-$name.out" 2> "$tmp/send-$name.err"
  }
  desc="$name: $size bytes to $addr over TCP through the tunnel"; ok _send
  wait_for 10 test -s "$out"
  read -r shash ssize secs < "$tmp/send-$name.out" 2>/dev/null || true
  read -r rhash rsize rpeer < "$out" 2>/dev/null || true
  _same() { [[ -n "${shash:-}" && "${shash:-}" == "${rhash:-}" && "${ssize:-}" == "$size" && "${rsize:-}" == "$size" ]]; }
  desc="$name: the same bytes arrived (SHA-256 ${rhash:-none})"; ok _same
  desc="$name: the receiver saw the client's tunnel address ${rpeer:-none}"; ok test "${rpeer:-}" = "$source"
  if [[ -n "${secs:-}" ]]; then
    python3 -c "import sys; n = int(sys.argv[2]); print('# %s: %d bytes in %s s: %.2f MB/s' % (sys.argv[1], n, sys.argv[3], n / 1e6 / float(sys.argv[3])))" \
      "$name" "$size" "$secs"
  fi
}
