#!/bin/sh
# ephemd's main job on a built-in default: build it if needed, then print
# the port-behaviour report of the capture shipped in tests/data/.
# Any argument is passed to ephemd (for example --report json).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
if [ ! -x build/daemon/ephemd ]; then
	[ -x configure ] || ./autogen.sh >/dev/null 2>&1
	mkdir -p build
	(cd build && ../configure -q && make -s -j2) >&2
fi
exec build/daemon/ephemd --replay tests/data/sample.conntrack "$@"
