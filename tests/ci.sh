#!/bin/sh
# Build ephemd and run every test: the normal build, make distcheck, and
# the test suite again under AddressSanitizer and UBSan.  As root the
# network-namespace tests run too (they skip otherwise).
# Ends with one line "ci: N passed, N failed, N skipped".
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
jobs=${JOBS:-2}

./autogen.sh >/dev/null 2>&1 || { ./autogen.sh; exit 1; }

run_suite() {
	dir=$1
	shift
	rm -rf "$dir"
	mkdir -p "$dir"
	(cd "$dir" && "$top/configure" -q "$@" && make -s -j"$jobs" &&
	    make -s -j"$jobs" check) || {
		for log in "$dir"/tests/*.log; do
			case $log in */test-suite.log) continue ;; esac
			if grep -q '^:test-result: \(FAIL\|ERROR\)' \
			    "${log%.log}.trs" 2>/dev/null; then
				echo "---- $log"
				tail -n 60 "$log"
			fi
		done
		return 1
	}
}

status=0
echo "ci: build and test"
run_suite build || status=1
if [ $status -eq 0 ]; then
	echo "ci: make distcheck"
	(cd build && make -s -j"$jobs" distcheck >distcheck.out 2>&1) || {
		tail -n 80 build/distcheck.out
		status=1
	}
fi
echo "ci: sanitizer build (ASan + UBSan) and test"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	run_suite build-san --enable-sanitizers || status=1

pass=$(cat build/tests/*.trs build-san/tests/*.trs 2>/dev/null |
    grep -c '^:test-result: PASS' || true)
fail=$(cat build/tests/*.trs build-san/tests/*.trs 2>/dev/null |
    grep -c '^:test-result: \(FAIL\|ERROR\|XPASS\)' || true)
skip=$(cat build/tests/*.trs build-san/tests/*.trs 2>/dev/null |
    grep -c '^:test-result: SKIP' || true)
if [ "$(id -u)" -eq 0 ] && [ "$skip" -ne 0 ]; then
	echo "ci: running as root, yet tests skipped:"
	grep -l '^:test-result: SKIP' build/tests/*.trs build-san/tests/*.trs
	status=1
fi
[ "$fail" -eq 0 ] || status=1
echo "ci: $pass passed, $fail failed, $skip skipped"
exit $status
