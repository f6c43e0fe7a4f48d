#!/bin/bash
# The live half of demo.sh: a namespace gateway, ephemd listening in it
# with scan.action = "quarantine", two ordinary clients (real Linux TCP
# and UDP connections, a flow burst); then the uplink fails for a minute
# under the three clients' curl fetches: one gateway event, nobody
# blocked; then one client scans the server with nmap: its alert, its
# address in the kernel's quarantine set, its connections failing while
# the others' work, then the daemon's own report, and the replay of what
# "conntrack -E" recorded beside it.  The namespaces go away at the end.
set -u
srcdir=$(cd "$(dirname "$0")" && pwd)
. "$srcdir/nslib.sh"
. "$srcdir/livelib.sh"
ns_require_root
ns_setup 3
# final states expire after 2 s, so that flows end during the demo, and
# an unanswered SYN after 20 s, so that an outage shows in a minute
for t in tcp_timeout_time_wait tcp_timeout_close udp_timeout \
    udp_timeout_stream; do
	ip netns exec "$NS_GW" sh -c \
	    "echo 2 > /proc/sys/net/netfilter/nf_conntrack_$t"
done
ip netns exec "$NS_GW" sh -c \
    "echo 20 > /proc/sys/net/netfilter/nf_conntrack_tcp_timeout_syn_sent"
ns_server_start 8080
ALERTS=$NS_DIR/alerts.json
LIVE_FORMAT=text live_start 'learning_period = 0;' \
    "alerts: { file = \"$ALERTS\"; };" \
    'scan: { action = "quarantine"; };' \
    "control: { socket = \"$NS_DIR/ephemd.sock\"; };" \
    "quarantine: { enabled = true; timeout = \"10m\"; file = \"$NS_DIR/quarantine\";" \
    "  ruleset = \"$(cd "$srcdir/../nft" && pwd)/ephemd.nft\"; };"
ns_capture_start "$NS_DIR/capture.txt"
# one TCP connect from client namespace $1: prints "connected" or "blocked"
connect() {
	ip netns exec "$1" timeout 5 python3 - "$SRV4" <<'PY'
import socket, sys
s = socket.socket()
s.settimeout(1)
try:
    s.connect((sys.argv[1], 8080))
    print("connected")
except OSError:
    print("blocked")
PY
}
set -- $NS_C1_ADDRS4
echo "client $1: 150 TCP connections to $SRV4:8080 (the kernel picks the ports)"
ns_flows "$NS_C1" tcp "$1" "$SRV4" 8080 150 || ns_fail "tcp flows"
echo "client $2: 40 UDP request/answer flows"
ns_flows "$NS_C1" udp "$2" "$SRV4" 8080 40 || ns_fail "udp flows"
echo "client $3: a burst of 3000 new UDP flows from consecutive ports"
ip netns exec "$NS_C1" "$FLOWSTORM" -q -s "$3" -d "$SRV4" -p 9000 -n 3000 \
    -r 0 || ns_fail "flowstorm"
echo "client $NS_C2_ADDR4: 100 TCP connections"
ns_flows "$NS_C2" tcp "$NS_C2_ADDR4" "$SRV4" 8080 100 || ns_fail "tcp flows"
echo

# --- the uplink fails for a minute under ordinary clients --------------------
echo "the uplink fails: for 60 s the far side drops everything, while the"
echo "three clients keep fetching (curl) from ten servers"
for i in $(seq 100 109); do
	ip -n "$NS_SRV" addr add "198.18.77.$i/24" dev veth0
done
for i in 1 2 3; do
	eval ns=\$NS_C$i a=\$NS_C${i}_ADDR4
	ns_bg "curl$i" "$ns" bash -c "while :; do curl -s -o /dev/null \
	    --interface $a --connect-timeout 1 --max-time 1 \
	    http://198.18.77.\$((100 + RANDOM % 10)):8080/; sleep 0.3; done"
	CURLS="${CURLS:-} $NS_BG_PID"
done
sleep 5		# answered fetches first: the clients are the network's witnesses
ip netns exec "$NS_SRV" nft add table inet outage
ip netns exec "$NS_SRV" nft add chain inet outage drop_all \
    '{ type filter hook input priority -10; policy drop; }'
ns_wait_for "grep -q '\"detector\": \"gateway\"' '$ALERTS'" 120 ||
	echo "(no gateway event yet)"
sleep 20
ip netns exec "$NS_SRV" nft delete table inet outage
ns_wait_for "[ \$(grep -c '\"detector\": \"gateway\"' '$ALERTS') -ge 2 ]" 120 || true
for p in $CURLS; do
	pkill -P "$p" 2>/dev/null || true
	kill "$p" 2>/dev/null || true
done
echo "ephemd's alerts during the outage:"
python3 - "$ALERTS" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    a = json.loads(line)
    print("  %s %s %s: %s" % (a["host"], a["detector"], a["severity"], a["summary"][:150]))
PY
echo "quarantined during the outage: $(ip netns exec "$NS_GW" nft list set inet ephemd quarantine4 |
    grep -c '10\.231\.' || true) clients (nobody: the failures were the network's)"
echo

S=$NS_C3_ADDR4
echo "client $S before its scan: $(connect "$NS_C3")"
if command -v nmap >/dev/null 2>&1; then
	echo "client $S: nmap -sS of 300 ports of $SRV4"
	ip netns exec "$NS_C3" timeout 60 nmap -n -Pn -sS -T4 --max-retries 0 \
	    --host-timeout 30s -p 1-300 "$SRV4" >/dev/null 2>&1
else
	echo "client $S: connects to 300 ports of $SRV4 (nmap is not installed)"
	ip netns exec "$NS_C3" timeout 60 python3 - "$SRV4" <<'PY'
import socket, sys
for port in range(1, 301):
    s = socket.socket()
    s.settimeout(0.2)
    try:
        s.connect((sys.argv[1], port))
    except OSError:
        pass
    s.close()
PY
fi
ns_wait_for "ip netns exec $NS_GW nft list set inet ephemd quarantine4 | grep -qw $S" 10 ||
	ns_fail "the scanner was not quarantined: $(tail -5 "$LIVE_ERR")"
echo "ephemd's alert:"
python3 - "$ALERTS" "$S" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    a = json.loads(line)
    if a["host"] == sys.argv[2] and a["action"] == "quarantine":
        print("  %s %s: %s" % (a["detector"], a["severity"], a["summary"]))
        print("  quarantine: %s" % a["quarantine"])
        print("  evidence: %s" % json.dumps(a["evidence"]))
        break
PY
echo "the kernel's set (nft list set inet ephemd quarantine4):"
ip netns exec "$NS_GW" nft list set inet ephemd quarantine4 | grep elements | sed 's/^[[:space:]]*/  /'
for _ in 1 2 3; do connect "$NS_C3" >/dev/null; done
echo "client $S after its scan: $(connect "$NS_C3"); client $NS_C1_ADDR4: $(connect "$NS_C1")"
echo
EPHEMCTL=${EPHEMCTL:-$(dirname "$EPHEMD")/ephemctl}
if [ -x "$EPHEMCTL" ]; then
	echo "ephemctl hosts --sort flows (the running daemon's table):"
	"$EPHEMCTL" -s "$NS_DIR/ephemd.sock" hosts --sort flows
	echo
	echo "ephemctl host $S:"
	"$EPHEMCTL" -s "$NS_DIR/ephemd.sock" host "$S"
	echo
fi
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
