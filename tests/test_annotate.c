/* tests/test_annotate.c - Helgrind and DRD understand sync/'s primitives
 * (sync/annotate.h): correct code built on them draws no report, racy code
 * still does.
 *
 * prims_work exercises the primitives the labs do not (both rwlocks, the
 * time-published lock, MCS under contention, once, the barrier, the condition variable) from four
 * threads and checks the results, and that a mutex is annotated exactly
 * when Helgrind or DRD runs; prims runs that case under each tool.
 * labs_fixed and labs_racy run lab variants under each tool. Every run is
 * small (a few hundred operations: a happens-before tool needs no long run).
 * Skipped (77) where valgrind is absent, where sync/ was built without the
 * annotations, and in sanitized builds (valgrind cannot run them). */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "test_main.h"
#include "run_prog.h"

#include "sync/annotate.h"
#include "sync/barrier.h"
#include "sync/cond.h"
#include "sync/mcs.h"
#include "sync/mutex.h"
#include "sync/once.h"
#include "sync/rwlock.h"
#include "sync/tplock.h"
#include "valgrind_check.h"   /* after run_prog.h and sync/annotate.h */

#define SELF RACELAB_BIN_DIR "/test_annotate"
#define THREADS 4
#define ROUNDS 200
#define PHASES 20

static const char *const tools[] = { "--tool=helgrind", "--tool=drd" };

/* ---- the workload --------------------------------------------------------- */

static struct {
    sync_rwlock_t rw;
    sync_pfrwlock_t pf;
    sync_tplock_t tp;
    sync_mcs_t mcs;
    sync_barrier_t bar;
    sync_once_t once;
    sync_mutex_t m;
    sync_cond_t cv;
    long rw_data, pf_data, tp_data, mcs_data, inited, flag;
    long phase[THREADS];
} w;

static void init_once(void *arg)
{
    (void)arg;
    w.inited = 42;
}

/* Writers every fourth round, readers otherwise: both rwlocks, and the
 * time-published and MCS locks around plain counters (the MCS holder
 * yields inside every eighth critical section, so that others queue behind
 * it and its unlock takes the hand-over path too, not only the empty one). False if a reader saw a
 * count no writer wrote. (No CUnit assertion here: it is not thread-safe.) */
static bool locks_round(int i)
{
    if (i % 4 == 0) {
        sync_rwlock_wrlock(&w.rw);
        w.rw_data++;
        sync_rwlock_wrunlock(&w.rw);
        sync_pfrwlock_wrlock(&w.pf);
        w.pf_data++;
        sync_pfrwlock_wrunlock(&w.pf);
    } else {
        sync_rwlock_rdlock(&w.rw);
        long a = w.rw_data;
        sync_rwlock_rdunlock(&w.rw);
        sync_pfrwlock_rdlock(&w.pf);
        long b = w.pf_data;
        sync_pfrwlock_rdunlock(&w.pf);
        if (a < 0 || a > THREADS * ROUNDS / 4 || b < 0 || b > THREADS * ROUNDS / 4)
            return false;
    }
    sync_tplock_lock(&w.tp);
    w.tp_data++;
    sync_tplock_unlock(&w.tp);
    sync_mcs_node_t node;
    sync_mcs_lock(&w.mcs, &node);
    long v = w.mcs_data;
    if (i % 8 == 0)
        sched_yield();
    w.mcs_data = v + 1;
    sync_mcs_unlock(&w.mcs, &node);
    return true;
}

static void *worker(void *arg)
{
    long id = (long)arg;
    long bad = 0;
    for (int i = 0; i < ROUNDS; i++)
        bad += !locks_round(i);
    sync_once(&w.once, init_once, NULL);
    long seen = w.inited;
    /* Each phase: everyone writes its slot, then reads all of them. */
    for (long r = 1; r <= PHASES; r++) {
        w.phase[id] = r;
        sync_barrier_wait(&w.bar);
        long sum = 0;
        for (int k = 0; k < THREADS; k++)
            sum += w.phase[k];
        bad += sum != THREADS * r;
        sync_barrier_wait(&w.bar);
    }
    sync_mutex_lock(&w.m);
    if (id == 0) {
        w.flag = 1;
        sync_cond_broadcast(&w.cv);
    }
    while (!w.flag)
        sync_cond_wait(&w.cv, &w.m);
    sync_mutex_unlock(&w.m);
    return seen == 42 && bad == 0 ? NULL : (void *)w.phase;   /* any non-NULL: failed */
}

static void test_annotate_prims_work(void)
{
    memset(&w, 0, sizeof w);
    CU_ASSERT_EQUAL_FATAL(sync_rwlock_init(&w.rw, 0), 0);
    CU_ASSERT_EQUAL_FATAL(sync_pfrwlock_init(&w.pf, 0), 0);
    CU_ASSERT_EQUAL_FATAL(sync_tplock_init(&w.tp), 0);
    CU_ASSERT_EQUAL_FATAL(sync_mcs_init(&w.mcs), 0);
    CU_ASSERT_EQUAL_FATAL(sync_barrier_init(&w.bar, THREADS, 100, 0), 0);
    CU_ASSERT_EQUAL_FATAL(sync_once_init(&w.once, 0), 0);
    CU_ASSERT_EQUAL_FATAL(sync_mutex_init(&w.m, 0), 0);
    /* Annotated out of line exactly under Helgrind and DRD: natively (and
     * under any other tool) the mutex keeps its inline fast path. */
    CU_ASSERT_EQUAL((w.m.flags & SYNC__MUTEX_ANNOTATED) != 0, SYNC_ANN_RUNNING() != 0);
    CU_ASSERT_EQUAL_FATAL(sync_cond_init(&w.cv, 0), 0);
    pthread_t t[THREADS];
    for (long i = 0; i < THREADS; i++)
        CU_ASSERT_EQUAL_FATAL(pthread_create(&t[i], NULL, worker, (void *)i), 0);
    for (int i = 0; i < THREADS; i++) {
        void *ret = NULL;
        pthread_join(t[i], &ret);
        CU_ASSERT_PTR_NULL(ret);
    }
    CU_ASSERT_EQUAL(w.rw_data, THREADS * ROUNDS / 4);
    CU_ASSERT_EQUAL(w.pf_data, THREADS * ROUNDS / 4);
    CU_ASSERT_EQUAL(w.tp_data, THREADS * ROUNDS);
    CU_ASSERT_EQUAL(w.mcs_data, THREADS * ROUNDS);
}

/* ---- under the tools ------------------------------------------------------ */


/* Whether the report starting at |p| (a line after "== ") is one of ours: a
 * race, or a lock misuse or lock-order error ("Thread #N: ...", "Thread #N
 * unlocked ..."), not an announcement ("Thread #N was created", "... is the
 * program's root thread"). Not the exit-time mutex_destroy of libp11-kit
 * (linked through libpq for the postgres model; labs/common/models.c). */
static bool is_report(const char *p)
{
    if (strncmp(p, "Possible data race", 18) == 0 || strncmp(p, "Conflicting", 11) == 0)
        return true;
    if (strncmp(p, "Thread #", 8) != 0)
        return false;
    const char *rest = p + 8 + strspn(p + 8, "0123456789");
    if (strncmp(rest, " was created", 12) == 0 || strncmp(rest, " is the program", 15) == 0)
        return false;
    /* The report ends at its first empty line ("==PID== "). */
    const char *end = strstr(p, "== \n");
    const char *p11 = strstr(p, "libp11-kit");
    return p11 == NULL || (end != NULL && p11 > end);
}

/* Runs |args| (NULL-terminated, at most 12) under |tool| -q; the number of
 * errors the tool reported (its ERROR SUMMARY would say the same), or -1
 * if the program itself failed. */
static int reports_of(const char *tool, const char *const *args)
{
    char *argv[16] = { "valgrind", (char *)tool, "-q", "--error-exitcode=67" };
    int n = 4;
    for (; *args != NULL && n < 15; args++)
        argv[n++] = (char *)*args;
    argv[n] = NULL;
    struct prog_result r = run_prog(argv, 120);
    int errors = 0;
    for (const char *p = r.err; (p = strstr(p, "== ")) != NULL; p += 3)
        errors += is_report(p + 3);
    if (r.status != 0 && r.status != 67) {
        printf("\n    %s %s: status %d\n%s", tool, argv[4], r.status, r.err);
        errors = -1;
    } else if (errors != 0) {
        printf("\n    %s on %s %s %s %s:\n%.2000s", tool, argv[4], argv[5], argv[6],
               n > 8 ? argv[8] : "", r.err);
    }
    prog_result_free(&r);
    return errors;
}

static void test_annotate_prims(void)
{
    const char *why = valgrind_why_not();
    if (why != NULL) {
        test_skip(why);
        return;
    }
    const char *args[] = { SELF, "--case", "prims_work", NULL };
    for (size_t t = 0; t < 2; t++)
        CU_ASSERT_EQUAL(reports_of(tools[t], args), 0);
}

/* A lab cell's arguments: lab, model threads, variant, few iterations. */
#define LAB_ARGS(lab, variant) \
    { RACELAB_BIN_DIR "/lab-" lab, "--model", "threads", "--variant", variant, "--iters", \
      "200", "--trials", "1", NULL }

static void test_annotate_labs_fixed(void)
{
    const char *why = valgrind_why_not();
    if (why != NULL) {
        test_skip(why);
        return;
    }
    /* The spin and queue locks (their fast paths fold the flag into their
     * own branch or test it: each way must reach the annotation), the futex
     * mutex, the semaphore; the queue's hand-over ring, its semaphore pair
     * with futex locks, and the Michael-Scott queue with its hazard
     * pointers. */
    const char *cells[][11] = { LAB_ARGS("counter", "tas"), LAB_ARGS("counter", "ttas"),
                                LAB_ARGS("counter", "ticket"), LAB_ARGS("counter", "mcs"),
                                LAB_ARGS("counter", "futex"), LAB_ARGS("counter", "sem"),
                                LAB_ARGS("queue", "mpmc"), LAB_ARGS("queue", "sem"),
                                LAB_ARGS("queue", "msqueue") };
    for (size_t c = 0; c < sizeof cells / sizeof *cells; c++)
        for (size_t t = 0; t < 2; t++)
            CU_ASSERT_EQUAL(reports_of(tools[t], cells[c]), 0);
}

static void test_annotate_labs_racy(void)
{
    const char *why = valgrind_why_not();
    if (why != NULL) {
        test_skip(why);
        return;
    }
    /* Under valgrind's serialised threads the racy counter may lose
     * nothing, but every run has the unordered accesses: always reported. */
    const char *racy[] = LAB_ARGS("counter", "racy");
    for (size_t t = 0; t < 2; t++)
        CU_ASSERT(reports_of(tools[t], racy) > 0);
}

static const struct test_case tests[] = {
    { "prims_work", test_annotate_prims_work },
    { "prims", test_annotate_prims },
    { "labs_fixed", test_annotate_labs_fixed },
    { "labs_racy", test_annotate_labs_racy },
    { NULL, NULL },
};

TEST_MAIN("annotate", tests)
