# Shell helpers for integration tests that build their own network
# namespaces. Source it; call netns_init first. Everything created here is
# removed by netns_cleanup (installed as an EXIT trap), and only processes
# started through netns_spawn are ever killed, by PID.

NETNS_PREFIX=""
NETNS_LIST=()
NETNS_PIDS=()

# Skips the whole test (TAP "1..0 # SKIP") when we cannot make namespaces.
netns_require() {
  if [[ $(id -u) -ne 0 ]]; then echo "1..0 # SKIP needs root to create network namespaces"; exit 0; fi
  if ! command -v ip >/dev/null; then echo "1..0 # SKIP iproute2 (ip) not installed"; exit 0; fi
  if ! ip netns add "cjtprobe$$" 2>/dev/null; then echo "1..0 # SKIP cannot create network namespaces here"; exit 0; fi
  ip netns del "cjtprobe$$"
}

netns_init() {
  NETNS_PREFIX="cjt$$"
  trap netns_cleanup EXIT
}

# netns_add NAME: a namespace with lo up; prints nothing.
netns_add() {
  local ns="$NETNS_PREFIX$1"
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  NETNS_LIST+=("$ns")
}

# netns_link A B ADDR_A ADDR_B: a veth pair between namespaces A and B with
# the given IPv4 /24 addresses (plain dotted quads).
netns_link() {
  local a="$NETNS_PREFIX$1" b="$NETNS_PREFIX$2"
  local va="v$$${1}${2}" vb="v$$${2}${1}"
  ip link add "${va:0:15}" netns "$a" type veth peer name "${vb:0:15}" netns "$b"
  ip -n "$a" addr add "$3/24" dev "${va:0:15}"
  ip -n "$b" addr add "$4/24" dev "${vb:0:15}"
  ip -n "$a" link set "${va:0:15}" up
  ip -n "$b" link set "${vb:0:15}" up
}

# netns_exec NAME CMD...: run a command inside a namespace, in the foreground.
netns_exec() {
  local ns="$NETNS_PREFIX$1"; shift
  ip netns exec "$ns" "$@"
}

# netns_spawn NAME LOG CMD...: start a command in the background inside a
# namespace; its PID is remembered for cleanup and left in NETNS_LAST_PID.
# Call it directly, not in $(...): the command gets SIGKILL when its parent
# shell dies (so a test killed by a timeout leaves no node behind), and a
# command-substitution subshell dies at once.
NETNS_LAST_PID=""
netns_spawn() {
  local ns="$NETNS_PREFIX$1" log="$2"; shift 2
  ip netns exec "$ns" setpriv --pdeathsig KILL "$@" >"$log" 2>&1 &
  NETNS_LAST_PID=$!
  NETNS_PIDS+=("$NETNS_LAST_PID")
}

netns_cleanup() {
  local pid ns
  for pid in "${NETNS_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  sleep 0.2
  for pid in "${NETNS_PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
  for ns in "${NETNS_LIST[@]}"; do ip netns del "$ns" 2>/dev/null; done
}

# wait_for SECONDS CMD...: polls CMD every 0.2 s until it succeeds.
wait_for() {
  local deadline=$((SECONDS + $1)); shift
  until "$@"; do
    ((SECONDS >= deadline)) && return 1
    sleep 0.2
  done
}
