#!/bin/bash
# Quarantine benchmark (DESIGN section 4), in a network namespace of its
# own with nft/ephemd.nft loaded, in one run:
#   1. N addresses through ephemd's batch path (benchq batch), elements/s;
#   2. the same N with "nft add element" once per address, the reference;
#   3. verdict -> element in the set, 200 verdicts through the policy;
#   4. start-up of ephemd with N blocks due in quarantine.file and the set
#      empty: the time ephemd reports for the restore, and from exec to
#      its "started" line.
# Root; run from a build (EPHEMD and BENCHQ select the binaries).
#
# usage: tests/bench-quarantine.sh [N] [NFT_N]   (default 20000 and 20000)
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
: "${EPHEMD:=$top/build/daemon/ephemd}"
: "${BENCHQ:=$top/build/tests/benchq}"
n=${1:-20000}
nft_n=${2:-$n}
ruleset=$top/nft/ephemd.nft
[ "$(id -u)" = 0 ] || { echo "bench-quarantine: root only" >&2; exit 77; }
ns=ephbq$$
dir=$(mktemp -d) || exit 1
cleanup() { ip netns del "$ns" 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT
ip netns add "$ns" || exit 1
in_ns() { BENCHQ_NETNS=$ns ip netns exec "$ns" "$@"; }
in_ns ip link set lo up
in_ns nft -f "$ruleset" || exit 1
flush() { in_ns nft flush set inet ephemd quarantine4; }

echo "bench-quarantine: $n addresses, kernel $(uname -r), nft $(nft --version | awk '{print $2}')"

# 1. ephemd's batch path
in_ns "$BENCHQ" batch "$n" || exit 1
flush

# 2. the reference: one nft process per address
t0=$(date +%s.%N)
for ((i = 0; i < nft_n; i++)); do
	in_ns nft add element inet ephemd quarantine4 \
	    "{ 198.$((18 + i / 65536)).$((i / 256 % 256)).$((i % 256)) timeout 1h }" ||
		exit 1
done
t1=$(date +%s.%N)
got=$(in_ns nft -j list set inet ephemd quarantine4 |
    python3 -c 'import json,sys; d=json.load(sys.stdin)["nftables"]; print(sum(len(x["set"].get("elem", [])) for x in d if "set" in x))')
python3 -c "
n, t = $nft_n, $t1 - $t0
print(f'nft add element once per address: {n} elements in {t:.3f} s: {n / t:.0f} elements/s, {1000 * t / n:.2f} ms each; set holds $got')"
flush

# 3. verdict -> element
in_ns "$BENCHQ" verdict 200 || exit 1
flush

# 4. start-up restore
"$BENCHQ" file "$n" "$dir/quarantine" || exit 1
cat >"$dir/ephemd.conf" <<EOF
learning_period = 0;
state: { file = ""; };
quarantine: { enabled = true; ruleset = "$ruleset"; file = "$dir/quarantine"; };
EOF
t0=$(date +%s.%N)
ip netns exec "$ns" "$EPHEMD" -d -c "$dir/ephemd.conf" 2>"$dir/ephemd.err" &
pid=$!
for _ in $(seq 200); do
	grep -q 'started:' "$dir/ephemd.err" && break
	sleep 0.01
done
t1=$(date +%s.%N)
restored=$(sed -n 's/.*quarantine: \([0-9]*\) hosts quarantined (restored in \([0-9]*\) ms).*/\1 \2/p' "$dir/ephemd.err")
held=$(in_ns nft -j list set inet ephemd quarantine4 |
    python3 -c 'import json,sys; d=json.load(sys.stdin)["nftables"]; print(sum(len(x["set"].get("elem", [])) for x in d if "set" in x))')
kill -TERM "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
set -- $restored
python3 -c "
print(f'start-up restore: {${1:-0}} blocks in ${2:-?} ms (ephemd), {$t1 - $t0:.3f} s from exec to started; set holds $held')"
