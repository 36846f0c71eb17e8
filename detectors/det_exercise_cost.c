/* detectors/det_exercise_cost.c - racelab exercise: a fix's cost against
 * the reference solution, measured in the same run (the exercise row's
 * cost column, F or F:ARGS).
 *
 * The learner's file and solution.c are built natively (cc -O2 -pthread)
 * and run EX_COST_RUNS times each, interleaved (the solution first in even
 * rounds, the learner's in odd ones, so that a change of load hits both),
 * with ARGS as arguments. A run's wall time is its spawn-to-reap time, its
 * CPU time the user + system time of the reaped child (RUSAGE_CHILDREN
 * before and after: racelab runs one child at a time here). Within budget:
 * the medians of both are at most F x the solution's + EX_COST_SLACK_S (the
 * slack: a few milliseconds of start-up noise are no cost). A spinning wait
 * burns CPU while the solution blocks; a sleep costs wall time. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "util/fs.h"
#include "det_exercise.h"
#include "util/stats.h"

#define EX_COST_RUNS 3
#define EX_COST_SLACK_S 0.010
#define EX_COST_ARGS 16

struct ex_cost_build {
    char dir[PATH_MAX], bin[2][PATH_MAX + 16];   /* 0 the solution, 1 the learner's */
};

static void ex__cost_clean(struct ex_cost_build *b)
{
    if (b->dir[0])
        util_remove_tree(b->dir);   /* with what a killed compiler left */
    b->dir[0] = '\0';
}

static void ex__cost_build(const struct ex_row *r, const char *const src[2],
                           struct ex_cost_build *b)
{
    char cc[PATH_MAX], native[PATH_MAX];
    if (!det_compilers(1, cc, native, sizeof cc))
        det_usage_error("exercise %s: no C compiler in PATH for the cost runs", r->name);
    snprintf(b->dir, sizeof b->dir, "%s/racelab-exercise-XXXXXX", det_tmpdir());
    if (mkdtemp(b->dir) == NULL)
        det_usage_error("exercise %s: cannot create a directory in %s: %s", r->name,
                        det_tmpdir(), strerror(errno));
    struct det_proc p[2];
    struct det_proc *pp[2] = { &p[0], &p[1] };
    char *argv[2][8];
    for (int i = 0; i < 2; i++) {
        snprintf(b->bin[i], sizeof b->bin[i], "%s/%s", b->dir, i ? "yours" : "solution");
        char *a[] = { native, "-O2", "-pthread", (char *)src[i], "-o", b->bin[i], NULL };
        memcpy(argv[i], a, sizeof a);
        p[i] = (struct det_proc){ .argv = argv[i], .timeout_s = 120 };
    }
    int rc = det_pool_run(pp, 2, 2, false);
    char first[400] = "";
    int bad = -1;
    for (int i = 0; i < 2 && rc == 0; i++)
        if (bad < 0 && (p[i].end != UTIL_END_EXIT || p[i].code != 0)) {
            bad = i;
            det_compiler_first_error(p[i].err, first, sizeof first);
        }
    det_proc_free(&p[0]);
    det_proc_free(&p[1]);
    if (rc != 0 || bad >= 0)
        ex__cost_clean(b);
    if (rc != 0)
        exit(130);
    if (bad >= 0)
        det_usage_error("exercise %s: %s does not compile natively for the cost runs: %s",
                        r->name, src[bad], first[0] ? first : "the compiler failed");
}

static double ex__cpu_children(void)
{
    struct rusage u;
    getrusage(RUSAGE_CHILDREN, &u);
    return (double)u.ru_utime.tv_sec + (double)u.ru_utime.tv_usec * 1e-6 +
           (double)u.ru_stime.tv_sec + (double)u.ru_stime.tv_usec * 1e-6;
}

/* One native run; false (why in |why|) when it did not exit 0. */
static bool ex__cost_run(const struct ex_row *r, char **argv, double *wall, double *cpu,
                         char *why, size_t cap, struct ex_cost_build *b)
{
    struct det_proc p = { .argv = argv, .timeout_s = r->budget_s };
    struct det_proc *pp = &p;
    double c0 = ex__cpu_children();
    int rc = det_pool_run(&pp, 1, 1, false);
    *cpu = ex__cpu_children() - c0;
    *wall = p.wall_s;
    bool ok = rc == 0 && p.end == UTIL_END_EXIT && p.code == 0;
    if (!ok) {
        char end[64], last[200];
        det_last_line(p.out, last, sizeof last);
        snprintf(why, cap, "%s%s%s", det_end_text(&p, end, sizeof end), last[0] ? ": " : "",
                 last);
    }
    det_proc_free(&p);
    if (rc != 0) {
        ex__cost_clean(b);
        exit(130);
    }
    return ok;
}

/* Medians of wall and CPU time, [0] the solution, [1] the learner's; false
 * with the reason when a run failed. */
static bool ex__cost_measure(const struct ex_row *r, struct ex_cost_build *b, double med[2][2],
                             char *why, size_t cap)
{
    char args[sizeof r->cost_args], *argv[2][EX_COST_ARGS + 2], *save = NULL;
    snprintf(args, sizeof args, "%s", r->cost_args);
    int n = 1;
    for (char *t = strtok_r(args, " ", &save); t && n <= EX_COST_ARGS; t = strtok_r(NULL, " ", &save))
        argv[0][n] = argv[1][n] = t, n++;
    argv[0][0] = b->bin[0], argv[1][0] = b->bin[1];
    argv[0][n] = argv[1][n] = NULL;
    double wall[2][EX_COST_RUNS], cpu[2][EX_COST_RUNS];
    for (int k = 0; k < EX_COST_RUNS; k++)
        for (int j = 0; j < 2; j++) {
            int i = k % 2 ? 1 - j : j;
            if (!ex__cost_run(r, argv[i], &wall[i][k], &cpu[i][k], why, cap, b)) {
                size_t l = strlen(why);
                snprintf(why + l, cap - l, " (%s)", i ? "your program" : "the solution");
                return false;
            }
        }
    for (int i = 0; i < 2; i++) {
        med[i][0] = util_median(wall[i], EX_COST_RUNS);
        med[i][1] = util_median(cpu[i], EX_COST_RUNS);
    }
    return true;
}

void ex_check_cost(const struct ex_row *r, const char *file, struct ex_result *x)
{
    char ref[PATH_MAX + 16], why[300];
    ex_path(r, "solution.c", ref, sizeof ref);
    const char *src[2] = { ref, file };
    struct ex_cost_build b;
    memset(&b, 0, sizeof b);
    ex__cost_build(r, src, &b);
    double m[2][2];
    bool ran = ex__cost_measure(r, &b, m, why, sizeof why);
    ex__cost_clean(&b);
    size_t l = strlen(x->words);
    if (!ran) {
        x->pass = false;
        snprintf(x->verdict, sizeof x->verdict, "cost");
        snprintf(x->words + l, sizeof x->words - l, "; but natively a run failed: %s", why);
        return;
    }
    bool wall_ok = m[1][0] <= r->cost * m[0][0] + EX_COST_SLACK_S;
    bool cpu_ok = m[1][1] <= r->cost * m[0][1] + EX_COST_SLACK_S;
    l += (size_t)snprintf(x->words + l, sizeof x->words - l, "; %s natively (medians of %d "
                          "interleaved runs): wall %.1f ms, CPU %.1f ms against the solution's "
                          "%.1f ms and %.1f ms (budget %gx + %.0f ms)",
                          wall_ok && cpu_ok ? "within the cost budget" : "OVER the cost budget",
                          EX_COST_RUNS, m[1][0] * 1e3, m[1][1] * 1e3, m[0][0] * 1e3,
                          m[0][1] * 1e3, r->cost, EX_COST_SLACK_S * 1e3);
    if (wall_ok && cpu_ok)
        return;
    x->pass = false;
    snprintf(x->verdict, sizeof x->verdict, "cost");
    snprintf(x->words + l, sizeof x->words - l, "%s%s", !cpu_ok ? ": it burns CPU while it "
             "waits (a spin loop); block instead, as the solution does" : "",
             !wall_ok && cpu_ok ? ": it takes longer than it needs (a sleep instead of a "
             "wait?)" : "");
}
