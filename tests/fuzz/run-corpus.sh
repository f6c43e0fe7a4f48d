#!/bin/sh
# make check's driver for a fuzz harness: run it on every file of its
# corpus, tests/fuzz/corpus/NAME/ for fuzz_NAME.  The files are named
# one by one, which both main.c and libFuzzer take as "run these once".
set -eu
prog=$1
name=$(basename "$prog")
dir=${srcdir:-.}/corpus/${name#fuzz_}
# leaks of the libraries, not ephemd's (lsan.supp)
supp=${srcdir:-.}/lsan.supp
LSAN_OPTIONS="suppressions=$supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export LSAN_OPTIONS
[ -d "$dir" ] || { echo "$name: no corpus in $dir"; exit 1; }
# shellcheck disable=SC2046 # file names are the corpus's: no spaces
exec "$prog" $(find "$dir" -type f ! -name '.*' | LC_ALL=C sort)
