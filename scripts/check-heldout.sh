#!/bin/sh
# scripts/check-heldout.sh - racelab check against a held-out set of public
# regression tests (tests/fixtures/check/heldout/MANIFEST.tsv: each test's
# origin and the answer its own suite expects), beside TSan alone and
# Helgrind alone (any report of the tool = "racy", as the tool itself says; TSan's
# are the union of check's two TSan runs, notes/ci.md), and
# check's explorer alone (a failing schedule, a deadlock or a race; "-" when it
# skipped the case: compile flags, or a program it cannot model).
# usage: scripts/check-heldout.sh [RACELAB] [NAME...]   (default build/bin/racelab)
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
racelab=${1:-$here/build/bin/racelab}
[ $# -gt 0 ] && shift
dir=$here/tests/fixtures/check/heldout
[ -x "$racelab" ] || { echo "check-heldout: no racelab at $racelab" >&2; exit 2; }
out=$(mktemp -d "${TMPDIR:-/tmp}/racelab-heldout-XXXXXX") || exit 2
trap 'rm -rf "$out"' EXIT INT TERM
printf '%-24s %-8s %-8s %-8s %-8s %-8s\n' test expect check tsan helgrind explore
grep -v '^#' "$dir/MANIFEST.tsv" | while IFS='	' read -r name file expect opts args _repo _path _why; do
    if [ $# -gt 0 ]; then
        case " $* " in *" $name "*) ;; *) continue ;; esac
    fi
    case "$opts" in   # check's options, then " -- CFLAGS" (or only "-- CFLAGS")
        "-- "*) pre=; cflags=$opts ;;
        *" -- "*) pre=${opts%% -- *}; cflags="-- ${opts#* -- }" ;;
        *) pre=$opts; cflags= ;;
    esac
    # shellcheck disable=SC2086
    (cd "$dir" && "$racelab" check --quiet $pre "$file" $cflags ${args:+--args $args}) \
        >"$out/$name.txt" 2>&1
    said() {   # racy if the detector's lines show any report
        awk -v d="$1" '/^  [a-z]/ { cur = $1 }
                       /^  +(RACE|disputed|hint|FAIL|DEADLOCK):/ && cur == d { r = 1 }
                       /^  [a-z]+ +(RACE|disputed|hint|FAIL|DEADLOCK):/ { if ($1 == d) r = 1 }
                       /^  [a-z]+ +skipped:/ { if ($1 == d) s = 1 }
                       END { print r ? "racy" : s ? "-" : "correct" }' "$out/$name.txt"
    }
    v=$(grep -q '^verdict: racy' "$out/$name.txt" && echo racy || echo correct)
    printf '%-24s %-8s %-8s %-8s %-8s %-8s\n' "$name" "$expect" "$v" "$(said tsan)" \
        "$(said helgrind)" "$(said explore)"
done | tee "$out/table"
awk '{ for (c = 3; c <= 6; c++) { if ($c == "-") { skip[c]++; continue }
        p = $c == "racy"; e = $2 == "racy";
        tp[c] += p && e; fp[c] += p && !e; fn[c] += !p && e; tn[c] += !p && !e } }
     END { split("check tsan helgrind explore", nm, " ");
           for (c = 3; c <= 6; c++) { pr = tp[c] + fp[c] ? 100 * tp[c] / (tp[c] + fp[c]) : 0;
               rc = tp[c] + fn[c] ? 100 * tp[c] / (tp[c] + fn[c]) : 0;
               printf "%-9s right %2d of %2d  TP %2d FP %2d FN %2d TN %2d  precision %5.1f %%  recall %5.1f %%%s\n",
                   nm[c - 2], tp[c] + tn[c], NR - skip[c], tp[c], fp[c], fn[c], tn[c], pr, rc,
                   skip[c] ? sprintf("  (%d skipped)", skip[c]) : "" } }' "$out/table"
