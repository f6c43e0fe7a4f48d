#!/bin/sh
# Run every root test N times in a row (default 5) while make distcheck
# loads the machine, JOBS tests at a time (default 3), and report each
# test's passes, failures and slowest run (issue 13.10: a test that fails
# once here is a failing test).  From a configured build directory, as
# root:   sh ../tests/flaky.sh [N] [TEST...]   (JOBS=3 FLAKY_LOAD=1)
# Every failed run's log is kept as flaky/NAME.RUN.log.
set -eu
n=${1:-5}
[ $# -eq 0 ] || shift
build=$(pwd)
src=$(cd "$(dirname "$0")" && pwd)
[ -x "$build/daemon/ephemd" ] || { echo "flaky: run from a build directory" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "flaky: root only" >&2; exit 77; }
if [ $# -eq 0 ]; then
	# shellcheck disable=SC2046 # test names
	set -- $(cd "$src" && grep -l '^ns_require_root' ./*.test | sed 's|^\./||')
fi
out=$build/flaky
rm -rf "$out"
mkdir -p "$out"

# the load: make distcheck in a copy of the build, over and over until
# done (FLAKY_LOAD=0: none, to try this script); a session of its own, so
# that the whole of it can be stopped
setsid sh -c 'while [ "$1" != 0 ] && [ ! -e "$2/done" ]; do
	rm -rf "$2/load" && mkdir "$2/load" && cd "$2/load" &&
	    "$3/../configure" -q >/dev/null 2>&1 &&
	    make -s -j2 distcheck >/dev/null 2>&1
	cd /
done' sh "${FLAKY_LOAD:-1}" "$out" "$src" &
load=$!

# the slowest first, so that the workers end together
slow="outage.test longlived.test tools.test quarantine.test faults-enobufs.test"
for t in $slow; do
	case " $* " in *" $t "*) echo "$t" ;; esac
done >"$out/queue"
for t in "$@"; do
	case " $slow " in *" $t "*) ;; *) echo "$t" ;; esac
done >>"$out/queue"

# one worker: the next test of the queue, N times in a row, until none
worker() {
	while :; do
		t=$(flock "$out/lock" sh -c 'head -1 "$1"; sed -i 1d "$1"' sh \
		    "$out/queue")
		[ -n "$t" ] || return 0
		i=1
		while [ "$i" -le "$n" ]; do
			s=$(date +%s)
			rv=0
			env EPHEMD="$build/daemon/ephemd" \
			    GENCAP="$build/tests/gencap" \
			    FLOWSTORM="$build/tests/flowstorm" \
			    srcdir="$src" abs_top_builddir="$build" MAKE=make \
			    "$src/$t" >"$out/$t.$i.log" 2>&1 || rv=$?
			echo "$t $i $rv $(($(date +%s) - s))" >>"$out/results"
			[ "$rv" -ne 0 ] || rm -f "$out/$t.$i.log"
			i=$((i + 1))
		done
	done
}

pids=""
w=0
while [ "$w" -lt "${JOBS:-3}" ]; do
	worker &
	pids="$pids $!"
	w=$((w + 1))
done
for p in $pids; do
	wait "$p" || true
done
touch "$out/done"
kill -TERM -"$load" 2>/dev/null || true	# dash's kill takes no "--"
wait "$load" 2>/dev/null || true
rm -rf "$out/load"

awk '{ runs[$1]++; if ($3 == 0) pass[$1]++; else if ($3 == 77) skip[$1]++;
	else fail[$1]++; if ($4 > slow[$1]) slow[$1] = $4 }
    END { for (t in runs) printf "%-24s %d runs, %d passed, %d failed, %d skipped, slowest %d s\n",
	t, runs[t], pass[t], fail[t], skip[t], slow[t] }' "$out/results" | sort
bad=$(awk '$3 != 0' "$out/results" | wc -l)
echo "flaky: $(wc -l <"$out/results") runs of $# tests under make distcheck, $bad not passed"
[ "$bad" -eq 0 ]
