/* detectors/det_policy.c - racelab check's verdict: whose word counts.
 *
 * Every report of every detector is sorted into one of three classes:
 *   race      a data-race report that counts;
 *   disputed  a valgrind data-race report TSan did not confirm, of a class
 *             known not to be a race (shown with the reason, not counted);
 *   hint      not a data-race report at all: an API-usage diagnostic
 *             ("dubious: associated lock is not held", "destruction of a
 *             condition variable being waited upon", "unlocked a not-locked
 *             lock"), a lock-order report or TSan's thread leak: shown, not
 *             counted (the verdict is about races).
 * The rules, in order, for a valgrind data-race report:
 *   1. TSan could not check the program (n/a, blind, crashed): it counts.
 *   2. TSan reported a race too: it counts (agreement).
 *   3. The program orders its threads through something valgrind does not
 *      model and TSan does (C11/__atomic operations, pipes and sockets,
 *      signal delivery, pthread_timedjoin_np, pthread_once's atomic fast
 *      path): disputed, with what it uses. This comes before the next two:
 *      when valgrind cannot see the hand-over, no report on the data handed
 *      over means anything, whatever its size (a compiler may narrow a
 *      static int it only sets to 0 or 42 to a byte).
 *   4. A 1- or 2-byte access: it counts. TSan keeps 4 shadow cells per 8
 *      bytes, so narrow accesses of several threads to one word can evict the
 *      racing one - a race TSan cannot see by construction.
 *   5. On a thread's stack: it counts. TSan resets a thread's stack shadow
 *      when the memory is reused, so it loses accesses through reused stack.
 *   6. Otherwise it counts: no known non-race class applies.
 * TSan's data-race reports count: it models C11 atomics and the pthread,
 * file-descriptor and signal orderings; except, in a program on an OpenMP
 * runtime, a report with no frame in the user's code: libomp is not built
 * with TSan, so its own synchronisation looks like races (disputed). The build check makes for
 * valgrind is the same compiler at the same -O level as the TSan build, so
 * loads a compiler speculates (a cmov turning `if (c) return g;` into an
 * unconditional load) are not in one binary and not the other. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "det.h"

static bool det__starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

const char *det_policy_hint(enum det_detector d, const char *kind)
{
    if (d == DET_TSAN)
        return det__starts(kind, "data race") || det__starts(kind, "heap-use-after-free")
                   ? NULL
               : strstr(kind, "lock-order") != NULL
                   ? "a lock-order report (a possible deadlock), not a data race"
                   : "a TSan diagnostic that is not a data race";
    if (det__starts(kind, "Possible data race") || det__starts(kind, "Conflicting load") ||
        det__starts(kind, "Conflicting store"))
        return NULL;
    if (strstr(kind, "lock order") != NULL)
        return "a lock-order report (a possible deadlock), not a data race";
    return "an API-usage diagnostic, not a data race";
}

enum det_class det_policy_class(enum det_detector d, const struct det_one *one,
                                const struct det_facts *f, char *why, size_t cap)
{
    const char *hint = det_policy_hint(d, one->kind);
    if (hint != NULL) {
        snprintf(why, cap, "%s", hint);
        return DET_CL_HINT;
    }
    if (d == DET_TSAN && f->openmp && one->lead < 0) {
        snprintf(why, cap, "inside the OpenMP runtime, which TSan does not instrument (no "
                           "frame in your code; libarcher would annotate it)");
        return DET_CL_DISPUTED;
    } else if (d == DET_TSAN) {
        snprintf(why, cap, "TSan models C11 atomics and the pthread, fd and signal orderings: "
                           "its race reports count");
    } else if (!f->tsan_could) {
        snprintf(why, cap, "TSan could not check this program: valgrind's word stands");
    } else if (f->tsan_racy) {
        snprintf(why, cap, "TSan reports a race too");
    } else if (f->unmodelled[0] != '\0') {
        snprintf(why, cap, "the program orders threads through %s, which valgrind does not "
                           "model; TSan models it and saw no race", f->unmodelled);
        return DET_CL_DISPUTED;
    } else if (one->size == 1 || one->size == 2) {
        snprintf(why, cap, "a %u-byte access: TSan keeps 4 shadow cells per 8-byte word and "
                           "can lose a narrow racing access, so valgrind's word counts",
                 one->size);
    } else if (one->on_stack) {
        snprintf(why, cap, "on a thread's stack: TSan resets a stack's shadow when the memory "
                           "is reused, so valgrind's word counts");
    } else {
        snprintf(why, cap, "TSan saw no race, but no known non-race class applies: "
                           "valgrind's word stands");
    }
    return DET_CL_RACE;
}

/* "worker (t.c:12)" or, when the first frame is a library's, "worker
 * (t.c:12) via free": the user's frame leads. */
void det_policy_where(const struct det_one *one, char *out, size_t cap)
{
    if (one->nframes == 0)
        snprintf(out, cap, "an unknown place");
    else if (one->lead > 0)
        snprintf(out, cap, "%s via %s", one->frames[one->lead], one->frames[0]);
    else if (one->lead == 0)
        snprintf(out, cap, "%s", one->frames[0]);
    else
        snprintf(out, cap, "%s (no frame in your code)", one->frames[0]);
}

/* Sorts every report of one detector's stderr into |j|. */
void det_policy_judge(enum det_detector d, const char *err, const struct det_facts *f,
                      struct det_judged *j)
{
    struct det_one *all = det_xmalloc(sizeof *all * DET_POLICY_MAX);
    size_t total = det_parse(d, err, all, DET_POLICY_MAX);
    size_t stored = total < DET_POLICY_MAX ? total : DET_POLICY_MAX;
    memset(j->n, 0, sizeof j->n);
    j->suppressed = 0;
    for (size_t i = 0; i < stored; i++) {
        if (d != DET_TSAN && det_supp_match(f->supp, d, &all[i])) {
            j->suppressed++;   /* TSan applies the file itself */
            continue;
        }
        char why[300];
        enum det_class c = det_policy_class(d, &all[i], f, why, sizeof why);
        if (j->n[c]++ == 0) {
            j->first[c] = all[i];
            snprintf(j->why[c], sizeof j->why[c], "%s", why);
        }
    }
    if (total > stored)   /* past the stored ones: not classified, they count */
        j->n[DET_CL_RACE] += (unsigned)(total - stored);
    j->total = (unsigned)total - j->suppressed;
    free(all);
}

/* One line per class that has reports; the detector's name on the first. */
void det_policy_print(FILE *f, const char *name, const struct det_judged *j)
{
    static const char *const label[DET_NCLASS] = { "RACE", "disputed", "hint" };
    bool first = true;
    for (int c = 0; c < DET_NCLASS; c++) {
        if (j->n[c] == 0)
            continue;
        char where[400];
        det_policy_where(&j->first[c], where, sizeof where);
        fprintf(f, "  %-9s %s: %s at %s (%u report%s; %s)\n", first ? name : "", label[c],
               j->first[c].kind, where, j->n[c], j->n[c] == 1 ? "" : "s", j->why[c]);
        first = false;
    }
}
