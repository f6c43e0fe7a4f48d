# shellcheck shell=bash
#
# livelib.sh - the live daemon in the namespace gateway, for the live
# tests.  Source it after nslib.sh and ns_setup.
#
#   live_start [CONFIG LINES...]
#       write $NS_DIR/ephemd.conf (state.file and report.file
#       $LIVE_REPORT in $LIVE_DIR or $NS_DIR, report.flow_log $LIVE_FLOWS
#       in $LIVE_LOG_DIR or $NS_DIR, report.format $LIVE_FORMAT or json,
#       $LIVE_REPORT_MORE more settings of the report group, then the
#       given lines) and run "ephemd -d" in the gateway namespace;
#       return once it listens (its "started" message).
#       Sets LIVE_PID (ephemd itself), LIVE_CONF, LIVE_ERR (its messages).
#   live_report
#       SIGUSR2, and wait for the fresh report in $LIVE_REPORT.
#   live_get EXPR
#       print a value of the last report: EXPR is Python over the parsed
#       JSON "r", e.g. 'r["live"]["lost"]'.
#   live_wait EXPR TIMEOUT_S
#       take reports until the Python condition EXPR holds (1 s apart).
#   live_kernel_drops
#       print the kernel's drop counter summed over ephemd's netlink
#       sockets, from the gateway's /proc/net/netlink.
#   live_stop
#       SIGTERM, and wait for ephemd to exit (it writes its last report).

: "${EPHEMD:?EPHEMD must name the ephemd binary}"
LIVE_PID=

live_start() {
	local dir=${LIVE_DIR:-$NS_DIR}

	LIVE_CONF=$NS_DIR/ephemd.conf
	LIVE_REPORT=$dir/report.json
	LIVE_FLOWS=${LIVE_LOG_DIR:-$NS_DIR}/flows.json
	LIVE_ERR=$NS_DIR/ephemd.err
	{
		printf 'state: { file = "%s"; };\n' "$dir/state"
		printf 'report: { file = "%s"; flow_log = "%s"; format = "%s"; %s };\n' \
		    "$LIVE_REPORT" "$LIVE_FLOWS" "${LIVE_FORMAT:-json}" \
		    "${LIVE_REPORT_MORE:-}"
		printf '%s\n' "$@"
	} >"$LIVE_CONF"
	"$EPHEMD" -n -c "$LIVE_CONF" || ns_fail "test configuration rejected"
	ns_bg ephemd "$NS_GW" "$EPHEMD" -d -c "$LIVE_CONF"
	ns_wait_for "grep -q 'started:' '$LIVE_ERR'" 10 ||
		ns_fail "ephemd did not start: $(cat "$LIVE_ERR")"
	LIVE_PID=$(pgrep -P "$NS_BG_PID" -x ephemd) ||
		ns_fail "no ephemd process under $NS_BG_PID"
}

live_report() {
	rm -f "$LIVE_REPORT"
	kill -USR2 "$LIVE_PID" || ns_fail "ephemd is gone: $(tail -5 "$LIVE_ERR")"
	ns_wait_for "[ -s '$LIVE_REPORT' ]" 10 || ns_fail "no report from ephemd"
}

live_get() {
	python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))
print(eval(sys.argv[2]))' "$LIVE_REPORT" "$1"
}

live_wait() {
	local expr=$1 deadline=$(( $(date +%s) + ${2:-10} ))
	while :; do
		live_report
		[ "$(live_get "bool($expr)")" = True ] && return 0
		[ "$(date +%s)" -lt "$deadline" ] || return 1
		sleep 1
	done
}

live_kernel_drops() {
	local inodes
	inodes=$(find "/proc/$LIVE_PID/fd" -lname 'socket:*' -printf '%l\n' |
	    tr -dc '0-9\n')
	ip netns exec "$NS_GW" cat /proc/net/netlink |
	    awk -v inodes="$inodes" 'BEGIN { n = split(inodes, a, "\n");
		for (i = 1; i <= n; i++) want[a[i]] = 1 }
		NR > 1 && ($10 in want) { d += $9 } END { print d + 0 }'
}

live_stop() {
	[ -n "$LIVE_PID" ] || return 0
	kill -TERM "$LIVE_PID" 2>/dev/null || true
	ns_wait_for "! kill -0 $LIVE_PID 2>/dev/null" 10 ||
		ns_fail "ephemd did not stop on SIGTERM"
	LIVE_PID=
}
