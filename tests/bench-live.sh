#!/bin/bash
# Live intake benchmark (DESIGN section 4): a storm of new flows through the
# namespace gateway, with ephemd and "conntrack -E -o xml > /dev/null"
# listening side by side in the same run.  Prints for each: events received
# and CPU time per event (utime + stime from /proc/PID/stat), and ephemd's
# RSS and bytes per active flow.  Root; run from a build (EPHEMD and
# FLOWSTORM select the binaries).
#
# usage: tests/bench-live.sh [FLOWS] [RATE]     (default 150000 at 75000/s)
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
srcdir=$top/tests
: "${EPHEMD:=$top/build/daemon/ephemd}"
: "${FLOWSTORM:=$top/build/tests/flowstorm}"
n=${1:-150000}
rate=${2:-75000}
. "$srcdir/nslib.sh"
. "$srcdir/livelib.sh"
ns_require_root
ns_setup 1

cpu_ticks() {	# utime + stime of a pid, in clock ticks
	awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"
}
rss_kib() {
	awk '/^VmRSS/ { print $2 }' "/proc/$1/status"
}

live_start
live_wait 'not r["live"]["dumping"]' 10 || ns_fail "start-up dump"
NS_CAPTURE_FORMAT=xml ns_capture_start /dev/null
ct_pid=$(pgrep -P "$NS_CAPTURE_PID" -x conntrack) || ns_fail "no conntrack"
e0=$(cpu_ticks "$LIVE_PID")
c0=$(cpu_ticks "$ct_pid")
r0=$(rss_kib "$LIVE_PID")

ports=$(( (n + 64511) / 64512 ))	# masquerade: 64512 flows per port
# shellcheck disable=SC2086
ip netns exec "$NS_C1" "$FLOWSTORM" $(printf -- '-s %s ' $NS_C1_ADDRS4) \
    -d "$SRV4" -p 9000-$((9000 + ports - 1)) -n "$n" -r "$rate" ||
	ns_fail "flowstorm"
live_wait "r['live']['events'] + r['live']['lost'] >= $n" 30 || true
sleep 1
e1=$(cpu_ticks "$LIVE_PID")
c1=$(cpu_ticks "$ct_pid")
r1=$(rss_kib "$LIVE_PID")
ev=$(live_get 'r["live"]["events"]')
lost=$(live_get 'r["live"]["lost"]')
flows=$(live_get 'r["live"]["flows"]')
drops=$(live_kernel_drops)
kill -INT "$ct_pid"
ns_wait_for "! kill -0 $ct_pid 2>/dev/null" 10
ct_ev=$(grep -o '[0-9]* flow events' "$NS_DIR/capture.err" | awk '{print $1}')
ct_lost=$(grep -c 'No buffer space' "$NS_DIR/capture.err")
NS_CAPTURE_PID=
hz=$(getconf CLK_TCK)
python3 - "$n" "$rate" "$ev" "$lost" "$drops" "$e0" "$e1" "${ct_ev:-0}" \
    "$ct_lost" "$c0" "$c1" "$hz" "$r0" "$r1" "$flows" <<'PY'
import sys
(n, rate, ev, lost, drops, e0, e1, ctev, ctlost, c0, c1, hz, r0, r1,
 flows) = (int(float(x)) for x in sys.argv[1:])
ecpu, ccpu = (e1 - e0) / hz, (c1 - c0) / hz
print("storm            %d new flows at %d/s" % (n, rate))
print("ephemd           %d events, %d lost (socket drops %d), %.2f s CPU, "
      "%.2f us/event" % (ev, lost, drops, ecpu, 1e6 * ecpu / max(ev, 1)))
print("conntrack -E xml %d events%s, %.2f s CPU, %.2f us/event" % (
      ctev, ", overran (ENOBUFS)" if ctlost else "", ccpu,
      1e6 * ccpu / max(ctev, 1)))
print("CPU ratio        ephemd/conntrack = %.2f (budget <= 0.5)" % (
      (ecpu / max(ev, 1)) / max(ccpu / max(ctev, 1), 1e-12)))
print("memory           RSS %.1f MiB with %d active flows, %.1f B per flow "
      "above the idle RSS" % (r1 / 1024, flows, (r1 - r0) * 1024 /
                              max(flows, 1)))
PY
live_stop
