#!/bin/sh
# build-module.sh OUTDIR: compiles cjdns.pp from cjdns.te, cjdns.fc and cjdns.if
# (beside this script) with the refpolicy development Makefile
# (Fedora: selinux-policy-devel; Debian: selinux-policy-dev). Used by
# selinux/meson.build (-Dselinux=enabled) and scripts/packaging-check.sh.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: build-module.sh OUTDIR}
makefile=${SELINUX_DEVEL_MAKEFILE:-/usr/share/selinux/devel/Makefile}
if [ ! -r "$makefile" ]; then
    echo "build-module.sh: $makefile not found (install selinux-policy-devel or selinux-policy-dev)" >&2
    exit 1
fi
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$here/cjdns.te" "$here/cjdns.fc" "$here/cjdns.if" "$work/"
make -s -C "$work" -f "$makefile" cjdns.pp
cp "$work/cjdns.pp" "$out/cjdns.pp"
