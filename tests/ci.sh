#!/bin/sh
# Build ephemd and run every test: the normal build, make distcheck, the
# HTML report in headless Chromium (tests/browser.test), the Debian
# package built from distcheck's tarball, installed and purged
# (tests/pkg/debian.sh, root only), the test suite again under
# AddressSanitizer and UBSan, and the fuzzers' smoke run (libFuzzer,
# FUZZ_TIME seconds each, default 30).  As root the network-namespace
# tests run too (they skip otherwise).
# Ends with one line "ci: N passed, N failed, N skipped".
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
jobs=${JOBS:-2}

./autogen.sh >/dev/null 2>&1 || { ./autogen.sh; exit 1; }

# run_suite DIR [CONFIGURE-ARGS]: build in DIR and run make check; the
# tests named in $SUITE_SKIP (with the reason beside the caller) are left out
run_suite() {
	dir=$1
	shift
	rm -rf "$dir"
	mkdir -p "$dir"
	(cd "$dir" && "$top/configure" -q "$@" && make -s -j"$jobs" &&
	    if [ -n "${SUITE_SKIP:-}" ]; then
		tests=$(make -s -C tests print-tests | tr ' ' '\n' |
		    grep -vxF "$(echo "$SUITE_SKIP" | tr ' ' '\n')" |
		    tr '\n' ' ')
		echo "ci: $dir leaves out $SUITE_SKIP"
		# TESTS given to make reaches every subdirectory
		# below it, so only tests/ gets the shorter list
		make -s -j"$jobs" -C tests check-am TESTS="$tests" &&
		    make -s -j"$jobs" -C tests/fuzz check
	    else
		make -s -j"$jobs" check
	    fi) || {
		# counted as one failure even when no test failed (a build
		# or make error), so the summary line never says 0 failed
		suite_fail=$((suite_fail + 1))
		echo "ci: FAIL: make check in $dir"
		for log in "$dir"/tests/*.log "$dir"/tests/fuzz/*.log; do
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

# Tests outside automake (the package is no make check test: distcheck
# runs those as root too, and a package build and apt-get install inside
# it would be wrong): NAME, exit status 0 pass, 77 skip, else fail.
extra_pass=0 extra_fail=0 extra_skip=0 suite_fail=0
run_extra() {
	name=$1
	shift
	t=$(date +%s)
	rv=0
	"$@" >"build/$name.log" 2>&1 || rv=$?
	case $rv in
	0) extra_pass=$((extra_pass + 1)); r=PASS ;;
	77) extra_skip=$((extra_skip + 1)); r=SKIP ;;
	*) extra_fail=$((extra_fail + 1)); r=FAIL; tail -n 60 "build/$name.log" ;;
	esac
	echo "ci: $r: $name ($(($(date +%s) - t)) s)"
}

status=0
ci_start=$(date +%s)
# a stage begins: its name and the time since the start
stage() { echo "ci: $* (at $(($(date +%s) - ci_start)) s)"; }
stage "build and test"
run_suite build || status=1
if [ $status -eq 0 ]; then
	stage "make distcheck"
	(cd build && make -s -j"$jobs" distcheck >distcheck.out 2>&1) || {
		tail -n 80 build/distcheck.out
		echo "ci: FAIL: make distcheck"
		suite_fail=$((suite_fail + 1))
		status=1
	}
fi
stage "the HTML report in Chromium"
run_extra browser sh tests/browser.test
stage "Debian package"
tarball=$(ls build/ephemd-*.tar.gz 2>/dev/null | head -1)
run_extra debian bash tests/pkg/debian.sh ${tarball:+"$top/$tarball"}
stage "sanitizer build (ASan + UBSan) and test"
# clocksteps.test: libfaketime and the ASan runtime deadlock at start when
# both are preloaded (even date(1) hangs), so the wall-clock steps are
# tested in the normal build and distcheck only
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
SUITE_SKIP="clocksteps.test" \
	run_suite build-san --enable-sanitizers || status=1

# Every parser of outside bytes fuzzed from its corpus for a while: a
# smoke run that catches what a change broke, not a fuzzing campaign
# (README, "Fuzzing").  About a minute of building and two and a half of
# fuzzing on two cores.
stage "fuzzers (libFuzzer, ASan + UBSan), ${FUZZ_TIME:-30} s each"
run_extra fuzz sh -c 'rm -rf build-fuzz && mkdir build-fuzz &&
    cd build-fuzz && "$1/configure" -q --enable-fuzz &&
    make -s -j"$2" fuzz >/dev/null &&
    make -s fuzz-smoke FUZZ_TIME="$3" FUZZ_JOBS="$2"' \
    sh "$top" "$jobs" "${FUZZ_TIME:-30}"
grep '^fuzz: ' build/fuzz.log || true

# the corpus replays of tests/fuzz are make check tests too
trs="build/tests/*.trs build/tests/fuzz/*.trs build-san/tests/*.trs
    build-san/tests/fuzz/*.trs"
# shellcheck disable=SC2086 # the globs are meant to expand
pass=$(cat $trs 2>/dev/null | grep -c '^:test-result: PASS' || true)
# shellcheck disable=SC2086
fail=$(cat $trs 2>/dev/null |
    grep -c '^:test-result: \(FAIL\|ERROR\|XPASS\)' || true)
# shellcheck disable=SC2086
skip=$(cat $trs 2>/dev/null | grep -c '^:test-result: SKIP' || true)
pass=$((pass + extra_pass))
fail=$((fail + extra_fail + suite_fail))
skip=$((skip + extra_skip))
if [ "$(id -u)" -eq 0 ] && [ "$skip" -ne 0 ]; then
	echo "ci: running as root, yet tests skipped:"
	# shellcheck disable=SC2086
	grep -l '^:test-result: SKIP' $trs
	[ "$extra_skip" -eq 0 ] || echo "(and $extra_skip outside make check)"
	status=1
fi
[ "$fail" -eq 0 ] || status=1
stage "done"
echo "ci: $pass passed, $fail failed, $skip skipped"
exit $status
