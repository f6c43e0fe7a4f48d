# shellcheck shell=bash
#
# faultlib.sh - checks shared by the fault-injection tests (faults-*.test).
# Source it after nslib.sh and livelib.sh.
#
#   fault_state_ok FILE
#       the state file loads whole ("ephemd --replay /dev/null
#       --load-state FILE": no damaged, skipped or truncated line); prints
#       "SERVICES HOSTS" as loaded.  1, with the loader's words, otherwise.
#   fault_records_ok FILE MAGIC
#       a file of checksummed records (quarantine.file, state.file) is
#       whole: the first line names MAGIC, every line carries the CRC-32
#       of its text, the last is "end COUNT" with COUNT the records between.
#       Prints COUNT.
#   fault_tmpfs SIZE
#       mount a tmpfs of SIZE on a new private directory, print its path;
#       unmounted and removed when the test ends.  Mount it before
#       live_start: "ip netns exec" gives ephemd a copy of the mounts as
#       they are then (the root mount is private here).
#   fault_fill DIR
#       fill the file system of DIR to the last byte (DIR/fill).
#   fault_count PATTERN
#       the number of lines of ephemd's messages ($LIVE_ERR) matching the
#       extended regular expression PATTERN.
#   fault_uptime
#       ephemd's own uptime in seconds (ephemctl status), so that a test
#       can wait for periodic work to have been tried without sleeping.
#   fault_wait_uptime S
#       wait until fault_uptime has grown by S seconds from now.
#   fault_leftovers DIR
#       print the names in DIR that look like ephemd's temporary files
#       (*.tmp, *.tmp.XXXXXX, and the older *.XXXXXX).

: "${EPHEMCTL:=$(dirname "$EPHEMD")/ephemctl}"

fault_state_ok() {
	local out
	out=$("$EPHEMD" --replay /dev/null --load-state "$1" 2>&1 >/dev/null) ||
		return 1
	case $out in
	*skipped* | *truncated* | *damaged* | *scratch* | *"No such"*)
		printf '%s\n' "$out" >&2
		return 1
		;;
	esac
	sed -n 's/.*: loaded \([0-9]*\) services and \([0-9]*\) hosts$/\1 \2/p' \
	    <<<"$out" | grep .
}

fault_records_ok() {
	python3 - "$1" "$2" <<'PY'
import re, sys, zlib
path, magic = sys.argv[1:]
lines = open(path, "rb").read().split(b"\n")
if lines[-1] != b"":
    sys.exit("%s: the last line has no newline" % path)
lines = lines[:-1]
for no, raw in enumerate(lines, 1):
    m = re.fullmatch(rb"(.*) ~([0-9a-f]{8})", raw)
    if not m or zlib.crc32(m.group(1)) != int(m.group(2), 16):
        sys.exit("%s:%d: bad checksum: %r" % (path, no, raw[:80]))
head = lines[0].rsplit(b" ~", 1)[0].split()
if not lines or head[0].decode() != magic:
    sys.exit("%s: not a %s file" % (path, magic))
end = lines[-1].rsplit(b" ~", 1)[0].split()
if end[0] != b"end" or int(end[1]) != len(lines) - 2:
    sys.exit("%s: the end line does not count %d records" % (path, len(lines) - 2))
print(len(lines) - 2)
PY
}

fault_tmpfs() {
	local d
	d=$(mktemp -d "${TMPDIR:-/tmp}/ephfault.XXXXXX") || ns_fail "mktemp"
	mount -t tmpfs -o "size=$1,mode=0700" ephfault "$d" ||
		ns_fail "mount -t tmpfs on $d"
	ns_on_exit "umount -l '$d'; rmdir '$d'"
	echo "$d"
}

fault_fill() {
	dd if=/dev/zero of="$1/fill" bs=4k status=none 2>/dev/null
	# what dd could not place a block of: the last bytes
	head -c 4095 /dev/zero >>"$1/fill" 2>/dev/null
	[ "$(stat -f -c %a "$1")" = 0 ] || ns_fail "$1 is not full"
}

fault_count() {
	grep -cE "$1" "$LIVE_ERR"
}

fault_uptime() {
	"$EPHEMCTL" -s "$SOCK" --json status |
	    python3 -c 'import json, sys; print(int(json.load(sys.stdin)["uptime"]))'
}

fault_wait_uptime() {
	local until
	until=$(($(fault_uptime) + $1))
	ns_wait_for "[ \"\$(fault_uptime)\" -ge $until ]" $(($1 + 10)) ||
		ns_fail "ephemd's uptime did not reach $until s"
}

fault_leftovers() {
	find "$1" -maxdepth 1 -type f \( -name '*.tmp' -o -name '*.tmp.??????' \
	    -o -regex '.*\.[A-Za-z0-9]\{6\}' \) -printf '%f\n'
}
