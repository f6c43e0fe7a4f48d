#!/bin/sh
# The real-network scenario of issue 12: gencap -S realnet (an uplink and an
# IPv6 upstream outage, a dead popular server, DHCP handing an address to
# another stack, consoles, VPNs, heavy P2P, FreeBSD under load, parallel
# connects, IPv6 temporary addresses, Happy Eyeballs, a Kubernetes node, and
# the attacks hiding among them) replayed through ephemd and scored by
# tests/scenario.py, as scenario.test does for -S default; realnet.test
# runs it in TESTS.  This wrapper runs it on a tree's build by hand.
#   SCENARIO_KIND=churn    the memory test's input instead: a million
#                          client addresses, then a SYN scan (4 h)
#   SCENARIO_SEEDS, SCENARIO_MD as for scenario.test
#   EPHEMD, GENCAP         the binaries (default: build/ of this tree)
top=$(cd "$(dirname "$0")/.." && pwd)
: "${EPHEMD:=$top/build/daemon/ephemd}"
: "${GENCAP:=$top/build/tests/gencap}"
: "${SCENARIO_KIND:=realnet}"
srcdir=$top/tests
export EPHEMD GENCAP SCENARIO_KIND srcdir
exec sh "$srcdir/scenario.test"
