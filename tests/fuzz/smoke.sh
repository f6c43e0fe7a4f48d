#!/bin/sh
# The fuzzers' smoke run (make fuzz-smoke, tests/ci.sh): each harness
# named, built with libFuzzer (configure --enable-fuzz), fuzzed for
# FUZZ_TIME seconds (default 30) from its corpus, FUZZ_JOBS (default 2)
# at a time.  New inputs go to a scratch directory, never into the
# repository's corpus.  Fails when any harness crashes, leaks, times out
# or trips a sanitizer; the input that did it is kept in smoke-NAME/ in
# the build directory, and its log in smoke-NAME.log.  Ends with one line
# per harness: its runs and its coverage (cov, ft) at the end.
set -u
: "${srcdir:=$(cd "$(dirname "$0")" && pwd)}"
export srcdir
time=${FUZZ_TIME:-30}
LSAN_OPTIONS="suppressions=$srcdir/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export LSAN_OPTIONS
jobs=${FUZZ_JOBS:-2}

if [ $# -eq 0 ]; then
	echo "usage: smoke.sh ./fuzz_NAME ..." >&2
	exit 2
fi

# one harness: its scratch corpus first, so that new inputs go there
one() {
	prog=$1
	case $prog in */*) ;; *) prog=./$prog ;; esac
	name=$(basename "$prog")
	corpus=$srcdir/corpus/${name#fuzz_}
	work=smoke-$name.work
	art=smoke-$name
	log=smoke-$name.log
	rm -rf "$work" "$art"
	mkdir -p "$work" "$art"
	"$prog" -max_total_time="$time" -timeout=10 -rss_limit_mb=2048 \
	    -max_len=16384 -close_fd_mask=3 -print_final_stats=1 \
	    -artifact_prefix="$art/" "$work" "$corpus" >"$log" 2>&1
	rv=$?
	rm -rf "$work"
	stats=$(grep -E '^#[0-9]+.*(DONE|cov:)' "$log" | tail -n 1)
	if [ $rv -ne 0 ] || ls "$art"/* >/dev/null 2>&1; then
		echo "fuzz: $name FAILED (exit $rv): $stats"
		tail -n 40 "$log"
		return 1
	fi
	rmdir "$art"
	echo "fuzz: $name ok: $stats"
}

if [ "${1:-}" = --one ]; then
	shift
	one "$1"
	exit $?
fi

# FUZZ_JOBS at a time: xargs runs this script again for each harness
status=0
printf '%s\n' "$@" | xargs -P "$jobs" -n 1 sh "$0" --one || status=1
exit $status
