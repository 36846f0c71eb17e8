#!/bin/sh
# scripts/check-speed.sh - racelab check's wall time on 20 small programs (the
# held-out cases without sleep() plus two of check's own fixtures), sorted,
# then the medians of wall and CPU time and the load average they were taken at.
# usage: scripts/check-speed.sh [RACELAB]   (default build/bin/racelab)
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
racelab=${1:-$here/build/bin/racelab}
cd "$here/tests/fixtures/check/heldout" || exit 2
out=$(mktemp "${TMPDIR:-/tmp}/racelab-speed-XXXXXX") || exit 2
trap 'rm -f "$out" "$out.cpu"' EXIT INT TERM
for f in tc01_simple_race.c tc02_simple_tls.c tc03_re_excl.c tc05_simple_race.c \
         tc06_two_races.c tc10_rec_lock.c tc13_laog1.c hg01_all_ok.c pth_destroy_cond.c \
         cond_timedwait_test.c fp_race.c sem_as_mutex.c rwlock_test.c pth_spinlock.c \
         pth_create_chain.c pipe.cpp ../check_pipe_order.c ../check_exit_value.c \
         "tc24_nonzero_sem.c -- -DVGO_linux=1" "fp_race.c --args -m"; do
    s=$(date +%s%N)
    # shellcheck disable=SC2086
    /usr/bin/time -o "$out.cpu" -f '%U %S' "$racelab" check --quiet --no-exit-check $f \
        >/dev/null 2>&1
    cpu=$(tail -1 "$out.cpu")
    e=$(date +%s%N)
    echo "$(( (e - s) / 1000000 )) $cpu $f"
done | sort -n > "$out"
# wall, then the CPU seconds of check and everything it ran (user + system)
awk '{ printf "%6.2f s wall %5.2f s CPU  %s\n", $1 / 1000, $2 + $3, substr($0, index($0, $4)) }' "$out"
awk '{ t[NR] = $1 } END { printf "median %.2f s wall over %d programs\n", (t[int((NR + 1) / 2)] + t[int(NR / 2) + 1]) / 2000, NR }' "$out"
awk '{ print $2 + $3 }' "$out" | sort -g |
    awk '{ c[NR] = $1 } END { printf "median %.2f s CPU\n", (c[int((NR + 1) / 2)] + c[int(NR / 2) + 1]) / 2 }' 
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) core(s)"
