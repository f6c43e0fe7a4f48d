#!/bin/sh
# ephemd's main job on built-in defaults.  Builds ephemd (in build/) if
# needed, then:
#  1. prints the port-behaviour report of the capture shipped in
#     tests/data/sample.conntrack (any argument goes to ephemd, for
#     example --report json), and writes its HTML report, whose path it
#     prints;
#  2. as root, runs the live daemon in a simulated gateway made of network
#     namespaces (client -> gateway with nft masquerade -> server), with a
#     Linux client making TCP and UDP connections and a burst of 3 000
#     flows, and prints what the daemon measured.  DEMO_LIVE=0 skips it.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
if [ ! -x build/daemon/ephemd ] || [ ! -x build/tests/flowstorm ]; then
	echo "demo: building ephemd in build/ (log: build/build.log)" >&2
	[ -x configure ] || ./autogen.sh >/dev/null 2>&1
	mkdir -p build
	(cd build && { [ -f Makefile ] || ../configure -q; } && make -j2 &&
	    make -C tests flowstorm) >build/build.log 2>&1 || {
		tail -n 30 build/build.log >&2
		exit 1
	}
fi

echo "== replay of tests/data/sample.conntrack (24 synthetic clients, 1 h)"
build/daemon/ephemd --replay tests/data/sample.conntrack "$@"
(cd tests/data && ../../build/daemon/ephemd --replay sample.conntrack \
    --report html) >build/report-sample.html
echo
echo "== the same as a page: $top/build/report-sample.html"
echo "   (one file, no network needed: open it in any browser, or"
echo "   xdg-open build/report-sample.html)"

[ "${DEMO_LIVE:-1}" = 1 ] || exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "demo: the live demo in network namespaces needs root; skipped" >&2
	exit 0
fi
echo
echo "== live: ephemd in a namespace gateway, clients behind its NAT"
EPHEMD=$top/build/daemon/ephemd FLOWSTORM=$top/build/tests/flowstorm \
    exec bash tests/demo-live.sh
