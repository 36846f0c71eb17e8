/* tests/test_counter.c - the counter lab: every fix exact, the bug real.
 *
 * Every fixed variant must give exactly workers x iters at 1, 2, 4 and 8
 * workers (8 on 2 cores is oversubscribed on purpose). The racy variant must
 * lose updates: it may take a few trials, so up to 50 are allowed, and the
 * test is skipped on a one-core machine, where losses need an unlucky
 * preemption. Under a sanitizer build the sizes shrink (the runtime is 5-20x
 * slower) and racy is left to the tsan-labelled test of the default build. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "counter.h"
#include "test_main.h"

static bool sanitized(void)
{
    return strcmp(RACELAB_SANITIZER_NAME, "none") != 0;
}

static uint64_t run_model(const char *name, enum lab_model model, unsigned workers,
                          uint64_t iters)
{
    const struct lab_variant *v = lab_find_variant(&counter_lab, name);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    struct lab_trial t;
    struct lab_config cfg = { .model = model, .workers = workers, .iters = iters,
                              .timeout_s = 120 };
    char err[256] = "";
    int rc = lab_run_trial(&counter_lab, v, &cfg, &t, err, sizeof err);
    if (rc != 0)
        printf("\n    %s x%u: %s\n", name, workers, err);
    CU_ASSERT_EQUAL(rc, 0);
    if (rc == 0 && t.outcome != LAB_OK)
        printf("\n    %s/%s x%u: %s: %s\n", name, lab_model_name(model), workers,
               lab_outcome_name(t.outcome), t.detail);
    CU_ASSERT_EQUAL(t.outcome, LAB_OK);
    return t.observed;
}

static uint64_t run(const char *name, unsigned workers, uint64_t iters)
{
    return run_model(name, LAB_THREADS, workers, iters);
}

static void test_counter_fixed_variants_exact(void)
{
    static const unsigned workers[] = { 1, 2, 4, 8 };
    uint64_t iters = sanitized() ? 2000 : 50000;
    unsigned checked = 0;
    for (size_t i = 0; i < counter_lab.nvariants; i++) {
        const struct lab_variant *v = counter_lab.variants[i];
        if (v->racy_by_design || v->unavailable || !lab_variant_runs(v, LAB_THREADS, NULL))
            continue;
        for (size_t k = 0; k < sizeof workers / sizeof workers[0]; k++) {
            if (workers[k] > 2 && strncmp(v->name, "peterson", 8) == 0)
                continue;   /* Peterson's lock is for two (tests/test_reorder.c) */
            uint64_t got = run(v->name, workers[k], iters);
            uint64_t want = counter_lab.expected(workers[k], iters);
            if (got != want)
                printf("\n    %s x%u: observed %llu, expected %llu\n", v->name, workers[k],
                       (unsigned long long)got, (unsigned long long)want);
            CU_ASSERT_EQUAL(got, want);
            checked++;
        }
    }
    CU_ASSERT(checked >= 4 * 10);   /* every fix but (maybe) ao was exercised */
}

static void test_counter_racy_loses_updates(void)
{
    if (test_online_cpus() < 2) {
        test_skip("one CPU: two workers never run at the same instant");
        return;
    }
    if (sanitized()) {
        test_skip("sanitizer build: racy is a reported race here; the tsan test covers it");
        return;
    }
    unsigned tries = 0;
    uint64_t got = 0, want = counter_lab.expected(2, 100000);
    do {
        got = run("racy", 2, 100000);
        tries++;
    } while (got == want && tries < 50);
    printf("\n    racy lost %llu of %llu after %u trial(s)\n",
           (unsigned long long)(want - got), (unsigned long long)want, tries);
    CU_ASSERT(got < want);
    CU_ASSERT(got >= 100000 / 2);   /* sanity: at least half of one worker's count survives */
}

static void test_counter_racy_alone_is_exact(void)
{
    /* One worker has nobody to race with: the bug needs two. */
    CU_ASSERT_EQUAL(run("racy", 1, sanitized() ? 2000 : 100000), sanitized() ? 2000 : 100000);
}

static void test_counter_unavailable_variant_refused(void)
{
    const struct lab_variant *ao = lab_find_variant(&counter_lab, "ao");
    CU_ASSERT_PTR_NOT_NULL_FATAL(ao);
    if (ao->unavailable == NULL) {
        /* Present: it must be a real fix. */
        CU_ASSERT_EQUAL(run("ao", 2, 20000), 40000);
        return;
    }
    struct lab_trial t;
    struct lab_config cfg = { .model = LAB_THREADS, .workers = 2, .iters = 10, .timeout_s = 9 };
    char err[256] = "";
    CU_ASSERT_EQUAL(lab_run_trial(&counter_lab, ao, &cfg, &t, err, sizeof err), ENOTSUP);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "libatomic-ops-dev"));
}

static void test_counter_list_is_complete(void)
{
    static const char *const names[] = { "racy", "mutex", "tas", "ttas", "ticket", "mcs",
                                         "futex", "sem", "atomic", "cas", "ao", "sharded",
                                         "pmutex", "psem", "named-sem", "rfutex",
                                         "racy-yield", "comutex", "peterson",
                                         "peterson-fence" };
    /* ... and the variants written for the gil, redis and postgres models
     * (tests/test_gil.c, test_db.c), which run under no other model. */
    size_t memory = 0;
    for (size_t i = 0; i < counter_lab.nvariants; i++)
        memory += (counter_lab.variants[i]->models & LAB_MEMORY_MODELS) != 0;
    CU_ASSERT_EQUAL(memory, sizeof names / sizeof names[0]);
    CU_ASSERT_EQUAL(counter_lab.nvariants, memory + 2 + 5 + 6);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const struct lab_variant *v = lab_find_variant(&counter_lab, names[i]);
        CU_ASSERT_PTR_NOT_NULL_FATAL(v);
        CU_ASSERT_EQUAL(v->racy_by_design,
                        strncmp(names[i], "racy", 4) == 0 || strcmp(names[i], "peterson") == 0);
        CU_ASSERT(v->description && strlen(v->description) > 10);
        CU_ASSERT(v->models != 0);
    }
}

/* coros: one carrier thread, switches only at yield points. Everything here
 * is deterministic, so every assertion is exact. */
static void test_counter_coros(void)
{
    static const unsigned workers[] = { 1, 2, 4, 8 };
    uint64_t iters = 20000;
    const struct lab_variant *ry = lab_find_variant(&counter_lab, "racy-yield");
    CU_ASSERT_PTR_NOT_NULL_FATAL(ry);
    /* Under ThreadSanitizer coroutines are fibers and the racy variants are
     * reported races by design (tests/test_tsan.c checks that). */
    bool tsan = strcmp(RACELAB_SANITIZER_NAME, "thread") == 0;
    for (size_t k = 0; k < 4; k++) {
        unsigned w = workers[k];
        if (!tsan) {
            /* No yield point inside the increment: nothing can interleave. */
            CU_ASSERT_EQUAL(run_model("racy", LAB_COROS, w, iters), w * iters);
            /* A yield between load and store: each round of w adds exactly 1. */
            uint64_t got = run_model("racy-yield", LAB_COROS, w, iters);
            CU_ASSERT_EQUAL(got, iters);
            CU_ASSERT_EQUAL(ry->predict(LAB_COROS, w, iters), got);
        }
        CU_ASSERT_EQUAL(run_model("comutex", LAB_COROS, w, iters), w * iters);
        CU_ASSERT_EQUAL(run_model("atomic", LAB_COROS, w, iters), w * iters);
    }
    /* Thread locks are refused on coros, coroutine-only variants elsewhere. */
    const char *why = NULL;
    CU_ASSERT_FALSE(lab_variant_runs(lab_find_variant(&counter_lab, "ticket"), LAB_COROS, &why));
    CU_ASSERT_PTR_NOT_NULL(why);
    CU_ASSERT_FALSE(lab_variant_runs(lab_find_variant(&counter_lab, "comutex"), LAB_THREADS,
                                     &why));
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "real lock"));
}

/* coros-mn: coroutines over two carrier threads run in parallel: a yield
 * point is no longer the only place they interleave. */
static void test_counter_coros_mn(void)
{
    static const unsigned workers[] = { 2, 4, 8 };
    for (size_t k = 0; k < 3; k++)
        CU_ASSERT_EQUAL(run_model("atomic", LAB_COROS_MN, workers[k], 20000),
                        workers[k] * 20000);
    if (test_online_cpus() < 2) {
        test_skip("one CPU: two carriers never run at the same instant");
        return;
    }
    if (strcmp(RACELAB_SANITIZER_NAME, "thread") == 0)
        return;   /* racy variants are reported races there; tests/test_tsan.c checks it */
    static const char *const racy[] = { "racy", "racy-yield" };
    for (int i = 0; i < 2; i++) {
        uint64_t got = 0;
        unsigned tries = 0;
        do {
            got = run_model(racy[i], LAB_COROS_MN, 2, 100000);
            tries++;
        } while (got == 200000 && tries < 50);
        printf("\n    %s on coros-mn lost %llu of 200000 after %u trial(s)", racy[i],
               (unsigned long long)(200000 - got), tries);
        CU_ASSERT(got < 200000);
    }
}

/* coros-preempt: a timer switches coroutines anywhere. racy needs no yield
 * point to lose; the coroutine mutex, guarded against the timer inside the
 * runtime, stays exact; so does the atomic. Under TSan the model is refused
 * (TSan defers asynchronous signals), and the refusal is what is checked. */
static void test_counter_coros_preempt(void)
{
    const struct lab_variant *racy = lab_find_variant(&counter_lab, "racy");
    CU_ASSERT_PTR_NOT_NULL_FATAL(racy);
    struct lab_config cfg = { .model = LAB_COROS_PREEMPT, .workers = 2, .iters = 1000,
                              .preempt_us = 20 };
    if (strcmp(RACELAB_SANITIZER_NAME, "thread") == 0) {
        struct lab_trial t;
        char err[512] = "";
        CU_ASSERT_EQUAL(lab_run_trial(&counter_lab, racy, &cfg, &t, err, sizeof err), ENOTSUP);
        CU_ASSERT_PTR_NOT_NULL(strstr(err, "ThreadSanitizer"));
        CU_ASSERT_PTR_NOT_NULL(lab_model_unavailable(LAB_COROS_PREEMPT));
        return;
    }
    CU_ASSERT_PTR_NULL(lab_model_unavailable(LAB_COROS_PREEMPT));
    /* Refused with a reason: a thread lock under preemption on one carrier. */
    const char *why = NULL;
    CU_ASSERT_FALSE(lab_variant_runs(lab_find_variant(&counter_lab, "mutex"), LAB_COROS_PREEMPT,
                                     &why));
    CU_ASSERT_PTR_NOT_NULL(why);
    static const unsigned workers[] = { 1, 2, 4 };
    uint64_t iters = sanitized() ? 20000 : 200000;
    static const char *const fixed[] = { "comutex", "atomic" };
    for (size_t k = 0; k < 3; k++)
        for (int i = 0; i < 2; i++) {
            struct lab_trial t;
            char err[512] = "";
            cfg.workers = workers[k];
            cfg.iters = fixed[i][0] == 'c' ? iters / 10 : iters;
            CU_ASSERT_EQUAL_FATAL(lab_run_trial(&counter_lab, lab_find_variant(&counter_lab,
                                                fixed[i]), &cfg, &t, err, sizeof err), 0);
            CU_ASSERT_EQUAL(t.outcome, LAB_OK);
            CU_ASSERT_EQUAL(t.observed, (uint64_t)workers[k] * cfg.iters);
        }
    /* racy and racy-yield lose; how much depends on where the ticks land,
     * so retry until a trial has both overlap and a tick inside the window. */
    static const char *const lossy[] = { "racy", "racy-yield" };
    for (int i = 0; i < 2; i++) {
        struct lab_trial t = { 0 };
        unsigned tries = 0;
        unsigned long preemptions = 0;
        cfg.workers = 2;
        cfg.iters = 200000;
        do {
            char err[512] = "";
            CU_ASSERT_EQUAL_FATAL(lab_run_trial(&counter_lab, lab_find_variant(&counter_lab,
                                                lossy[i]), &cfg, &t, err, sizeof err), 0);
            preemptions += t.preemptions;
            tries++;
        } while (t.observed == 400000 && tries < 50);
        printf("\n    %s on coros-preempt lost %llu of 400000 after %u trial(s), %lu "
               "preemptions", lossy[i], (unsigned long long)(400000 - t.observed), tries,
               preemptions);
        CU_ASSERT(t.observed < 400000);
        CU_ASSERT(preemptions > 0);
    }
}

/* --hog: one coroutine computes without yielding. On one carrier the ticker
 * cannot run until it is done: no tick while the hog computes, and a tick
 * late by (nearly) all of it - certain, by construction. On two carriers, or
 * under preemption, the ticker runs while the hog computes: that needs the
 * kernel to run the ticker's carrier (or deliver the timer) at some moment
 * of the hog's 200 ms, so five tries; no bound on how late a tick may be
 * (a loaded machine decides that, not the runtime). */
static bool hog_ticked_during(enum lab_model m, unsigned preempt_us)
{
    struct lab_hog h;
    char err[256] = "";
    for (int tries = 0; tries < 5; tries++) {
        CU_ASSERT_EQUAL_FATAL(lab_run_hog(m, 200, preempt_us, &h, err, sizeof err), 0);
        printf("\n    %s: hog %.1f ms, %u ticks, %u during the hog, worst delay %.3f ms",
               lab_model_name(m), (double)h.hog_ns / 1e6, h.ticks, h.ticks_during,
               (double)h.worst_delay_ns / 1e6);
        CU_ASSERT(h.hog_ns >= 200000000u);
        if (h.ticks_during > 0)
            return true;
    }
    return false;
}

static void test_counter_hog(void)
{
    struct lab_hog h;
    char err[256] = "";
    CU_ASSERT_EQUAL_FATAL(lab_run_hog(LAB_COROS, 50, 0, &h, err, sizeof err), 0);
    printf("\n    coros: hog %.1f ms, worst tick delay %.1f ms", (double)h.hog_ns / 1e6,
           (double)h.worst_delay_ns / 1e6);
    CU_ASSERT(h.hog_ns >= 50000000u);
    CU_ASSERT_EQUAL(h.ticks_during, 0);
    CU_ASSERT(h.worst_delay_ns >= 49000000u);   /* the ticker waited for (nearly) all of it */
    CU_ASSERT(h.ticks >= 5);
    if (test_online_cpus() >= 2)
        CU_ASSERT(hog_ticked_during(LAB_COROS_MN, 0));
    if (lab_model_unavailable(LAB_COROS_PREEMPT) == NULL)
        CU_ASSERT(hog_ticked_during(LAB_COROS_PREEMPT, 50));
}

/* --list --json: a variant's own known_reports come first, escaped, then the
 * runtime's (on procs cells only: the cross-process condition variable
 * signal; its start gate needs none since it is annotated, sync/annotate.h).
 * A lab with one fake variant. */
static const struct lab_known_report fake_reports[] = {
    { "valgrind", "Possible data race", "fake_lock", "a \"quoted\" reason" },
    { "tsan", "", "", "every TSan report on this cell" },
    { NULL, NULL, NULL, NULL },
};

static const struct lab_variant fake_variant = {
    .name = "fixed", .description = "a lock valgrind cannot see",
    .models = LAB_MODEL_BIT(LAB_THREADS) | LAB_MODEL_BIT(LAB_PROCS),
    .known_reports = fake_reports,
};

static const struct lab_variant *const fake_variants[] = { &fake_variant };

static const struct lab fake_lab = {
    .name = "fake", .title = "a lab for the list test", .baseline = "fixed",
    .variants = fake_variants, .nvariants = 1,
};

/* lab_main(--list --json) of |lab|, its stdout in a heap buffer. */
static char *list_json(const struct lab *lab)
{
    FILE *tmp = tmpfile();
    CU_ASSERT_PTR_NOT_NULL_FATAL(tmp);
    fflush(stdout);
    int saved = dup(STDOUT_FILENO);
    dup2(fileno(tmp), STDOUT_FILENO);
    char *argv[] = { "lab-fake", "--list", "--json", NULL };
    int rc = lab_main(lab, 3, argv);
    fflush(stdout);
    dup2(saved, STDOUT_FILENO);
    close(saved);
    CU_ASSERT_EQUAL(rc, 0);
    long len = ftell(tmp);
    char *buf = calloc(1, (size_t)(len > 0 ? len : 0) + 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
    rewind(tmp);
    size_t got = fread(buf, 1, (size_t)(len > 0 ? len : 0), tmp);
    buf[got] = '\0';
    fclose(tmp);
    return buf;
}

static void test_counter_known_reports(void)
{
    char *out = list_json(&fake_lab);
    char *procs = strstr(out, "\"model\":\"procs\"");
    CU_ASSERT_PTR_NOT_NULL_FATAL(procs);
    char *own = strstr(out, "\"known_reports\":[{\"tool\":\"valgrind\",\"kind\":"
                            "\"Possible data race\",\"frame\":\"fake_lock\",\"why\":"
                            "\"a \\\"quoted\\\" reason\"},{\"tool\":\"tsan\",\"kind\":\"\","
                            "\"frame\":\"\",\"why\":\"every TSan report on this cell\"}");
    if (own == NULL)
        printf("\n    %s", out);
    CU_ASSERT_PTR_NOT_NULL(own);
    CU_ASSERT(own != NULL && own < procs);   /* the threads line's */
    char *cond = strstr(out, "pthread_cond_wait succeeded without prior");
    CU_ASSERT(cond != NULL && cond > procs);  /* on the procs line only */
    CU_ASSERT_PTR_NOT_NULL(strstr(procs, "\"frame\":\"fake_lock\""));
    free(out);

    /* The counter lab: every line has the array; with sync/ annotated for
     * valgrind no threads cell needs an entry of its own (tests/test_annotate.c
     * checks that the tools agree): at most the runtime's, which name no
     * sync/ frame and come after the variant's. */
    out = list_json(&counter_lab);
    unsigned lines = 0, with = 0, empty_threads = 0;
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
        lines++;
        with += strstr(line, "\"known_reports\":[") != NULL;
        empty_threads += strstr(line, "\"model\":\"threads\"") != NULL &&
                         strstr(line, "\"known_reports\":[]") != NULL;
    }
    CU_ASSERT(lines > 0);
    CU_ASSERT_EQUAL(with, lines);
    CU_ASSERT(empty_threads > 0);
    free(out);
}

static const struct test_case tests[] = {
    { "hog", test_counter_hog },
    { "coros_mn", test_counter_coros_mn },
    { "coros", test_counter_coros },
    { "coros_preempt", test_counter_coros_preempt },
    { "list_is_complete", test_counter_list_is_complete },
    { "known_reports", test_counter_known_reports },
    { "fixed_variants_exact", test_counter_fixed_variants_exact },
    { "racy_alone_is_exact", test_counter_racy_alone_is_exact },
    { "racy_loses_updates", test_counter_racy_loses_updates },
    { "unavailable_variant_refused", test_counter_unavailable_variant_refused },
    { NULL, NULL },
};

TEST_MAIN("counter", tests)
