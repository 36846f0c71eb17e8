/* tests/test_philosophers.c - the dining philosophers: fixes finish, naive
 * deadlocks and is reported.
 *
 * ordered, waiter and trylock must serve every meal (workers x iters) with
 * no fork ever in two hands, at 2, 4 and 8 philosophers (8 on 2 cores is
 * oversubscribed on purpose), on threads, procs and coros. naive must end
 * in DEADLOCK with its cycle of fork waits within a few trials, never past
 * --timeout, on each model; under the TSan twin it is a lock-order
 * inversion. Fairness (meals_min, wait_max_ns) is measured, not asserted:
 * it depends on the scheduler. */
#include <stdio.h>
#include <string.h>

#include "json_check.h"
#include "philosophers.h"
#include "run_prog.h"
#include "test_main.h"

#define LAB_PHIL RACELAB_BIN_DIR "/lab-philosophers"

static bool sanitized(void)
{
    return strcmp(RACELAB_SANITIZER_NAME, "none") != 0;
}

static bool tsan(void)
{
    return strcmp(RACELAB_SANITIZER_NAME, "thread") == 0;
}

static int trial(const char *name, enum lab_model m, unsigned workers, uint64_t iters,
                 struct lab_trial *t)
{
    const struct lab_variant *v = lab_find_variant(&philosophers_lab, name);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    struct lab_config cfg = { .model = m, .workers = workers, .iters = iters, .timeout_s = 30 };
    char err[256] = "";
    int rc = lab_run_trial(&philosophers_lab, v, &cfg, t, err, sizeof err);
    if (rc != 0)
        printf("\n    %s/%s x%u: %s", name, lab_model_name(m), workers, err);
    return rc;
}

static void exact_on(enum lab_model m)
{
    static const unsigned sizes[] = { 2, 4, 8 };
    static const char *const fixed[] = { "ordered", "waiter", "trylock" };
    uint64_t iters = sanitized() || m == LAB_PROCS ? 500 : 2000;
    for (size_t i = 0; i < 3; i++) {
        /* TSan reports waiter's cyclic lock order (a known report: the
         * semaphore keeps the cycle open), which fails this process. */
        if (tsan() && strcmp(fixed[i], "waiter") == 0)
            continue;
        for (size_t k = 0; k < 3; k++) {
            struct lab_trial t;
            CU_ASSERT_EQUAL_FATAL(trial(fixed[i], m, sizes[k], iters, &t), 0);
            if (t.outcome != LAB_OK)
                printf("\n    %s/%s x%u: %s: %s", fixed[i], lab_model_name(m), sizes[k],
                       lab_outcome_name(t.outcome), t.detail);
            CU_ASSERT_EQUAL(t.outcome, LAB_OK);
            CU_ASSERT_EQUAL(t.observed, (uint64_t)sizes[k] * iters);
            CU_ASSERT_EQUAL(t.observed, t.expected);
            CU_ASSERT(t.has_fields);
            CU_ASSERT_EQUAL(t.fields[PHIL_F_CONFLICTS], 0);
            CU_ASSERT_EQUAL(t.fields[PHIL_F_GAVE_UP], 0);
            CU_ASSERT(t.fields[PHIL_F_MEALS_MIN] <= (int64_t)iters);
        }
    }
}

static void test_philosophers_fixed_exact_threads(void)
{
    exact_on(LAB_THREADS);
}

static void test_philosophers_fixed_exact_procs(void)
{
    exact_on(LAB_PROCS);
}

static void test_philosophers_fixed_exact_coros(void)
{
    exact_on(LAB_COROS);
}

static void naive_on(enum lab_model m, unsigned workers)
{
    bool deadlocked = false;
    for (int i = 0; i < 5 && !deadlocked; i++) {
        struct lab_trial t;
        uint64_t t0 = lab_now_ns();
        CU_ASSERT_EQUAL_FATAL(trial("naive", m, workers, 20000, &t), 0);
        double s = (double)(lab_now_ns() - t0) / 1e9;
        CU_ASSERT(t.outcome == LAB_OK || t.outcome == LAB_DEADLOCK);
        CU_ASSERT(s < 30.0);
        CU_ASSERT_EQUAL(t.fields[PHIL_F_CONFLICTS], 0);
        deadlocked = t.outcome == LAB_DEADLOCK;
        if (deadlocked) {
            printf("\n    naive/%s x%u, try %d, %.2f s: %s", lab_model_name(m), workers, i + 1,
                   s, t.detail);
            CU_ASSERT_PTR_NOT_NULL(strstr(t.detail, "wait-for cycle of "));
            CU_ASSERT_PTR_NOT_NULL(strstr(t.detail, "holds fork "));
            CU_ASSERT(t.observed < t.expected);
            CU_ASSERT(t.fields[PHIL_F_GAVE_UP] >= 1);
        }
    }
    CU_ASSERT(deadlocked);
}

static void test_philosophers_naive_deadlock(void)
{
    if (tsan()) {
        test_skip("ThreadSanitizer reports naive's lock order inversion (the tsan case)");
        return;
    }
    naive_on(LAB_THREADS, 2);
    naive_on(LAB_THREADS, 3);
    naive_on(LAB_PROCS, 2);
    naive_on(LAB_COROS, 2);
}

static void test_philosophers_program(void)
{
    char *list[] = { LAB_PHIL, "--list", "--json", NULL };
    struct prog_result r = run_prog(list, 60);
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_EQUAL(count_lines(r.out), 3 * 4);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "\"variant\":\"naive\",\"racy_by_design\":true"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "\"variant\":\"waiter\",\"racy_by_design\":false"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "\"fields\":[{\"name\":\"meals_min\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "\"tool\":\"tsan\",\"kind\":\"lock-order-inversion\""));
    prog_result_free(&r);
    char *one[] = { LAB_PHIL, "--workers", "1", "--json", "--trials", "1", "--iters", "100",
                    "--variant", tsan() ? "ordered,trylock" : "naive,ordered,waiter,trylock",
                    NULL };
    r = run_prog(one, 60);
    CU_ASSERT_EQUAL(r.status, 0);   /* one philosopher, a table of two forks: eats alone */
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "\"observed\":100,"));
    CU_ASSERT_PTR_NULL(strstr(r.out, "\"outcome\":\"deadlock\""));
    prog_result_free(&r);
    const char *vars = tsan() ? "ordered,trylock" : "naive,ordered,waiter,trylock";
    char *json[] = { LAB_PHIL, "--json", "--variant", (char *)vars, "--trials", "2",
                     "--iters", "2000", "--timeout", "5", NULL };
    r = run_prog(json, 120);
    CU_ASSERT_EQUAL(r.status, 0);   /* naive's deadlocks are the lesson */
    unsigned summaries = 0;
    for (char *line = strtok(r.out, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        CU_ASSERT(json_valid_object(line));
        CU_ASSERT_PTR_NOT_NULL(json_field(line, "fields"));
        summaries += json_field_is(line, "kind", "\"summary\"");
    }
    CU_ASSERT_EQUAL(summaries, tsan() ? 2u : 4u);
    prog_result_free(&r);
#ifdef RACELAB_HAVE_PHIL_TSAN
    /* TSan reports an inversion only once both orders were taken; a trial
     * that deadlocks at its first conflict shows one order only, and on a
     * quiet machine, where both start together, that is most trials: whether
     * it reports is the scheduler's, not asserted. What is certain: the twin
     * ends (the deadlock reported, not hung), cleanly or with TSan's report. */
    char *tsan_naive[] = { RACELAB_BIN_DIR "/lab-philosophers-tsan", "--variant", "naive",
                           "--trials", "3", "--iters", "2000", "--timeout", "5", NULL };
    r = run_prog(tsan_naive, 120);
    CU_ASSERT(r.status == 66 || r.status == 0);
    CU_ASSERT(r.status != 66 || strstr(r.err, "lock-order-inversion") != NULL);
    prog_result_free(&r);
#endif
}

static const struct test_case tests[] = {
    { "fixed_exact_threads", test_philosophers_fixed_exact_threads },
    { "fixed_exact_procs", test_philosophers_fixed_exact_procs },
    { "fixed_exact_coros", test_philosophers_fixed_exact_coros },
    { "naive_deadlock", test_philosophers_naive_deadlock },
    { "program", test_philosophers_program },
    { NULL, NULL },
};

TEST_MAIN("philosophers", tests)
