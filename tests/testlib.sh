# Sourced by the script tests: paths, a scratch directory removed at exit,
# and failure helpers.  Automake's test driver reads the exit status:
# 0 pass, 77 skip, anything else fail.

: "${srcdir:=$(cd "$(dirname "$0")" && pwd)}"
: "${EPHEMD:=$(pwd)/../daemon/ephemd}"
: "${GENCAP:=$(pwd)/gencap}"

T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/ephemd-test.XXXXXX")
t_cleanup() {
	if [ "${KEEP:-0}" = 1 ]; then
		echo "kept $T_TMP"
	else
		rm -rf "$T_TMP"
	fi
}
trap t_cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

skip() {
	echo "SKIP: $*" >&2
	exit 77
}
