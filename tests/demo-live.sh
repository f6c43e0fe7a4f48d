#!/bin/bash
# The live half of demo.sh: a namespace gateway, ephemd listening in it,
# a real Linux client and a flow burst, then the daemon's own report, and
# the replay of what "conntrack -E" recorded beside it.
set -u
srcdir=$(cd "$(dirname "$0")" && pwd)
. "$srcdir/nslib.sh"
. "$srcdir/livelib.sh"
ns_require_root
ns_setup 1
# final states expire after 2 s, so that flows end during the demo
for t in tcp_timeout_time_wait tcp_timeout_close udp_timeout \
    udp_timeout_stream; do
	ip netns exec "$NS_GW" sh -c \
	    "echo 2 > /proc/sys/net/netfilter/nf_conntrack_$t"
done
ns_server_start 8080
LIVE_FORMAT=text live_start
ns_capture_start "$NS_DIR/capture.txt"
set -- $NS_C1_ADDRS4
echo "client $1: 150 TCP connections to $SRV4:8080 (the kernel picks the ports)"
ns_flows "$NS_C1" tcp "$1" "$SRV4" 8080 150 || ns_fail "tcp flows"
echo "client $2: 40 UDP request/answer flows"
ns_flows "$NS_C1" udp "$2" "$SRV4" 8080 40 || ns_fail "udp flows"
echo "client $3: a burst of 3000 new UDP flows from consecutive ports"
ip netns exec "$NS_C1" "$FLOWSTORM" -q -s "$3" -d "$SRV4" -p 9000 -n 3000 \
    -r 0 || ns_fail "flowstorm"
sleep 3
echo "the gateway's table is emptied: the entries expired, and the kernel's"
echo "garbage collector could take a minute to send their DESTROY events"
capture_ok=yes
ns_capture_stop 2>/dev/null || capture_ok=no
live_stop
echo
cat "$LIVE_REPORT"
echo
echo "conntrack -E beside it, with its default buffer, recorded" \
    "$(ns_capture_count "$NS_DIR/capture.txt" NEW) NEW and" \
    "$(ns_capture_count "$NS_DIR/capture.txt" DESTROY) DESTROY events" \
    "$( [ $capture_ok = yes ] && echo "(none lost)" ||
    echo "and lost some (ENOBUFS)"); the replay of its recording:"
"$EPHEMD" --replay "$NS_DIR/capture.txt" | sed -n '1,4p'
