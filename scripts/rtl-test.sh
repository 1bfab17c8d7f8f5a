#!/usr/bin/env bash
# Runs every RTL module's self-checking Icarus test bench, several at once
# (RTL_TEST_JOBS, default: the number of CPUs), and prints one line per test
# bench in a fixed order. A bench passes when it compiles, runs and prints
# PASS; a failing one has its log's tail printed. Exit status: failures > 0.
#
# Usage: scripts/rtl-test.sh "<core sources>" "<board/eth sources>" tb1.v tb2.v ...
# (the Makefile's rtl-test target passes them).
set -uo pipefail

core_src=$1
ext_src=$2
shift 2
jobs=${RTL_TEST_JOBS:-$(nproc 2>/dev/null || echo 2)}
out=target/rtl-tb
mkdir -p "$out"

run_one() {
    local tb=$1 core_src=$2 ext_src=$3 out=$4
    local name extra
    name=$(basename "$tb" .v)
    case $tb in rtl/tb/*) extra="" ;; *) extra=$ext_src ;; esac
    # shellcheck disable=SC2086 # source lists are word lists
    if iverilog -g2005-sv -Irtl -I"$(dirname "$tb")" -Wall -Wno-timescale -s "$name" -o "$out/$name" \
            "$tb" $extra $core_src > "$out/$name.build.log" 2>&1 \
        && vvp -n "$out/$name" > "$out/$name.log" 2>&1 \
        && grep -q PASS "$out/$name.log"; then
        echo ok > "$out/$name.result"
    else
        echo FAILED > "$out/$name.result"
    fi
}
export -f run_one

rm -f "$out"/*.result
printf '%s\n' "$@" | xargs -P "$jobs" -I{} bash -c 'run_one "$@"' _ {} "$core_src" "$ext_src" "$out"

pass=0
fail=0
for tb in "$@"; do
    name=$(basename "$tb" .v)
    if [[ $(cat "$out/$name.result" 2>/dev/null) == ok ]]; then
        echo "rtl-test $name: ok"
        pass=$((pass + 1))
    else
        echo "rtl-test $name: FAILED (logs: $out/$name.build.log, $out/$name.log)"
        tail -n 20 "$out/$name.build.log" "$out/$name.log" 2>/dev/null || true
        fail=$((fail + 1))
    fi
done
echo "rtl-test: $pass passed, $fail failed ($jobs at a time)"
[[ $fail -eq 0 ]]
