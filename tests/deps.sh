#!/bin/sh
# Install what ephemd needs to build, run and pass its tests on Debian 12.
# Run as root.  Idempotent.
set -eu
if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: run as root (it uses apt-get)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# CrowdSec's postinst registers with its central API over the internet
# unless this file exists and is not empty (its README.Debian); the
# machines have no internet.  A comment is enough, and it stays on purge.
if [ ! -s /etc/crowdsec/online_api_credentials.yaml ]; then
	mkdir -p /etc/crowdsec
	echo '# no central API: offline test machine (tests/deps.sh)' \
	    >/etc/crowdsec/online_api_credentials.yaml
fi
# a crowdsec left unconfigured by an earlier try without that file
if dpkg-query -W -f='${Status}' crowdsec 2>/dev/null | grep -q 'half-configured\|unpacked'; then
	dpkg --configure -a >/dev/null
fi
apt-get install -y -qq --no-install-recommends \
	build-essential autoconf automake libtool pkg-config make \
	libnetfilter-conntrack-dev libmnl-dev libnetfilter-log-dev \
	libnftnl-dev libnftables-dev libconfig-dev check libsubunit-dev \
	libcap-ng-dev libsodium-dev libsystemd-dev \
	conntrack nftables iproute2 kmod procps python3 mandoc time faketime \
	nmap curl netcat-openbsd python3-prometheus-client \
	util-linux passwd systemd \
	dpkg-dev debhelper dh-autoreconf lintian fakeroot \
	prometheus prometheus-node-exporter python3-yaml crowdsec \
	clang libclang-rt-14-dev \
	chromium tidy \
	>/dev/null
echo "deps.sh: build and test dependencies installed"
