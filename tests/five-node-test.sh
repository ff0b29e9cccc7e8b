#!/usr/bin/env bash
# Five of our nodes, each in its own network namespace with a TUN, in two
# shapes: a line (A-B-C-D-E) and a redundant mesh (A-B A-C B-C B-D C-D
# C-E D-E). Every ordered pair pings the other's fc address. In the mesh,
# the middle node C is then killed, and every pair among the rest must ping
# again within 30 s. TAP output.   five-node-test.sh CJDROUTE [line|mesh|both]
set -u
here=$(cd "$(dirname "$0")" && pwd)
cjdroute="$1"; shapes="${2:-both}"
source "$here/netns/netns-lib.sh"
netns_require
[[ -c /dev/net/tun ]] || { echo "1..0 # SKIP /dev/net/tun is missing"; exit 0; }
command -v ping >/dev/null || { echo "1..0 # SKIP ping (iputils-ping) is not installed"; exit 0; }
netns_init
tmp=$(mktemp -d)
trap 'netns_cleanup; rm -rf "$tmp"' EXIT
n=0; fails=0
ok() { n=$((n + 1)); if "$@"; then echo "ok $n - $desc"; else echo "not ok $n - $desc"; fails=$((fails + 1)); fi; }
export CJDNS_TEST_TUN=1
nodes=(a b c d e)
declare -A ip pid

# build SHAPE EDGES...: namespaces SHAPE-node, one veth subnet per edge; the
# first node of each edge dials the second.
build() {
  local shape="$1"; shift
  local edge k=0 u v
  declare -A args
  for v in "${nodes[@]}"; do
    netns_add "$shape$v"
    "$cjdroute" --genconf | "$cjdroute" --cleanconf > "$tmp/$shape$v.json"
    python3 "$here/netns/make-conf.py" 0.0.0.0:7937 11234 < "$tmp/$shape$v.json" > /dev/null 2> "$tmp/$shape$v.id"
    args[$v]=""
  done
  for edge in "$@"; do
    u=${edge%-*}; v=${edge#*-}; k=$((k + 1))
    netns_link "$shape$u" "$shape$v" "10.9$k.0.1" "10.9$k.0.2"
    local key pw
    key=$(sed -n 's/^pubkey=\([^ ]*\) .*/\1/p' "$tmp/$shape$v.id")
    pw=$(sed -n 's/.*password=\([^ ]*\) .*/\1/p' "$tmp/$shape$v.id")
    args[$u]+=" 10.9$k.0.2:7937 $key $pw default-login"
  done
  # SNODE=x: every node uses node x as its route server (x itself serves).
  if [[ -n ${SNODE:-} ]]; then
    export CJDNS_TEST_SUPERNODE; CJDNS_TEST_SUPERNODE=$(sed -n 's/^pubkey=\([^ ]*\) .*/\1/p' "$tmp/$shape$SNODE.id")
  fi
  for v in "${nodes[@]}"; do
    # shellcheck disable=SC2086
    python3 "$here/netns/make-conf.py" 0.0.0.0:7937 11234 ${args[$v]} < "$tmp/$shape$v.json" > "$tmp/$shape$v.conf" 2> /dev/null
    ip[$shape$v]=$(sed -n 's/.*ipv6=//p' "$tmp/$shape$v.id")
    netns_spawn "$shape$v" "$tmp/$shape$v.log" "$cjdroute" --nobg --config "$tmp/$shape$v.conf"
    pid[$shape$v]=$NETNS_LAST_PID
  done
}

ping1() { netns_exec "$1" ping -6 -c 1 -W 1 "$2" > /dev/null 2>&1; }
all_pairs() {  # all_pairs SHAPE SECONDS NODES...: every ordered pair pings within SECONDS
  local shape="$1" secs="$2"; shift 2
  local u v start=$SECONDS bad=0
  for u in "$@"; do
    for v in "$@"; do
      [[ $u == "$v" ]] && continue
      local left=$((secs - (SECONDS - start))); ((left < 3)) && left=3
      if ! wait_for "$left" ping1 "$shape$u" "${ip[$shape$v]}"; then
        echo "#   $u cannot reach $v"; bad=$((bad + 1))
      fi
    done
  done
  echo "#   $shape: all pairs checked in $((SECONDS - start)) s"
  ((bad == 0))
}

# snode_ok SHAPE: within 30 s, each node's latest status (SIGUSR1) names
# an snode, with announcements accepted.
snode_status() {
  local shape="$1" v
  for v in "${nodes[@]}"; do kill -USR1 "${pid[$shape$v]}" 2>/dev/null; done
  sleep 0.5
  for v in "${nodes[@]}"; do
    grep 'status subnode' "$tmp/$shape$v.log" | tail -1 |
      grep -q "snode=[0-9a-f:]* adopted=[1-9].*announcements=[1-9]" || return 1
  done
}
snode_ok() {
  local v
  wait_for 30 snode_status "$1" && return 0
  for v in "${nodes[@]}"; do echo "#   $v: $(grep 'status subnode' "$tmp/$1$v.log" | tail -1)"; done
  return 1
}

if [[ $shapes == line || $shapes == both ]]; then
  build l a-b b-c c-d d-e
  desc="line A-B-C-D-E: every ordered pair pings within 60 s"; ok all_pairs l 60 a b c d e
fi
if [[ $shapes == mesh || $shapes == both ]]; then
  build m a-b a-c b-c b-d c-d c-e d-e
  desc="mesh: every ordered pair pings within 60 s"; ok all_pairs m 60 a b c d e
  kill -KILL "${pid[mc]}"
  desc="mesh without C: every ordered pair of A B D E pings again within 30 s"; ok all_pairs m 30 a b d e
fi
if [[ $shapes == snode || $shapes == both ]]; then
  # The same mesh with a route server of our own (A): paths come from it.
  SNODE=a build s a-b a-c b-c b-d c-d c-e d-e
  unset CJDNS_TEST_SUPERNODE
  desc="mesh with route server A: every ordered pair pings within 60 s"; ok all_pairs s 60 a b c d e
  desc="route server A: every subnode adopted it and its announcements were accepted"
  ok snode_ok s
  kill -KILL "${pid[sc]}"
  desc="route-server mesh without C: every ordered pair of A B D E pings again within 30 s"; ok all_pairs s 30 a b d e
fi
if ((fails)); then
  for f in "$tmp"/*.log; do echo "# --- $(basename "$f") (tail)"; tail -5 "$f" | sed 's/^/#   /'; done
fi
echo "1..$n"
exit $((fails > 0))
