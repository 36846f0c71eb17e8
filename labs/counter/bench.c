/* bench-counter: what every counter fix costs, measured in one run, beside
 * the implementations a user would pick instead.
 *
 * For each worker count (default 1, 2, 4, 8: 8 on 2 cores is
 * oversubscription on purpose) every row runs once per round, and the rounds
 * repeat (A B C A B C, not A A B B C C), so a slow spell of this shared
 * machine hits every row alike. Each cell is the median of the rounds,
 * printed as ns/op (wall time of the parallel section divided by workers x
 * iterations: the inverse of throughput), Mops/s and the spread, and as
 * ratios to pthread_mutex and to the fastest correct row at the same worker
 * count, both measured in the same run. Absolute times drift here; ratios
 * are what to compare.
 *
 * Rows:
 *   the lab's own variants (one file each in labs/counter/), on threads and on procs;
 *   "bare", a hand-written relaxed fetch_add loop (the floor for atomic);
 *   on threads, every lock as an instrumented twin: the same primitive
 *   (sync/, glibc, Concurrency Kit) around the same increment, plus two
 *   plain writes inside the critical section (who held it last) and one
 *   relaxed store per 64 operations outside it (progress), which is how the
 *   fairness columns are measured; the twins replace the lab's own thread
 *   rows of the same name (mutex, tas, ttas, ticket, mcs, futex, sem);
 *   tplock (sync/tplock.h): the time-published ticket lock, FIFO among
 *   waiters that are running, which has no lab variant of its own;
 *   baselines compiled in when found: pthread_spin (glibc), ck_ticket,
 *   ck_mcs, ck_fas (Concurrency Kit), ao (libatomic_ops AO_fetch_and_add1,
 *   the lab's own variant) and urcu_uatomic (liburcu's uatomic_inc).
 *
 * Every point (one row, one worker count, one round) runs in a child process
 * with a time budget: a point that does not finish is reported as DNF and
 * not retried in later rounds, and the sweep goes on.
 *
 * Built with ThreadSanitizer, the racy-by-design rows (a race report each)
 * and Concurrency Kit's (inline asm TSan cannot see) are skipped, and said so.
 *
 * Cost level per cell, assigned from what was measured (getrusage in the
 * point's process, and the limits measured once per round: their fastest
 * round), not from the row's name:
 *   5 catastrophe  ns/op above 20 cache-line round trips, spent spinning:
 *                  involuntary switches outnumber voluntary ones and most of
 *                  the CPU time is user time (or the point did not finish)
 *   4 switch       at least one context switch per 1000 operations
 *   3 system call  at least 10 % of the CPU time in the kernel, and at
 *                  least 1 ns of it per operation
 *   2 contended    ns/op at least a quarter of the cache-line round trip
 *   1 atomic       ns/op at least halfway from a plain add to an atomic one
 *   0 plain        below that */
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "bench_util.h"
#include "counter.h"
#include "sync/atomic.h"
#include "sync/mcs.h"
#include "sync/mutex.h"
#include "sync/sem.h"
#include "sync/tas.h"
#include "sync/ticket.h"
#include "sync/tplock.h"
#include "sync/ttas.h"

#ifdef RACELAB_HAVE_CK
#include <ck_spinlock.h>
#endif
#ifdef RACELAB_HAVE_URCU
#include <urcu/uatomic.h>
#endif

#if defined(__SANITIZE_THREAD__)
#define BENCH_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define BENCH_TSAN 1
#endif
#endif
#ifndef BENCH_TSAN
#define BENCH_TSAN 0
#endif

static const char *const prog = "bench-counter";

#define TSAN_RACY_WHY "built with ThreadSanitizer: a racy-by-design variant is itself a " \
                      "race report (run lab-counter-tsan to see it)"

/* ---- the bare loop ------------------------------------------------------- */

static void bare_work(void *st, unsigned worker, uint64_t iters)
{
    (void)worker;
    uint64_t *x = st;
    for (uint64_t i = 0; i < iters; i++)
        __atomic_fetch_add(x, 1, __ATOMIC_RELAXED);
}

static uint64_t bare_observe(const void *st, unsigned workers)
{
    (void)workers;
    return __atomic_load_n((const uint64_t *)st, __ATOMIC_RELAXED);
}

static const struct lab_variant bare = {
    .name = "bare",
    .description = "hand-written relaxed fetch_add loop (the floor for atomic)",
    .models = LAB_MODEL_BIT(LAB_THREADS) | LAB_MODEL_BIT(LAB_PROCS),
    .state_size = sizeof(uint64_t),
    .work = bare_work,
    .observe = bare_observe,
};

/* ---- instrumented twins: fairness ---------------------------------------- */

/* What every twin carries beside its lock. */
struct fair {
    uint64_t value;    /* the counter; under the lock */
    unsigned owner;    /* under the lock: worker + 1 of the last holder */
    uint64_t reacq;    /* under the lock: acquisitions by the last holder again */
    unsigned workers;  /* set up before the start */
    sync_atomic_u32 first;   /* 0 until the first worker finished */
    uint64_t snap[LAB_MAX_WORKERS];   /* written by the first finisher only */
    struct {
        sync_atomic_u64 done;   /* operations done, updated every 64 */
    } __attribute__((aligned(SYNC_CACHELINE))) slot[LAB_MAX_WORKERS];
};

/* What the point's process reads after the trial (observe() fills it). */
static struct {
    bool valid;
    uint64_t min, max;   /* operations per worker when the first one finished */
    uint64_t reacq, ops;
} g_fair;

static void fair_setup(struct fair *f, const struct lab_env *env)
{
    f->workers = env->workers;
}

/* Call with the twin's lock held. */
static inline void fair_critical(struct fair *f, unsigned me)
{
    if (f->owner == me)
        f->reacq++;
    f->owner = me;
    uint64_t v = LAB_LOAD(&f->value);
    LAB_STORE(&f->value, v + 1);
}

static void fair_finish(struct fair *f, unsigned w, uint64_t iters)
{
    sync_store_u64(&f->slot[w].done, iters, SYNC_RELAXED);
    /* Relaxed: the snapshot is a sample of progress counters, it orders
     * nothing; the runtime's join publishes snap[] to observe(). */
    if (sync_exchange_u32(&f->first, 1, SYNC_RELAXED) != 0)
        return;
    for (unsigned k = 0; k < f->workers && k < LAB_MAX_WORKERS; k++)
        f->snap[k] = sync_load_u64(&f->slot[k].done, SYNC_RELAXED);
}

static uint64_t fair_observe(const struct fair *f, unsigned workers)
{
    g_fair.valid = true;
    g_fair.min = UINT64_MAX;
    g_fair.max = 0;
    for (unsigned k = 0; k < workers && k < LAB_MAX_WORKERS; k++) {
        if (f->snap[k] < g_fair.min)
            g_fair.min = f->snap[k];
        if (f->snap[k] > g_fair.max)
            g_fair.max = f->snap[k];
    }
    g_fair.reacq = f->reacq;
    g_fair.ops = f->value;
    return f->value;   /* every worker has been joined */
}

/* A twin: LOCK_T beside struct fair; INIT (an int expression), FINI, ACQ
 * and REL are written against |s|, a struct TWIN_##ID *. */
#define TWIN(ID, LABEL, DESC, LOCK_T, INIT, FINI, ACQ, REL)                           \
    struct twin_##ID {                                                                \
        LOCK_T l;                                                                     \
        struct fair f;                                                                \
    };                                                                                \
    static int twin_##ID##_setup(void *st, const struct lab_env *env)                 \
    {                                                                                 \
        struct twin_##ID *s = st;                                                     \
        fair_setup(&s->f, env);                                                       \
        return (INIT);                                                                \
    }                                                                                 \
    static void twin_##ID##_teardown(void *st)                                        \
    {                                                                                 \
        struct twin_##ID *s = st;                                                     \
        (void)s;                                                                      \
        FINI;                                                                         \
    }                                                                                 \
    static void twin_##ID##_work(void *st, unsigned w, uint64_t iters)                \
    {                                                                                 \
        struct twin_##ID *s = st;                                                     \
        for (uint64_t i = 1; i <= iters; i++) {                                       \
            ACQ;                                                                      \
            fair_critical(&s->f, w + 1);                                              \
            REL;                                                                      \
            if ((i & 63) == 0)                                                        \
                sync_store_u64(&s->f.slot[w].done, i, SYNC_RELAXED);                  \
        }                                                                             \
        fair_finish(&s->f, w, iters);                                                 \
    }                                                                                 \
    static uint64_t twin_##ID##_observe(const void *st, unsigned workers)             \
    {                                                                                 \
        return fair_observe(&((const struct twin_##ID *)st)->f, workers);             \
    }                                                                                 \
    static const struct lab_variant twin_##ID = {                                     \
        .name = LABEL,                                                                \
        .description = DESC,                                                          \
        .models = LAB_MODEL_BIT(LAB_THREADS),                                         \
        .state_size = sizeof(struct twin_##ID),                                       \
        .setup = twin_##ID##_setup,                                                   \
        .teardown = twin_##ID##_teardown,                                             \
        .work = twin_##ID##_work,                                                     \
        .observe = twin_##ID##_observe,                                               \
    }

#define TWIN_UNAVAILABLE(ID, LABEL, DESC, WHY)                                         \
    static const struct lab_variant twin_##ID = {                                     \
        .name = LABEL, .description = DESC, .models = LAB_MODEL_BIT(LAB_THREADS),     \
        .unavailable = WHY,                                                           \
    }

TWIN(mutex, "mutex", "glibc pthread_mutex_t (the reference for every ratio)",
     pthread_mutex_t, pthread_mutex_init(&s->l, NULL), pthread_mutex_destroy(&s->l),
     pthread_mutex_lock(&s->l), pthread_mutex_unlock(&s->l));
TWIN(spin, "pthread_spin", "glibc pthread_spinlock_t",
     pthread_spinlock_t, pthread_spin_init(&s->l, PTHREAD_PROCESS_PRIVATE),
     pthread_spin_destroy(&s->l), pthread_spin_lock(&s->l), pthread_spin_unlock(&s->l));
TWIN(tas, "tas", "sync/tas.h test-and-set", sync_tas_t, sync_tas_init(&s->l), (void)0,
     sync_tas_lock(&s->l), sync_tas_unlock(&s->l));
TWIN(ttas, "ttas", "sync/ttas.h test-and-test-and-set with backoff", sync_ttas_t,
     sync_ttas_init(&s->l), (void)0, sync_ttas_lock(&s->l), sync_ttas_unlock(&s->l));
TWIN(ticket, "ticket", "sync/ticket.h FIFO ticket lock", sync_ticket_t,
     sync_ticket_init(&s->l), (void)0, sync_ticket_lock(&s->l), sync_ticket_unlock(&s->l));
TWIN(mcs, "mcs", "sync/mcs.h MCS queue lock", sync_mcs_t, sync_mcs_init(&s->l), (void)0,
     sync_mcs_node_t node; sync_mcs_lock(&s->l, &node), sync_mcs_unlock(&s->l, &node));
TWIN(tplock, "tplock", "sync/tplock.h time-published ticket lock (skips waiters not running)",
     sync_tplock_t, sync_tplock_init(&s->l), (void)0, sync_tplock_lock(&s->l),
     sync_tplock_unlock(&s->l));
TWIN(futex, "futex", "sync/mutex.h futex mutex (spin, then sleep)", sync_mutex_t,
     sync_mutex_init(&s->l, 0), (void)0, sync_mutex_lock(&s->l), sync_mutex_unlock(&s->l));
TWIN(sem, "sem", "sync/sem.h semaphore as a binary lock", sync_sem_t,
     sync_sem_init(&s->l, 1, 0), (void)0, sync_sem_wait(&s->l), sync_sem_post(&s->l));

#define CK_TICKET_DESC "Concurrency Kit ck_spinlock_ticket"
#define CK_MCS_DESC "Concurrency Kit ck_spinlock_mcs"
#define CK_FAS_DESC "Concurrency Kit ck_spinlock_fas"
#if defined(RACELAB_HAVE_CK) && !BENCH_TSAN
TWIN(ck_ticket, "ck_ticket", CK_TICKET_DESC, ck_spinlock_ticket_t,
     (ck_spinlock_ticket_init(&s->l), 0), (void)0, ck_spinlock_ticket_lock(&s->l),
     ck_spinlock_ticket_unlock(&s->l));
TWIN(ck_mcs, "ck_mcs", CK_MCS_DESC, ck_spinlock_mcs_t, (ck_spinlock_mcs_init(&s->l), 0),
     (void)0, struct ck_spinlock_mcs node; ck_spinlock_mcs_lock(&s->l, &node),
     ck_spinlock_mcs_unlock(&s->l, &node));
TWIN(ck_fas, "ck_fas", CK_FAS_DESC, ck_spinlock_fas_t, (ck_spinlock_fas_init(&s->l), 0),
     (void)0, ck_spinlock_fas_lock(&s->l), ck_spinlock_fas_unlock(&s->l));
#else
#ifdef RACELAB_HAVE_CK
#define CK_WHY "built with ThreadSanitizer, which cannot see Concurrency Kit's inline-asm " \
               "atomics (every critical section would be a false report)"
#else
#define CK_WHY "Concurrency Kit was not found at build time (apt-get install libck-dev, " \
               "then rebuild)"
#endif
TWIN_UNAVAILABLE(ck_ticket, "ck_ticket", CK_TICKET_DESC, CK_WHY);
TWIN_UNAVAILABLE(ck_mcs, "ck_mcs", CK_MCS_DESC, CK_WHY);
TWIN_UNAVAILABLE(ck_fas, "ck_fas", CK_FAS_DESC, CK_WHY);
#endif

/* liburcu's atomic increment: the urcu row (liburcu applies to this lab
 * only through its atomics; its RCU and queues are other labs' matter). */
#ifdef RACELAB_HAVE_URCU
struct urcu_state {
    unsigned long value;
};

static void urcu_work(void *st, unsigned worker, uint64_t iters)
{
    (void)worker;
    struct urcu_state *s = st;
    for (uint64_t i = 0; i < iters; i++)
        uatomic_inc(&s->value);
}

static uint64_t urcu_observe(const void *st, unsigned workers)
{
    (void)workers;
    return uatomic_read(&((const struct urcu_state *)st)->value);   /* after join */
}

static const struct lab_variant urcu_row = {
    .name = "urcu_uatomic",
    .description = "liburcu uatomic_inc",
    .models = LAB_MODEL_BIT(LAB_THREADS),
    .state_size = sizeof(struct urcu_state),
    .work = urcu_work,
    .observe = urcu_observe,
};
#else
static const struct lab_variant urcu_row = {
    .name = "urcu_uatomic",
    .description = "liburcu uatomic_inc",
    .models = LAB_MODEL_BIT(LAB_THREADS),
    .unavailable = "liburcu was not found at build time (apt-get install liburcu-dev, then "
                   "rebuild)",
};
#endif

/* ---- rows ---------------------------------------------------------------- */

#define MAX_ROWS   64
#define MAX_POINTS 8
#define MAX_REPS   100

/* Baseline groups --no-baseline can pretend are missing. */
static const char *const groups[] = { "glibc", "ck", "ao", "urcu" };
#define NGROUPS (sizeof groups / sizeof groups[0])

struct row {
    const struct lab_variant *v;
    enum lab_model model;
    const char *group;   /* "sync", "glibc", "ck", "ao", "urcu" or "lab" */
    char label[40];
    bool twin;           /* fairness measured */
};

static const struct {
    const struct lab_variant *v;
    const char *group;
} twins[] = {
    { &twin_mutex, "glibc" }, { &twin_spin, "glibc" },    { &twin_tas, "sync" },
    { &twin_ttas, "sync" },   { &twin_ticket, "sync" },   { &twin_mcs, "sync" },
    { &twin_tplock, "sync" },
    { &twin_futex, "sync" },  { &twin_sem, "sync" },      { &twin_ck_ticket, "ck" },
    { &twin_ck_mcs, "ck" },   { &twin_ck_fas, "ck" },     { &urcu_row, "urcu" },
};
#define NTWINS (sizeof twins / sizeof twins[0])

struct opts {
    unsigned workers[MAX_POINTS];
    unsigned npoints;
    uint64_t iters;
    unsigned reps;
    unsigned models;   /* LAB_MODEL_BIT()s */
    double budget_s;
    enum bench_format fmt;
    const char *plot;
    bool hide[NGROUPS];
    bool quick;
    char only[256];    /* --only: comma-separated row names, or empty */
};

/* ---- one point ----------------------------------------------------------- */

struct point_arg {
    const struct row *row;
    unsigned workers;
    uint64_t iters;
    unsigned timeout_s;
};

struct point_out {
    uint64_t wall_ns, observed, expected;
    int outcome;
    char detail[200];
    uint64_t user_ns, sys_ns, vcsw, ivcsw;
    bool fair_valid;
    uint64_t fair_min, fair_max, reacq, ops;
};

static void usage_now(struct rusage *sum)
{
    struct rusage self, kids;
    getrusage(RUSAGE_SELF, &self);
    getrusage(RUSAGE_CHILDREN, &kids);   /* procs: the reaped workers */
    sum->ru_utime.tv_sec = self.ru_utime.tv_sec + kids.ru_utime.tv_sec;
    sum->ru_utime.tv_usec = self.ru_utime.tv_usec + kids.ru_utime.tv_usec;
    sum->ru_stime.tv_sec = self.ru_stime.tv_sec + kids.ru_stime.tv_sec;
    sum->ru_stime.tv_usec = self.ru_stime.tv_usec + kids.ru_stime.tv_usec;
    sum->ru_nvcsw = self.ru_nvcsw + kids.ru_nvcsw;
    sum->ru_nivcsw = self.ru_nivcsw + kids.ru_nivcsw;
}

static uint64_t tv_ns(struct timeval tv)
{
    return (uint64_t)tv.tv_sec * 1000000000u + (uint64_t)tv.tv_usec * 1000u;
}

/* Runs in the point's own process (bench_run_budget). */
static int run_point(void *argp, void *outp, size_t outsize, char *err, size_t errlen)
{
    (void)outsize;
    const struct point_arg *a = argp;
    struct point_out *o = outp;
    struct lab_config cfg = { .model = a->row->model, .workers = a->workers,
                              .iters = a->iters, .timeout_s = a->timeout_s };
    struct lab_trial t;
    struct rusage r0, r1;
    usage_now(&r0);
    int rc = lab_run_trial(&counter_lab, a->row->v, &cfg, &t, err, errlen);
    usage_now(&r1);
    if (rc != 0)
        return rc;
    o->wall_ns = t.wall_ns;
    o->observed = t.observed;
    o->expected = t.expected;
    o->outcome = (int)t.outcome;
    snprintf(o->detail, sizeof o->detail, "%s", t.detail);
    o->user_ns = tv_ns(r1.ru_utime) - tv_ns(r0.ru_utime);
    o->sys_ns = tv_ns(r1.ru_stime) - tv_ns(r0.ru_stime);
    o->vcsw = (uint64_t)(r1.ru_nvcsw - r0.ru_nvcsw);
    o->ivcsw = (uint64_t)(r1.ru_nivcsw - r0.ru_nivcsw);
    o->fair_valid = g_fair.valid;
    o->fair_min = g_fair.min;
    o->fair_max = g_fair.max;
    o->reacq = g_fair.reacq;
    o->ops = g_fair.ops;
    return 0;
}

/* ---- the physical limits ------------------------------------------------- */

static int cpu_a = 0, cpu_b = -1;   /* two CPUs we may use; -1: only one */

#define LIMIT_BATCH 1000ul

static void pin_self(int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    (void)sched_setaffinity(0, sizeof set, &set);   /* best effort */
}

struct pingpong {
    sync_atomic_u32 ball __attribute__((aligned(SYNC_CACHELINE)));
    unsigned long n;
};

static void *pong(void *arg)
{
    struct pingpong *p = arg;
    pin_self(cpu_b);
    for (unsigned long i = 0; i < p->n; i++) {
        /* Acquire pairs with ping's release store of 1. */
        while (sync_load_u32(&p->ball, SYNC_ACQUIRE) != 1)
            sync_cpu_relax();
        sync_store_u32(&p->ball, 0, SYNC_RELEASE);   /* pairs with ping's acquire */
    }
    return NULL;
}

/* The core-to-core cache-line round trip: ns for the line to go to the other
 * core and back, two threads pinned one per CPU. Timed in batches of
 * LIMIT_BATCH round trips, and the fastest batch counts: on a shared machine
 * a batch in which either thread lost its CPU measures the scheduler, not
 * the cache. */
static double round_trip_ns(unsigned long n)
{
    if (cpu_b < 0)
        return NAN;
    static struct pingpong p;
    sync_store_u32(&p.ball, 0, SYNC_RELAXED);
    p.n = n;
    cpu_set_t saved;
    sched_getaffinity(0, sizeof saved, &saved);
    pin_self(cpu_a);
    pthread_t t;
    if (pthread_create(&t, NULL, pong, &p) != 0) {
        sched_setaffinity(0, sizeof saved, &saved);
        return NAN;
    }
    /* Let pong reach its CPU before the clock starts. */
    sync_store_u32(&p.ball, 1, SYNC_RELEASE);   /* pairs with pong's acquire */
    while (sync_load_u32(&p.ball, SYNC_ACQUIRE) != 0)   /* pairs with pong's release */
        sync_cpu_relax();
    double best = INFINITY;
    for (unsigned long i = 1; i < n;) {
        unsigned long batch = n - i < LIMIT_BATCH ? n - i : LIMIT_BATCH;
        uint64_t t0 = bench_now_ns();
        for (unsigned long k = 0; k < batch; k++) {
            sync_store_u32(&p.ball, 1, SYNC_RELEASE);   /* pairs with pong's acquire */
            while (sync_load_u32(&p.ball, SYNC_ACQUIRE) != 0)   /* pairs with pong's release */
                sync_cpu_relax();
        }
        best = fmin(best, (double)(bench_now_ns() - t0) / (double)batch);
        i += batch;
    }
    pthread_join(t, NULL);
    sched_setaffinity(0, sizeof saved, &saved);
    return best;
}

/* The single-thread floors, fastest batch of LIMIT_BATCH x 10 too. */
static double plain_ns(unsigned long n)
{
    static uint64_t x;
    double best = INFINITY;
    for (unsigned long i = 0; i < n; i += 10 * LIMIT_BATCH) {
        uint64_t t0 = bench_now_ns();
        for (unsigned long k = 0; k < 10 * LIMIT_BATCH; k++) {
            uint64_t v = LAB_LOAD(&x);
            LAB_STORE(&x, v + 1);
        }
        best = fmin(best, (double)(bench_now_ns() - t0) / (10.0 * LIMIT_BATCH));
    }
    return best;
}

static double atomic_ns(unsigned long n)
{
    static sync_atomic_u64 x;
    double best = INFINITY;
    for (unsigned long i = 0; i < n; i += 10 * LIMIT_BATCH) {
        uint64_t t0 = bench_now_ns();
        for (unsigned long k = 0; k < 10 * LIMIT_BATCH; k++)
            sync_fetch_add_u64(&x, 1, SYNC_RELAXED);
        best = fmin(best, (double)(bench_now_ns() - t0) / (10.0 * LIMIT_BATCH));
    }
    return best;
}

enum { LIM_PLAIN, LIM_ATOMIC, LIM_RT, NLIMITS };
static const char *const limit_names[NLIMITS] = { "plain add", "uncontended atomic add",
                                                  "cache-line round trip" };
static const char *const limit_place[NLIMITS] = { "none", "none", "cross-core" };

/* ---- options --------------------------------------------------------------- */

static int parse(int argc, char **argv, struct opts *o)
{
    *o = (struct opts){ .workers = { 1, 2, 4, 8 }, .npoints = 4, .iters = 200000, .reps = 5,
                        .models = LAB_MODEL_BIT(LAB_THREADS) | LAB_MODEL_BIT(LAB_PROCS),
                        .budget_s = 10 };
    bool iters_set = false, reps_set = false, workers_set = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        uint64_t n;
        if (strcmp(a, "--help") == 0) {
            printf("usage: bench-counter [OPTIONS]\n"
                   "  --model M          threads, procs or both (default both)\n"
                   "  --workers LIST     comma-separated worker counts, 1 to %u (default "
                   "1,2,4,8)\n"
                   "  --iters N          increments per worker per point (default 200000)\n"
                   "  --reps N           interleaved rounds, cells are medians (default 5, "
                   "1 to %u)\n"
                   "  --budget SECONDS   a point still running after this is DNF (default 10,"
                   " 0.1 to 600)\n"
                   "  --no-baseline LIST skip baselines as if absent: glibc, ck, ao, urcu "
                   "(comma-separated)\n"
                   "  --only LIST        only these rows, e.g. mutex,ticket,ck_ticket "
                   "(names as printed)\n"
                   "  --quick            tiny sizes (1,2 workers, 2000 iterations, 1 round): "
                   "a smoke test\n"
                   "  --json | --csv     JSON Lines or CSV on stdout instead of tables\n"
                   "  --plot DIR         also write DIR/counter-threads.svg and "
                   "DIR/counter-procs.svg\n",
                   LAB_MAX_WORKERS, MAX_REPS);
            return 1;
        } else if (strcmp(a, "--json") == 0 || strcmp(a, "--csv") == 0) {
            enum bench_format f = a[2] == 'j' ? BENCH_JSON : BENCH_CSV;
            if (o->fmt != BENCH_HUMAN && o->fmt != f)
                return bench_usage_error(prog, "--json and --csv exclude each other", NULL);
            o->fmt = f;
        } else if (strcmp(a, "--quick") == 0) {
            o->quick = true;
        } else if (strcmp(a, "--model") == 0 && val) {
            if (strcmp(val, "threads") == 0)
                o->models = LAB_MODEL_BIT(LAB_THREADS);
            else if (strcmp(val, "procs") == 0)
                o->models = LAB_MODEL_BIT(LAB_PROCS);
            else if (strcmp(val, "both") == 0)
                o->models = LAB_MODEL_BIT(LAB_THREADS) | LAB_MODEL_BIT(LAB_PROCS);
            else
                return bench_usage_error(prog, "--model needs threads, procs or both", val);
            i++;
        } else if (strcmp(a, "--iters") == 0 && val) {
            if (!bench_parse_u64(val, 1, LAB_MAX_ITERS, &n))
                return bench_usage_error(prog, "--iters needs a whole number from 1 to "
                                         "1000000000", val);
            o->iters = n;
            iters_set = true;
            i++;
        } else if (strcmp(a, "--reps") == 0 && val) {
            if (!bench_parse_u64(val, 1, MAX_REPS, &n))
                return bench_usage_error(prog, "--reps needs a whole number from 1 to 100",
                                         val);
            o->reps = (unsigned)n;
            reps_set = true;
            i++;
        } else if (strcmp(a, "--budget") == 0 && val) {
            if (!bench_parse_seconds(val, 0.1, 600, &o->budget_s))
                return bench_usage_error(prog, "--budget needs seconds from 0.1 to 600", val);
            i++;
        } else if (strcmp(a, "--plot") == 0 && val) {
            o->plot = val;
            i++;
        } else if (strcmp(a, "--only") == 0 && val) {
            if (strlen(val) >= sizeof o->only || *val == '\0' || *val == ',' ||
                val[strlen(val) - 1] == ',' || strstr(val, ",,"))
                return bench_usage_error(prog, "--only needs a comma-separated list of row "
                                         "names", val);
            snprintf(o->only, sizeof o->only, "%s", val);
            i++;
        } else if (strcmp(a, "--no-baseline") == 0 && val) {
            char buf[128];
            if (strlen(val) >= sizeof buf || *val == '\0' || *val == ',' ||
                val[strlen(val) - 1] == ',' || strstr(val, ",,"))
                return bench_usage_error(prog, "--no-baseline needs a list of glibc, ck, ao, "
                                         "urcu", val);
            snprintf(buf, sizeof buf, "%s", val);
            char *save = NULL;
            for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
                size_t g = 0;
                while (g < NGROUPS && strcmp(t, groups[g]) != 0)
                    g++;
                if (g == NGROUPS)
                    return bench_usage_error(prog, "--no-baseline needs a list of glibc, ck,"
                                             " ao, urcu", val);
                o->hide[g] = true;
            }
            i++;
        } else if (strcmp(a, "--workers") == 0 && val) {
            char buf[128];
            if (strlen(val) >= sizeof buf || *val == '\0' || *val == ',' ||
                val[strlen(val) - 1] == ',' || strstr(val, ",,"))
                return bench_usage_error(prog, "--workers needs up to 8 counts from 1 to 1024",
                                         val);
            snprintf(buf, sizeof buf, "%s", val);
            o->npoints = 0;
            char *save = NULL;
            for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
                if (o->npoints == MAX_POINTS || !bench_parse_u64(t, 1, LAB_MAX_WORKERS, &n))
                    return bench_usage_error(prog, "--workers needs up to 8 counts from 1 to "
                                             "1024", val);
                o->workers[o->npoints++] = (unsigned)n;
            }
            if (o->npoints == 0)
                return bench_usage_error(prog, "--workers needs up to 8 counts from 1 to 1024",
                                         val);
            workers_set = true;
            i++;
        } else {
            return bench_usage_error(prog, "unknown or incomplete option", a);
        }
    }
    if (o->quick) {
        if (!iters_set)
            o->iters = 2000;
        if (!reps_set)
            o->reps = 1;
        if (!workers_set) {
            o->workers[0] = 1;
            o->workers[1] = 2;
            o->npoints = 2;
        }
    }
    if (o->plot) {
        char err[256];
        if (bench_plot_dir(o->plot, err, sizeof err) != 0)
            return bench_usage_error(prog, err, NULL);
    }
    return 0;
}

static bool hidden(const struct opts *o, const char *group)
{
    for (size_t g = 0; g < NGROUPS; g++)
        if (o->hide[g] && strcmp(groups[g], group) == 0)
            return true;
    return false;
}

/* Whether --only lets row |name| run (always, without --only). */
static bool wanted(const struct opts *o, const char *name)
{
    if (o->only[0] == '\0')
        return true;
    size_t n = strlen(name);
    for (const char *p = o->only; *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && strncmp(p, name, n) == 0)
            return true;
        p += len + (e ? 1 : 0);
    }
    return false;
}

/* Every name in --only names a row (available or not): 0, or exit status 2. */
static int check_only(const struct opts *o)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", o->only);
    char *save = NULL;
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        bool known = strcmp(t, bare.name) == 0;
        for (size_t k = 0; k < NTWINS && !known; k++)
            known = strcmp(t, twins[k].v->name) == 0;
        for (size_t k = 0; k < counter_lab.nvariants && !known; k++)
            known = strcmp(t, counter_lab.variants[k]->name) == 0;
        if (!known)
            return bench_usage_error(prog, "--only: no such row (bench-counter --help; "
                                     "names as printed in the table)", t);
    }
    return 0;
}

static bool is_twin_name(const char *name)
{
    for (size_t t = 0; t < NTWINS; t++)
        if (strcmp(twins[t].v->name, name) == 0)
            return true;
    return false;
}

static int find(const struct row *rows, unsigned n, const char *name, enum lab_model m)
{
    for (unsigned k = 0; k < n; k++)
        if (rows[k].model == m && strcmp(rows[k].v->name, name) == 0)
            return (int)k;
    return -1;
}

/* ---- results -------------------------------------------------------------- */

enum cell_status { CELL_OK, CELL_DNF, CELL_FAILED };

struct cell {
    enum cell_status status;
    char why[256];
    double ns[MAX_REPS];
    unsigned runs;
    double med, lo, hi;
    bool wrong;
    uint64_t user_ns, sys_ns, vcsw, ivcsw, ops;
    bool fair_valid;
    uint64_t fair_min, fair_max;   /* the round with the median min/max ratio */
    unsigned nfair;
    uint64_t fmin[MAX_REPS], fmax[MAX_REPS];   /* per round */
    uint64_t reacq, fair_ops;
    int level;
};

static struct row rows[MAX_ROWS];
static struct cell cells[MAX_ROWS][MAX_POINTS];

struct skipped {
    const char *name, *why;
};

/* |lim|: the limits' minima over the rounds - a physical floor is best
 * estimated by its fastest measurement on a busy machine. */
static int level_of(const struct cell *c, const double *lim)
{
    if (c->status == CELL_DNF)
        return 5;
    if (c->status != CELL_OK || c->ops == 0)
        return -1;
    double cpu = (double)(c->user_ns + c->sys_ns);
    double sysfrac = cpu > 0 ? (double)c->sys_ns / cpu : 0;
    double csw = (double)(c->vcsw + c->ivcsw) / (double)c->ops;
    double rt = lim[LIM_RT];
    if (isfinite(rt) && c->med > 20 * rt && c->ivcsw > c->vcsw && sysfrac < 0.5)
        return 5;
    if (csw >= 1e-3)
        return 4;
    /* A system call costs hundreds of ns: at least 1 ns of kernel time per
     * operation (one call per few hundred operations), and a tenth of the CPU
     * time, so that thread creation in a short run does not count. */
    if (sysfrac >= 0.10 && (double)c->sys_ns / (double)c->ops >= 1.0)
        return 3;
    if (isfinite(rt) && c->med >= rt / 4)
        return 2;
    if (c->med >= (lim[LIM_PLAIN] + lim[LIM_ATOMIC]) / 2)
        return 1;
    return 0;
}

static void print_num(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, "%.3f", v);
    else
        fputs("null", f);
}

static void print_csv_num(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, "%.3f", v);
}

static const char *status_name(enum cell_status s)
{
    return s == CELL_OK ? "ok" : s == CELL_DNF ? "dnf" : "failed";
}

int main(int argc, char **argv)
{
    struct opts o;
    int rc = parse(argc, argv, &o);
    if (rc != 0)
        return rc == 1 ? 0 : rc;
    if ((rc = check_only(&o)) != 0)
        return rc;

    int pair[2];
    if (bench_cpu_pair(pair) == 2) {
        cpu_a = pair[0];
        cpu_b = pair[1];
    }

    /* Rows: threads first (twins, then the lab's other variants, then bare),
     * then procs (the lab's variants, then bare). */
    static struct skipped skipped[MAX_ROWS];
    unsigned nr = 0, nskipped = 0;
    for (int m = 0; m < LAB_NMODELS; m++) {
        if (!(o.models & LAB_MODEL_BIT(m)))
            continue;
        if (m == LAB_THREADS) {
            for (size_t t = 0; t < NTWINS && nr < MAX_ROWS; t++) {
                const struct lab_variant *v = twins[t].v;
                if (!wanted(&o, v->name))
                    continue;
                if (hidden(&o, twins[t].group) || v->unavailable) {
                    skipped[nskipped].name = v->name;
                    skipped[nskipped++].why = v->unavailable ? v->unavailable
                                                             : "--no-baseline: pretended absent";
                    continue;
                }
                rows[nr] = (struct row){ .v = v, .model = LAB_THREADS, .group = twins[t].group,
                                         .twin = v != &urcu_row };
                snprintf(rows[nr].label, sizeof rows[nr].label, "%s", v->name);
                nr++;
            }
        }
        for (size_t i = 0; i <= counter_lab.nvariants && nr < MAX_ROWS; i++) {
            const struct lab_variant *v = i < counter_lab.nvariants ? counter_lab.variants[i]
                                                                    : &bare;
            if (!lab_variant_runs(v, (enum lab_model)m, NULL))
                continue;
            if ((m == LAB_THREADS && is_twin_name(v->name)) || !wanted(&o, v->name))
                continue;   /* measured by its twin, or not asked for */
            const char *group = strcmp(v->name, "ao") == 0 ? "ao" : "lab";
            const char *why = v->unavailable          ? v->unavailable
                              : hidden(&o, group)     ? "--no-baseline: pretended absent"
                              : BENCH_TSAN && v->racy_by_design ? TSAN_RACY_WHY
                                                                 : NULL;
            if (why) {
                if (m == LAB_THREADS || !(o.models & LAB_MODEL_BIT(LAB_THREADS))) {
                    skipped[nskipped].name = v->name;
                    skipped[nskipped++].why = why;
                }
                continue;
            }
            rows[nr] = (struct row){ .v = v, .model = (enum lab_model)m, .group = group };
            snprintf(rows[nr].label, sizeof rows[nr].label, "%s%s", v->name,
                     m == LAB_PROCS ? "/procs" : "");
            nr++;
        }
    }

    struct bench_machine mach;
    bench_machine_get(&mach);
    bool progress = bench_progress_wanted();
    if (o.fmt == BENCH_HUMAN) {
        printf("bench-counter: ns/op (lower is better), median of %u interleaved round%s, "
               "%llu increments per worker%s\n",
               o.reps, o.reps == 1 ? "" : "s", (unsigned long long)o.iters,
               o.quick ? " (--quick: a smoke test, not a measurement)" : "");
        bench_machine_print(stdout, &mach, prog, BENCH_HUMAN);
        printf("atomics: %s; each point in its own process, DNF after %.1f s\n", 
               lab_atomics_backend(), o.budget_s);
        for (unsigned s = 0; s < nskipped; s++)
            printf("skipped %s: %s\n", skipped[s].name, skipped[s].why);
        printf("\n");
    } else {
        bench_machine_print(stdout, &mach, prog, o.fmt);
    }
    fflush(stdout);

    /* The sweep, interleaved; the limits are measured once per round too. */
    static double lim_runs[NLIMITS][MAX_REPS];
    unsigned long lim_n = o.quick ? 2000 : 200000;
    unsigned total = o.reps * o.npoints * nr, done = 0;
    unsigned timeout_s = (unsigned)o.budget_s + 5;
    uint64_t t_start = bench_now_ns();
    for (unsigned r = 0; r < o.reps; r++) {
        bench_progress(progress, "  round %u/%u: limits", r + 1, o.reps);
        lim_runs[LIM_PLAIN][r] = plain_ns(lim_n * 10);
        lim_runs[LIM_ATOMIC][r] = atomic_ns(lim_n * 10);
        lim_runs[LIM_RT][r] = round_trip_ns(lim_n);
        for (unsigned p = 0; p < o.npoints; p++) {
            for (unsigned k = 0; k < nr; k++, done++) {
                struct cell *c = &cells[k][p];
                if (c->status != CELL_OK)
                    continue;   /* DNF or failed once: not again */
                bench_progress(progress, "  round %u/%u: %-16s x%-4u (%u%%)", r + 1, o.reps,
                               rows[k].label, o.workers[p], 100 * done / total);
                struct point_arg arg = { .row = &rows[k], .workers = o.workers[p],
                                         .iters = o.iters, .timeout_s = timeout_s };
                struct point_out out;
                char err[256];
                enum bench_status st = bench_run_budget(o.budget_s, run_point, &arg, &out,
                                                        sizeof out, err, sizeof err);
                if (st == BENCH_OK && out.outcome != LAB_OK) {
                    snprintf(err, sizeof err, "%s: %s", lab_outcome_name(out.outcome),
                             out.detail);
                    st = BENCH_FAILED;
                }
                if (st != BENCH_OK) {
                    c->status = st == BENCH_DNF ? CELL_DNF : CELL_FAILED;
                    snprintf(c->why, sizeof c->why, "%s", err);
                    if (st == BENCH_FAILED)
                        fprintf(stderr, "\n%s: %s x%u: %s\n", prog, rows[k].label,
                                o.workers[p], err);
                    continue;
                }
                uint64_t ops = (uint64_t)o.workers[p] * o.iters;
                c->ns[c->runs++] = (double)out.wall_ns / (double)ops;
                c->ops += ops;
                c->user_ns += out.user_ns;
                c->sys_ns += out.sys_ns;
                c->vcsw += out.vcsw;
                c->ivcsw += out.ivcsw;
                if (!rows[k].v->racy_by_design && out.observed != out.expected)
                    c->wrong = true;
                if (out.fair_valid && out.fair_max > 0) {
                    c->fmin[c->nfair] = out.fair_min;
                    c->fmax[c->nfair++] = out.fair_max;
                    c->fair_valid = true;
                    c->reacq += out.reacq;
                    c->fair_ops += out.ops;
                }
            }
        }
    }
    bench_progress_clear(progress);
    double elapsed_s = (double)(bench_now_ns() - t_start) / 1e9;

    double lim[NLIMITS], lim_lo[NLIMITS], lim_hi[NLIMITS];
    for (int l = 0; l < NLIMITS; l++) {
        lim[l] = bench_median(lim_runs[l], o.reps);
        lim_lo[l] = lim_runs[l][0];
        lim_hi[l] = lim_runs[l][o.reps - 1];
    }

    int mutex = find(rows, nr, "mutex", LAB_THREADS);
    double best[LAB_NMODELS][MAX_POINTS];
    for (int m = 0; m < LAB_NMODELS; m++)
        for (unsigned p = 0; p < o.npoints; p++)
            best[m][p] = INFINITY;
    bool any_wrong = false, any_failed = false;
    for (unsigned k = 0; k < nr; k++)
        for (unsigned p = 0; p < o.npoints; p++) {
            struct cell *c = &cells[k][p];
            any_failed |= c->status == CELL_FAILED;
            if (c->status == CELL_OK && c->runs > 0) {
                c->med = bench_median(c->ns, c->runs);
                c->lo = c->ns[0];
                c->hi = c->ns[c->runs - 1];
                any_wrong |= c->wrong;
                if (!c->wrong && !rows[k].v->racy_by_design && c->med < best[rows[k].model][p])
                    best[rows[k].model][p] = c->med;
            } else {
                c->med = c->lo = c->hi = NAN;
            }
            c->level = level_of(c, lim_lo);
            if (c->fair_valid) {
                /* The round whose min/max ratio is the median (selection
                 * by counting: at most MAX_REPS rounds). */
                unsigned want = c->nfair / 2;
                for (unsigned i = 0; i < c->nfair; i++) {
                    double ri = (double)c->fmin[i] / (double)c->fmax[i];
                    unsigned below = 0, equal = 0;
                    for (unsigned j = 0; j < c->nfair; j++) {
                        double rj = (double)c->fmin[j] / (double)c->fmax[j];
                        below += rj < ri;
                        equal += rj == ri;
                    }
                    if (below <= want && want < below + equal) {
                        c->fair_min = c->fmin[i];
                        c->fair_max = c->fmax[i];
                        break;
                    }
                }
            }
        }
#define VS_MUTEX(k, p)                                                                   \
    (mutex >= 0 && cells[mutex][p].status == CELL_OK ? cells[k][p].med / cells[mutex][p].med \
                                                     : NAN)
#define VS_BEST(k, p) (cells[k][p].med / best[rows[k].model][p])

    /* Machine-readable output. */
    if (o.fmt == BENCH_CSV)
        printf("kind,name,model,group,workers,placement,iters,runs,status,ns_per_op,min,max,"
               "mops,vs_mutex,vs_best,level,csw_per_op,sys_ns_per_op,fair_min,fair_max,"
               "reacq_pct,correct\n");
    for (int l = 0; l < NLIMITS && o.fmt != BENCH_HUMAN; l++) {
        if (o.fmt == BENCH_JSON) {
            printf("{\"kind\":\"limit\",\"lab\":\"counter\",\"name\":\"%s\",\"placement\":\"%s\","
                   "\"ns_per_op\":", limit_names[l], limit_place[l]);
            print_num(stdout, lim[l]);
            printf(",\"min\":");
            print_num(stdout, lim_lo[l]);
            printf(",\"max\":");
            print_num(stdout, lim_hi[l]);
            printf(",\"runs\":%u}\n", o.reps);
        } else {
            printf("limit,%s,,,,%s,,%u,ok,", limit_names[l], limit_place[l], o.reps);
            print_csv_num(stdout, lim[l]);
            putchar(',');
            print_csv_num(stdout, lim_lo[l]);
            putchar(',');
            print_csv_num(stdout, lim_hi[l]);
            printf(",,,,,,,,,,\n");
        }
    }
    for (unsigned s = 0; s < nskipped && o.fmt == BENCH_JSON; s++) {
        printf("{\"kind\":\"skipped\",\"lab\":\"counter\",\"name\":\"%s\",\"reason\":",
               skipped[s].name);
        bench_json_string(stdout, skipped[s].why);
        printf("}\n");
    }
    for (unsigned k = 0; k < nr && o.fmt != BENCH_HUMAN; k++)
        for (unsigned p = 0; p < o.npoints; p++) {
            const struct cell *c = &cells[k][p];
            double csw = c->ops ? (double)(c->vcsw + c->ivcsw) / (double)c->ops : NAN;
            double sys = c->ops ? (double)c->sys_ns / (double)c->ops : NAN;
            double reacq = c->fair_ops ? 100.0 * (double)c->reacq / (double)c->fair_ops : NAN;
            if (o.fmt == BENCH_JSON) {
                printf("{\"kind\":\"bench\",\"lab\":\"counter\",\"name\":\"%s\",\"model\":\"%s\","
                       "\"group\":\"%s\",\"workers\":%u,\"iters\":%llu,\"runs\":%u,"
                       "\"status\":\"%s\",\"ns_per_op\":",
                       rows[k].v->name, lab_model_name(rows[k].model), rows[k].group,
                       o.workers[p], (unsigned long long)o.iters, c->runs,
                       status_name(c->status));
                print_num(stdout, c->med);
                printf(",\"min\":");
                print_num(stdout, c->lo);
                printf(",\"max\":");
                print_num(stdout, c->hi);
                printf(",\"mops\":");
                print_num(stdout, 1e3 / c->med);
                printf(",\"vs_mutex\":");
                print_num(stdout, VS_MUTEX(k, p));
                printf(",\"vs_best\":");
                print_num(stdout, VS_BEST(k, p));
                printf(",\"level\":%d,\"csw_per_op\":", c->level);
                print_num(stdout, csw);
                printf(",\"sys_ns_per_op\":");
                print_num(stdout, sys);
                if (c->fair_valid)
                    printf(",\"fair_min\":%llu,\"fair_max\":%llu",
                           (unsigned long long)c->fair_min, (unsigned long long)c->fair_max);
                else
                    printf(",\"fair_min\":null,\"fair_max\":null");
                printf(",\"reacq_pct\":");
                print_num(stdout, reacq);
                printf(",\"correct\":%s", c->wrong ? "false" : "true");
                if (c->status != CELL_OK) {
                    printf(",\"why\":");
                    bench_json_string(stdout, c->why);
                }
                printf("}\n");
            } else {
                printf("bench,%s,%s,%s,%u,,%llu,%u,%s,", rows[k].v->name,
                       lab_model_name(rows[k].model), rows[k].group, o.workers[p],
                       (unsigned long long)o.iters, c->runs, status_name(c->status));
                double v[] = { c->med, c->lo, c->hi, 1e3 / c->med, VS_MUTEX(k, p),
                               VS_BEST(k, p) };
                for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
                    print_csv_num(stdout, v[i]);
                    putchar(',');
                }
                printf("%d,", c->level);
                print_csv_num(stdout, csw);
                putchar(',');
                print_csv_num(stdout, sys);
                putchar(',');
                if (c->fair_valid)
                    printf("%llu,%llu,", (unsigned long long)c->fair_min,
                           (unsigned long long)c->fair_max);
                else
                    printf(",,");
                print_csv_num(stdout, reacq);
                printf(",%s\n", c->wrong ? "false" : "true");
            }
        }

    /* The targets, read as ratios from this run. */
    struct target {
        char name[80];
        double value, limit;
        bool at_most, known;
        char note[120];
    } targets[16];
    unsigned nt = 0;
    int p2 = -1, p8 = -1;
    for (unsigned p = 0; p < o.npoints; p++) {
        if (o.workers[p] == 2)
            p2 = (int)p;
        if (o.workers[p] == 8)
            p8 = (int)p;
    }
    if (p2 >= 0 && mutex >= 0) {
        static const char *const ours[] = { "tas",   "ttas",  "ticket", "mcs",
                                            "tplock", "futex", "sem" };
        int b = -1;
        for (size_t l = 0; l < sizeof ours / sizeof ours[0]; l++) {
            int k = find(rows, nr, ours[l], LAB_THREADS);
            if (k >= 0 && cells[k][p2].status == CELL_OK &&
                (b < 0 || cells[k][p2].med < cells[b][p2].med))
                b = k;
        }
        struct target *t = &targets[nt++];
        snprintf(t->name, sizeof t->name, "fastest sync lock at 2 workers (%s) vs mutex",
                 b >= 0 ? rows[b].label : "none");
        t->value = b >= 0 ? VS_MUTEX(b, p2) : NAN;
        t->limit = 0.8;
        t->at_most = true;
    }
    if (p2 >= 0 && p8 >= 0) {
        static const struct {
            const char *name;
            double limit;
        } scal[] = { { "tas", 1.5 },       { "ttas", 1.5 },   { "futex", 1.5 },
                     { "ticket", 20 },     { "mcs", 20 },     { "tplock", 3 },
                     { "mutex", NAN },
                     { "pthread_spin", NAN }, { "ck_ticket", NAN }, { "ck_mcs", NAN },
                     { "ck_fas", NAN } };
        for (size_t l = 0; l < sizeof scal / sizeof scal[0]; l++) {
            int k = find(rows, nr, scal[l].name, LAB_THREADS);
            if (k < 0)
                continue;
            struct target *t = &targets[nt++];
            snprintf(t->name, sizeof t->name, "%s at 8 workers vs its own 2-worker ns/op",
                     scal[l].name);
            t->value = cells[k][p8].med / cells[k][p2].med;
            t->limit = scal[l].limit;
            t->at_most = true;
            if (cells[k][p8].status == CELL_DNF)
                snprintf(t->note, sizeof t->note, "DNF: did not finish in %.1f s", o.budget_s);
            if (!isfinite(scal[l].limit))
                snprintf(t->note + strlen(t->note), sizeof t->note - strlen(t->note),
                         "%sa baseline, shown for comparison", *t->note ? "; " : "");
        }
    }
    int racy = find(rows, nr, "racy", LAB_THREADS), sharded = find(rows, nr, "sharded",
                                                                   LAB_THREADS);
    if (p2 >= 0 && racy >= 0 && sharded >= 0) {
        struct target *t = &targets[nt++];
        snprintf(t->name, sizeof t->name, "sharded vs racy ns/op at 2 workers");
        t->value = cells[sharded][p2].med / cells[racy][p2].med;
        t->limit = 1.2;
        t->at_most = true;
    }
    int atomic = find(rows, nr, "atomic", LAB_THREADS), barek = find(rows, nr, "bare",
                                                                     LAB_THREADS);
    if (p2 >= 0 && atomic >= 0 && barek >= 0) {
        struct target *t = &targets[nt++];
        snprintf(t->name, sizeof t->name, "atomic vs bare fetch_add loop at 2 workers");
        t->value = cells[atomic][p2].med / cells[barek][p2].med;
        t->limit = 1.1;
        t->at_most = true;
    }
    int fp = find(rows, nr, "futex", LAB_PROCS), ft = find(rows, nr, "futex", LAB_THREADS);
    if (p2 >= 0 && fp >= 0 && ft >= 0) {
        struct target *t = &targets[nt++];
        snprintf(t->name, sizeof t->name, "process-shared futex vs private at 2 workers");
        t->value = cells[fp][p2].med / cells[ft][p2].med;
        t->limit = 1.2;
        t->at_most = true;
    }
    for (unsigned i = 0; i < nt; i++) {
        struct target *t = &targets[i];
        t->known = isfinite(t->value);
        bool met = t->known && (!isfinite(t->limit) || t->value <= t->limit);
        if (o.fmt == BENCH_JSON) {
            printf("{\"kind\":\"target\",\"lab\":\"counter\",\"name\":");
            bench_json_string(stdout, t->name);
            printf(",\"value\":");
            print_num(stdout, t->value);
            printf(",\"limit\":");
            print_num(stdout, t->limit);
            printf(",\"met\":%s,\"baseline\":%s}\n", met ? "true" : "false",
                   isfinite(t->limit) ? "false" : "true");   /* no limit: only must finish */
        }
    }

    /* Charts. */
    if (o.plot) {
        double xs[MAX_POINTS];
        for (unsigned p = 0; p < o.npoints; p++)
            xs[p] = o.workers[p];
        static double ys[MAX_ROWS][MAX_POINTS];
        for (int m = 0; m < 2; m++) {
            struct bench_series ser[MAX_ROWS];
            unsigned ns = 0;
            for (unsigned k = 0; k < nr; k++) {
                if (rows[k].model != (enum lab_model)m)
                    continue;
                for (unsigned p = 0; p < o.npoints; p++)
                    ys[k][p] = cells[k][p].med;
                ser[ns++] = (struct bench_series){ .name = rows[k].label, .y = ys[k] };
            }
            if (ns == 0)
                continue;
            char path[4096], err[512], title[160];
            snprintf(path, sizeof path, "%s/counter-%s.svg", o.plot, m == 0 ? "threads"
                                                                           : "procs");
            snprintf(title, sizeof title, "bench-counter (%s): ns/op against workers, "
                     "median of %u, %u CPUs (gaps: DNF)", lab_model_name((enum lab_model)m),
                     o.reps, mach.cpus);
            if (bench_svg_lines(path, title, "workers", "ns per operation (log scale)", xs,
                                o.npoints, ser, ns, err, sizeof err) != 0) {
                fprintf(stderr, "%s: %s\n", prog, err);
                return 1;
            }
            if (o.fmt == BENCH_HUMAN)
                printf("wrote %s\n", path);
        }
    }
    if (o.fmt != BENCH_HUMAN)
        return any_wrong || any_failed ? 1 : 0;

    /* Tables for people. */
    printf("physical limits (median of %u, min-max; the cost levels use the min):\n", o.reps);
    for (int l = 0; l < NLIMITS; l++) {
        if (isfinite(lim[l]))
            printf("  %-26s %8.1f ns  (%.1f-%.1f)%s\n", limit_names[l], lim[l], lim_lo[l],
                   lim_hi[l], l == LIM_RT ? "  two threads pinned to two CPUs" : "");
        else
            printf("  %-26s      n/a     (only one CPU usable)\n", limit_names[l]);
    }
    printf("\n  ns/op by worker count (L = cost level; DNF = not finished in %.1f s)\n",
           o.budget_s);
    printf("  %-16s", "variant");
    for (unsigned p = 0; p < o.npoints; p++)
        printf(" %7u wkr  L", o.workers[p]);
    printf("\n");
    for (unsigned k = 0; k < nr; k++) {
        if (k > 0 && rows[k].model != rows[k - 1].model)
            printf("\n");
        printf("  %-16s", rows[k].label);
        for (unsigned p = 0; p < o.npoints; p++) {
            const struct cell *c = &cells[k][p];
            if (c->status == CELL_OK)
                printf(" %11.2f%s %d", c->med, c->wrong ? "!" : " ", c->level);
            else
                printf(" %11s  %s", c->status == CELL_DNF ? "DNF" : "FAILED",
                       c->status == CELL_DNF ? "5" : "-");
        }
        printf("\n");
    }
    for (unsigned p = 0; p < o.npoints; p++) {
        printf("\n  %u worker%s%s\n", o.workers[p], o.workers[p] == 1 ? "" : "s",
               o.workers[p] > mach.allowed ? " (oversubscribed)" : "");
        printf("  %-16s %10s %7s %9s %8s %8s %2s %9s %9s %6s %6s\n", "variant", "ns/op",
               "spread", "Mops/s", "vs mutex", "vs best", "L", "csw/kop", "sys ns/op", "fair",
               "reacq");
        for (unsigned k = 0; k < nr; k++) {
            const struct cell *c = &cells[k][p];
            if (k > 0 && rows[k].model != rows[k - 1].model)
                printf("\n");
            printf("  %-16s", rows[k].label);
            if (c->status != CELL_OK) {
                printf(" %10s  %s\n", c->status == CELL_DNF ? "DNF" : "FAILED", c->why);
                continue;
            }
            char vm[16] = "-", vb[16] = "-", fair[16] = "-", reacq[16] = "-";
            if (isfinite(VS_MUTEX(k, p)))
                snprintf(vm, sizeof vm, "%.2fx", VS_MUTEX(k, p));
            if (isfinite(VS_BEST(k, p)))
                snprintf(vb, sizeof vb, "%.2fx", VS_BEST(k, p));
            if (c->fair_valid)
                snprintf(fair, sizeof fair, "%.2f",
                         (double)c->fair_min / (double)c->fair_max);
            if (c->fair_ops)
                snprintf(reacq, sizeof reacq, "%.0f%%",
                         100.0 * (double)c->reacq / (double)c->fair_ops);
            printf(" %10.2f %6.0f%% %9.2f %8s %8s %2d %9.3f %9.1f %6s %6s%s\n", c->med,
                   100 * (c->hi - c->lo) / c->med, 1e3 / c->med, vm, vb, c->level,
                   1e3 * (double)(c->vcsw + c->ivcsw) / (double)c->ops,
                   (double)c->sys_ns / (double)c->ops, fair, reacq,
                   c->wrong ? "  WRONG" : "");
        }
    }
    printf("\n  spread = (max-min)/median of the rounds; csw/kop = context switches per 1000 "
           "operations;\n  sys ns/op = kernel time per operation; fair = the slowest worker's "
           "operations over\n  the fastest's when the first worker finished (median round); "
           "reacq = acquisitions\n  by the thread that had just released the lock\n");
    printf("  mutex = glibc pthread_mutex on threads at the same worker count; best = the "
           "fastest\n  correct row of the same model; L: 0 plain, 1 uncontended atomic, 2 "
           "contended\n  (cache-line transfers), 3 system call, 4 context switch, 5 "
           "catastrophe (spinning\n  oversubscribed, or DNF) - from getrusage and the limits "
           "above, not from names;\n  NAME/procs = worker processes over shared memory; "
           "! = a fixed variant was wrong\n");

    if (nt > 0)
        printf("\ntargets (ratios from this run):\n");
    for (unsigned i = 0; i < nt; i++) {
        const struct target *t = &targets[i];
        char lim_s[24];
        if (isfinite(t->limit))
            snprintf(lim_s, sizeof lim_s, "target <= %.2fx", t->limit);
        else
            snprintf(lim_s, sizeof lim_s, "must finish");
        bool met = t->known && (!isfinite(t->limit) || t->value <= t->limit);
        const char *verdict = isfinite(t->limit) ? (met ? "met" : "MISSED")
                                                 : (met ? "finished" : "did not finish");
        if (t->known)
            printf("  %-52s %7.2fx  (%s)  %s%s%s\n", t->name, t->value, lim_s, verdict,
                   *t->note ? "  " : "", t->note);
        else
            printf("  %-52s %8s  (%s)  %s%s%s\n", t->name, "n/a", lim_s, verdict,
                   *t->note ? "  " : "", t->note);
    }
    printf("\n  %s; sweep took %.0f s\n",
           any_wrong ? "a fixed variant was WRONG"
           : any_failed ? "a point FAILED (see above)" : "every fixed variant exact",
           elapsed_s);
    return any_wrong || any_failed ? 1 : 0;
}
