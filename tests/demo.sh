#!/bin/sh
# ephemd's main job on a built-in default: build it if needed, then print
# the port-behaviour report of the capture shipped in tests/data/.
# Any argument is passed to ephemd (for example --report json).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
if [ ! -x build/daemon/ephemd ]; then
	echo "demo: building ephemd in build/ (log: build/build.log)" >&2
	[ -x configure ] || ./autogen.sh >/dev/null 2>&1
	mkdir -p build
	(cd build && ../configure -q && make -j2) >build/build.log 2>&1 || {
		tail -n 30 build/build.log >&2
		exit 1
	}
fi
exec build/daemon/ephemd --replay tests/data/sample.conntrack "$@"
