#!/usr/bin/env bash
# Checks the packaging (packaging/, selinux/) end to end and prints TAP
# ("ok N - ...", then "1..N"); details of a failure follow it as "# " lines.
#
#   - installs what it needs (Debian 12 packages, apt-get --no-install-recommends)
#   - compiles the SELinux module with checkpolicy and selinux-policy-dev
#   - parses and lints the RPM spec (rpmlint), builds the source RPM, lints it
#   - builds the .deb with dpkg-buildpackage from a copy of the tree (no
#     network during the build), installs it (dpkg -i; apt-get -f install),
#     runs the installed cjdroute (--version; --genconf | --check; a node in a
#     network namespace as the unit runs it: user cjdns, CAP_NET_ADMIN only,
#     READY=1, SIGTERM -> 0)
#   - systemd-analyze verify on every installed unit; the security exposure
#     of cjdns.service (goal: at most 2.0)
#   - meson install --destdir with the Fedora and the Debian options: every
#     file where the spec's %files and the .deb expect it, and nothing else
#   - purges the package and removes what the test added
#
# Run as root on a throwaway Debian 12 machine (CI). It keeps an existing
# /etc/cjdroute.conf and refuses to touch an already installed cjdns package.
#   scripts/packaging-check.sh
#     PACKAGING_DEB_TESTS=1     also run the unit suites inside dpkg-buildpackage
#     PACKAGING_CHECK_TREE=head build from the last commit plus untracked files
#                               and packaging changes (default: the work tree)
set -uo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)

n=0
failed=0
work=$(mktemp -d /tmp/cjdns-packaging.XXXXXX)
log=$work/step.log

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
  n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"
  if [[ -s $log ]]; then tail -n 25 "$log" | sed 's/^/#   /'; fi
}
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
note() { echo "# $*"; }
# step "description" command...: one TAP line; output goes to the log.
step() {
  local desc=$1; shift
  : >"$log"
  if "$@" >>"$log" 2>&1; then ok "$desc"; return 0; fi
  not_ok "$desc"; return 1
}

version=$(sed -n "s/^ *version *: *'\([^']*\)'.*/\1/p" meson.build | head -n1)
deb_arch=$(dpkg --print-architecture)
host_type=$(dpkg-architecture -qDEB_HOST_GNU_TYPE 2>/dev/null || echo x86_64-linux-gnu)

# ---------------------------------------------------------------- cleanup --
conf_backup=
policy_rc_added=0
user_existed=0
var_empty_existed=0
getent passwd cjdns >/dev/null && user_existed=1
[[ -d /var/empty ]] && var_empty_existed=1
deb_installed_by_us=0

cleanup() {
  if ((deb_installed_by_us)); then
    dpkg --purge cjdns >/dev/null 2>&1 || true
  fi
  if ((policy_rc_added)); then rm -f /usr/sbin/policy-rc.d; fi
  if ((!user_existed)) && getent passwd cjdns >/dev/null; then
    userdel cjdns >/dev/null 2>&1 || true
    getent group cjdns >/dev/null && groupdel cjdns >/dev/null 2>&1 || true
  fi
  rmdir /var/empty/cjdns 2>/dev/null || true
  if ((!var_empty_existed)); then rmdir /var/empty 2>/dev/null || true; fi
  if [[ -n $conf_backup ]]; then mv -f "$conf_backup" /etc/cjdroute.conf; fi
  rm -rf "$work"
}
trap cleanup EXIT

if [[ $(id -u) -ne 0 ]]; then
  echo "Bail out! packaging-check.sh needs root (it installs packages and the .deb)"
  exit 1
fi

# ------------------------------------------------------------- packages --
install_packages() {
  export DEBIAN_FRONTEND=noninteractive
  local want=(g++ meson ninja-build pkg-config cmake libsodium-dev libevent-dev capnproto
              libcapnp-dev libspdlog-dev libseccomp-dev doctest-dev python3
              debhelper dpkg-dev rpm rpmlint checkpolicy semodule-utils selinux-policy-dev
              systemd iproute2 util-linux)
  local missing=()
  for p in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  ((${#missing[@]} == 0)) && return 0
  echo "installing ${missing[*]}"
  apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"
}
step "the packaging tools and build dependencies are installed" install_packages || {
  echo "Bail out! cannot install packages"; exit 1; }

# --------------------------------------------------------------- SELinux --
step "selinux: cjdns.pp compiles (checkpolicy, selinux-policy-dev)" \
  selinux/build-module.sh "$work/selinux"

check_fc() {
  local p
  for p in /usr/bin/cjdroute /usr/libexec/cjdns/cjdns-core /usr/libexec/cjdns/cjdns-admin /etc/cjdroute; do
    grep -q "^${p//./\\\\.}" selinux/cjdns.fc || { echo "cjdns.fc does not label $p"; return 1; }
  done
  for d in cjdns_t cjdns_core_t cjdns_admin_t; do
    grep -q "^type $d;" selinux/cjdns.te || { echo "no domain $d"; return 1; }
  done
  grep -q 'cjdns_core_t:process2 { nnp_transition' selinux/cjdns.te &&
    grep -q 'cjdns_admin_t:process2 { nnp_transition' selinux/cjdns.te
}
step "selinux: three domains, nnp transitions, file contexts for the installed paths" check_fc

# ------------------------------------------------------------ the sources --
# A copy of the working tree (no build output, no git), as a release
# tarball would have it.
src=$work/src/cjdns-$version
make_copy() {
  mkdir -p "$src"
  if [[ ${PACKAGING_CHECK_TREE:-worktree} == head ]]; then
    # The last commit, plus new files and this check's own (packaging)
    # changes: leaves out half-done edits of tracked files elsewhere.
    git -C "$top" archive HEAD | tar -C "$src" -xf -
    { git -C "$top" ls-files --others --exclude-standard
      git -C "$top" diff --name-only HEAD -- packaging selinux scripts docs meson_options.txt
    } | sort -u | while read -r f; do
      [[ -e $top/$f ]] && { mkdir -p "$src/$(dirname "$f")"; cp -p "$top/$f" "$src/$f"; }
    done
  else
    tar -C "$top" --exclude=./build --exclude=./.git --exclude='./obj-*' --exclude=./debian -cf - . |
      tar -C "$src" -xf -
  fi
}
step "a copy of the tree for the package builds" make_copy

# ------------------------------------------------------------------- RPM --
# rpm on Debian has no systemd or meson macros: define what the spec's paths
# use, in a private HOME so nothing on the machine changes.
rpmhome=$work/rpmhome
mkdir -p "$rpmhome"/rpmbuild/{SOURCES,SPECS,SRPMS}
cat >"$rpmhome/.rpmmacros" <<EOF
%_topdir $rpmhome/rpmbuild
%_unitdir /usr/lib/systemd/system
%_sysusersdir /usr/lib/sysusers.d
%_tmpfilesdir /usr/lib/tmpfiles.d
EOF
rpmq() { HOME=$rpmhome "$@"; }

spec=packaging/rpm/cjdns.spec
spec_version() {
  rpmq rpmspec -P "$spec" >/dev/null || return 1
  local v; v=$(rpmq rpmspec -q --srpm --qf '%{VERSION}' "$spec") || return 1
  [[ $v == "$version" ]] || { echo "spec Version $v, meson version $version"; return 1; }
}
step "rpm: the spec parses (rpmspec -P) and its Version is meson's $version" spec_version

lint_spec() {
  rpmq rpmlint "$spec" | tee "$work/rpmlint-spec.txt"
  ! grep -q ': E: ' "$work/rpmlint-spec.txt" && grep -q ' 0 errors' "$work/rpmlint-spec.txt"
}
step "rpm: rpmlint finds no error in the spec" lint_spec && \
  note "rpmlint (spec): $(grep -o '[0-9]* errors, [0-9]* warnings' "$work/rpmlint-spec.txt")"

build_srpm() {
  tar -C "$work/src" -czf "$rpmhome/rpmbuild/SOURCES/cjdns-$version.tar.gz" "cjdns-$version"
  cp packaging/sysusers.d/cjdns.conf "$rpmhome/rpmbuild/SOURCES/cjdns.sysusers.conf"
  rpmq rpmbuild -bs "$spec"
  ls "$rpmhome"/rpmbuild/SRPMS/cjdns-"$version"-*.src.rpm
}
step "rpm: the source RPM builds (rpmbuild -bs)" build_srpm && \
  note "$(basename "$rpmhome"/rpmbuild/SRPMS/cjdns-*.src.rpm)"

lint_srpm() {
  # Filters for the checks Fedora's rpmlint configuration does not apply
  # (signature, Packager/Group tags, SPDX license names): packaging/rpmlint-debian-host.rpmlintrc.
  rpmq rpmlint -r packaging/rpmlint-debian-host.rpmlintrc "$rpmhome"/rpmbuild/SRPMS/cjdns-*.src.rpm | tee "$work/rpmlint-srpm.txt"
  ! grep -q ': E: ' "$work/rpmlint-srpm.txt" && grep -q ' 0 errors' "$work/rpmlint-srpm.txt"
}
step "rpm: rpmlint finds no error in the source RPM (filters for a Debian host: packaging/rpmlint-debian-host.rpmlintrc)" lint_srpm && \
  note "rpmlint (srpm): $(grep -o '[0-9]* errors, [0-9]* warnings' "$work/rpmlint-srpm.txt")"

# ---------------------------------------------------------------- Debian --
deb=
build_deb() {
  cp -a packaging/debian "$src/debian"
  local opts="nocheck parallel=2" profiles=(-Pnocheck)
  if [[ ${PACKAGING_DEB_TESTS:-0} == 1 ]]; then opts="parallel=2"; profiles=(); fi
  # unshare -n: the build itself gets no network.
  (cd "$src" && DEB_BUILD_OPTIONS="$opts" unshare -n dpkg-buildpackage -b -us -uc "${profiles[@]}")
  deb=$(ls "$work"/src/cjdns_"$version"_"$deb_arch".deb)
}
if step "deb: dpkg-buildpackage builds the package (offline, from a copy)" build_deb; then
  deb=$(ls "$work"/src/cjdns_"$version"_"$deb_arch".deb)
  note "$(basename "$deb"), $(du -k "$deb" | cut -f1) KiB"
fi

# Where both packages put things (prefix /usr), besides the unit directory.
common_files=(
  usr/bin/cjdroute usr/bin/cjdnsctl usr/bin/cjdns-ifacectl usr/bin/cjdns-online
  usr/bin/peerStats usr/bin/sessionStats usr/bin/dumptable usr/bin/cjdns-traceroute
  usr/libexec/cjdns/cjdns-core usr/libexec/cjdns/cjdns-admin
  usr/libexec/cjdns/cjdns-genconf usr/libexec/cjdns/cjdns-resume
  usr/lib/NetworkManager/dispatcher.d/90-cjdns
  usr/lib/sysusers.d/cjdns.conf usr/lib/tmpfiles.d/cjdns.conf
  usr/share/man/man8/cjdroute.8 usr/share/man/man5/cjdroute.conf.5 usr/share/man/man8/cjdns-ifacectl.8
  usr/share/man/man8/cjdnsctl.8
)
units=(cjdns.service cjdns-genconf.service cjdns-wait-online.service cjdns-resume.service)

deb_contents() {
  [[ -n $deb ]] || return 1
  dpkg-deb -c "$deb" | awk '$1 !~ /^d/ {print $6}' | sed 's|^\./||; s|\.gz$||' |
    grep -v '^usr/share/doc/' | sort >"$work/deb-files.txt"
  local f missing=0
  for f in "${common_files[@]}" "${units[@]/#/lib/systemd/system/}"; do
    grep -qx "$f" "$work/deb-files.txt" || { echo "missing from the .deb: $f"; missing=1; }
  done
  grep -qE '^usr/share/man/man[18]/cjdroute\.[18]$' "$work/deb-files.txt" || { echo "no cjdroute man page"; missing=1; }
  return $missing
}
step "deb: the package holds every file where Debian expects it" deb_contents

# Installing: no service may start on the CI machine (policy-rc.d), and an
# existing installation or configuration is left alone.
deb_ready=0
if [[ -z $deb ]]; then
  skip "deb: dpkg -i installs the package" "no .deb"
elif dpkg-query -W -f='${Status}' cjdns 2>/dev/null | grep -q "install ok installed"; then
  skip "deb: dpkg -i installs the package" "a cjdns package is already installed here"
else
  if [[ -e /etc/cjdroute.conf ]]; then
    conf_backup=$work/cjdroute.conf.backup
    mv /etc/cjdroute.conf "$conf_backup"
  fi
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    policy_rc_added=1
  fi
  install_deb() {
    deb_installed_by_us=1
    dpkg -i "$deb" || DEBIAN_FRONTEND=noninteractive apt-get -f install -y -qq --no-install-recommends
    dpkg-query -W -f='${Status}\n' cjdns | grep -q "install ok installed"
  }
  step "deb: dpkg -i installs the package (apt-get -f install for its dependencies)" install_deb && deb_ready=1
fi

if ((deb_ready)); then
  step "deb: the postinst created the user cjdns (sysusers.d)" getent passwd cjdns
  step "deb: the postinst created /var/empty/cjdns, mode 0100 (tmpfiles.d)" \
    bash -c '[[ $(stat -c %a /var/empty/cjdns) == 100 ]]'
  step "deb: /usr/bin/cjdroute --version" bash -c '/usr/bin/cjdroute --version && /usr/bin/cjdroute --version | grep -q "^Cjdns version: "' &&
    note "$(/usr/bin/cjdroute --version | head -n1)"
  step "deb: /usr/bin/cjdroute --genconf | /usr/bin/cjdroute --check" \
    bash -c 'set -o pipefail; /usr/bin/cjdroute --genconf | /usr/bin/cjdroute --check'

  genconf_check() {
    local f=$work/genconf/cjdroute.conf
    mkdir -p "$work/genconf"
    /usr/libexec/cjdns/cjdns-genconf "$f" || return 1
    [[ $(stat -c %a "$f") == 600 ]] || { echo "mode $(stat -c %a "$f")"; return 1; }
    grep -q '"setuser": "cjdns"' "$f" || { echo "setuser is not cjdns"; return 1; }
    /usr/bin/cjdroute --check --config "$f" || return 1
    local sum; sum=$(sha256sum "$f")
    /usr/libexec/cjdns/cjdns-genconf "$f" && [[ $(sha256sum "$f") == "$sum" ]]  # never overwrites
  }
  step "deb: cjdns-genconf writes a 0600 config for user cjdns, once" genconf_check

  # The node as cjdns.service runs it: user cjdns, CAP_NET_ADMIN as its only
  # (ambient) capability, no_new_privs, config from a private copy; it must
  # send READY=1 and stop with 0 on SIGTERM. In a network namespace.
  run_node() {
    [[ -c /dev/net/tun ]] || { echo "no /dev/net/tun"; return 2; }
    local d=$work/node
    mkdir -p "$d" && chmod 0711 "$work" && chmod 0755 "$d"
    /usr/bin/cjdroute --genconf >"$d/cjdroute.conf"
    chown cjdns: "$d/cjdroute.conf" && chmod 0400 "$d/cjdroute.conf"
    python3 - "$d" <<'PY'
import os, signal, socket, subprocess, sys, time
d = sys.argv[1]
sock_path = os.path.join(d, "notify")
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sock_path)
os.chmod(sock_path, 0o666)
s.settimeout(1)
# A network namespace of its own, with loopback up for admin.bind.
cmd = ["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$0" "$@"', "setpriv", "--reuid=cjdns", "--regid=cjdns", "--init-groups",
       "--inh-caps=-all,+net_admin", "--ambient-caps=-all,+net_admin",
       "--bounding-set=-all,+net_admin", "--no-new-privs",
       "/usr/bin/cjdroute", "--nobg", "--config", os.path.join(d, "cjdroute.conf")]
env = dict(os.environ, NOTIFY_SOCKET=sock_path)
p = subprocess.Popen(cmd, env=env)
ready = False
deadline = time.time() + 20
while time.time() < deadline and p.poll() is None:
    try:
        msg = s.recv(4096).decode()
    except socket.timeout:
        continue
    print("notify:", msg.replace("\n", " "))
    if "READY=1" in msg:
        ready = True
        break
if not ready:
    print("no READY=1 within 20 s; exit status", p.poll())
    p.kill(); sys.exit(1)
time.sleep(1)
p.send_signal(signal.SIGTERM)
try:
    rc = p.wait(timeout=10)
except subprocess.TimeoutExpired:
    p.kill(); print("did not stop within 10 s of SIGTERM"); sys.exit(1)
print("exit status after SIGTERM:", rc)
sys.exit(0 if rc == 0 else 1)
PY
  }
  : >"$log"
  run_node >>"$log" 2>&1
  case $? in
    0) ok "deb: the installed node runs as cjdns with CAP_NET_ADMIN only, sends READY=1, exits 0 on SIGTERM" ;;
    2) skip "deb: the installed node runs as the unit runs it" "no /dev/net/tun here" ;;
    *) not_ok "deb: the installed node runs as cjdns with CAP_NET_ADMIN only, sends READY=1, exits 0 on SIGTERM" ;;
  esac

  for u in "${units[@]}"; do
    step "systemd-analyze verify $u" systemd-analyze verify "/lib/systemd/system/$u"
  done
fi

# The exposure: the installed unit if there is one, else the source unit
# with the paths of a /usr install.
unit_file=/lib/systemd/system/cjdns.service
if ((!deb_ready)); then
  unit_file=$work/cjdns.service
  sed -e 's|@bindir@|/usr/bin|g; s|@sysconfdir@|/etc|g; s|@libexecdir@|/usr/libexec|g; s|@docdir@|/usr/share/doc/cjdns|g' \
    packaging/systemd/cjdns.service.in >"$unit_file"
fi
security_check() {
  systemd-analyze security --offline=true --no-pager "$unit_file" >"$work/security.txt" 2>&1
  cat "$work/security.txt"
  exposure=$(grep -o 'Overall exposure level for cjdns.service: [0-9.]*' "$work/security.txt" | awk '{print $NF}')
  [[ -n $exposure ]] && awk -v e="$exposure" 'BEGIN { exit !(e <= 2.0) }'
}
exposure=
step "systemd-analyze security --offline=true: exposure of cjdns.service at most 2.0" security_check
note "cjdns.service exposure: ${exposure:-unknown}"
grep '✗' "$work/security.txt" 2>/dev/null | sed 's/  */ /g; s/^/#   /'

# ------------------------------------------------- meson install --destdir --
# The build tree dpkg-buildpackage left (Debian's options), installed as is,
# then reconfigured with the spec's options and installed again.
obj=$src/obj-$host_type
list_tree() { (cd "$1" && find . -type f -o -type l) | sed 's|^\./||' | sort; }

destdir_deb() {
  [[ -d $obj ]] || { echo "no build tree $obj"; return 1; }
  rm -rf "$work/dest-deb"
  meson install -C "$obj" --destdir "$work/dest-deb" --no-rebuild --quiet || return 1
  list_tree "$work/dest-deb" >"$work/dest-deb.txt"
  diff -u "$work/deb-files.txt" "$work/dest-deb.txt"
}
step "meson install --destdir (Debian options): the same files as the .deb" destdir_deb

# The spec's %files, expanded by rpmspec, as glob patterns; %ghost and %dir
# entries are made by the spec's %install, %doc/%license come from the tree.
spec_patterns() {
  rpmq rpmspec -P "$spec" | awk '
    /^%files/ { infiles = 1; next }
    /^%(changelog|pre|post|preun|postun|posttrans|check|install|build|prep|package|description)/ { infiles = 0 }
    infiles && NF {
      line = $0
      if (line ~ /%(doc|license|ghost|dir)[ (]/ || line ~ /^%(doc|license)/) next
      gsub(/%(attr|config|defattr)\([^)]*\) */, "", line)
      gsub(/%(config|verify\([^)]*\)) */, "", line)
      sub(/^\//, "", line)
      print line
    }'
}
destdir_rpm() {
  [[ -d $obj ]] || { echo "no build tree $obj"; return 1; }
  meson configure "$obj" -Dsystemdsystemunitdir=/usr/lib/systemd/system -Dselinux=enabled || return 1
  rm -rf "$work/dest-rpm"
  meson install -C "$obj" --destdir "$work/dest-rpm" --quiet || return 1
  list_tree "$work/dest-rpm" >"$work/dest-rpm.txt"
  spec_patterns >"$work/spec-patterns.txt"
  python3 - "$work/spec-patterns.txt" "$work/dest-rpm.txt" <<'PY'
import fnmatch, sys
patterns = [l.strip() for l in open(sys.argv[1]) if l.strip()]
files = [l.strip() for l in open(sys.argv[2]) if l.strip()]
bad = 0
for p in patterns:
    if not any(fnmatch.fnmatchcase(f, p) for f in files):
        print("in %files, not installed by meson:", p); bad = 1
for f in files:
    if f.startswith("usr/share/doc/"):
        continue
    if not any(fnmatch.fnmatchcase(f, p) for p in patterns):
        print("installed by meson, in no %files:", f); bad = 1
print(len(patterns), "patterns,", len(files), "files")
sys.exit(bad)
PY
  local f
  for f in "${common_files[@]}" "${units[@]/#/usr/lib/systemd/system/}" \
           usr/share/selinux/packages/targeted/cjdns.pp; do
    [[ -e $work/dest-rpm/$f ]] || { echo "missing: $f"; return 1; }
  done
}
step "meson install --destdir (the spec's options): every file in the spec's %files, nothing else" destdir_rpm

# ----------------------------------------------------------------- purge --
if ((deb_ready)); then
  purge_deb() {
    dpkg --purge cjdns || return 1
    deb_installed_by_us=0
    ! dpkg-query -W -f='${Status}' cjdns 2>/dev/null | grep -q "install ok installed" || return 1
    local f
    for f in /usr/bin/cjdroute /usr/libexec/cjdns /lib/systemd/system/cjdns.service /etc/cjdroute.conf; do
      [[ ! -e $f ]] || { echo "left behind: $f"; return 1; }
    done
  }
  step "deb: dpkg --purge removes the package, its files and the generated config" purge_deb
fi

echo "1..$n"
note "$((n - failed)) passed, $failed failed"
((failed == 0))
