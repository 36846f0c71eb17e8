/* tests/test_runtime_ext.c - the lab runtime's fields and its watchdog.
 *
 * A small lab of its own drives both: "count" fills the lab's fields (one
 * summed, one maxed, one minned), "bad" has a field that breaks the
 * invariant, "ring" deadlocks for certain (each worker takes its own lock,
 * waits until all have, then wants its neighbour's: a wait-for cycle of all
 * of them), "lost" waits for a signal nobody sends, "busy" runs until the
 * trial is over and "deaf" never looks. What is asserted is what is certain:
 * the fields' arithmetic; a ring is a DEADLOCK naming its cycle, found long
 * before the timeout, with every worker back (each gave up its wait); busy
 * is a TIMEOUT; deaf ends the process with status 1 after the grace; and
 * every record format carries the fields. Under ThreadSanitizer "inverted"
 * (both lock orders, one after the other, no deadlock) is reported as a
 * lock order inversion (asserted in a child). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "desc/lock_futex.h"
#include "json_check.h"
#include "run_prog.h"
#include "runtime.h"
#include "trial.h"
#include "test_main.h"
#include "waitfor.h"

#define MAXW 8u

static bool tsan(void)
{
    return strcmp(RACELAB_SANITIZER_NAME, "thread") == 0;
}

/* ---- the test lab --------------------------------------------------------- */

static const struct lab_field fields[] = {
    { "ops", "operations", LAB_AGG_SUM, false },
    { "most", "operations", LAB_AGG_MAX, false },
    { "least", "operations", LAB_AGG_MIN, false },
    { "broken", "", LAB_AGG_SUM, true },
};

struct count {
    uint64_t done[MAXW];   /* each worker its own; read after the join */
    bool bad;
};

static void count_work(void *st, unsigned worker, uint64_t iters)
{
    struct count *c = st;
    for (uint64_t i = 0; i < iters + worker; i++)
        LAB_STORE(&c->done[worker], LAB_LOAD(&c->done[worker]) + 1);
}

static uint64_t count_observe(const void *st, unsigned workers)
{
    const struct count *c = st;
    uint64_t n = 0;
    for (unsigned i = 0; i < workers; i++)
        n += c->done[i] - i;   /* the extra ones are the fields' spread */
    return n;
}

static void count_fields(const void *st, unsigned workers, int64_t *out)
{
    const struct count *c = st;
    out[2] = INT64_MAX;
    for (unsigned i = 0; i < workers; i++) {
        int64_t d = (int64_t)c->done[i];
        out[0] += d;
        out[1] = d > out[1] ? d : out[1];
        out[2] = d < out[2] ? d : out[2];
    }
    out[3] = c->bad;
}

static int bad_setup(void *st, const struct lab_env *env)
{
    (void)env;
    ((struct count *)st)->bad = true;
    return 0;
}

/* ring: a wait-for cycle of every worker. */
struct ring {
    lockd_futex_t lock[MAXW];
    lab_wf_owner owner[MAXW];
    struct lab_wf_worker rec[MAXW];
    unsigned n;
    sync_atomic_u32 holding;   /* workers holding their own lock */
    sync_atomic_u32 gave_up;   /* workers whose second wait gave up */
};

static int ring_setup(void *st, const struct lab_env *env)
{
    struct ring *r = st;
    r->n = env->workers;
    int rc = 0;
    for (unsigned i = 0; i < r->n && rc == 0; i++)
        rc = lockd_futex_init(&r->lock[i], env->sync_flags);
    return r->n > MAXW ? EINVAL : rc;
}

static void ring_teardown(void *st)
{
    struct ring *r = st;
    for (unsigned i = 0; i < r->n; i++)
        LAB_WF_FORGET(&r->lock[i]);
}

static void ring_work(void *st, unsigned w, uint64_t iters)
{
    (void)iters;
    struct ring *r = st;
    lockd_node a, b;
    unsigned next = (w + 1) % r->n;
    if (!LAB_WF_ACQUIRE(futex, &r->lock[w], &a, &r->rec[w], r->owner, w, w))
        return;
    sync_fetch_add_u32(&r->holding, 1, SYNC_SEQ_CST);
    unsigned rounds = 0;
    while (sync_load_u32(&r->holding, SYNC_SEQ_CST) < r->n && !lab_trial_over())
        lab_wf_pause(&rounds);
    if (LAB_WF_ACQUIRE(futex, &r->lock[next], &b, &r->rec[w], r->owner, w, next))
        LAB_WF_RELEASE(futex, &r->lock[next], &b, &r->rec[w], r->owner, next);
    else
        sync_fetch_add_u32(&r->gave_up, 1, SYNC_SEQ_CST);
    LAB_WF_RELEASE(futex, &r->lock[w], &a, &r->rec[w], r->owner, w);
}

static uint64_t ring_observe(const void *st, unsigned workers)
{
    (void)workers;
    return sync_load_u32(&((const struct ring *)st)->gave_up, SYNC_SEQ_CST);
}

static bool ring_waiting(const void *st, unsigned w, struct lab_wait *out)
{
    const struct ring *r = st;
    return lab_wf_waiting(&r->rec[w], r->owner, r->n, "lock", out);
}

/* inverted: worker 0 takes lock 0 then 1 and lets go; then worker 1 takes
 * 1 then 0. No deadlock, but both orders: TSan's lock graph has a cycle. */
static void inverted_work(void *st, unsigned w, uint64_t iters)
{
    (void)iters;
    struct ring *r = st;
    if (w > 1)
        return;
    unsigned rounds = 0;
    while (w == 1 && sync_load_u32(&r->holding, SYNC_SEQ_CST) == 0 && !lab_trial_over())
        lab_wf_pause(&rounds);
    lockd_node a, b;
    unsigned first = w, second = 1 - w;
    if (LAB_WF_ACQUIRE(futex, &r->lock[first], &a, &r->rec[w], r->owner, w, first)) {
        if (LAB_WF_ACQUIRE(futex, &r->lock[second], &b, &r->rec[w], r->owner, w, second))
            LAB_WF_RELEASE(futex, &r->lock[second], &b, &r->rec[w], r->owner, second);
        LAB_WF_RELEASE(futex, &r->lock[first], &a, &r->rec[w], r->owner, first);
    }
    sync_store_u32(&r->holding, 1, SYNC_SEQ_CST);
}

/* lost: every worker waits for a signal nobody sends; busy: runs until the
 * trial is over; deaf: never asks. */
struct idle {
    sync_atomic_u32 waiting[MAXW];
};

static void lost_work(void *st, unsigned w, uint64_t iters)
{
    (void)iters;
    struct idle *s = st;
    sync_store_u32(&s->waiting[w], 1, SYNC_SEQ_CST);
    unsigned rounds = 0;
    while (!lab_trial_over())
        lab_wf_pause(&rounds);
    sync_store_u32(&s->waiting[w], 0, SYNC_SEQ_CST);
}

static bool lost_waiting(const void *st, unsigned w, struct lab_wait *out)
{
    const struct idle *s = st;
    if (sync_load_u32(&s->waiting[w], SYNC_SEQ_CST) == 0)
        return false;
    out->ticket = 1;
    snprintf(out->what, sizeof out->what, "a signal nobody sends");
    return true;
}

static void busy_work(void *st, unsigned w, uint64_t iters)
{
    (void)st, (void)w, (void)iters;
    unsigned rounds = 0;
    while (!lab_trial_over())
        lab_wf_pause(&rounds);
}

static void deaf_work(void *st, unsigned w, uint64_t iters)
{
    (void)st, (void)w, (void)iters;
    for (;;)
        pause();
}

static uint64_t zero(const void *st, unsigned workers)
{
    (void)st, (void)workers;
    return 0;
}

#define THREADS_PROCS (LAB_MODEL_BIT(LAB_THREADS) | LAB_MODEL_BIT(LAB_PROCS))

static const struct lab_variant v_count = {
    .name = "count", .description = "per-worker counts into the fields",
    .models = THREADS_PROCS, .state_size = sizeof(struct count), .work = count_work,
    .observe = count_observe, .fields = count_fields,
};
static const struct lab_variant v_bad = {
    .name = "bad", .description = "a field that breaks the invariant",
    .models = THREADS_PROCS, .state_size = sizeof(struct count), .setup = bad_setup,
    .work = count_work, .observe = count_observe, .fields = count_fields,
};
static const struct lab_variant v_ring = {
    .name = "ring", .description = "a wait-for cycle of every worker", .racy_by_design = true,
    .models = THREADS_PROCS, .state_size = sizeof(struct ring), .setup = ring_setup,
    .teardown = ring_teardown, .work = ring_work, .observe = ring_observe,
    .waiting = ring_waiting,
};
static const struct lab_variant v_inverted = {
    .name = "inverted", .description = "both lock orders, one after the other",
    .racy_by_design = true, .models = THREADS_PROCS, .state_size = sizeof(struct ring),
    .setup = ring_setup, .teardown = ring_teardown, .work = inverted_work,
    .observe = ring_observe, .waiting = ring_waiting,
};
static const struct lab_variant v_lost = {
    .name = "lost", .description = "waits for a signal nobody sends", .racy_by_design = true,
    .models = THREADS_PROCS, .state_size = sizeof(struct idle), .work = lost_work,
    .observe = zero, .waiting = lost_waiting,
};
static const struct lab_variant v_busy = {
    .name = "busy", .description = "runs until the trial is over",
    .models = THREADS_PROCS, .state_size = sizeof(struct idle), .work = busy_work,
    .observe = zero, .gives_up = true,
};
static const struct lab_variant v_deaf = {
    .name = "deaf", .description = "never asks whether the trial is over",
    .models = LAB_MODEL_BIT(LAB_THREADS), .state_size = sizeof(struct idle),
    .work = deaf_work, .observe = zero, .gives_up = true,   /* it says so, and does not */
};

static const struct lab_variant *const variants[] = { &v_count, &v_bad, &v_ring, &v_inverted,
                                                      &v_lost, &v_busy, &v_deaf };

static uint64_t expected(unsigned workers, uint64_t iters)
{
    return (uint64_t)workers * iters;
}

static const struct lab rtx = {
    .name = "rtx", .title = "the runtime's fields and watchdog", .baseline = "count",
    .default_variants = { [LAB_THREADS] = "count", [LAB_PROCS] = "count" },
    .variants = variants, .nvariants = sizeof variants / sizeof variants[0],
    .expected = expected, .expected_after_death = NULL,
    .fields = fields, .nfields = sizeof fields / sizeof fields[0],
};

/* ---- helpers -------------------------------------------------------------- */

static int trial(const char *name, enum lab_model m, unsigned workers, unsigned timeout_s,
                 struct lab_trial *t, double *secs)
{
    struct lab_config cfg = { .model = m, .workers = workers, .iters = 1000,
                              .timeout_s = timeout_s };
    char err[256] = "";
    uint64_t t0 = lab_now_ns();
    int rc = lab_run_trial(&rtx, lab_find_variant(&rtx, name), &cfg, t, err, sizeof err);
    *secs = (double)(lab_now_ns() - t0) / 1e9;
    if (rc != 0)
        printf("\n    %s: %s", name, err);
    return rc;
}

struct main_args {
    int argc;
    char *argv[TEST_MAX_ARGS];
};

static int main_child(void *arg)
{
    struct main_args *a = arg;
    return lab_main(&rtx, a->argc, a->argv);
}

/* lab_main(&rtx, ...) in a child, its output captured. */
static struct prog_result run_main(unsigned timeout_s, const char *first, ...)
{
    struct main_args a;
    va_list ap;
    va_start(ap, first);
    a.argc = test_argv(a.argv, "lab-rtx", first, ap);
    va_end(ap);
    struct util_spawn s = { .fn = main_child, .arg = &a, .timeout_s = timeout_s,
                            .capture_out = true, .capture_err = true, .stdin_null = true,
                            .own_group = true };
    util_spawn_run(&s);
    struct prog_result r = { .status = s.end == UTIL_END_EXIT ? s.code : -1, .out = s.out,
                             .err = s.err };
    if (r.out == NULL)
        r.out = calloc(1, 1);
    if (r.err == NULL)
        r.err = calloc(1, 1);
    return r;
}

/* The line of |out| that has |kind| and |variant|, or NULL (one static copy). */
static const char *record(const char *out, const char *kind)
{
    static char line[4096];
    char want[64];
    snprintf(want, sizeof want, "{\"kind\":\"%s\"", kind);
    const char *p = strstr(out, want);
    if (p == NULL)
        return NULL;
    size_t n = strcspn(p, "\n");
    snprintf(line, sizeof line, "%.*s", (int)n, p);
    return line;
}

static long long sub_int(const char *obj, const char *key)
{
    const char *f = json_field(obj, "fields");
    return f ? json_field_int(f, key, -1) : -1;
}

/* ---- the fields ----------------------------------------------------------- */

static void test_runtime_ext_fields_trial(void)
{
    static const enum lab_model models[] = { LAB_THREADS, LAB_PROCS };
    for (size_t k = 0; k < 2; k++) {
        struct lab_trial t;
        double s;
        CU_ASSERT_EQUAL_FATAL(trial("count", models[k], 3, 10, &t, &s), 0);
        CU_ASSERT_EQUAL(t.outcome, LAB_OK);
        CU_ASSERT(t.has_fields);
        CU_ASSERT_EQUAL(t.fields[0], 3 * 1000 + 0 + 1 + 2);
        CU_ASSERT_EQUAL(t.fields[1], 1002);
        CU_ASSERT_EQUAL(t.fields[2], 1000);
        CU_ASSERT_EQUAL(t.fields[3], 0);
        CU_ASSERT_FALSE(lab__trial_wrong(&rtx, LAB_THREADS, &t));
    }
}

static void test_runtime_ext_fields_aggregate(void)
{
    struct lab_summary s = { .v = &v_count };
    struct lab_trial t = { .has_fields = true };
    static const int64_t vals[3][4] = { { 5, 7, 3, 0 }, { 1, 9, 4, 0 }, { 2, 2, 1, 0 } };
    for (int i = 0; i < 3; i++) {
        memcpy(t.fields, vals[i], sizeof vals[i]);
        lab__fields_add(&rtx, LAB_THREADS, &s, &t);
    }
    CU_ASSERT(s.has_fields);
    CU_ASSERT_EQUAL(s.fields[0], 8);   /* sum */
    CU_ASSERT_EQUAL(s.fields[1], 9);   /* max */
    CU_ASSERT_EQUAL(s.fields[2], 1);   /* min */
    t.fields[3] = 1;
    t.observed = t.expected = 10;
    CU_ASSERT(lab__trial_wrong(&rtx, LAB_THREADS, &t));   /* a bad field is a wrong trial */
}

/* A model's own field set replaces the lab's under it, and a median field's
 * summary is the median of its trials (odd count: the middle one; even: the
 * mean of the two middle ones). */
static void test_runtime_ext_fields_model_median(void)
{
    static const struct lab_field own[] = {
        { "rtt", "ns", LAB_AGG_MEDIAN, false },
        { "tries", "operations", LAB_AGG_SUM, false },
    };
    struct lab l = rtx;
    l.model_fields[LAB_PROCS] = (struct lab_field_set){ own, 2 };
    size_t n;
    CU_ASSERT_PTR_EQUAL(lab__fields(&l, LAB_THREADS, &n), fields);
    CU_ASSERT_EQUAL(n, 4);
    CU_ASSERT_PTR_EQUAL(lab__fields(&l, LAB_PROCS, &n), own);
    CU_ASSERT_EQUAL(n, 2);
    static const int64_t rtt[] = { 40, 10, 1000, 30, 20 };   /* median 30; first four: 35 */
    for (int odd = 1; odd >= 0; odd--) {
        struct lab_summary s = { .v = &v_count };
        struct lab_trial t = { .has_fields = true };
        int k = odd ? 5 : 4;
        for (int i = 0; i < k; i++) {
            t.fields[0] = rtt[i];
            t.fields[1] = 2;
            t.fields[3] = 1;   /* "broken" of the lab's set: not a field under procs */
            lab__fields_add(&l, LAB_PROCS, &s, &t);
        }
        lab__fields_close(&l, LAB_PROCS, &s);
        CU_ASSERT_EQUAL(s.fields[0], odd ? 30 : 35);
        CU_ASSERT_EQUAL(s.fields[1], 2 * k);
        CU_ASSERT_PTR_NULL(s.field_trials);   /* what the median needed is freed */
        t.observed = t.expected = 1;
        CU_ASSERT_FALSE(lab__trial_wrong(&l, LAB_PROCS, &t));
        CU_ASSERT(lab__trial_wrong(&l, LAB_THREADS, &t));   /* the lab's "broken" is bad */
    }
}

static void test_runtime_ext_fields_records(void)
{
    struct prog_result r = run_main(60, "--json", "--variant", "count", "--trials", "3",
                                    "--workers", "2", "--iters", "500", NULL);
    CU_ASSERT_EQUAL(r.status, 0);
    const char *tr = record(r.out, "trial");
    CU_ASSERT_PTR_NOT_NULL_FATAL(tr);
    CU_ASSERT(json_valid_object(tr));
    CU_ASSERT_EQUAL(sub_int(tr, "ops"), 1001);
    CU_ASSERT_EQUAL(sub_int(tr, "least"), 500);
    const char *su = record(r.out, "summary");
    CU_ASSERT_PTR_NOT_NULL_FATAL(su);
    CU_ASSERT(json_valid_object(su));
    CU_ASSERT_EQUAL(sub_int(su, "ops"), 3 * 1001);
    CU_ASSERT_EQUAL(sub_int(su, "most"), 501);
    CU_ASSERT_EQUAL(sub_int(su, "least"), 500);
    prog_result_free(&r);

    r = run_main(60, "--csv", "--variant", "count", "--trials", "2", "--iters", "100", NULL);
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, ",outcome,ops,most,least,broken\n"));
    unsigned commas = 0, lines = 0, first = 0;
    for (const char *p = r.out; *p; p++) {
        commas += *p == ',';
        if (*p == '\n') {
            if (lines++ == 0)
                first = commas;
            else
                CU_ASSERT_EQUAL(commas, first);   /* every row as wide as the header */
            commas = 0;
        }
    }
    CU_ASSERT_EQUAL(lines, 1 + 2 + 1);
    prog_result_free(&r);

    r = run_main(60, "--variant", "count", "--trials", "2", "--iters", "100", NULL);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "over the trials: ops 402 (sum), most 101 (max), least 100 (min)"));
    prog_result_free(&r);

    r = run_main(60, "--list", "--json", NULL);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "\"fields\":[{\"name\":\"ops\",\"unit\":\"operations\","
                                         "\"agg\":\"sum\",\"bad\":false}"));
    prog_result_free(&r);
}

static void test_runtime_ext_bad_field_fails(void)
{
    struct prog_result r = run_main(60, "--json", "--variant", "bad", "--trials", "2", NULL);
    CU_ASSERT_EQUAL(r.status, 1);   /* a fixed variant that broke the invariant */
    const char *su = record(r.out, "summary");
    CU_ASSERT_PTR_NOT_NULL_FATAL(su);
    CU_ASSERT_EQUAL(json_field_int(su, "lossy_trials", -1), 2);
    CU_ASSERT(json_field_is(su, "correct", "false"));
    prog_result_free(&r);
}

/* ---- the watchdog --------------------------------------------------------- */

static void ring_on(enum lab_model m, unsigned workers)
{
    struct lab_trial t;
    double s;
    CU_ASSERT_EQUAL_FATAL(trial("ring", m, workers, 20, &t, &s), 0);
    printf("\n    %s x%u: %s after %.2f s: %s", lab_model_name(m), workers,
           lab_outcome_name(t.outcome), s, t.detail);
    CU_ASSERT_EQUAL(t.outcome, LAB_DEADLOCK);
    char want[64];
    snprintf(want, sizeof want, "wait-for cycle of %u workers: ", workers);
    CU_ASSERT_PTR_NOT_NULL(strstr(t.detail, want));
    snprintf(want, sizeof want, "worker %u holds lock %u and waits for lock 0 (held by worker 0)",
             workers - 1, workers - 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(t.detail, want));
    /* Every worker returned (the trial ended); at least one gave its wait
     * up - the others may have got their lock from one that did. */
    CU_ASSERT(t.observed >= 1 && t.observed <= workers);
    CU_ASSERT(s < 20.0);                    /* found, not timed out */
}

static void test_runtime_ext_deadlock_threads(void)
{
    if (tsan()) {
        test_skip("ThreadSanitizer reports the lock order inversion (the tsan case)");
        return;
    }
    ring_on(LAB_THREADS, 2);
    ring_on(LAB_THREADS, 4);
}

static void test_runtime_ext_deadlock_procs(void)
{
    if (tsan()) {
        test_skip("ThreadSanitizer reports the lock order inversion (the tsan case)");
        return;
    }
    ring_on(LAB_PROCS, 2);
    ring_on(LAB_PROCS, 3);
}

static void test_runtime_ext_tsan_inversion(void)
{
    if (!tsan()) {
        test_skip("not a ThreadSanitizer build");
        return;
    }
    /* A deadlock at the first conflict leaves one order per worker: no
     * report (TSan judges the orders taken); both orders taken: one. */
    struct prog_result r = run_main(60, "--variant", "inverted", "--trials", "1", NULL);
    if (r.status != 66)
        printf("\n    status %d: %.400s", r.status, r.err);
    CU_ASSERT_EQUAL(r.status, 66);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "lock-order-inversion"));
    prog_result_free(&r);
}

static void test_runtime_ext_all_waiting(void)
{
    struct lab_trial t;
    double s;
    CU_ASSERT_EQUAL_FATAL(trial("lost", LAB_THREADS, 2, 20, &t, &s), 0);
    CU_ASSERT_EQUAL(t.outcome, LAB_DEADLOCK);
    CU_ASSERT_PTR_NOT_NULL(strstr(t.detail, "every unfinished worker (2 of 2) waits"));
    CU_ASSERT_PTR_NOT_NULL(strstr(t.detail, "worker 1 waits for a signal nobody sends"));
    CU_ASSERT(s < 20.0);
}

static void test_runtime_ext_timeout(void)
{
    static const enum lab_model models[] = { LAB_THREADS, LAB_PROCS };
    for (size_t k = 0; k < 2; k++) {
        struct lab_trial t;
        double s;
        CU_ASSERT_EQUAL_FATAL(trial("busy", models[k], 2, 1, &t, &s), 0);
        CU_ASSERT_EQUAL(t.outcome, LAB_TIMEOUT);
        CU_ASSERT_PTR_NOT_NULL(strstr(t.detail, "still running after the 1 s timeout"));
        CU_ASSERT(s < 1.0 + LAB_GIVE_UP_GRACE_S + 1.0);
    }
}

/* The exit status: a racy variant's deadlock is the lesson, a fixed one's
 * timeout a failure; a worker that never gives up ends the process. */
static void test_runtime_ext_exit_status(void)
{
    if (!tsan()) {
        struct prog_result r = run_main(60, "--json", "--variant", "ring", "--trials", "2",
                                        "--timeout", "20", NULL);
        CU_ASSERT_EQUAL(r.status, 0);
        const char *su = record(r.out, "summary");
        CU_ASSERT_PTR_NOT_NULL_FATAL(su);
        CU_ASSERT_EQUAL(json_field_int(su, "deadlocks", -1), 2);
        const char *tr = record(r.out, "trial");
        CU_ASSERT(json_field_is(tr, "outcome", "\"deadlock\""));
        CU_ASSERT_PTR_NOT_NULL(strstr(tr, "\"detail\":\"wait-for cycle of 2 workers"));
        prog_result_free(&r);
    }
    struct prog_result r = run_main(60, "--variant", "busy", "--trials", "1", "--timeout", "1",
                                    NULL);
    CU_ASSERT_EQUAL(r.status, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "TIMEOUT: 2 of 2 workers still running"));
    prog_result_free(&r);
    r = run_main(60, "--variant", "deaf", "--trials", "1", "--timeout", "1", NULL);
    CU_ASSERT_EQUAL(r.status, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "did not give up their waits"));
    prog_result_free(&r);
}

static const struct test_case tests[] = {
    { "fields_trial", test_runtime_ext_fields_trial },
    { "fields_aggregate", test_runtime_ext_fields_aggregate },
    { "fields_records", test_runtime_ext_fields_records },
    { "fields_model_median", test_runtime_ext_fields_model_median },
    { "bad_field_fails", test_runtime_ext_bad_field_fails },
    { "deadlock_threads", test_runtime_ext_deadlock_threads },
    { "deadlock_procs", test_runtime_ext_deadlock_procs },
    { "tsan_inversion", test_runtime_ext_tsan_inversion },
    { "all_waiting", test_runtime_ext_all_waiting },
    { "timeout", test_runtime_ext_timeout },
    { "exit_status", test_runtime_ext_exit_status },
    { NULL, NULL },
};

TEST_MAIN("runtime_ext", tests)
