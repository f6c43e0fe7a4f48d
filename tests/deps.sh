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
apt-get install -y -qq --no-install-recommends \
	build-essential autoconf automake libtool pkg-config make \
	libnetfilter-conntrack-dev libmnl-dev libnetfilter-log-dev \
	libnftnl-dev libnftables-dev libconfig-dev check libsubunit-dev \
	libcap-ng-dev libsodium-dev \
	conntrack nftables iproute2 kmod procps python3 mandoc time faketime \
	nmap curl netcat-openbsd python3-prometheus-client \
	>/dev/null
echo "deps.sh: build and test dependencies installed"
