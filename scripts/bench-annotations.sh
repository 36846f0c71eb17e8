#!/bin/sh
# scripts/bench-annotations.sh - what sync/'s valgrind annotations cost
# natively: bench-counter of the annotated build against one configured with
# -DRACELAB_VALGRIND_ANNOTATIONS=OFF, in the same run. Each round runs both
# builds one after the other, the order alternating from round to round
# (A B, B A, ...), so a slow spell of this shared machine hits both alike;
# the table gives per lock and worker count the median ns/op of the rounds
# for each build and their ratio, with the load average before and after.
# usage: scripts/bench-annotations.sh ANNOTATED_BIN_DIR UNANNOTATED_BIN_DIR
#          [ROUNDS [LOCKS [WORKERS [ITERS]]]]
#   defaults: 9 rounds, tas,ttas,ticket,mcs,tplock,futex,sem, workers 1,2,
#   200000 iterations. With RACELAB_BENCH_RT=1 each bench-counter runs under
#   chrt -f 10 (SCHED_FIFO, needs the privilege), so that other processes of
#   a loaded machine do not preempt it.
set -u
usage() { echo "usage: $0 ANNOTATED_BIN_DIR UNANNOTATED_BIN_DIR [ROUNDS [LOCKS [WORKERS [ITERS]]]]" >&2; exit 2; }
[ $# -ge 2 ] && [ $# -le 6 ] || usage
a=$1/bench-counter
u=$2/bench-counter
rounds=${3:-9}
locks=${4:-tas,ttas,ticket,mcs,tplock,futex,sem}
workers=${5:-1,2}
iters=${6:-200000}
for b in "$a" "$u"; do
    [ -x "$b" ] || { echo "$0: $b: no such executable" >&2; exit 2; }
done
case $rounds in '' | *[!0-9]*) echo "$0: ROUNDS must be a number from 1 to 99, not '$rounds'" >&2; exit 2 ;; esac
[ "$rounds" -ge 1 ] && [ "$rounds" -le 99 ] || { echo "$0: ROUNDS must be from 1 to 99, not $rounds" >&2; exit 2; }
rt=
if [ "${RACELAB_BENCH_RT:-0}" = 1 ]; then
    chrt -f 10 true 2>/dev/null || { echo "$0: RACELAB_BENCH_RT=1 but chrt -f 10 is not permitted here" >&2; exit 2; }
    rt="chrt -f 10"
fi
out=$(mktemp "${TMPDIR:-/tmp}/racelab-annbench-XXXXXX") || exit 2
trap 'rm -f "$out"' EXIT INT TERM
load0=$(cut -d' ' -f1-3 /proc/loadavg)
one() {   # build-label binary: one bench-counter run, rows "label lock workers ns"
    # shellcheck disable=SC2086
    $rt "$2" --model threads --workers "$workers" --only "$locks" --reps 1 \
        --iters "$iters" --csv --no-baseline glibc,ck,ao,urcu |
        awk -F, -v b="$1" '/^kind,/ { for (i = 1; i <= NF; i++) h[$i] = i; next }
                           /^bench,/ && $h["status"] == "ok" { print b, $h["name"], $h["workers"], $h["ns_per_op"] }'
}
r=1
while [ "$r" -le "$rounds" ]; do
    if [ $((r % 2)) = 1 ]; then
        one annotated "$a" >> "$out" && one unannotated "$u" >> "$out" || exit 2
    else
        one unannotated "$u" >> "$out" && one annotated "$a" >> "$out" || exit 2
    fi
    r=$((r + 1))
done
load1=$(cut -d' ' -f1-3 /proc/loadavg)
echo "# $rounds interleaved rounds, $iters iterations, ns/op medians; load average $load0 before, $load1 after, $(nproc) core(s)${rt:+, under $rt}"
echo "| lock | workers | annotated | unannotated | ratio | rounds |"
echo "|---|---:|---:|---:|---:|---:|"
sort -k2,2 -k3,3n -k1,1 -k4,4g "$out" | awk '
    function med(arr, n) { return n % 2 ? arr[(n + 1) / 2] : (arr[n / 2] + arr[n / 2 + 1]) / 2 }
    function flush() {
        if (key == "") return
        ma = med(av, na); mu = med(uv, nu)
        printf "| %s | %s | %.3f | %.3f | %.3f | %d/%d |\n", lk, wk, ma, mu, ma / mu, na, nu
    }
    { k = $2 " " $3
      if (k != key) { flush(); key = k; lk = $2; wk = $3; na = 0; nu = 0 }
      if ($1 == "annotated") av[++na] = $4; else uv[++nu] = $4 }
    END { flush() }'
