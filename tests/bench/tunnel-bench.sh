#!/usr/bin/env bash
# Tunnel benchmark (a script that prints figures, not a test): two network
# namespaces joined by a veth pair, and one after the other these tunnels
# between them, each measured with iperf3 (1 stream and 4 streams), ping and
# the CPU time of the tunnel daemons:
#   veth        the raw veth pair, no tunnel (baseline)
#   ours        our cjdroute, TUN to TUN over UDP (the "direct" path)
#   ours-relay  the same started with --tun-relay (if the build has it)
#   cjdns       real cjdns v21.1 (--reference PATH or CJDNS_REFERENCE_CJDROUTE)
#   yggdrasil   Yggdrasil (Debian package), static TCP peering over the veth
#   wireguard   wireguard-go configured with wg (Debian packages)
# and, only when named in --only:
#   yggdrasil-1304  Yggdrasil with IfMTU 1304 (cjdns's TUN MTU) instead of its default
# Needs root. See docs/benchmarks.md for the columns and measured figures.
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
lib="$here/tunnel-bench-lib.py"
# The system python when there is one: a pyenv shim costs ~0.1 s per call.
py=python3; [[ -x /usr/bin/python3 ]] && py=/usr/bin/python3
python3() { "$py" "$@"; }
ALL_ROWS="veth,ours,ours-relay,cjdns,yggdrasil,wireguard"
EXTRA_ROWS="yggdrasil-1304"   # only when named in --only

usage() {
  cat <<EOF
usage: $0 [OPTION]...
  --cjdroute PATH   our cjdroute (default $repo/build/bench/angel/cjdroute)
  --reference PATH  real cjdns v21.1 cjdroute (default \$CJDNS_REFERENCE_CJDROUTE);
                    without it the cjdns row is skipped
  --only LIST       comma-separated rows: $ALL_ROWS (the default),
                    and $EXTRA_ROWS (Yggdrasil with cjdns's MTU)
  --seconds N       length of each iperf3 run (default 10)
  --pings N         pings per tunnel (default 20, 0.2 s apart)
  --repeat N        measure every row N times, round after round, and report
                    for each row the run with the best 1-stream figure
                    (default 1; on a busy machine other load only slows a run)
  --out FILE        also write the table as Markdown to FILE
  --install         apt-get install the missing tools (iperf3, yggdrasil,
                    wireguard-go, wireguard-tools); root only
  -h, --help        this help
Must run as root (it creates network namespaces). Rows whose tools are
missing are skipped with a note. Everything it starts is stopped on exit.
EOF
}

cjdroute="$repo/build/bench/angel/cjdroute"
reference="${CJDNS_REFERENCE_CJDROUTE:-}"
only="$ALL_ROWS"
seconds=10
pings=20
repeat=1
out=""
install=0
need_arg() { [[ $# -ge 2 && -n "$2" ]] || { echo "$0: $1 needs a value" >&2; exit 2; }; }
while (($#)); do
  case "$1" in
    --cjdroute) need_arg "$@"; cjdroute="$2"; shift 2 ;;
    --reference) need_arg "$@"; reference="$2"; shift 2 ;;
    --only) need_arg "$@"; only="$2"; shift 2 ;;
    --seconds) need_arg "$@"; seconds="$2"; shift 2 ;;
    --pings) need_arg "$@"; pings="$2"; shift 2 ;;
    --repeat) need_arg "$@"; repeat="$2"; shift 2 ;;
    --out) need_arg "$@"; out="$2"; shift 2 ;;
    --install) install=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "$0: unknown option: $1" >&2; usage >&2; exit 2 ;;
  esac
done
[[ "$seconds" =~ ^[0-9]+$ && "$seconds" -ge 1 ]] || { echo "$0: --seconds wants a positive integer" >&2; exit 2; }
[[ "$pings" =~ ^[0-9]+$ && "$pings" -ge 1 ]] || { echo "$0: --pings wants a positive integer" >&2; exit 2; }
[[ "$repeat" =~ ^[0-9]+$ && "$repeat" -ge 1 ]] || { echo "$0: --repeat wants a positive integer" >&2; exit 2; }
for r in ${only//,/ }; do
  [[ ",$ALL_ROWS,$EXTRA_ROWS," == *",$r,"* ]] || { echo "$0: unknown row in --only: $r (rows: $ALL_ROWS,$EXTRA_ROWS)" >&2; exit 2; }
done
wants() { [[ ",$only," == *",$1,"* ]]; }

if [[ $(id -u) -ne 0 ]]; then
  echo "$0: must run as root (it creates network namespaces, TUN devices and veth pairs)" >&2
  exit 1
fi
for c in ip setpriv python3 ping timeout; do
  command -v "$c" >/dev/null || { echo "$0: $c is required" >&2; exit 1; }
done

# Tools from Debian packages: install them on --install, else note what is missing.
declare -A pkg_of=([iperf3]=iperf3 [yggdrasil]=yggdrasil [wireguard-go]=wireguard-go [wg]=wireguard-tools)
missing_pkgs=()
for c in iperf3 yggdrasil wireguard-go wg; do
  case "$c" in
    yggdrasil) wants yggdrasil || wants yggdrasil-1304 || continue ;;
    wireguard-go|wg) wants wireguard || continue ;;
  esac
  command -v "$c" >/dev/null || missing_pkgs+=("${pkg_of[$c]}")
done
if ((${#missing_pkgs[@]})); then
  if ((install)); then
    echo "installing: ${missing_pkgs[*]}" >&2
    # --no-install-recommends: wireguard-tools would otherwise pull in a kernel image.
    apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing_pkgs[@]}" >&2 \
      || echo "$0: apt-get install failed" >&2
  else
    echo "missing (install them, or rerun with --install): ${missing_pkgs[*]}" >&2
  fi
fi
command -v iperf3 >/dev/null || { echo "$0: iperf3 is required for every row (apt-get install iperf3, or --install)" >&2; exit 1; }

tmp=$(mktemp -d /tmp/tunnel-bench.XXXXXX)
results="$tmp/results.jsonl"
: > "$results"
PFX="tb$$"
STARTED=()   # PIDs this script started (direct children)
NSS=()       # namespaces it created
FILES=()     # files outside $tmp to remove (cjdns pipes, wireguard sockets)

# PIDs of our own children that are still alive, plus their descendants.
our_tree() {
  local p live=()
  for p in "$@"; do
    # Only a PID that is still our child: never a reused PID.
    [[ -r /proc/$p/stat ]] || continue
    [[ $(sed 's/.*) . \([0-9]*\) .*/\1/' "/proc/$p/stat" 2>/dev/null) == "$$" ]] && live+=("$p")
  done
  ((${#live[@]})) && python3 "$lib" tree "${live[@]}"
}

# stop_pids PID...: SIGTERM to these children and their descendants, SIGKILL after 3 s.
stop_pids() {
  local all p i
  mapfile -t all < <(our_tree "$@")
  ((${#all[@]})) || return 0
  kill -TERM "${all[@]}" 2>/dev/null
  for ((i = 0; i < 30; i++)); do
    local alive=0
    for p in "${all[@]}"; do kill -0 "$p" 2>/dev/null && [[ $(cut -d' ' -f3 "/proc/$p/stat" 2>/dev/null) != Z ]] && alive=1; done
    ((alive)) || break
    sleep 0.1
  done
  kill -KILL "${all[@]}" 2>/dev/null
  return 0
}

# kill_strays: daemons started from this run that went to the background
# anyway (they name a file in our own temporary directory): TERM, then KILL.
kill_strays() {
  local s
  mapfile -t s < <(python3 "$lib" strays "$tmp/" 2>/dev/null | grep -vx "$$")
  ((${#s[@]})) || return 0
  echo "  stopping ${#s[@]} process(es) of this run that left the foreground: ${s[*]}" >&2
  kill -TERM "${s[@]}" 2>/dev/null; sleep 1; kill -KILL "${s[@]}" 2>/dev/null
  return 0
}

cleanup() {
  trap - EXIT INT TERM
  ((${#STARTED[@]})) && stop_pids "${STARTED[@]}"
  kill_strays
  local ns f
  for ns in "${NSS[@]}"; do ip netns del "$ns" 2>/dev/null; done
  for f in "${FILES[@]}"; do rm -f "$f"; done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'echo "interrupted" >&2; exit 130' INT TERM

# spawn NS LOG CMD...: start CMD in namespace NS in the background; PID in LAST.
# pdeathsig: the command dies with this script even if the trap cannot run.
LAST=""
spawn() {
  local ns="$1" log="$2"; shift 2
  ip netns exec "$ns" setpriv --pdeathsig KILL "$@" >"$log" 2>&1 &
  LAST=$!
  STARTED+=("$LAST")
  # bash still reaps it; disowned, it does not report "Aborted" (real cjdns
  # aborts when it exits) and stop_pids polls /proc instead of using wait.
  disown "$LAST"
}
in_ns() { local ns="$1"; shift; ip netns exec "$ns" "$@"; }

wait_for() {  # wait_for SECONDS CMD...: poll CMD every 0.2 s
  local deadline=$((SECONDS + $1)); shift
  until "$@"; do
    ((SECONDS >= deadline)) && return 1
    sleep 0.2
  done
}

# A fresh namespace pair per row (NA, NB), joined by a veth with 10.211.0.1/.2.
row_no=0
NA="" NB=""
make_pair() {
  row_no=$((row_no + 1))
  NA="${PFX}r${row_no}a"; NB="${PFX}r${row_no}b"
  ip netns add "$NA" && NSS+=("$NA") && ip netns add "$NB" && NSS+=("$NB") || return 1
  ip -n "$NA" link set lo up && ip -n "$NB" link set lo up || return 1
  ip link add "${PFX}a" netns "$NA" type veth peer name "${PFX}b" netns "$NB" || return 1
  ip -n "$NA" addr add 10.211.0.1/24 dev "${PFX}a"
  ip -n "$NB" addr add 10.211.0.2/24 dev "${PFX}b"
  ip -n "$NA" link set "${PFX}a" up
  ip -n "$NB" link set "${PFX}b" up
}
drop_pair() {
  ip netns del "$NA" 2>/dev/null; ip netns del "$NB" 2>/dev/null
}

short6() { python3 -c "import ipaddress,sys; print(ipaddress.ip_address(sys.argv[1]).compressed)" "$1"; }
# mtu_of NS ADDR: MTU of the interface in NS that carries ADDR.
mtu_of() {
  local a dev
  a=$(short6 "$2") || return 0
  dev=$(in_ns "$1" ip -o addr show | awk -v a="$a" '{split($4, x, "/"); if (x[1] == a) print $2}' | head -1)
  [[ -n "$dev" ]] && in_ns "$1" ip -o link show dev "$dev" | sed -n 's/.* mtu \([0-9]*\).*/\1/p'
}
has_addr() { in_ns "$1" ip -o addr show | grep -qF " $(short6 "$2")/"; }
pings_ok() { in_ns "$1" ping -c 1 -W 1 "$2" >/dev/null 2>&1; }
port_open() {  # port_open NS PORT [ADDR]: something accepts TCP connections there
  in_ns "$1" "$py" -c "import socket,sys; socket.create_connection((sys.argv[2], int(sys.argv[1])), 1)" "$2" "${3:-127.0.0.1}" 2>/dev/null
}

na_row() {  # na_row KEY NAME REASON
  echo "  $2: skipped: $3" >&2
  python3 "$lib" record "$results" key="$1" name="$2" na="$3"
}

# measure KEY NAME SHORT DST MTU PID_A PID_B: ping, iperf3 x2 and CPU between
# the namespaces of this row (client/sender in NA, server/receiver in NB).
measure() {
  local key="$1" name="$2" short="$3" dst="$4" mtu="$5" pa="${6:-}" pb="${7:-}"
  local d="$tmp/$key" srv t0 t1 m0 m1 g1="" g4="" cs="" cr="" pavg="" pmax="" load others="" ip=""
  mkdir -p "$d"
  spawn "$NB" "$d/iperf3-server.log" iperf3 -s; srv=$LAST
  wait_for 5 port_open "$NB" 5201 || { echo "  iperf3 server did not start" >&2; }
  if in_ns "$NA" ping -c "$pings" -i 0.2 -W 2 "$dst" > "$d/ping.txt" 2>&1 || grep -q " received" "$d/ping.txt"; then
    read -r pavg pmax < <(sed -n 's|^rtt [^=]*= [0-9.]*/\([0-9.]*\)/\([0-9.]*\)/.*|\1 \2|p' "$d/ping.txt")
  fi
  load=$(cut -d' ' -f1 /proc/loadavg)
  # Single stream, with the daemons' CPU time around it.
  [[ -n "$pa" ]] && python3 "$lib" ticks "$pa" > "$d/a0"
  [[ -n "$pb" ]] && python3 "$lib" ticks "$pb" > "$d/b0"
  m0=$(python3 "$lib" machine)
  t0=$(date +%s.%N)
  timeout $((seconds + 30)) ip netns exec "$NA" iperf3 -c "$dst" -t "$seconds" -J > "$d/iperf1.json" 2> "$d/iperf1.err"
  t1=$(date +%s.%N)
  m1=$(python3 "$lib" machine)
  [[ -n "$pa" ]] && python3 "$lib" ticks "$pa" > "$d/a1"
  [[ -n "$pb" ]] && python3 "$lib" ticks "$pb" > "$d/b1"
  local secs; secs=$(python3 -c "print($t1 - $t0)")
  [[ -n "$pa" ]] && cs=$(python3 "$lib" cpu "$d/a0" "$d/a1" "$secs")
  [[ -n "$pb" ]] && cr=$(python3 "$lib" cpu "$d/b0" "$d/b1" "$secs")
  g1=$(python3 "$lib" gbps "$d/iperf1.json" 2>>"$d/iperf1.err") || { echo "  1-stream iperf3 failed: $(tail -c 300 "$d/iperf1.err" | tr '\n' ' ')" >&2; g1=""; }
  # Everything else on the machine during the 1-stream run: busy time minus
  # the two daemons and iperf3 itself.
  if [[ -n "$g1" ]] && ip=$(python3 "$lib" iperf-cpu "$d/iperf1.json" 2>/dev/null); then
    others=$(python3 "$lib" others "$m0" "$m1" "$secs" "$(python3 -c "print(${cs:-0} + ${cr:-0} + $ip)")")
  fi
  timeout $((seconds + 30)) ip netns exec "$NA" iperf3 -c "$dst" -t "$seconds" -P 4 -J > "$d/iperf4.json" 2> "$d/iperf4.err"
  g4=$(python3 "$lib" gbps "$d/iperf4.json" 2>>"$d/iperf4.err") || { echo "  4-stream iperf3 failed: $(tail -c 300 "$d/iperf4.err" | tr '\n' ' ')" >&2; g4=""; }
  stop_pids "$srv"
  echo "  $name: mtu=$mtu 1-stream=${g1:-?} Gbit/s 4-stream=${g4:-?} Gbit/s ping avg/max=${pavg:-?}/${pmax:-?} ms cpu sender/receiver=${cs:--}/${cr:--}% iperf3=${ip:-?}% others=${others:-?}% load=$load" >&2
  python3 "$lib" record "$results" key="$key" name="$name" short="$short" mtu="$mtu" g1="$g1" g4="$g4" \
    ping_avg="$pavg" ping_max="$pmax" cpu_s="$cs" cpu_r="$cr" others="$others" load="$load"
}

# Shows the end of the logs of a row that did not come up.
show_logs() {
  local f
  for f in "$@"; do echo "  --- $(basename "$f") (tail)" >&2; tail -8 "$f" 2>/dev/null | sed 's/^/    /' >&2; done
}

row_veth() {
  local name="veth (no tunnel)"
  make_pair || { na_row veth "$name" "could not create namespaces"; return; }
  measure veth "$name" veth 10.211.0.2 "$(mtu_of "$NA" 10.211.0.1)"
  drop_pair
}

row_ours() {  # row_ours KEY NAME [EXTRA_FLAG]
  local key="$1" name="$2" flag="${3:-}" d="$tmp/$1"
  mkdir -p "$d"
  if [[ ! -x "$cjdroute" ]]; then na_row "$key" "$name" "n/a (no cjdroute at $cjdroute)"; return; fi
  if [[ -n "$flag" ]] && ! "$cjdroute" --help 2>&1 | grep -q -- "$flag"; then
    na_row "$key" "$name" "n/a (no $flag in this build)"; return
  fi
  make_pair || { na_row "$key" "$name" "could not create namespaces"; return; }
  local mk="$repo/tests/netns/make-conf.py"
  gen() { "$cjdroute" --genconf | "$cjdroute" --cleanconf; }
  gen | CJDNS_TEST_TUN=1 python3 "$mk" 0.0.0.0:7937 11234 > "$d/b.conf" 2> "$d/b.id"
  local bkey bpw bip aip pa pb
  bkey=$(sed -n 's/^pubkey=\([^ ]*\) .*/\1/p' "$d/b.id")
  bpw=$(sed -n 's/.*password=\([^ ]*\).*/\1/p' "$d/b.id")
  bip=$(sed -n 's/.*ipv6=//p' "$d/b.id")
  gen | CJDNS_TEST_TUN=1 python3 "$mk" 10.211.0.1:7937 11234 10.211.0.2:7937 "$bkey" "$bpw" default-login \
    > "$d/a.conf" 2> "$d/a.id"
  aip=$(sed -n 's/.*ipv6=//p' "$d/a.id")
  if [[ -z "$bip" || -z "$aip" ]]; then na_row "$key" "$name" "config generation failed"; drop_pair; return; fi
  # --nobg: in the foreground, so the PID we have is the angel's.
  spawn "$NB" "$d/b.log" "$cjdroute" --nobg --config "$d/b.conf" ${flag:+"$flag"}; pb=$LAST
  spawn "$NA" "$d/a.log" "$cjdroute" --nobg --config "$d/a.conf" ${flag:+"$flag"}; pa=$LAST
  if wait_for 10 has_addr "$NB" "$bip" && wait_for 30 pings_ok "$NA" "$bip"; then
    if ! kill -0 "$pa" 2>/dev/null || ! kill -0 "$pb" 2>/dev/null; then
      echo "  warning: cjdroute went to the background despite --nobg: no CPU figures" >&2
    fi
    measure "$key" "$name" "$key" "$bip" "$(mtu_of "$NA" "$aip")" "$pa" "$pb"
  else
    na_row "$key" "$name" "tunnel did not come up (no ping6 within 30 s)"; show_logs "$d/a.log" "$d/b.log"
  fi
  stop_pids "$pa" "$pb"
  kill_strays
  drop_pair
}

row_cjdns() {
  local key=cjdns name="cjdns v21.1 (real)" d="$tmp/cjdns"
  mkdir -p "$d"
  if [[ -z "$reference" ]]; then na_row "$key" "$name" "skipped (no --reference / CJDNS_REFERENCE_CJDROUTE)"; return; fi
  if [[ ! -x "$reference" ]]; then na_row "$key" "$name" "skipped ($reference is not executable)"; return; fi
  local ver; ver=$("$reference" --version 2>/dev/null | sed -n 's/^Cjdns version: *//p')
  ver="${ver#cjdns-}"
  name="cjdns ${ver:-?} (real)"
  make_pair || { na_row "$key" "$name" "could not create namespaces"; return; }
  local side
  for side in b a; do
    "$reference" --genconf 2>/dev/null | "$reference" --cleanconf > "$d/$side.json" 2>/dev/null
    FILES+=("/tmp/${PFX}-cjdns-$side.sock")
  done
  # Real cjdns: its own genconf (TUN, security settings as generated), one UDP
  # socket, beacons off, a pipe name of its own (/tmp is shared by namespaces).
  python3 - "$d" "$PFX" <<'PY' || { na_row "$key" "$name" "config generation failed"; drop_pair; return; }
import json, sys
d, pfx = sys.argv[1], sys.argv[2]
b = json.load(open(d + "/b.json")); a = json.load(open(d + "/a.json"))
for side, c, bind in (("b", b, "0.0.0.0:7937"), ("a", a, "10.211.0.1:7937")):
    c["pipe"] = "%s-cjdns-%s.sock" % (pfx, side)
    c["logging"] = {"logTo": "stdout"}
    c["noBackground"] = 1
    c["interfaces"] = {"UDPInterface": [{"bind": bind, "connectTo": {}}]}
a["interfaces"]["UDPInterface"][0]["connectTo"]["10.211.0.2:7937"] = {
    "password": b["authorizedPasswords"][0]["password"], "publicKey": b["publicKey"],
    "login": b["authorizedPasswords"][0].get("user", "default-login"), "peerName": "bench-b"}
for side, c in (("a", a), ("b", b)):
    json.dump(c, open("%s/%s.conf" % (d, side), "w"), indent=1)
    open("%s/%s.ip" % (d, side), "w").write(c["ipv6"])
PY
  local aip bip pa pb
  aip=$(cat "$d/a.ip"); bip=$(cat "$d/b.ip")
  spawn "$NB" "$d/b.log" sh -c "exec '$reference' --nobg < '$d/b.conf'"; pb=$LAST
  spawn "$NA" "$d/a.log" sh -c "exec '$reference' --nobg < '$d/a.conf'"; pa=$LAST
  if wait_for 10 has_addr "$NB" "$bip" && wait_for 40 pings_ok "$NA" "$bip"; then
    measure "$key" "$name" "cjdns-${ver:-real}" "$bip" "$(mtu_of "$NA" "$aip")" "$pa" "$pb"
  else
    na_row "$key" "$name" "tunnel did not come up (no ping6 within 40 s)"; show_logs "$d/a.log" "$d/b.log"
  fi
  # Clean stop over the admin API (angel and core exit), then signals.
  local ns
  for ns in "$NA" "$NB"; do
    in_ns "$ns" timeout 5 "$py" "$repo/tests/netns/admin-call.py" Core_exit >/dev/null 2>&1
  done
  sleep 0.5
  stop_pids "$pa" "$pb"
  drop_pair
}

row_yggdrasil() {  # row_yggdrasil [IFMTU]
  local ifmtu="${1:-}" key=yggdrasil${1:+-$1} name="yggdrasil" d="$tmp/yggdrasil${1:+-$1}"
  mkdir -p "$d"
  command -v yggdrasil >/dev/null || { na_row "$key" "$name" "skipped (yggdrasil not installed; apt-get install yggdrasil or --install)"; return; }
  local ver; ver=$(dpkg-query -W -f '${Version}' yggdrasil 2>/dev/null | sed 's/-[^-]*$//')
  [[ -z "$ver" || "$ver" == unknown ]] || name="yggdrasil $ver"
  [[ -n "$ifmtu" ]] && name="$name, IfMTU $ifmtu"
  make_pair || { na_row "$key" "$name" "could not create namespaces"; return; }
  yggdrasil -genconf -json > "$d/a.json" && yggdrasil -genconf -json > "$d/b.json" || { na_row "$key" "$name" "yggdrasil -genconf failed"; drop_pair; return; }
  # Static TCP peering over the veth: B listens, A dials; no multicast, no admin socket.
  python3 - "$d" "$ifmtu" <<'PY'
import json, sys
d, ifmtu = sys.argv[1], sys.argv[2]
for side in "ab":
    c = json.load(open("%s/%s.json" % (d, side)))
    c["Listen"] = ["tcp://10.211.0.2:9001"] if side == "b" else []
    c["Peers"] = ["tcp://10.211.0.2:9001"] if side == "a" else []
    c["MulticastInterfaces"] = []
    c["AdminListen"] = "none"
    c["IfName"] = "ygg0"
    if ifmtu:
        c["IfMTU"] = int(ifmtu)
    json.dump(c, open("%s/%s.conf" % (d, side), "w"), indent=1)
PY
  local aip bip pa pb
  aip=$(yggdrasil -useconffile "$d/a.conf" -address); bip=$(yggdrasil -useconffile "$d/b.conf" -address)
  spawn "$NB" "$d/b.log" yggdrasil -useconffile "$d/b.conf" -logto stdout; pb=$LAST
  # A dials only once B listens: a refused first dial is retried only much later.
  wait_for 10 port_open "$NB" 9001 10.211.0.2
  spawn "$NA" "$d/a.log" yggdrasil -useconffile "$d/a.conf" -logto stdout; pa=$LAST
  if wait_for 10 has_addr "$NB" "$bip" && wait_for 30 pings_ok "$NA" "$bip"; then
    measure "$key" "$name" "yggdrasil${ver:+-$ver}${ifmtu:+-mtu$ifmtu}" "$bip" "$(mtu_of "$NA" "$aip")" "$pa" "$pb"
  else
    na_row "$key" "$name" "tunnel did not come up (no ping6 within 30 s)"; show_logs "$d/a.log" "$d/b.log"
  fi
  stop_pids "$pa" "$pb"
  drop_pair
}

row_wireguard() {
  local key=wireguard name="wireguard-go" d="$tmp/wireguard"
  mkdir -p "$d"
  if ! command -v wireguard-go >/dev/null || ! command -v wg >/dev/null; then
    na_row "$key" "$name" "skipped (needs wireguard-go and wg from wireguard-tools; or --install)"; return
  fi
  local ver; ver=$(dpkg-query -W -f '${Version}' wireguard-go 2>/dev/null | sed 's/-[^-]*$//')
  [[ -n "$ver" ]] && name="wireguard-go $ver"
  make_pair || { na_row "$key" "$name" "could not create namespaces"; return; }
  # The UAPI socket is /var/run/wireguard/IFNAME.sock, shared by all
  # namespaces: the interface names must be unique on the machine.
  local ia="${PFX}wa" ib="${PFX}wb" pa pb
  FILES+=("/var/run/wireguard/$ia.sock" "/var/run/wireguard/$ib.sock")
  (umask 077; wg genkey > "$d/a.key"; wg genkey > "$d/b.key")
  wg pubkey < "$d/a.key" > "$d/a.pub"; wg pubkey < "$d/b.key" > "$d/b.pub"
  spawn "$NB" "$d/b.log" env WG_PROCESS_FOREGROUND=1 wireguard-go -f "$ib"; pb=$LAST
  spawn "$NA" "$d/a.log" env WG_PROCESS_FOREGROUND=1 wireguard-go -f "$ia"; pa=$LAST
  if wait_for 5 test -S "/var/run/wireguard/$ia.sock" && wait_for 5 test -S "/var/run/wireguard/$ib.sock" &&
     in_ns "$NB" wg set "$ib" listen-port 51820 private-key "$d/b.key" peer "$(cat "$d/a.pub")" allowed-ips 10.212.0.1/32 &&
     in_ns "$NA" wg set "$ia" listen-port 51820 private-key "$d/a.key" peer "$(cat "$d/b.pub")" allowed-ips 10.212.0.2/32 \
       endpoint 10.211.0.2:51820 &&
     in_ns "$NB" ip addr add 10.212.0.2/24 dev "$ib" && in_ns "$NA" ip addr add 10.212.0.1/24 dev "$ia" &&
     in_ns "$NB" ip link set "$ib" mtu 1420 up && in_ns "$NA" ip link set "$ia" mtu 1420 up &&
     wait_for 15 pings_ok "$NA" 10.212.0.2; then
    measure "$key" "$name" wireguard-go 10.212.0.2 "$(mtu_of "$NA" 10.212.0.1)" "$pa" "$pb"
  else
    na_row "$key" "$name" "tunnel did not come up"; show_logs "$d/a.log" "$d/b.log"
  fi
  stop_pids "$pa" "$pb"
  drop_pair
}

echo "tunnel-bench: $(nproc) CPU(s), $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1), kernel $(uname -r)," \
  "load $(cut -d' ' -f1-3 /proc/loadavg), ${seconds} s per iperf3 run" >&2
started=$(date -u '+%Y-%m-%d %H:%M UTC')
for ((round = 1; round <= repeat; round++)); do
  ((repeat > 1)) && echo "round $round of $repeat" >&2
  wants veth && { echo "veth baseline..." >&2; row_veth; }
  wants ours && { echo "ours (direct)..." >&2; row_ours ours "ours (direct)"; }
  wants ours-relay && { echo "ours (--tun-relay)..." >&2; row_ours ours-relay "ours (--tun-relay)" --tun-relay; }
  wants cjdns && { echo "real cjdns..." >&2; row_cjdns; }
  wants yggdrasil && { echo "yggdrasil..." >&2; row_yggdrasil; }
  wants yggdrasil-1304 && { echo "yggdrasil (IfMTU 1304)..." >&2; row_yggdrasil 1304; }
  wants wireguard && { echo "wireguard-go..." >&2; row_wireguard; }
done

echo
python3 "$lib" table "$results" "$tmp/table.md"
if [[ -n "$out" ]]; then
  {
    echo "Measured $started by tests/bench/tunnel-bench.sh: $(nproc) CPU(s)," \
      "$(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1), kernel $(uname -r), ${seconds} s per iperf3 run," \
      "$pings pings, $repeat run(s) per row; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
    echo
    cat "$tmp/table.md"
  } > "$out"
  echo "table written to $out" >&2
fi
