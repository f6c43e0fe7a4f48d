# shellcheck shell=bash
#
# nslib.sh - the "namespace gateway harness" for ephemd tests.
#
# Source it from a bash test:   . "$srcdir/nslib.sh"
#
# It builds, inside network namespaces that only this run owns, a small NAT
# gateway with clients behind it and a server in front of it:
#
#   client ns $NS_C<n>                 gateway ns $NS_GW                  server ns $NS_SRV
#   veth0 10.231.<n>.2,.3,.4/24  <->  c<n> 10.231.<n>.1/24
#         fd77:<n>::2,3,4/64             fd77:<n>::1/64
#   default via the gateway             srv 198.18.77.1/24 fd78::1/64 <-> veth0 198.18.77.2/24
#                                       (masquerade out of "srv")              fd78::2/64
#
# The gateway forwards IPv4 and IPv6, has net.netfilter.nf_conntrack_timestamp=1
# and nf_conntrack_events=1, and an nftables table "inet ephtest_nat" whose
# postrouting nat chain masquerades everything leaving through "srv" (v4 and
# v6).  There is no filtering anywhere.  The server has no route back to the
# clients: replies only work because of the NAT, so a broken NAT shows up as
# failed flows.  All addresses are private (10.231/16, fd77::/16, fd78::/16) or
# benchmark space (198.18.0.0/15); no traffic leaves the namespaces.
#
# Names are unique per run: the prefix is "eph$$" (e.g. eph4242gw, eph4242sv,
# eph4242c1), so parallel "make check" jobs never collide.  Interfaces are
# created directly inside the namespaces (never in the caller's namespace) and
# their names are short (veth0, srv, c<n>).
#
# ---------------------------------------------------------------------------
# Functions
#
#   ns_require_root
#       exit 77 (automake SKIP) when not root.  When root, checks that the
#       tools are there and that "ip netns add" works; if not, exit 1 (FAIL)
#       with a message: a root machine that cannot build the harness is a
#       broken test machine, not a reason to skip.
#   ns_setup [NCLIENTS]
#       build the topology with NCLIENTS (default 1, at most 200) client
#       namespaces, check v4 and v6 connectivity from every client address to
#       the server, then flush the gateway's conntrack table (so the checks
#       leave no flows behind).  Installs the teardown trap (EXIT INT TERM HUP):
#       a test must not set its own trap on these afterwards (that would
#       replace the teardown); use ns_on_exit for its own cleanup.
#       On a signal the teardown runs and the test exits 130 (INT), 143
#       (TERM) or 129 (HUP); on exit the test's status is kept.
#   ns_teardown
#       stop the capture if running, kill every background process this
#       harness started (TERM, then KILL after a grace period), kill anything
#       still inside the namespaces, delete the namespaces, remove $NS_DIR
#       (kept when KEEP=1), run the ns_on_exit hooks.  Idempotent; called
#       automatically on EXIT INT TERM HUP.
#   ns_on_exit CMD
#       register a command (string, eval'ed) for ns_teardown to run last,
#       e.g. removing the test's own temporary directory.  Also installs the
#       traps, so it may be called before ns_setup.
#   ns_exec NS CMD [ARGS...]
#       run a command in namespace NS (foreground).
#   ns_bg NAME NS CMD [ARGS...]
#       start CMD in namespace NS in the background under
#       "timeout $NS_LIFETIME" (so it ends by itself), stdout/stderr to
#       $NS_DIR/NAME.out / NAME.err; tracked for teardown.  Sets NS_BG_PID.
#   ns_track PID
#       add a PID that the caller started to the list ns_teardown kills.
#   ns_now_ms
#       print milliseconds since the epoch (no fork; for timing).
#   ns_wait_for CMD TIMEOUT_S
#       poll CMD (a string, eval'ed, output discarded) every
#       $NS_POLL_INTERVAL seconds until it succeeds (return 0) or TIMEOUT_S
#       (integer or decimal seconds, default 10) passed (return 1).
#   ns_server_start PORT...
#       start one python3 server in $NS_SRV listening on every PORT, on TCP
#       and UDP, IPv4 and IPv6.  TCP: accept, read and discard until the
#       client's EOF, then close (an orderly close from both sides).  UDP:
#       echo each datagram back.  Returns once all sockets are bound.  The
#       server exits by itself after $NS_LIFETIME seconds.  May be called
#       more than once with different ports.
#   ns_flows NS PROTO SRC DST PORT COUNT [PORTLOG]
#       from namespace NS, make COUNT sequential flows (PROTO tcp or udp)
#       from address SRC to DST:PORT, letting the kernel choose the source
#       port.  TCP: bind(SRC, 0) with IP_BIND_ADDRESS_NO_PORT (so the port
#       is chosen by connect(), as for an unbound client), connect, send one
#       byte, shutdown(WR), read until the server's EOF, close.  UDP: bind,
#       connect, send one byte, wait for the echo, close.  Each chosen local
#       port is appended, one per line, to PORTLOG.  COUNT is capped at
#       100000; each flow times out after 5 s; $NS_FLOW_GAP seconds (default
#       0) between flows.  Returns non-zero if any flow failed.
#       It runs in the background and is waited for, so that a signal is
#       handled at once.  Note for UDP: the kernel picks a random port per
#       socket (no parity preference); a port that repeats towards the same
#       destination while its conntrack entry lives (30 s) is the same
#       conntrack flow, so COUNT UDP flows can give slightly fewer NEW events.
#   ns_reaper
#       the gateway's DESTROY events on time: the kernel's conntrack
#       garbage collector reports an expired entry when its scan gets to
#       it, which on a loaded machine is up to a minute late (kernel 6.1,
#       GC_SCAN_INTERVAL_MAX).  A background process in $NS_GW deletes,
#       every half second, each TCP entry in TIME_WAIT or CLOSE (its
#       outcome is known) and each entry with a second or less to live, so
#       that the event comes as the entry ends; the event is the one its
#       expiry would give (a deleted entry's counters and status).
#   ns_capture_start FILE
#       run "conntrack -E -e NEW,DESTROY -o timestamp,extended,id" in $NS_GW
#       (the -o formats from $NS_CAPTURE_FORMAT when set),
#       output to FILE (stderr to $NS_DIR/capture.err), and return only once
#       its netlink socket is subscribed to the NEW and DESTROY groups (found
#       by matching the process's socket inodes in the gateway's
#       /proc/net/netlink), so no event after the return can be missed.  The
#       capture generates no traffic of its own.
#   ns_capture_stop
#       empty the gateway's conntrack table, so that every flow gets its
#       DESTROY event (marked "[USERSPACE] portid=N [progname=python3]"),
#       then wait, up to $NS_CAPTURE_DRAIN_TIMEOUT seconds, until the table
#       is empty, the capture holds at least as many DESTROY lines as NEW
#       lines and the file has not grown for 0.3 s; then stop conntrack with
#       SIGINT.  The table is emptied by $NS_DIR/ctdrain.py, one netlink
#       delete per entry, pausing every 32 deletions until the capture has
#       written their events: "conntrack -F" deletes everything in one burst
#       and, beyond ~160 entries, overflows the event socket's default
#       212992-byte buffer (conntrack 1.4.7's -b option resizes another of
#       its sockets, not the event one), losing DESTROY events.
#       Returns non-zero (with a message) if it did not drain, if the kernel
#       dropped events for the capture socket (its Drops counter in
#       /proc/net/netlink) or conntrack reported ENOBUFS, or if conntrack's
#       own event count differs from the number of lines in FILE.  With
#       NS_CAPTURE_FLUSH=0 it does not empty the table and only waits for
#       the file to stop growing.  Stop all traffic before calling it: a
#       packet of a deleted flow would create a new conntrack entry.
#   ns_capture_count FILE EVENT [SRC]
#       print the number of EVENT (NEW or DESTROY) lines in FILE, only those
#       whose original source address is SRC when SRC is given.
#   ns_log MSG... / ns_fail MSG...
#       message to stderr / message to stderr and exit 1.
#
# What the capture looks like (conntrack 1.4.7, kernel 6.x): one event a
# line, a TAB after the timestamp, the event name right-aligned in 9 columns:
#
#   [1795264130.718052]<TAB>    [NEW] ipv4     2 tcp      6 120 SYN_SENT src=10.231.1.2 dst=198.18.77.2 sport=43798 dport=8080 [UNREPLIED] src=198.18.77.2 dst=198.18.77.1 sport=8080 dport=43798 id=3789168296
#   [1795264130.798916]<TAB>[DESTROY] ipv4     2 tcp      6 119 TIME_WAIT src=10.231.1.2 dst=198.18.77.2 sport=44184 dport=8080 src=198.18.77.2 dst=198.18.77.1 sport=8080 dport=44184 [ASSURED] delta-time=0 id=2776738332 [USERSPACE] portid=7353 progname=python3
#   [1795264916.340633]<TAB>    [NEW] ipv6     10 udp      17 30 src=fd77:2::2 dst=fd78::2 sport=41936 dport=8080 [UNREPLIED] src=fd78::2 dst=fd78::1 sport=8080 dport=41936 id=2943857681
#
# The first src/sport is the client's own (masquerade keeps the port when it
# is free); the reply tuple's dst is the gateway's public address.  DESTROY
# lines carry delta-time= (seconds, from the timestamp extension) and, when
# a process deleted the entry, "[USERSPACE] portid=N", followed by
# "progname=NAME" only while that process still lives.
#
# Variables set by ns_setup (exported)
#
#   NS_PREFIX        "eph$$", prefix of every namespace name of this run
#   NS_GW            gateway namespace
#   NS_SRV           server namespace
#   NS_C1 .. NS_C<n> client namespaces
#   NS_CLIENTS       all client namespace names, space separated
#   NS_NCLIENTS      number of client namespaces
#   NS_C<n>_ADDRS4   the client's IPv4 addresses "10.231.<n>.2 10.231.<n>.3 10.231.<n>.4"
#   NS_C<n>_ADDRS6   the client's IPv6 addresses "fd77:<n>::2 fd77:<n>::3 fd77:<n>::4"
#   NS_C<n>_ADDR4    first (primary) IPv4 address of the client, 10.231.<n>.2
#   NS_C<n>_ADDR6    first IPv6 address of the client, fd77:<n>::2
#   NS_C<n>_GW4/GW6  the gateway's addresses on that client's link
#   NS_C<n>_IF       the client's interface name inside NS_C<n> (veth0)
#   NS_GW_C<n>_IF    the gateway's interface towards client <n> (c<n>)
#   NS_CLIENT_ADDRS4 every client IPv4 address of every client namespace
#   NS_CLIENT_ADDRS6 every client IPv6 address of every client namespace
#   NS_GW_PUB_IF     the gateway's interface towards the server (srv)
#   GW_PUB4, GW_PUB6 the gateway's public addresses 198.18.77.1, fd78::1
#                    (the masquerade source seen by the server)
#   SRV4, SRV6       the server's addresses 198.18.77.2, fd78::2
#   NS_NFT_TABLE     "inet ephtest_nat"
#   NS_DIR           private temporary directory of the harness (scripts,
#                    logs of background processes, capture.err)
#   NS_SERVER_PORTS  ports the server(s) listen on (ns_server_start)
#   NS_CAPTURE_FILE  file of the running/last capture
#   NS_CAPTURE_PID   pid of the running capture ("" when none)
#   NS_BG_PID        pid of the last ns_bg process
#
# Tunables (environment, with defaults)
#
#   NS_ADDRS_PER_CLIENT=3       addresses per client namespace (1..250)
#   NS_V6=nat                   "routed": IPv6 is routed, not NATed, with
#                               global-style addresses from documentation
#                               space: clients 2001:db8:<n>::2.. /64 (the
#                               gateway ::1), the server 2001:db8:ff::2 (the
#                               gateway 2001:db8:ff::1), a route back to
#                               2001:db8::/32 on the server; the gateway
#                               gets default routes (v4 and v6) towards the
#                               server, so "srv" is its WAN side
#   NS_LIFETIME=300             seconds after which every background
#                               process (servers, capture) ends by itself
#   NS_POLL_INTERVAL=0.05       ns_wait_for poll interval
#   NS_CAPTURE_DRAIN_TIMEOUT=10 seconds ns_capture_stop waits for the drain
#   NS_CAPTURE_FLUSH=1          0: ns_capture_stop does not flush
#   NS_FLOW_GAP=0               seconds between two flows of ns_flows
#   KEEP=1                      keep $NS_DIR (namespaces are always deleted)
#
# A run killed with SIGKILL cannot clean up: its background processes still
# end by themselves ($NS_LIFETIME), its namespaces stay until "ip netns del"
# or until a later run that gets the same pid (ns_setup removes leftovers of
# its own names first).
# ---------------------------------------------------------------------------

NS_PREFIX="eph$$"
NS__NAMESPACES=()       # namespaces created by this run
NS__PIDS=()             # background processes started by this run
NS__HOOKS=()            # ns_on_exit commands
NS__TORN_DOWN=0
NS__TRAPS=0
NS_CAPTURE_PID=
NS_CAPTURE_FILE=
NS_DIR=
NS_SERVER_PORTS=
NS_BG_PID=

ns_log() {
	printf 'nslib: %s\n' "$*" >&2
}

ns_fail() {
	printf 'nslib: FAIL: %s\n' "$*" >&2
	exit 1
}

# --- time and polling -------------------------------------------------------

# milliseconds since the epoch, from bash's EPOCHREALTIME (no fork)
ns_now_ms() {
	local t=${EPOCHREALTIME/[.,]/}
	echo $((t / 1000))
}

# "2", "2.5", "0.25" -> milliseconds
ns__sec_to_ms() {
	local s=$1 i f=
	i=${s%%.*}
	[[ $s == *.* ]] && f=${s#*.}
	f="${f}000"
	f=${f:0:3}
	echo $((10#${i:-0} * 1000 + 10#$f))
}

ns_wait_for() {
	local cmd=$1 deadline
	deadline=$(($(ns_now_ms) + $(ns__sec_to_ms "${2:-10}")))
	while :; do
		if eval "$cmd" >/dev/null 2>&1; then
			return 0
		fi
		if (($(ns_now_ms) >= deadline)); then
			return 1
		fi
		sleep "${NS_POLL_INTERVAL:-0.05}"
	done
}

# --- root, tools ------------------------------------------------------------

ns_require_root() {
	local t probe err
	if [ "$(id -u)" != 0 ]; then
		echo "SKIP: needs root (network namespaces, conntrack)" >&2
		exit 77
	fi
	for t in ip:iproute2 nft:nftables conntrack:conntrack python3:python3 timeout:coreutils; do
		command -v "${t%%:*}" >/dev/null 2>&1 ||
			ns_fail "running as root but '${t%%:*}' is missing: apt-get install ${t#*:}"
	done
	probe="${NS_PREFIX}probe"
	if ! err=$(ip netns add "$probe" 2>&1); then
		ns_log "ip netns add: $err"
		ns_fail "running as root but 'ip netns add' fails: this machine cannot run the namespace tests"
	fi
	ip netns del "$probe" 2>/dev/null || true
}

# --- traps, processes -------------------------------------------------------

ns__on_exit_trap() {
	local rc=$?
	ns_teardown
	exit "$rc"
}

ns__on_signal() {
	trap '' INT TERM HUP
	trap - EXIT
	ns_log "caught SIG$1, tearing down"
	ns_teardown
	case $1 in
	INT) exit 130 ;;
	HUP) exit 129 ;;
	*) exit 143 ;;
	esac
}

ns__install_traps() {
	[ "$NS__TRAPS" = 1 ] && return 0
	trap ns__on_exit_trap EXIT
	trap 'ns__on_signal INT' INT
	trap 'ns__on_signal TERM' TERM
	trap 'ns__on_signal HUP' HUP
	NS__TRAPS=1
}

ns_on_exit() {
	ns__install_traps
	NS__HOOKS+=("$1")
}

ns_track() {
	NS__PIDS+=("$1")
}

ns__untrack() {
	local p keep=()
	for p in "${NS__PIDS[@]}"; do
		[ "$p" = "$1" ] || keep+=("$p")
	done
	NS__PIDS=("${keep[@]}")
}

# "STATE PPID ..." of a pid (fields 3.. of /proc/PID/stat, after the comm)
ns__stat() {
	local l
	read -r l 2>/dev/null <"/proc/$1/stat" || return 1
	printf '%s\n' "${l##*) }"
}

# only signal a pid that is still a child of this shell: a pid that ended
# long ago may have been reused by an unrelated process
ns__our_children() {
	local p st
	for p in "$@"; do
		st=$(ns__stat "$p") || continue
		st=${st#* }
		st=${st%% *}
		if [ "$st" = "$$" ] || [ "$st" = "$BASHPID" ]; then
			printf '%s ' "$p"
		fi
	done
}

ns_exec() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

ns_bg() {
	local name=$1 ns=$2
	shift 2
	[ -n "$NS_DIR" ] || ns_fail "ns_bg before ns_setup"
	ip netns exec "$ns" timeout -k 5 "${NS_LIFETIME:-300}" "$@" \
		>"$NS_DIR/$name.out" 2>"$NS_DIR/$name.err" &
	NS_BG_PID=$!
	ns_track "$NS_BG_PID"
}

# is any of these pids still running (not a zombie)?
ns__any_alive() {
	local p st
	for p in "$@"; do
		st=$(ns__stat "$p") || continue
		[ -n "$st" ] && [ "${st%% *}" != Z ] && return 0
	done
	return 1
}

# send SIG to the pids, wait up to GRACE seconds, then SIGKILL, then reap
ns__kill_pids() {
	local sig=$1 grace=$2 p
	shift 2
	# shellcheck disable=SC2046
	set -- $(ns__our_children "$@")
	[ $# -gt 0 ] || return 0
	for p in "$@"; do kill "-$sig" "$p" 2>/dev/null || true; done
	ns_wait_for "! ns__any_alive $*" "$grace" ||
		for p in "$@"; do kill -KILL "$p" 2>/dev/null || true; done
	for p in "$@"; do wait "$p" 2>/dev/null || true; done
}

ns_teardown() {
	local ns pids h i
	[ "$NS__TORN_DOWN" = 1 ] && return 0
	NS__TORN_DOWN=1
	# the capture first, with SIGINT so that conntrack flushes its output
	if [ -n "$NS_CAPTURE_PID" ]; then
		ns__kill_pids INT 3 "$NS_CAPTURE_PID"
		NS_CAPTURE_PID=
	fi
	ns__kill_pids TERM 3 "${NS__PIDS[@]}"
	NS__PIDS=()
	# anything still living in our namespaces (children of the above)
	for ns in "${NS__NAMESPACES[@]}"; do
		pids=$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')
		if [ -n "${pids// /}" ]; then
			# shellcheck disable=SC2086
			kill -KILL $pids 2>/dev/null || true
		fi
	done
	for ns in "${NS__NAMESPACES[@]}"; do
		ip netns del "$ns" 2>/dev/null || true
	done
	NS__NAMESPACES=()
	if [ -n "$NS_DIR" ] && [ -d "$NS_DIR" ]; then
		if [ "${KEEP:-0}" = 1 ]; then
			ns_log "KEEP=1: harness files kept in $NS_DIR"
		else
			rm -rf "$NS_DIR"
		fi
	fi
	for ((i = 0; i < ${#NS__HOOKS[@]}; i++)); do
		h=${NS__HOOKS[$i]}
		eval "$h" || true
	done
	NS__HOOKS=()
	return 0
}

# --- setup ------------------------------------------------------------------

ns__netns_add() {
	local ns=$1
	# a leftover of an earlier run that had the same pid
	if ip netns list | awk '{print $1}' | grep -qx "$ns"; then
		ip netns del "$ns" 2>/dev/null || true
	fi
	# recorded first: a signal right after the add must not leak it
	NS__NAMESPACES+=("$ns")
	ip netns add "$ns" || ns_fail "ip netns add $ns failed"
	ip -n "$ns" link set lo up || ns_fail "lo up in $ns"
	# no DAD: addresses (also link-local ones, which neighbour discovery
	# needs) are usable at once
	ns_exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
		net.ipv6.conf.default.accept_dad=0 ||
		ns_fail "sysctl accept_dad in $ns"
}

ns__write_scripts() {
	cat >"$NS_DIR/server.py" <<'EOF'
# ns_server_start: TCP sink (read until EOF, close) and UDP echo on every
# port, IPv4 and IPv6.  Writes READY once every socket is bound.
import os, selectors, socket, sys

ready = sys.argv[1]
ports = [int(p) for p in sys.argv[2:]]
sel = selectors.DefaultSelector()
for port in ports:
    for fam, addr in ((socket.AF_INET, "0.0.0.0"), (socket.AF_INET6, "::")):
        for typ in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
            s = socket.socket(fam, typ)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if fam == socket.AF_INET6:
                s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            s.bind((addr, port))
            if typ == socket.SOCK_STREAM:
                s.listen(1024)
            s.setblocking(False)
            sel.register(s, selectors.EVENT_READ,
                         "listen" if typ == socket.SOCK_STREAM else "udp")
with open(ready + ".tmp", "w") as f:
    f.write("%d\n" % os.getpid())
os.rename(ready + ".tmp", ready)
while True:
    for key, _ in sel.select():
        s, kind = key.fileobj, key.data
        try:
            if kind == "listen":
                c, _ = s.accept()
                c.setblocking(False)
                sel.register(c, selectors.EVENT_READ, "conn")
            elif kind == "conn":
                if not s.recv(65536):
                    sel.unregister(s)
                    s.close()
            else:
                data, peer = s.recvfrom(65536)
                s.sendto(data, peer)
        except BlockingIOError:
            pass
        except OSError:
            if kind == "conn":
                sel.unregister(s)
                s.close()
EOF
	cat >"$NS_DIR/ping.py" <<'EOF'
# ping.py TIMEOUT DST SRC...: an ICMP echo from each SRC to DST (raw socket),
# retried until answered or TIMEOUT seconds passed.
import os, select, socket, struct, sys, time

timeout, dst, srcs = float(sys.argv[1]), sys.argv[2], sys.argv[3:]
v6 = ":" in dst
ident = os.getpid() & 0xffff

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return ~s & 0xffff

deadline = time.monotonic() + timeout
for seq, src in enumerate(srcs, 1):
    if v6:
        s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
        req, rep = 128, 129
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
        req, rep = 8, 0
    s.bind((src, 0))
    hdr = struct.pack("!BBHHH", req, 0, 0, ident, seq) + b"nslib"
    if not v6:  # the kernel fills in the ICMPv6 checksum
        hdr = hdr[:2] + struct.pack("!H", csum(hdr)) + hdr[4:]
    ok = False
    while not ok and time.monotonic() < deadline:
        s.sendto(hdr, (dst, 0))
        until = min(deadline, time.monotonic() + 0.5)
        while not ok and time.monotonic() < until:
            r, _, _ = select.select([s], [], [], max(0, until - time.monotonic()))
            if not r:
                break
            data, peer = s.recvfrom(2048)
            if not v6:
                data = data[(data[0] & 15) * 4:]
            if len(data) >= 8:
                t, _, _, i, q = struct.unpack("!BBHHH", data[:8])
                ok = t == rep and i == ident and q == seq and peer[0] == dst
    s.close()
    if not ok:
        sys.exit("no echo reply %s -> %s" % (src, dst))
EOF
	cat >"$NS_DIR/ctdrain.py" <<'EOF'
# ctdrain.py [CAPTURE]: delete every conntrack entry of this namespace, one
# netlink request per entry, pausing every BATCH deletions until CAPTURE (a
# running "conntrack -E" output) shows their DESTROY events.  Unlike
# "conntrack -F", whose burst of DESTROY events overflows the listener's
# default 208 KiB socket buffer beyond ~160 entries (and conntrack 1.4.7's
# -b option resizes another socket), no event is lost however big the table.
import os, socket, struct, sys, time

NETLINK_NETFILTER, NLMSG_ERROR, NLMSG_DONE = 12, 2, 3
F_REQUEST, F_ACK, F_DUMP = 1, 4, 0x300
CT_GET, CT_DELETE = (1 << 8) | 1, (1 << 8) | 2
KEEP_ATTRS = (1, 12, 18)  # CTA_TUPLE_ORIG, CTA_ID, CTA_ZONE
BATCH, WAIT = 32, 5.0

capture = sys.argv[1] if len(sys.argv) > 1 and sys.argv[1] else None
sk = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
sk.bind((0, 0))
seq = 0

def request(mtype, flags, family, payload=b""):
    global seq
    seq += 1
    body = struct.pack("BBH", family, 0, 0) + payload
    sk.send(struct.pack("=IHHII", 16 + len(body), mtype, flags, seq, 0) + body)
    return seq

def messages():
    while True:
        buf = sk.recv(1 << 20)
        off = 0
        while off + 16 <= len(buf):
            ln, mtype, flags, mseq, _ = struct.unpack_from("=IHHII", buf, off)
            yield mtype, buf[off + 16:off + ln]
            off += (ln + 3) & ~3

def dump():
    entries = []
    request(CT_GET, F_REQUEST | F_DUMP, socket.AF_UNSPEC)
    for mtype, body in messages():
        if mtype == NLMSG_DONE:
            return entries
        if mtype == NLMSG_ERROR:
            err = -struct.unpack_from("=i", body)[0]
            sys.exit("ctdrain: dump failed: %s" % os.strerror(err))
        family, off, keep = body[0], 4, b""
        while off + 4 <= len(body):
            alen, atype = struct.unpack_from("=HH", body, off)
            if alen < 4:
                break
            if atype & 0x3fff in KEEP_ATTRS:
                keep += body[off:off + alen] + b"\0" * (-alen % 4)
            off += (alen + 3) & ~3
        entries.append((family, keep))

class Capture:
    def __init__(self, path):
        self.f = open(path, "rb") if path else None
        self.rest, self.n = b"", 0
        self.poll()

    def poll(self):
        if self.f:
            data = self.rest + self.f.read()
            cut = data.rfind(b"\n") + 1
            self.n += data[:cut].count(b"[DESTROY]")
            self.rest = data[cut:]
        return self.n

    def wait(self, want):
        deadline = time.monotonic() + WAIT
        while self.f and self.poll() < want and time.monotonic() < deadline:
            time.sleep(0.005)

cap = Capture(capture)
base, deleted = cap.n, 0
for _ in range(20):
    entries = dump()
    if not entries:
        break
    for i, (family, attrs) in enumerate(entries, 1):
        request(CT_DELETE, F_REQUEST | F_ACK, family, attrs)
        for mtype, body in messages():
            if mtype == NLMSG_ERROR:
                err = -struct.unpack_from("=i", body)[0]
                if err == 0:
                    deleted += 1
                elif err != 2:  # ENOENT: expired meanwhile
                    sys.exit("ctdrain: delete failed: %s" % os.strerror(err))
                break
        if i % BATCH == 0:
            cap.wait(base + deleted)
    cap.wait(base + deleted)
else:
    sys.exit("ctdrain: the table does not empty (traffic still running?)")
print(deleted)
EOF
	cat >"$NS_DIR/flows.py" <<'EOF'
# ns_flows: COUNT sequential flows SRC -> DST:PORT, kernel-chosen source port.
import socket, sys, time

proto, src, dst, port, count = sys.argv[1:6]
log = sys.argv[6] if len(sys.argv) > 6 else None
port, count = int(port), min(int(count), 100000)
gap = float(sys.argv[7]) if len(sys.argv) > 7 else 0.0
fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
IP_BIND_ADDRESS_NO_PORT = getattr(socket, "IP_BIND_ADDRESS_NO_PORT", 24)
out = open(log, "a") if log else None
for i in range(count):
    if proto == "tcp":
        s = socket.socket(fam, socket.SOCK_STREAM)
        # the port is then chosen by connect(), as for a client that does
        # not bind at all (bind() alone would pick from the other parity)
        s.setsockopt(socket.IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, 1)
    else:
        s = socket.socket(fam, socket.SOCK_DGRAM)
    s.settimeout(5)
    try:
        s.bind((src, 0))
        s.connect((dst, port))
        laddr = s.getsockname()
        if laddr[0] != src:
            sys.exit("flow %d: bound to %s, wanted %s" % (i, laddr[0], src))
        if proto == "tcp":
            s.sendall(b"x")
            s.shutdown(socket.SHUT_WR)
            while s.recv(4096):
                pass
        else:
            s.send(b"x")
            s.recv(4096)
    except OSError as e:
        sys.exit("flow %d %s %s -> %s:%d failed: %s" % (i, proto, src, dst, port, e))
    finally:
        s.close()
    if out:
        out.write("%d\n" % laddr[1])
        out.flush()
    if gap > 0:
        time.sleep(gap)
EOF
}

ns_setup() {
	local n=${1:-1} i j per=${NS_ADDRS_PER_CLIENT:-3} c a4 a6 all4='' all6='' clients=''
	{ [[ $n =~ ^[0-9]+$ ]] && ((n >= 1 && n <= 200)); } || ns_fail "ns_setup: NCLIENTS must be 1..200, not '$n'"
	{ [[ $per =~ ^[0-9]+$ ]] && ((per >= 1 && per <= 250)); } || ns_fail "NS_ADDRS_PER_CLIENT must be 1..250"
	NS__TORN_DOWN=0
	NS_SERVER_PORTS=
	ns__install_traps
	NS_DIR=$(mktemp -d "${TMPDIR:-/tmp}/nslib.$NS_PREFIX.XXXXXX") || ns_fail "mktemp"
	ns__write_scripts

	export NS_PREFIX NS_DIR
	export NS_GW="${NS_PREFIX}gw" NS_SRV="${NS_PREFIX}sv"
	local v6c=fd77 masq='masquerade'
	export GW_PUB4=198.18.77.1 GW_PUB6=fd78::1 SRV4=198.18.77.2 SRV6=fd78::2
	if [ "${NS_V6:-nat}" = routed ]; then
		v6c=2001:db8 masq='meta nfproto ipv4 masquerade'
		GW_PUB6=2001:db8:ff::1 SRV6=2001:db8:ff::2
	fi
	export NS_GW_PUB_IF=srv NS_NFT_TABLE="inet ephtest_nat" NS_NCLIENTS=$n

	ns__netns_add "$NS_GW"
	ns__netns_add "$NS_SRV"
	ns_exec "$NS_GW" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 ||
		ns_fail "sysctl forwarding in $NS_GW"

	# gateway <-> server
	ip link add srv netns "$NS_GW" type veth peer name veth0 netns "$NS_SRV" ||
		ns_fail "veth gateway<->server"
	{
		ip -n "$NS_GW" addr add "$GW_PUB4/24" dev srv &&
			ip -n "$NS_GW" addr add "$GW_PUB6/64" dev srv nodad &&
			ip -n "$NS_GW" link set srv up &&
			ip -n "$NS_SRV" addr add "$SRV4/24" dev veth0 &&
			ip -n "$NS_SRV" addr add "$SRV6/64" dev veth0 nodad &&
			ip -n "$NS_SRV" link set veth0 up
	} || ns_fail "addresses gateway<->server"
	if [ "${NS_V6:-nat}" = routed ]; then
		{
			ip -n "$NS_SRV" -6 route add 2001:db8::/32 via "$GW_PUB6" &&
				ip -n "$NS_GW" route add default via "$SRV4" &&
				ip -n "$NS_GW" -6 route add default via "$SRV6"
		} || ns_fail "routes of the routed IPv6 gateway"
	fi

	# clients
	for ((i = 1; i <= n; i++)); do
		c="${NS_PREFIX}c$i"
		ns__netns_add "$c"
		ip link add "c$i" netns "$NS_GW" type veth peer name veth0 netns "$c" ||
			ns_fail "veth gateway<->client $i"
		{
			ip -n "$NS_GW" addr add "10.231.$i.1/24" dev "c$i" &&
				ip -n "$NS_GW" addr add "$v6c:$i::1/64" dev "c$i" nodad &&
				ip -n "$NS_GW" link set "c$i" up
		} || ns_fail "gateway addresses for client $i"
		a4='' a6=''
		for ((j = 2; j < per + 2; j++)); do
			{
				ip -n "$c" addr add "10.231.$i.$j/24" dev veth0 &&
					ip -n "$c" addr add "$v6c:$i::$(printf %x "$j")/64" dev veth0 nodad
			} || ns_fail "client $i address $j"
			a4="$a4 10.231.$i.$j"
			a6="$a6 $v6c:$i::$(printf %x "$j")"
		done
		{
			ip -n "$c" link set veth0 up &&
				ip -n "$c" route add default via "10.231.$i.1" &&
				ip -n "$c" -6 route add default via "$v6c:$i::1"
		} || ns_fail "client $i routes"
		a4=${a4# } a6=${a6# }
		export "NS_C$i=$c" "NS_C${i}_ADDRS4=$a4" "NS_C${i}_ADDRS6=$a6" \
			"NS_C${i}_ADDR4=${a4%% *}" "NS_C${i}_ADDR6=${a6%% *}" \
			"NS_C${i}_GW4=10.231.$i.1" "NS_C${i}_GW6=$v6c:$i::1" \
			"NS_C${i}_IF=veth0" "NS_GW_C${i}_IF=c$i"
		clients="$clients $c"
		all4="$all4 $a4"
		all6="$all6 $a6"
	done
	export NS_CLIENTS="${clients# }" NS_CLIENT_ADDRS4="${all4# }" NS_CLIENT_ADDRS6="${all6# }"

	# NAT (this also turns conntrack on in the gateway namespace)
	ns_exec "$NS_GW" nft -f - <<EOF || ns_fail "nft ruleset in $NS_GW"
table inet ephtest_nat {
	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		oifname "srv" $masq
	}
	chain forward {
		type filter hook forward priority filter; policy accept;
		ct state new counter
	}
}
EOF
	ns_exec "$NS_GW" sysctl -qw net.netfilter.nf_conntrack_timestamp=1 \
		net.netfilter.nf_conntrack_events=1 || ns_fail "conntrack sysctls in $NS_GW"

	# connectivity, from every client address, through the NAT (ICMP echo;
	# python3 because ping is not always installed)
	for c in $NS_CLIENTS; do
		i=${c#"${NS_PREFIX}c"}
		a4=NS_C${i}_ADDRS4 a6=NS_C${i}_ADDRS6
		# shellcheck disable=SC2086
		{
			ns_exec "$c" python3 "$NS_DIR/ping.py" 5 "$SRV4" ${!a4} &&
				ns_exec "$c" python3 "$NS_DIR/ping.py" 5 "$SRV6" ${!a6}
		} || ns_fail "no connectivity from $c to the server through the gateway"
	done
	# the pings created conntrack entries; start from an empty table
	ns_exec "$NS_GW" python3 "$NS_DIR/ctdrain.py" >/dev/null || true
	ns_wait_for "[ \"\$(ip netns exec $NS_GW conntrack -C)\" = 0 ]" 5 ||
		ns_fail "conntrack table of $NS_GW does not empty"
}

# --- server -----------------------------------------------------------------

ns_reaper() {
	cat >"$NS_DIR/reaper.py" <<'PY'
import subprocess, time
while True:
    out = subprocess.run(["conntrack", "-L"], capture_output=True,
                         text=True).stdout
    for line in out.splitlines():
        f = line.split()
        if len(f) < 4 or f[0] not in ("tcp", "udp"):
            continue
        kv = dict(x.split("=", 1) for x in f if "=" in x)
        closed = f[0] == "tcp" and f[3] in ("TIME_WAIT", "CLOSE")
        if not (closed or (f[2].isdigit() and int(f[2]) <= 1)):
            continue
        subprocess.run(["conntrack", "-D", "-p", f[0], "-s", kv["src"],
                        "-d", kv["dst"], "--sport", kv["sport"],
                        "--dport", kv["dport"]], capture_output=True)
    time.sleep(0.5)
PY
	ns_bg reaper "$NS_GW" python3 "$NS_DIR/reaper.py"
}

ns_server_start() {
	local ready p
	[ $# -gt 0 ] || ns_fail "ns_server_start: no port"
	for p in "$@"; do
		{ [[ $p =~ ^[0-9]+$ ]] && ((p >= 1 && p <= 65535)); } || ns_fail "ns_server_start: bad port '$p'"
	done
	ready="$NS_DIR/server.$1.ready"
	ns_bg "server.$1" "$NS_SRV" python3 "$NS_DIR/server.py" "$ready" "$@"
	if ! ns_wait_for "[ -e '$ready' ] || ! ns__any_alive $NS_BG_PID" 10 || [ ! -e "$ready" ]; then
		cat "$NS_DIR/server.$1.err" >&2
		ns_fail "server on port(s) $* did not start"
	fi
	NS_SERVER_PORTS="${NS_SERVER_PORTS:+$NS_SERVER_PORTS }$*"
	export NS_SERVER_PORTS
}

# --- client flows -----------------------------------------------------------

ns_flows() {
	[ $# -ge 6 ] || ns_fail "usage: ns_flows NS PROTO SRC DST PORT COUNT [PORTLOG]"
	local ns=$1 proto=$2 log=${7:-} pid rc
	case $proto in tcp | udp) ;; *) ns_fail "ns_flows: PROTO must be tcp or udp" ;; esac
	[ -n "$log" ] || log=/dev/null
	# in the background and waited for, so that a signal is handled at once
	ip netns exec "$ns" timeout -k 5 "${NS_LIFETIME:-300}" \
		python3 "$NS_DIR/flows.py" "$proto" "$3" "$4" "$5" "$6" "$log" "${NS_FLOW_GAP:-0}" &
	pid=$!
	ns_track "$pid"
	wait "$pid"
	rc=$?
	ns__untrack "$pid"
	[ "$rc" = 0 ] || ns_log "ns_flows $*: exit status $rc"
	return "$rc"
}

# --- capture ----------------------------------------------------------------

# 0 when the capture's conntrack process holds a NETLINK_NETFILTER socket
# subscribed to multicast groups in the gateway namespace, or when the
# capture died (the caller tells which)
ns__capture_ready() {
	local tp=$NS_CAPTURE_PID cp inodes fd l
	NS__CAPTURE_INODE=
	ns__any_alive "$tp" || return 0
	# ip netns exec execs timeout (same pid), which forks conntrack
	cp=$(cat "/proc/$tp/task/$tp/children" 2>/dev/null) || cp=$(pgrep -P "$tp")
	cp=${cp%% *}
	cp=${cp%%$'\n'*}
	[ -n "$cp" ] || return 1
	[ "$(cat "/proc/$cp/comm" 2>/dev/null)" = conntrack ] || return 1
	inodes=
	for fd in "/proc/$cp/fd/"*; do
		l=$(readlink "$fd" 2>/dev/null) || continue
		[[ $l == socket:\[*\] ]] && l=${l#socket:[} && inodes="$inodes ${l%]}"
	done
	[ -n "$inodes" ] || return 1
	# shellcheck disable=SC2016
	NS__CAPTURE_INODE=$(ip netns exec "$NS_GW" awk -v inodes="$inodes" '
		BEGIN { n = split(inodes, a, " "); for (i = 1; i <= n; i++) want[a[i]] = 1 }
		NR > 1 && $2 == 12 && $4 != "00000000" && ($10 in want) { print $10; exit }
	' /proc/net/netlink)
	[ -n "$NS__CAPTURE_INODE" ]
}

# events the kernel could not queue to the capture's socket (Drops column)
ns__capture_drops() {
	# shellcheck disable=SC2016
	ip netns exec "$NS_GW" awk -v ino="$NS__CAPTURE_INODE" \
		'NR > 1 && $10 == ino { print $9; exit }' /proc/net/netlink
}

ns_capture_start() {
	local file=$1
	[ -n "$file" ] || ns_fail "usage: ns_capture_start FILE"
	[ -n "$NS_DIR" ] || ns_fail "ns_capture_start before ns_setup"
	[ -z "$NS_CAPTURE_PID" ] || ns_fail "a capture is already running"
	: >"$file" || ns_fail "cannot write $file"
	NS_CAPTURE_FILE=$file
	# -s INT: even when the lifetime runs out, conntrack ends cleanly
	ip netns exec "$NS_GW" timeout -s INT -k 5 "${NS_LIFETIME:-300}" \
		conntrack -E -e NEW,DESTROY \
		-o "${NS_CAPTURE_FORMAT:-timestamp,extended,id}" \
		>"$file" 2>"$NS_DIR/capture.err" &
	NS_CAPTURE_PID=$!
	ns_track "$NS_CAPTURE_PID"
	export NS_CAPTURE_FILE NS_CAPTURE_PID
	ns_wait_for ns__capture_ready 10
	if ! ns__any_alive "$NS_CAPTURE_PID"; then
		cat "$NS_DIR/capture.err" >&2
		NS_CAPTURE_PID=
		ns_fail "conntrack -E exited at once"
	fi
	ns__capture_ready || ns_fail "conntrack -E did not subscribe within 10 s"
}

ns_capture_count() {
	local file=$1 ev=$2 src=${3:-}
	awk -v ev="[$ev]" -v src="$src" '
		index($0, ev) {
			if (src == "") { n++; next }
			for (i = 1; i <= NF; i++)
				if ($i ~ /^src=/) { if ($i == "src=" src) n++; break }
		}
		END { print n + 0 }' "$file"
}

ns__capture_drained() {
	local f=$NS_CAPTURE_FILE size now
	size=$(stat -c %s "$f" 2>/dev/null) || return 1
	now=$(ns_now_ms)
	if [ "$size" != "$NS__LAST_SIZE" ]; then
		NS__LAST_SIZE=$size
		NS__STABLE_SINCE=$now
		return 1
	fi
	((now - NS__STABLE_SINCE >= 300)) || return 1
	[ "${NS_CAPTURE_FLUSH:-1}" = 1 ] || return 0
	[ "$(ip netns exec "$NS_GW" conntrack -C 2>/dev/null)" = 0 ] || return 1
	(($(ns_capture_count "$f" DESTROY) >= $(ns_capture_count "$f" NEW)))
}

ns_capture_stop() {
	local rc=0 f=$NS_CAPTURE_FILE shown lines drops
	[ -n "$NS_CAPTURE_PID" ] || {
		ns_log "ns_capture_stop: no capture running"
		return 1
	}
	if [ "${NS_CAPTURE_FLUSH:-1}" = 1 ]; then
		if ! ip netns exec "$NS_GW" python3 "$NS_DIR/ctdrain.py" "$f" >/dev/null; then
			ns_log "emptying the conntrack table of $NS_GW failed"
			rc=1
		fi
	fi
	NS__LAST_SIZE=-1 NS__STABLE_SINCE=0
	if ! ns_wait_for ns__capture_drained "${NS_CAPTURE_DRAIN_TIMEOUT:-10}"; then
		ns_log "capture did not drain: table has $(ip netns exec "$NS_GW" conntrack -C 2>/dev/null) entries," \
			"$(ns_capture_count "$f" NEW) NEW and $(ns_capture_count "$f" DESTROY) DESTROY lines"
		rc=1
	fi
	drops=$(ns__capture_drops)
	if [ "${drops:-0}" != 0 ]; then
		ns_log "the kernel dropped $drops events for the capture (socket buffer full)"
		rc=1
	fi
	ns__kill_pids INT 5 "$NS_CAPTURE_PID"
	NS_CAPTURE_PID=
	if grep -qiE 'ENOBUFS|losing events' "$NS_DIR/capture.err"; then
		ns_log "conntrack lost events: $(cat "$NS_DIR/capture.err")"
		rc=1
	fi
	# "conntrack v1.4.7 (conntrack-tools): 400 flow events have been shown."
	shown=$(sed -n 's/.*: \([0-9][0-9]*\) flow events have been shown.*/\1/p' "$NS_DIR/capture.err")
	lines=$(wc -l <"$f")
	if [ -z "$shown" ]; then
		ns_log "conntrack did not report its event count: $(cat "$NS_DIR/capture.err")"
		rc=1
	elif [ "$shown" != "$lines" ]; then
		ns_log "conntrack showed $shown events but $f has $lines lines"
		rc=1
	fi
	return "$rc"
}
