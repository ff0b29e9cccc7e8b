#!/usr/bin/env bash
# cjdns-ifacectl against the real kernel, inside a network namespace of its
# own: prealloc creates a persistent TUN owned by nobody with cjdns's MTU,
# the node's address and the fc00::/8 route; a second run repairs drift;
# show prints it; remove deletes it; bad input fails cleanly. TAP output.
#   ifacectl-test.sh CJDNS-IFACECTL CJDROUTE
set -u
here=$(cd "$(dirname "$0")" && pwd)
ifacectl="$1"
cjdroute="$2"
source "$here/netns/netns-lib.sh"
netns_require
if [[ ! -c /dev/net/tun ]]; then echo "1..0 # SKIP /dev/net/tun is missing"; exit 0; fi
if ! getent passwd nobody >/dev/null; then echo "1..0 # SKIP there is no user nobody"; exit 0; fi
netns_init
tmp=$(mktemp -d)
trap 'netns_cleanup; rm -rf "$tmp"' EXIT

n=0; fails=0
ok() { n=$((n + 1)); if "$@"; then echo "ok $n - $desc"; else echo "not ok $n - $desc"; fails=$((fails + 1)); fi; }

netns_add t
ns="${NETNS_PREFIX}t"
dev=cjdroute0
nobody_uid=$(id -u nobody)

"$cjdroute" --genconf > "$tmp/node.conf"
full=$("$cjdroute" --check --config "$tmp/node.conf" | sed -n 's/^Address: *//p')
addr=$(python3 -c 'import ipaddress, sys; print(ipaddress.ip_address(sys.argv[1]))' "$full")

# run CMD...: cjdns-ifacectl in the namespace; exit status in $rc, output in $tmp/out, $tmp/err.
run() { netns_exec t "$ifacectl" "$@" >"$tmp/out" 2>"$tmp/err"; rc=$?; }
rc_is() { [[ $rc -eq $1 ]] || { echo "#   exit status $rc, expected $1"; sed 's/^/#   /' "$tmp/out" "$tmp/err"; false; }; }
out_has() { grep -q -- "$1" "$tmp/out"; }
err_has() { grep -q -- "$1" "$tmp/err"; }
one_err_line() { [[ $(wc -l < "$tmp/err") -eq 1 ]]; }
link_has() { ip -n "$ns" -d link show dev "$1" | grep -q -- "$2"; }
no_link() { ! ip -n "$ns" link show dev "$1" >/dev/null 2>&1; }
is_up() { ip -n "$ns" link show dev "$1" | grep -q '[<,]UP[,>]'; }
has_addr() { ip -n "$ns" -6 addr show dev "$dev" | grep -q "inet6 $addr/8 "; }
has_route() { [[ -n $(ip -n "$ns" -6 route show fc00::/8 dev "$dev") ]]; }
owner_is() { [[ $(netns_exec t cat "/sys/class/net/$dev/owner") == "$1" ]]; }

desc="the node's address comes from cjdroute --check ($addr)"; ok test -n "$addr"

run prealloc --user nobody --config "$tmp/node.conf"
desc="prealloc --user nobody succeeds"; ok rc_is 0
desc="prealloc says it created the device"; ok out_has "created a persistent TUN device owned by nobody"
desc="the device exists and is a TUN"; ok link_has "$dev" "tun type tun"
desc="the device is persistent"; ok link_has "$dev" "persist on"
desc="the device is owned by nobody's uid"; ok owner_is "$nobody_uid"
desc="the device has MTU 1304"; ok link_has "$dev" "mtu 1304 "
desc="the device is up"; ok is_up "$dev"
desc="the device has the node's address /8"; ok has_addr
desc="fc00::/8 is routed through the device"; ok has_route

run prealloc --user nobody --config "$tmp/node.conf"
desc="prealloc again succeeds and changes nothing"; ok rc_is 0
desc="the second prealloc says the device is already set up"; ok out_has "already has address $addr/8"

ip -n "$ns" link set dev "$dev" down mtu 1500   # going down also drops IPv6 addresses
ip -n "$ns" -6 addr flush dev "$dev"
desc="the address went with the drift"; ok eval '! has_addr'
run prealloc --user nobody --config "$tmp/node.conf"
desc="prealloc repairs a device that drifted"; ok rc_is 0
desc="the MTU is 1304 again"; ok link_has "$dev" "mtu 1304 "
desc="the device is up again"; ok is_up "$dev"
desc="the address is back"; ok has_addr
desc="the route is back"; ok has_route

run show
desc="show succeeds"; ok rc_is 0
desc="show lists the device, owner and MTU"; ok out_has "^$dev: TUN, persistent, owner nobody ($nobody_uid).*MTU 1304, UP"
desc="show lists the address"; ok out_has "inet6 $addr/8"
desc="show lists the route"; ok out_has "route fc00::/8"
run show --name "$dev"
desc="show --name shows the device"; ok out_has "^$dev: TUN"

run prealloc --user root --config "$tmp/node.conf"
desc="prealloc for another user refuses a device owned by nobody"; ok rc_is 1
desc="and says who owns it"; ok err_has "exists, owned by uid $nobody_uid, not by root"

# A process holding the device open: remove must not pull it away.
ip netns exec "$ns" python3 -c '
import fcntl, os, struct, sys, time
fd = os.open("/dev/net/tun", os.O_RDWR)
fcntl.ioctl(fd, 0x400454ca, struct.pack("16sH", sys.argv[1].encode(), 0x1001))  # TUNSETIFF, IFF_TUN|IFF_NO_PI
print("attached", flush=True)
time.sleep(30)' "$dev" > "$tmp/holder" 2>&1 &
holder=$!
wait_for 5 grep -q attached "$tmp/holder"
run remove --name "$dev"
desc="remove refuses a device a process has open"; ok rc_is 1
desc="and says it is in use"; ok err_has "in use"
kill "$holder"; wait "$holder" 2>/dev/null   # ip netns exec became python3: this is its PID

run remove --name "$dev"
desc="remove succeeds"; ok rc_is 0
desc="the device is gone"; ok no_link "$dev"
run remove --name "$dev"
desc="removing it again fails"; ok rc_is 1
desc="with one line saying there is no such device"; ok one_err_line
run remove --name lo
desc="remove refuses a device that is not a TUN"; ok rc_is 1

run prealloc --user nobody --config "$tmp/node.conf" --name cjt-custom --mtu 1400
desc="prealloc with --name and --mtu succeeds"; ok rc_is 0
desc="the custom device has MTU 1400"; ok link_has cjt-custom "mtu 1400 "
run remove --name cjt-custom
desc="the custom device is removed"; ok no_link cjt-custom

run prealloc --user no-such-user-cjt --config "$tmp/node.conf"
desc="an unknown user is an error"; ok rc_is 1
desc="which names the user in one line"; ok err_has "unknown user 'no-such-user-cjt'"
desc="and creates nothing"; ok no_link "$dev"

printf '{ "privateKey": "not hex" ' > "$tmp/bad.conf"
run prealloc --user nobody --config "$tmp/bad.conf"
desc="a bad config is an error"; ok rc_is 1
desc="which names the file and position"; ok err_has "^$tmp/bad.conf:1:[0-9]*: error: "
desc="and creates nothing"; ok no_link "$dev"

run prealloc --config "$tmp/node.conf"
desc="prealloc without --user is a usage error"; ok rc_is 2
desc="that says --user is needed"; ok err_has "prealloc needs --user"
run prealloc --user nobody --config "$tmp/node.conf" --mtu 1000
desc="an MTU below IPv6's minimum is a usage error"; ok rc_is 2
run frobnicate
desc="an unknown command is a usage error"; ok rc_is 2
run --help
desc="--help succeeds"; ok rc_is 0

echo "1..$n"
exit $((fails > 0))
