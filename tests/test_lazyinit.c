/* tests/test_lazyinit.c - the lazyinit lab: every fix exact, the bugs real.
 *
 * acqrel, once, pthread-once and mutex must return the slot's one whole
 * object on every get at 2, 4 and 8 workers (8 on 2 cores oversubscribed on
 * purpose). racy must go wrong within 50 trials (here it does in most
 * trials: the workers run neck and neck through the slots), with a leak
 * counted (field leaked > 0). In every trial the fields account: creations
 * = slots + leaked, and a fix creates exactly one per slot. dclp's count is
 * exact on x86 as compiled, so what is asserted about it is TSan's report;
 * acqrel and once are clean under TSan. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lazyinit.h"
#include "run_prog.h"
#include "test_main.h"

static bool sanitized(void)
{
    return strcmp(RACELAB_SANITIZER_NAME, "none") != 0;
}

/* The last trial's fields: creations, leaked. */
static int64_t creations, leaked;

static uint64_t run(const char *name, enum lab_model model, unsigned workers, uint64_t iters)
{
    const struct lab_variant *v = lab_find_variant(&lazyinit_lab, name);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    struct lab_trial t;
    struct lab_config cfg = { .model = model, .workers = workers, .iters = iters,
                              .timeout_s = 120 };
    char err[256] = "";
    int rc = lab_run_trial(&lazyinit_lab, v, &cfg, &t, err, sizeof err);
    if (rc != 0)
        printf("\n    %s x%u: %s\n", name, workers, err);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    CU_ASSERT_EQUAL(t.outcome, LAB_OK);
    CU_ASSERT_FATAL(t.has_fields);
    creations = t.fields[0];
    leaked = t.fields[1];
    /* every slot publishes one object: the rest leaked */
    CU_ASSERT_EQUAL(creations, (int64_t)iters + leaked);
    return t.observed;
}

static void test_lazyinit_fixed_exact(void)
{
    static const char *const fixed[] = { "acqrel", "once", "pthread-once", "mutex" };
    static const unsigned workers[] = { 2, 4, 8 };
    uint64_t iters = sanitized() ? 2000 : 50000;
    for (size_t f = 0; f < 4; f++)
        for (size_t k = 0; k < 3; k++) {
            uint64_t got = run(fixed[f], LAB_THREADS, workers[k], iters);
            if (got != workers[k] * iters)
                printf("\n    %s x%u: %llu of %llu\n", fixed[f], workers[k],
                       (unsigned long long)got, (unsigned long long)(workers[k] * iters));
            CU_ASSERT_EQUAL(got, workers[k] * iters);
            CU_ASSERT_EQUAL(creations, (int64_t)iters);   /* one per slot */
            CU_ASSERT_EQUAL(leaked, 0);
        }
    /* across processes: the slots and objects live in the shared segment */
    CU_ASSERT_EQUAL(run("once", LAB_PROCS, 2, iters), 2 * iters);
    CU_ASSERT_EQUAL(leaked, 0);
    CU_ASSERT_EQUAL(run("acqrel", LAB_PROCS, 2, iters), 2 * iters);
    CU_ASSERT_EQUAL(leaked, 0);
}

static void test_lazyinit_racy_goes_wrong(void)
{
    if (test_online_cpus() < 2 || sanitized()) {
        test_skip("racy needs two CPUs and native speed (the TSan case covers the race)");
        return;
    }
    unsigned tries = 0;
    uint64_t got;
    do {
        got = run("racy", LAB_THREADS, 2, 100000);
    } while ((got == 200000 || leaked == 0) && ++tries < 50);
    printf("\n    racy: %llu of 200000 gets went wrong, %lld objects created, %lld leaked, "
           "after %u trial(s)\n", (unsigned long long)(200000 - got), (long long)creations,
           (long long)leaked, tries + 1);
    CU_ASSERT(got < 200000);
    CU_ASSERT(leaked > 0);   /* the duplicate creation, as a number */
}

static void test_lazyinit_one_worker_exact(void)
{
    /* Alone, even racy creates each object once. */
    CU_ASSERT_EQUAL(run("racy", LAB_THREADS, 1, 10000), 10000);
    CU_ASSERT_EQUAL(leaked, 0);
    CU_ASSERT_EQUAL(run("dclp", LAB_THREADS, 1, 10000), 10000);
    CU_ASSERT_EQUAL(leaked, 0);
}

static void test_lazyinit_refusals(void)
{
    const struct lab_variant *v = lab_find_variant(&lazyinit_lab, "pthread-once");
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    const char *why = NULL;
    CU_ASSERT(!lab_variant_runs(v, LAB_PROCS, &why));
    CU_ASSERT(why != NULL && strstr(why, "process-shared") != NULL);
    CU_ASSERT(!lab_variant_runs(v, LAB_COROS, &why));
}

static void test_lazyinit_tsan(void)
{
#ifndef RACELAB_HAVE_LAZYINIT_TSAN
    test_skip("no lab-lazyinit-tsan in this build (TSan twins are off)");
#else
    char *fixed[] = { RACELAB_BIN_DIR "/lab-lazyinit-tsan", "--variant", "acqrel,once,mutex",
                      "--trials", "1", "--iters", "5000", NULL };
    struct prog_result r = run_prog(fixed, 120);
    if (r.status != 0)
        printf("\n    fixed: status %d: %.400s", r.status, r.err);
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_PTR_NULL(strstr(r.err, "WARNING: ThreadSanitizer"));
    prog_result_free(&r);
    /* dclp: exact here, and a data race all the same */
    char *dclp[] = { RACELAB_BIN_DIR "/lab-lazyinit-tsan", "--variant", "dclp", "--trials", "1",
                     "--iters", "5000", NULL };
    r = run_prog(dclp, 120);
    CU_ASSERT_EQUAL(r.status, 66);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "WARNING: ThreadSanitizer: data race"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "dclp.c"));
    prog_result_free(&r);
#endif
}

static const struct test_case tests[] = {
    { "fixed_exact", test_lazyinit_fixed_exact },
    { "racy_goes_wrong", test_lazyinit_racy_goes_wrong },
    { "one_worker_exact", test_lazyinit_one_worker_exact },
    { "refusals", test_lazyinit_refusals },
    { "tsan", test_lazyinit_tsan },
    { NULL, NULL },
};

TEST_MAIN("lazyinit", tests)
