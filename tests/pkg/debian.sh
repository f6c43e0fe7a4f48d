#!/bin/bash
# The Debian package, end to end, on this machine (root; exit 77 otherwise).
#
#   tests/pkg/debian.sh [DIST_TARBALL]
#
# Unpacks the distribution tarball (the one "make distcheck" left in
# build/, or one "make dist" makes in $BUILD, default build/), builds the
# package there with "dpkg-buildpackage -us -uc -b" (DEB_BUILD_OPTIONS=
# nocheck: ci.sh has run make check already, and built as root it would
# run every namespace test again), then:
#  - lintian: no error and no warning that debian/ephemd.lintian-overrides
#    does not justify
#  - the .deb holds the binaries, man pages, ruleset, unit, sysusers.d and
#    tmpfiles.d files, and /etc/ephemd/ephemd.conf as a conffile
#  - "apt-get install ./ephemd_*.deb": the user ephemd exists, its
#    directories are its own, the unit is enabled (the symlink
#    dh_installsystemd's postinst makes), "ephemd -n" accepts the installed
#    configuration, "ephemd --doctor" prints its checks, the unit passes
#    "systemd-analyze verify" and scores 2.0 or lower with "systemd-analyze
#    security" (systemctl cannot start it here: systemd is not PID 1)
#  - it starts as the unit starts it: the installed daemon with the
#    installed configuration, as the user and capabilities the unit names,
#    in a network namespace of its own (conntrack in place), answers
#    "ephemctl status" on the default socket and writes its state file
#  - "apt-get purge ephemd": every file "dpkg -L" listed, /etc/ephemd,
#    /var/lib/ephemd, /run/ephemd, the enablement symlink and the user and
#    group ephemd are gone
# It refuses to run where ephemd is installed already or a user ephemd
# exists: it must see what the package alone makes and removes.
# Prints "debian: PASS ..." or "debian: FAIL: ..." last.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$top/build}
t0=$(date +%s)

fail() {
	echo "debian: FAIL: $*" >&2
	exit 1
}
say() { echo "debian: $*"; }

[ "$(id -u)" -eq 0 ] || { echo "debian: SKIP: needs root (apt-get install, purge)"; exit 77; }
for t in dpkg-buildpackage:dpkg-dev dh:debhelper lintian:lintian \
    systemd-analyze:systemd setpriv:util-linux ip:iproute2 nft:nftables; do
	command -v "${t%%:*}" >/dev/null 2>&1 ||
	    fail "'${t%%:*}' is missing: apt-get install ${t#*:} (tests/deps.sh)"
done
if dpkg-query -W -f='${Status}' ephemd 2>/dev/null | grep -q 'installed'; then
	fail "ephemd is installed already (apt-get purge ephemd first)"
fi
getent passwd ephemd >/dev/null && fail "a user ephemd exists already (userdel ephemd first)"
[ -e /var/lib/ephemd ] || [ -e /etc/ephemd ] &&
	fail "/var/lib/ephemd or /etc/ephemd exists already"

T=$(mktemp -d "${TMPDIR:-/tmp}/ephemd-deb.XXXXXX")
NS="ephdeb$$"
PID=
cleanup() {
	[ -n "$PID" ] && kill -TERM "$PID" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	# never leave the package behind, whatever failed
	if dpkg-query -W -f='${Status}' ephemd 2>/dev/null | grep -q installed; then
		apt-get purge -y -qq ephemd >/dev/null 2>&1
	fi
	if [ "${KEEP:-0}" = 1 ]; then echo "kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT

# --- the source: a distribution tarball ------------------------------------
tarball=${1:-}
if [ -z "$tarball" ]; then
	[ -f "$BUILD/Makefile" ] || fail "no tarball given and no configured build in $BUILD"
	(cd "$BUILD" && unset MAKEFLAGS && make -s dist >"$T/dist.out" 2>&1) ||
	    { cat "$T/dist.out"; fail "make dist in $BUILD"; }
	tarball=$(ls -t "$BUILD"/ephemd-*.tar.gz | head -1)
fi
[ -f "$tarball" ] || fail "no tarball $tarball"
tar -C "$T" -xzf "$tarball" || fail "cannot unpack $tarball"
src=$(find "$T" -mindepth 1 -maxdepth 1 -type d -name 'ephemd-*')
[ -d "$src/debian" ] || fail "$tarball has no debian/ (EXTRA_DIST in Makefile.am)"

# the package's version is the release's
version=$(cd "$src" && dpkg-parsechangelog -S Version)
[ "$src" = "$T/ephemd-$version" ] ||
    fail "debian/changelog says $version, the tarball is $(basename "$src")"

# every library configure requires is a build dependency of the package
for p in $(sed -n 's/^EPH_LIB(\[[A-Z]*\], \[[^]]*\], \[\([a-z0-9.+-]*\)\])$/\1/p' "$src/configure.ac"); do
	grep -Eq "^ +$p(,| |\$)" "$src/debian/control" ||
	    fail "configure.ac requires $p, debian/control's Build-Depends does not name it"
done

# --- build --------------------------------------------------------------------
(cd "$src" && dpkg-checkbuilddeps) >"$T/builddeps" 2>&1 ||
    fail "build dependencies missing (tests/deps.sh): $(cat "$T/builddeps")"
tb=$(date +%s)
(cd "$src" && DEB_BUILD_OPTIONS=nocheck dpkg-buildpackage -us -uc -b) \
    >"$T/build.log" 2>&1 || { tail -40 "$T/build.log"; fail "dpkg-buildpackage"; }
say "built in $(($(date +%s) - tb)) s"
deb=$(ls "$T"/ephemd_"$version"_*.deb 2>/dev/null)
changes=$(ls "$T"/ephemd_"$version"_*.changes 2>/dev/null)
[ -f "$deb" ] && [ -f "$changes" ] || fail "no ephemd_${version}_*.deb and .changes: $(ls "$T")"

# --- lintian: no error, no unjustified warning ----------------------------------
# (--show-overrides would make lintian 2.116 fail on the overridden tags:
# a second run only shows them)
lintian --fail-on error,warning --display-info "$changes" >"$T/lintian" 2>&1
rv=$?
lintian --show-overrides "$changes" 2>/dev/null | grep '^O:' >"$T/overridden"
sed 's/^/debian: lintian: /' "$T/lintian" "$T/overridden" | grep -v 'root privileges'
[ $rv -eq 0 ] || fail "lintian reports errors or warnings (exit $rv)"
grep -q '^[EW]:' "$T/lintian" && fail "lintian reports errors or warnings"

# --- what the .deb holds ---------------------------------------------------------
dpkg-deb -c "$deb" | awk '{ print $6 }' | sed 's|^\./|/|' >"$T/contents"
for f in /usr/sbin/ephemd /usr/sbin/ephemctl /usr/share/man/man8/ephemd.8.gz \
    /usr/share/man/man8/ephemctl.8.gz /usr/share/man/man5/ephemd.conf.5.gz \
    /usr/share/ephemd/ephemd.nft /etc/ephemd/ephemd.conf \
    /lib/systemd/system/ephemd.service /usr/lib/sysusers.d/ephemd.conf \
    /usr/lib/tmpfiles.d/ephemd.conf /usr/share/doc/ephemd/copyright \
    /usr/share/doc/ephemd/examples/prometheus/ephemd.rules.yml \
    /usr/share/doc/ephemd/examples/grafana/ephemd.json \
    /usr/share/doc/ephemd/examples/crowdsec/README; do
	grep -Fqx "$f" "$T/contents" || fail "the package does not ship $f"
done
dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles >"$T/conffiles" 2>/dev/null
grep -Fqx /etc/ephemd/ephemd.conf "$T/conffiles" ||
    fail "/etc/ephemd/ephemd.conf is not a conffile: $(cat "$T/conffiles")"

# --- install ----------------------------------------------------------------------
cp "$deb" "$T/pkg.deb"
(cd "$T" && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "./$(basename "$deb")") \
    >"$T/install.log" 2>&1 || { tail -30 "$T/install.log"; fail "apt-get install ./$(basename "$deb")"; }
dpkg -L ephemd | sort >"$T/files"
getent passwd ephemd >/dev/null || fail "the package made no user ephemd"
uid=$(id -u ephemd)
[ "$uid" -lt 1000 ] || fail "user ephemd is not a system user (uid $uid)"
getent group ephemd >/dev/null || fail "the package made no group ephemd"
for d in /var/lib/ephemd:750 /run/ephemd:755; do
	o=$(stat -c '%U %a' "${d%:*}" 2>/dev/null) || fail "the package made no ${d%:*}"
	[ "$o" = "ephemd ${d#*:}" ] || fail "${d%:*} is '$o', not 'ephemd ${d#*:}'"
done
[ -L /etc/systemd/system/multi-user.target.wants/ephemd.service ] ||
    fail "ephemd.service is not enabled (no multi-user.target.wants symlink)"
if command -v systemctl >/dev/null 2>&1; then
	en=$(systemctl --root=/ is-enabled ephemd.service 2>&1)
	[ "$en" = enabled ] || fail "systemctl is-enabled ephemd says '$en'"
fi
/usr/sbin/ephemd -n >"$T/n" 2>&1 || fail "ephemd -n refuses the installed configuration: $(cat "$T/n")"
grep -q '/etc/ephemd/ephemd.conf' "$T/n" || fail "ephemd -n did not read /etc/ephemd/ephemd.conf: $(cat "$T/n")"
/usr/sbin/ephemd --doctor >"$T/doctor" 2>&1
checks=$(grep -cE '^(ok|PROBLEM|advice) ' "$T/doctor")
[ "$checks" -ge 3 ] || { cat "$T/doctor"; fail "ephemd --doctor printed $checks checks"; }
grep -qE 'fatal|Segmentation|Aborted' "$T/doctor" && fail "ephemd --doctor crashed: $(cat "$T/doctor")"
unit=/lib/systemd/system/ephemd.service
systemd-analyze verify --man=no "$unit" >"$T/verify" 2>&1 ||
    { cat "$T/verify"; fail "systemd-analyze verify $unit"; }
grep -q 'ephemd\.service' "$T/verify" && { cat "$T/verify"; fail "systemd-analyze verify complains"; }
exposure=$(cd /lib/systemd/system && systemd-analyze security --offline=true \
    --no-pager ./ephemd.service 2>&1 |
    sed -n 's/.*Overall exposure level for ephemd.service: \([0-9.]*\) .*/\1/p')
[ -n "$exposure" ] && awk -v e="$exposure" 'BEGIN { exit !(e <= 2.0) }' ||
    fail "the installed unit's exposure is '$exposure', not 2.0 or lower"

# --- it starts as the unit starts it --------------------------------------------
# User=, AmbientCapabilities= and ExecStart= come from the installed unit
# (ExecStartPre is "ephemd -n", done above); the namespace has conntrack
# in use, as a gateway's NAT rules make it
user=$(sed -n 's/^User=//p' "$unit")
caps=$(sed -n 's/^AmbientCapabilities=//p' "$unit")
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
[ "$user" = ephemd ] && [ "$caps" = CAP_NET_ADMIN ] ||
    fail "the unit's User=$user AmbientCapabilities=$caps"
ip netns add "$NS" || fail "ip netns add"
ip netns exec "$NS" nft -f - <<'EOF' || fail "nft in $NS"
table inet ephdeb {
	chain forward {
		type filter hook forward priority 0; policy accept;
		ct state new counter
	}
}
EOF
# StateDirectory= and RuntimeDirectory= exist already: the package made them
# shellcheck disable=SC2086
ip netns exec "$NS" sh -c 'umask 077 && exec "$@"' sh \
    setpriv --reuid=ephemd --regid=ephemd --init-groups \
    --inh-caps=-all,+net_admin --ambient-caps=+net_admin \
    --bounding-set=-all,+net_admin --no-new-privs -- \
    $exec_start -d >"$T/daemon.err" 2>&1 &
PID=$!
for _ in $(seq 100); do
	grep -q 'started:' "$T/daemon.err" && break
	kill -0 "$PID" 2>/dev/null || break
	sleep 0.1
done
grep -q 'started:' "$T/daemon.err" || fail "the installed ephemd did not start as the unit starts it: $(cat "$T/daemon.err")"
[ "$(stat -c %U /run/ephemd/ephemd.sock 2>/dev/null)" = ephemd ] ||
    fail "no control socket /run/ephemd/ephemd.sock of user ephemd"
/usr/sbin/ephemctl status >"$T/status" 2>&1 || fail "ephemctl status: $(cat "$T/status")"
kill -TERM "$PID"
for _ in $(seq 100); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
kill -0 "$PID" 2>/dev/null && fail "the installed ephemd did not stop on SIGTERM"
PID=
[ "$(stat -c %U /var/lib/ephemd/state 2>/dev/null)" = ephemd ] ||
    fail "ephemd wrote no state file /var/lib/ephemd/state at shutdown: $(tail -3 "$T/daemon.err")"
ip netns del "$NS"

# --- purge --------------------------------------------------------------------------
DEBIAN_FRONTEND=noninteractive apt-get purge -y -q ephemd >"$T/purge.log" 2>&1 ||
    { cat "$T/purge.log"; fail "apt-get purge ephemd"; }
grep -q '^ephemd: could not' "$T/purge.log" && fail "$(grep '^ephemd: ' "$T/purge.log")"
dpkg-query -W -f='${Status}' ephemd 2>/dev/null | grep -q 'installed' &&
    fail "ephemd is still installed after purge"
left=
while read -r f; do
	[ -d "$f" ] && continue	# directories are shared (/lib is a link)
	[ -e "$f" ] || [ -L "$f" ] && left="$left $f"
done <"$T/files"
for f in /etc/ephemd /usr/share/ephemd /usr/share/doc/ephemd /var/lib/ephemd \
    /run/ephemd /etc/systemd/system/multi-user.target.wants/ephemd.service \
    /var/lib/systemd/deb-systemd-helper-enabled/ephemd.service; do
	[ -e "$f" ] || [ -L "$f" ] && left="$left $f"
done
[ -z "$left" ] || fail "purge left:$left"
getent passwd ephemd >/dev/null && fail "purge left the user ephemd"
getent group ephemd >/dev/null && fail "purge left the group ephemd"

say "PASS: $(basename "$deb") built, lintian clean ($(wc -l <"$T/overridden") overridden), installed (unit enabled, exposure $exposure, doctor $checks checks, started as user ephemd), purged without a trace; $(($(date +%s) - t0)) s"
