/* tests/test_gil.c - lab-counter --model gil: the seed's Python counter.
 *
 * What is certain, and only that: with --check-points backedge no switch
 * can fall inside `counter += 1`, so racy is exact at 2, 4 and 8 threads;
 * the lock variant is exact everywhere, with or without the GIL. racy with
 * check points at every bytecode loses: with a 100 us switch interval a
 * trial of 2 x 100000 has dozens of switches (each inside the increment with
 * probability 3/7), so 5 trials without one loss do not happen. The option
 * checks are one line each, exit 2 (lab_parse_args here). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "counter.h"
#include "runtime.h"
#include "test_main.h"

static const struct lab_variant *gil_variant(const char *name)
{
    const struct lab_variant *v = lab__find_for_model(&counter_lab, name, LAB_GIL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    CU_ASSERT_FATAL(lab_variant_runs(v, LAB_GIL, NULL));
    return v;
}

/* One trial; returns what it observed (UINT64_MAX if it did not run). */
static uint64_t trial(const char *name, unsigned workers, uint64_t iters, int check_points,
                      bool no_gil, unsigned switch_us)
{
    struct lab_config cfg = { .model = LAB_GIL, .workers = workers, .iters = iters,
                              .timeout_s = 60 };
    lab__model_opts_defaults(&cfg.mo);
    cfg.mo.check_points = check_points;
    cfg.mo.no_gil = no_gil;
    cfg.mo.switch_us = switch_us;
    struct lab_trial t;
    char err[256] = "";
    int rc = lab_run_trial(&counter_lab, gil_variant(name), &cfg, &t, err, sizeof err);
    if (rc != 0)
        printf("\n    gil/%s x%u: %s\n", name, workers, err);
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_EQUAL(t.outcome, LAB_OK);
    return rc == 0 ? t.observed : UINT64_MAX;
}

static void test_gil_backedge_exact(void)
{
    static const unsigned workers[] = { 2, 4, 8 };
    for (size_t k = 0; k < 3; k++)
        for (int v = 0; v < 2; v++) {
            const char *name = v ? "lock" : "racy";
            uint64_t got = trial(name, workers[k], 20000, LAB_CHECK_BACKEDGE, false, 100);
            if (got != workers[k] * 20000ull)
                printf("\n    gil/%s backedge x%u: %llu\n", name, workers[k],
                       (unsigned long long)got);
            CU_ASSERT_EQUAL(got, workers[k] * 20000ull);
        }
}

static void test_gil_lock_exact(void)
{
    static const unsigned workers[] = { 2, 4, 8 };
    for (size_t k = 0; k < 3; k++)
        for (int nogil = 0; nogil < 2; nogil++) {
            uint64_t got = trial("lock", workers[k], 20000, LAB_CHECK_EVERY, nogil, 100);
            if (got != workers[k] * 20000ull)
                printf("\n    gil/lock%s x%u: %llu\n", nogil ? " --no-gil" : "", workers[k],
                       (unsigned long long)got);
            CU_ASSERT_EQUAL(got, workers[k] * 20000ull);
        }
}

static void test_gil_every_loses(void)
{
    unsigned lossy = 0;
    for (int t = 0; t < 5; t++) {
        uint64_t got = trial("racy", 2, 100000, LAB_CHECK_EVERY, false, 100);
        CU_ASSERT(got <= 200000);   /* a lost update never adds */
        lossy += got < 200000;
    }
    printf("\n    racy, check points at every bytecode: lost in %u of 5 trials\n", lossy);
    CU_ASSERT(lossy > 0);
}

static void test_gil_no_gil_loses(void)
{
    if (test_online_cpus() < 2) {
        test_skip("one CPU: without the GIL the threads still take turns on it");
        return;
    }
    if (strcmp(RACELAB_SANITIZER_NAME, "thread") == 0) {
        test_skip("a data race by design, which ThreadSanitizer reports: the native build "
                  "runs this case");
        return;
    }
    unsigned lossy = 0;
    for (int t = 0; t < 5; t++)
        lossy += trial("racy", 2, 100000, LAB_CHECK_EVERY, true, 100) < 200000;
    printf("\n    racy --no-gil: lost in %u of 5 trials\n", lossy);
    CU_ASSERT(lossy > 0);
}

static int parse(char *err, size_t len, const char *first, ...)
{
    char *argv[TEST_MAX_ARGS];
    va_list ap;
    va_start(ap, first);
    int argc = test_argv(argv, "lab-counter", first, ap);
    va_end(ap);
    struct lab_config c;
    return lab_parse_args(&counter_lab, argc, argv, &c, err, len);
}

static void expect_error(int rc, const char *err, const char *needle)
{
    CU_ASSERT_EQUAL(rc, LAB_ARGS_ERROR);
    CU_ASSERT(strchr(err, '\n') == NULL);
    if (strstr(err, needle) == NULL)
        printf("\n    '%s' lacks '%s'\n", err, needle);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, needle));
}

static void test_gil_options(void)
{
    char e[512];
    expect_error(parse(e, sizeof e, "--model", "gil", "--check-points", "sometimes", NULL), e,
                 "every");
    expect_error(parse(e, sizeof e, "--model", "gil", "--switch-interval", "0", NULL), e,
                 "--switch-interval");
    expect_error(parse(e, sizeof e, "--check-points", "every", NULL), e, "--model gil only");
    expect_error(parse(e, sizeof e, "--model", "gil", "--no-gil", "--check-points", "every",
                       NULL), e, "--no-gil");
    expect_error(parse(e, sizeof e, "--model", "gil", "--variant", "mutex", NULL), e,
                 "does not run under --model gil");
    expect_error(parse(e, sizeof e, "--variant", "lock", NULL), e, "--model gil");
    CU_ASSERT_EQUAL(parse(e, sizeof e, "--model", "gil", "--variant", "all", NULL), LAB_ARGS_OK);
}

static const struct test_case tests[] = {
    { "backedge_exact", test_gil_backedge_exact },
    { "lock_exact", test_gil_lock_exact },
    { "every_loses", test_gil_every_loses },
    { "no_gil_loses", test_gil_no_gil_loses },
    { "options", test_gil_options },
    { NULL, NULL },
};

TEST_MAIN("gil", tests)
