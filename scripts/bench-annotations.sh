#!/bin/sh
# scripts/bench-annotations.sh - what sync/'s valgrind annotations cost
# natively: bench-counter of the annotated build (A) against one configured
# with -DRACELAB_VALGRIND_ANNOTATIONS=OFF (B), with the workers pinned, and
# beside it a control: the OFF build against itself (B'). Each round runs A,
# B and B' one after the other, the order rotating from round to round (A B
# B', B B' A, B' A B, ...), so a slow spell of this shared machine hits all
# three alike. Per lock, worker count and placement the table gives the
# median ns/op of A and of B, and of the per-round ratios A/B and B'/B the
# median, the interquartile range (q1-q3: how much one round varies) and
# the median's 95 % confidence interval (order statistics, distribution-free:
# it narrows with more rounds, q1-q3 does not). B'/B is the same binary
# twice: the method's own error. The last column says whether the 2 %
# question is answerable there (the control's interval inside 0.98-1.02)
# and, if so, the answer (A/B's interval inside 0.98-1.02, outside it, or
# across a bound: more rounds needed).
# usage: scripts/bench-annotations.sh ANNOTATED_BIN_DIR UNANNOTATED_BIN_DIR
#          [ROUNDS [LOCKS [WORKERS [ITERS [PINS]]]]]
#   defaults: 9 rounds, tas,ttas,ticket,mcs,tplock,futex,sem, workers 1,2,
#   200000 iterations, pins same,cross (bench-counter --pin: same = every
#   worker on one CPU, cross = one CPU per worker; auto = the runtime's
#   placement). With RACELAB_BENCH_RT=1 each bench-counter runs under
#   chrt -f 10 (SCHED_FIFO, needs the privilege), so that other processes of
#   a loaded machine do not preempt it.
set -u
usage() { echo "usage: $0 ANNOTATED_BIN_DIR UNANNOTATED_BIN_DIR [ROUNDS [LOCKS [WORKERS [ITERS [PINS]]]]]" >&2; exit 2; }
[ $# -ge 2 ] && [ $# -le 7 ] || usage
a=$1/bench-counter
u=$2/bench-counter
rounds=${3:-9}
locks=${4:-tas,ttas,ticket,mcs,tplock,futex,sem}
workers=${5:-1,2}
iters=${6:-200000}
pins=${7:-same,cross}
for b in "$a" "$u"; do
    [ -x "$b" ] || { echo "$0: $b: no such executable" >&2; exit 2; }
done
case $rounds in '' | *[!0-9]*) echo "$0: ROUNDS must be a number from 1 to 99, not '$rounds'" >&2; exit 2 ;; esac
[ "$rounds" -ge 1 ] && [ "$rounds" -le 99 ] || { echo "$0: ROUNDS must be from 1 to 99, not $rounds" >&2; exit 2; }
for p in $(echo "$pins" | tr , ' '); do
    case $p in auto | same | cross) ;; *) echo "$0: PINS must be a list of auto, same, cross, not '$pins'" >&2; exit 2 ;; esac
done
# A tiny run of each placement first: a bad LOCKS, WORKERS or a pin this
# machine cannot meet fails here, with bench-counter's own one line.
for p in $(echo "$pins" | tr , ' '); do
    "$u" --model threads --workers "$workers" --only "$locks" --reps 1 --iters 1 --pin "$p" \
        --csv --no-baseline glibc,ck,ao,urcu > /dev/null || exit 2
done
rt=
if [ "${RACELAB_BENCH_RT:-0}" = 1 ]; then
    chrt -f 10 true 2>/dev/null || { echo "$0: RACELAB_BENCH_RT=1 but chrt -f 10 is not permitted here" >&2; exit 2; }
    rt="chrt -f 10"
fi
out=$(mktemp "${TMPDIR:-/tmp}/racelab-annbench-XXXXXX") || exit 2
trap 'rm -f "$out"' EXIT INT TERM
load0=$(cut -d' ' -f1-3 /proc/loadavg)

# One bench-counter run: rows "round pin build lock workers ns" into $out.
one() {   # round pin build binary
    # shellcheck disable=SC2086
    $rt "$4" --model threads --workers "$workers" --only "$locks" --reps 1 --pin "$2" \
        --iters "$iters" --csv --no-baseline glibc,ck,ao,urcu |
        awk -F, -v r="$1" -v p="$2" -v b="$3" '
            /^kind,/ { for (i = 1; i <= NF; i++) h[$i] = i; next }
            /^bench,/ && $h["status"] == "ok" { print r, p, b, $h["name"], $h["workers"], $h["ns_per_op"] }' >> "$out"
}

# Round r runs A, B and B' starting at position r mod 3.
round() {   # round pin
    k=$(($1 % 3))
    for i in 0 1 2; do
        case $(((k + i) % 3)) in
            0) one "$1" "$2" A "$a" ;;
            1) one "$1" "$2" B "$u" ;;
            2) one "$1" "$2" C "$u" ;;
        esac || exit 2
    done
}

r=1
while [ "$r" -le "$rounds" ]; do
    for p in $(echo "$pins" | tr , ' '); do
        round "$r" "$p" || exit 2
    done
    r=$((r + 1))
done
load1=$(cut -d' ' -f1-3 /proc/loadavg)
echo "# $rounds rounds of A (annotated), B (OFF) and B' (OFF again, the control) in rotating order, $iters iterations; load average $load0 before, $load1 after, $(nproc) core(s)${rt:+, under $rt}"
echo "| lock | workers | pin | A ns/op | B ns/op | A/B median | A/B q1-q3 | A/B 95 % CI | B'/B median | B'/B 95 % CI | 2 % answerable? |"
echo "|---|---:|---|---:|---:|---:|---|---|---:|---|---|"
awk '
    function sort(v, n,   i, j, t) {
        for (i = 2; i <= n; i++)
            for (j = i; j > 1 && v[j - 1] > v[j]; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
    }
    function q(v, n, f,   x, i) {   # quantile f of sorted v[1..n], interpolated
        x = 1 + (n - 1) * f; i = int(x)
        return i >= n ? v[n] : v[i] + (x - i) * (v[i + 1] - v[i])
    }
    # The median'"'"'s distribution-free 95 % interval: order statistics j and k of
    # n (binomial, normal approximation), clamped to the sample.
    function lo(n,   x) { x = int(n / 2 - 0.98 * sqrt(n)); return x < 1 ? 1 : x }
    function hi(n,   x) { x = n / 2 + 1 + 0.98 * sqrt(n); x = x == int(x) ? x : int(x) + 1; return x > n ? n : x }
    function inside(a, b) { return a >= 0.98 && b <= 1.02 }
    { k = $4 SUBSEP $5 SUBSEP $2
      if (!(k in seen)) { seen[k] = 1; order[++nk] = k }
      ns[k, $1, $3] = $6; if ($1 > maxr) maxr = $1 }
    END {
        for (i = 1; i <= nk; i++) {
            k = order[i]; n = 0
            for (r = 1; r <= maxr; r++)
                if ((k, r, "A") in ns && (k, r, "B") in ns && (k, r, "C") in ns) {
                    n++; av[n] = ns[k, r, "A"]; bv[n] = ns[k, r, "B"]
                    ab[n] = av[n] / bv[n]; cb[n] = ns[k, r, "C"] / bv[n]
                }
            split(k, f, SUBSEP)
            if (n == 0) { printf "| %s | %s | %s | - | - | - | - | - | - | - | no complete round |\n", f[1], f[2], f[3]; continue }
            sort(av, n); sort(bv, n); sort(ab, n); sort(cb, n)
            a1 = ab[lo(n)]; a2 = ab[hi(n)]; c1 = cb[lo(n)]; c2 = cb[hi(n)]
            if (!inside(c1, c2)) verdict = "no: the control'"'"'s interval is wider than 2 %"
            else if (inside(a1, a2)) verdict = "yes: within 2 %"
            else if (a2 < 0.98 || a1 > 1.02) verdict = "yes: beyond 2 %"
            else verdict = "not settled: more rounds"
            printf "| %s | %s | %s | %.3f | %.3f | %.3f | %.3f-%.3f | %.3f-%.3f | %.3f | %.3f-%.3f | %s |\n",
                   f[1], f[2], f[3], q(av, n, 0.5), q(bv, n, 0.5), q(ab, n, 0.5), q(ab, n, 0.25),
                   q(ab, n, 0.75), a1, a2, q(cb, n, 0.5), c1, c2, verdict
        }
    }' "$out"
