/* tests/test_explore_labs.c - racelab explore LAB/VARIANT (issue 13, notes/
 * explorer.md "Lab targets"): the lab's own counter variants give exactly
 * the run counts of the issue, as the fixture program does (the start gate,
 * the watchdog and the fields add no point); refusals and bad targets are
 * one line, exit 2; and the harness's explore column finds the racy
 * variants and exhausts the fixed ones clean within its bound. The explorer
 * is deterministic: every count is asserted exactly. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "run_prog.h"
#include "explore_check.h"
#include "test_main.h"

#define RACELAB RACELAB_BIN_DIR "/racelab"
#define FLAVOUR RACELAB_BIN_DIR "/lab-counter-explore"

#define EXPLORE(...) run_progl(RACELAB, 120, "explore", __VA_ARGS__, NULL)

/* The explore flavours exist only where the explorer is built (clang,
 * x86-64, no sanitizer on the build): elsewhere the cases skip. */
static bool have_flavour(void)
{
    if (access(FLAVOUR, X_OK) == 0)
        return true;
    test_skip("no lab-counter-explore in this build (clang, x86-64, no sanitizer)");
    return false;
}

/* Runs --all counts for |variant| at 2 workers x |k| under |strategy| and
 * --preemptions |bound|, the exit status asserted. */
static long long runs_of(const char *variant, const char *k, const char *strategy,
                         const char *bound, int want_exit)
{
    struct prog_result r = EXPLORE(variant, "--workers", "2", "--iters", k, "--all", "--json",
                                   "--strategy", strategy, "--preemptions", bound);
    CU_ASSERT_EQUAL(r.status, want_exit);
    if (r.status != want_exit)
        fprintf(stderr, "%s %s %s %s: %s%s", variant, k, strategy, bound, r.out, r.err);
    long long n = summary_field(r.out, "runs");
    prog_result_free(&r);
    return n;
}

/* Every interleaving of 2 x K LOAD/STORE pairs: C(4K, 2K). */
static void test_explore_labs_all(void)
{
    if (!have_flavour())
        return;
    CU_ASSERT_EQUAL(runs_of("counter/racy", "1", "bounded", "all", 1), 6);
    CU_ASSERT_EQUAL(runs_of("counter/racy", "2", "bounded", "all", 1), 70);
    CU_ASSERT_EQUAL(runs_of("counter/racy", "3", "bounded", "all", 1), 924);
}

static void test_explore_labs_dpor(void)
{
    if (!have_flavour())
        return;
    CU_ASSERT_EQUAL(runs_of("counter/racy", "1", "dpor", "all", 1), 4);
    CU_ASSERT_EQUAL(runs_of("counter/racy", "2", "dpor", "all", 1), 34);
    CU_ASSERT_EQUAL(runs_of("counter/racy", "3", "dpor", "all", 1), 328);
}

static void test_explore_labs_bounded(void)
{
    if (!have_flavour())
        return;
    CU_ASSERT_EQUAL(runs_of("counter/racy", "1", "bounded", "1", 1), 4);
    CU_ASSERT_EQUAL(runs_of("counter/racy", "2", "bounded", "1", 1), 8);
    CU_ASSERT_EQUAL(runs_of("counter/racy", "3", "bounded", "1", 1), 12);
    CU_ASSERT_EQUAL(runs_of("counter/racy", "1", "bounded", "2", 1), 6);
    CU_ASSERT_EQUAL(runs_of("counter/racy", "2", "bounded", "2", 1), 26);
    CU_ASSERT_EQUAL(runs_of("counter/racy", "3", "bounded", "2", 1), 62);
    CU_ASSERT_EQUAL(runs_of("counter/racy", "10", "bounded", "2", 1), 762);
}

/* The orders of 2K critical sections, C(2K, K), every one passing. */
static void test_explore_labs_mutex(void)
{
    if (!have_flavour())
        return;
    CU_ASSERT_EQUAL(runs_of("counter/mutex", "1", "bounded", "all", 0), 2);
    CU_ASSERT_EQUAL(runs_of("counter/mutex", "2", "bounded", "all", 0), 6);
    CU_ASSERT_EQUAL(runs_of("counter/mutex", "3", "bounded", "all", 0), 20);
}

/* The lost update as the variant's own source shows it. */
static void test_explore_labs_lost_update(void)
{
    if (!have_flavour())
        return;
    struct prog_result r = EXPLORE("counter/racy", "--iters", "1");
    CU_ASSERT_EQUAL(r.status, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "FAIL counter/racy: final 1, expected 2; schedule "));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "racy.c:"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "lost update"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "replay: racelab explore counter/racy --replay "));
    prog_result_free(&r);
}

/* One line on stderr, exit 2, nothing on stdout; |want| in the line. */
static void refused(const char *target, const char *want)
{
    struct prog_result r = EXPLORE(target);
    CU_ASSERT_EQUAL(r.status, 2);
    CU_ASSERT_STRING_EQUAL(r.out, "");
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, want));
    const char *nl = strchr(r.err, '\n');
    CU_ASSERT(nl != NULL && nl[1] == '\0');
    if (r.status != 2 || strstr(r.err, want) == NULL)
        fprintf(stderr, "%s: %s%s", target, r.out, r.err);
    prog_result_free(&r);
}

static void test_explore_labs_bad_targets(void)
{
    if (!have_flavour())
        return;
    refused("nosuchlab/racy", "no lab 'nosuchlab' (labs: ");
    refused("nosuchlab/racy", "counter");
    refused("counter/nosuch", "lab-counter has no variant 'nosuch' (variants: racy, mutex");
    refused("counter/comutex", "refused: the explorer runs a variant's workers as threads, "
                               "not under the coros model");
    struct prog_result r = EXPLORE("counter/racy", "--iters", "0");
    CU_ASSERT_EQUAL(r.status, 2);
    prog_result_free(&r);
    r = EXPLORE("counter/peterson", "--workers", "3");   /* takes 2 */
    CU_ASSERT_EQUAL(r.status, 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "takes at most 2 workers"));
    prog_result_free(&r);
}

/* The line of |out| that starts with |start|, in |line| ("" if none). */
static void line_of(const char *out, const char *start, char *line, size_t cap)
{
    const char *p = strstr(out, start);
    line[0] = '\0';
    if (p != NULL)
        snprintf(line, cap, "%.*s", (int)strcspn(p, "\n"), p);
}

/* AB-BA on the sync library's futex locks, whose waits spin (a failed CAS,
 * then sched_yield: labs/common/waitfor.h): a DEADLOCK, each worker waiting
 * for the lock word the other took (notes/explorer.md "Spinning threads").
 * |iters| operations per worker: philosophers' second meal branches on the
 * wall clock (a store of its longest wait, or none), which no schedule
 * fixes; bank's two transfers are needed for an AB-BA pair. */
static void spin_deadlock(const char *variant, const char *iters)
{
    struct prog_result r = EXPLORE(variant, "--iters", iters);
    CU_ASSERT_EQUAL(r.status, 1);
    char want[64], line[400];
    snprintf(want, sizeof want, "DEADLOCK %s: no thread can go on; schedule ", variant);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, want));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "; --json has the whole schedule) (1 preemption)\n"));
    for (int t = 1; t <= 2; t++) {
        snprintf(want, sizeof want, "  T%d waits for ", t);
        line_of(r.out, want, line, sizeof line);
        snprintf(want, sizeof want, " (held by T%d), spinning: its CAS fails, then it yields; "
                 "holds ", 3 - t);
        CU_ASSERT_PTR_NOT_NULL(strstr(line, want));
        if (strstr(line, want) == NULL)
            fprintf(stderr, "%s: '%s'\n", variant, line);
    }
    prog_result_free(&r);
    r = EXPLORE(variant, "--iters", iters, "--json");
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "\"verdict\":\"deadlock\""));
    prog_result_free(&r);
}

static void test_explore_labs_spin_deadlock(void)
{
    if (!have_flavour())
        return;
    spin_deadlock("bank/naive", "2");
    spin_deadlock("philosophers/naive", "1");
}

/* The value of "key":"VALUE" in the object that starts at |o|. */
static void json_value(const char *o, const char *key, char *out, size_t cap)
{
    char k[64];
    snprintf(k, sizeof k, "\"%s\":\"", key);
    const char *end = strchr(o, '\n');
    const char *p = strstr(o, k);
    out[0] = '\0';
    if (p != NULL && (end == NULL || p < end))
        snprintf(out, cap, "%.*s", (int)strcspn(p + strlen(k), "\""), p + strlen(k));
}

/* The harness's explore column over the counter lab's threads cells (its
 * racy one, its fixed ones on a pthread mutex, spin locks, atomics, CAS, a
 * fenced Peterson lock, and a futex lock: tests/test_explore_model.c) and a racy
 * cell of three other labs: each racy variant found, each fixed one clean
 * with its bound exhausted, or refused. notes/explorer.md "Lab targets"
 * has the column over every cell. */
static void test_explore_labs_matrix_column(void)
{
    if (!have_flavour())
        return;
    struct prog_result r = run_progl(RACELAB, 300, "run", "--detectors", "explore", "--trials",
                                     "1", "--format", "json", "counter/threads/racy",
                                     "counter/threads/mutex", "counter/threads/tas",
                                     "counter/threads/ticket", "counter/threads/futex",
                                     "counter/threads/atomic", "counter/threads/cas",
                                     "counter/threads/peterson-fence", "wakeup/threads/lost",
                                     "rw/threads/none", "lazyinit/threads/racy", NULL);
    unsigned cells = 0;
    for (const char *o = r.out; (o = strstr(o, "{\"lab\":\"")) != NULL; o++, cells++) {
        char lab[32], variant[40], racy[8], status[16];
        json_value(o, "lab", lab, sizeof lab);
        json_value(o, "variant", variant, sizeof variant);
        const char *rb = strstr(o, "\"racy_by_design\":");
        snprintf(racy, sizeof racy, "%.4s", rb ? rb + 17 : "");
        const char *ex = strstr(o, "\"explore\":{");
        json_value(ex ? ex : "", "status", status, sizeof status);
        bool is_racy = strcmp(racy, "true") == 0;
        bool ok = is_racy ? strcmp(status, "found") == 0
                  : strcmp(status, "refused") == 0 ||
                        (strcmp(status, "clean") == 0 && strstr(ex, "\"exhausted\":true"));
        CU_ASSERT(ok);
        if (!ok)
            fprintf(stderr, "%s/%s (racy %s): explore %s\n", lab, variant, racy, status);
    }
    CU_ASSERT_EQUAL(cells, 11);
    /* nothing found in a fixed variant (that would be a problem of the run) */
    CU_ASSERT_PTR_NULL(strstr(r.out, "a fixed variant, and racelab explore"));
    if (cells != 11)
        fprintf(stderr, "%s", r.err);
    prog_result_free(&r);
}

/* The harness's explore column finds both deadlocks (det_matrix.c maps the
 * verdict deadlock to found). */
static void test_explore_labs_matrix_deadlock(void)
{
    if (!have_flavour())
        return;
    struct prog_result r = run_progl(RACELAB, 300, "run", "--detectors", "explore", "--trials",
                                     "1", "--format", "json", "bank/threads/naive",
                                     "philosophers/threads/naive", NULL);
    unsigned cells = 0;
    for (const char *o = r.out; (o = strstr(o, "{\"lab\":\"")) != NULL; o++, cells++) {
        char status[16], text[120];
        const char *ex = strstr(o, "\"explore\":{");
        json_value(ex ? ex : "", "status", status, sizeof status);
        json_value(ex ? ex : "", "text", text, sizeof text);
        CU_ASSERT_STRING_EQUAL(status, "found");
        CU_ASSERT_PTR_NOT_NULL(strstr(text, ": deadlock"));
    }
    CU_ASSERT_EQUAL(cells, 2);
    if (cells != 2)
        fprintf(stderr, "%s%s", r.out, r.err);
    prog_result_free(&r);
}

/* A lab's own explore sizes (labs/PROTOCOL.md, queue's: bounded, 1
 * preemption, 1 iteration, 2 workers) are racelab explore's defaults for
 * its variants, as they are the matrix column's: queue/racy fails in the
 * column's 278 runs at bound 1, not at the explorer's own bound 3; an
 * option the user gives wins over the lab's. */
static void test_explore_labs_lab_sizes(void)
{
    if (!have_flavour())
        return;
    struct prog_result r = EXPLORE("queue/racy", "--json");
    CU_ASSERT_EQUAL(r.status, 1);
    CU_ASSERT_EQUAL(summary_field(r.out, "bound"), 1);
    CU_ASSERT_EQUAL(summary_field(r.out, "runs"), 278);
    prog_result_free(&r);
    r = EXPLORE("queue/racy", "--json", "--preemptions", "0");
    CU_ASSERT_EQUAL(summary_field(r.out, "bound"), 0);
    prog_result_free(&r);
}

static const struct test_case tests[] = {
    { "all", test_explore_labs_all },
    { "dpor", test_explore_labs_dpor },
    { "bounded", test_explore_labs_bounded },
    { "mutex", test_explore_labs_mutex },
    { "lost_update", test_explore_labs_lost_update },
    { "bad_targets", test_explore_labs_bad_targets },
    { "matrix_column", test_explore_labs_matrix_column },
    { "spin_deadlock", test_explore_labs_spin_deadlock },
    { "matrix_deadlock", test_explore_labs_matrix_deadlock },
    { "lab_sizes", test_explore_labs_lab_sizes },
    { NULL, NULL },
};

TEST_MAIN("explore_labs", tests)
