/* tests/lock_validate.h - one validator that drives every lock through the
 * same checks (after Concurrency Kit's regressions/ck_spinlock/validate).
 *
 * Inside the critical section each thread
 *   - finds the plain "occupancy" value at 0, and the last holder's id gone,
 *   - steps occupancy up 1..LV_STEPS and back down, re-reading every step,
 *   - writes its id to "holder" first and finds it unchanged at the end,
 *   - increments a plain counter, which must end exact.
 * A second thread inside the section at the same time disturbs one of these
 * with high probability on every overlap, and the counter loses updates. The
 * shared values are plain (volatile only so that the compiler keeps every
 * step): ThreadSanitizer sees them as ordinary data and reports a race if the
 * lock under test fails to order its critical sections.
 *
 * Threads start behind a spinning start barrier so that they really contend
 * (the main thread only creates and joins them).
 * Workers only count failures (in atomics); the test asserts on the main
 * thread after joining, because CUnit is not thread-safe.
 *
 * A run has a time budget (LV_BUDGET_S): on a machine loaded by others a FIFO
 * spin lock with more threads than CPUs can need minutes for what takes a
 * second alone. Past the budget each worker stops after its current critical
 * section, and the run is judged on the work done: no violation, and the
 * counter equal to the sum of every worker's completed sections. Nothing is
 * asserted about time.
 *
 * Usage: a lock descriptor (labs/common/desc/lock_<id>.h) becomes a struct
 * lv_lock with LV_DESCRIBE(id) once and LV_OPS(id, flags) where it is used;
 * then lv_run(&ops, threads, iters) and lv_check_trylock(&ops). A lock that
 * is no descriptor (a deliberately broken one) fills struct lv_lock itself. */

#ifndef RACELAB_LOCK_VALIDATE_H
#define RACELAB_LOCK_VALIDATE_H

#include <pthread.h>
#include <sys/mman.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sync/atomic.h"
#include "sync/barrier.h"
#include "util/cpu.h"
#include "util/time.h"

#include "../labs/common/desc/lockd.h"

#define LV_STEPS 8u
#define LV_MAX_THREADS 16u
#define LV_BUDGET_S 8.0

/* Per-thread, per-acquisition storage a lock may need (the MCS queue node).
 * It stays in place from lock to unlock, on the worker's stack. */
typedef lockd_node lv_node;

struct lv_lock {
    const char *name;
    size_t size;                     /* bytes of the lock */
    unsigned flags;                  /* for init; SYNC_PSHARED: it lives in a MAP_SHARED mapping */
    int (*init)(void *lock, unsigned flags);   /* on zeroed memory: 0 or errno */
    void (*fini)(void *lock);
    bool (*trylock)(void *lock, lv_node *node);
    void (*lock)(void *lock, lv_node *node);
    void (*unlock)(void *lock, lv_node *node);
};

/* The validator's view of lock descriptor |id|: LV_DESCRIBE(id) once at file
 * scope, then LV_OPS(id, flags) is a struct lv_lock initializer
 * (LV_OPS_AS(id, name, flags) under another name). */
#define LV_DESCRIBE(id)                                                                   \
    static int lv__##id##_init(void *l, unsigned f) { return lockd_##id##_init(l, f); }    \
    static void lv__##id##_fini(void *l) { lockd_##id##_fini(l); }                         \
    static bool lv__##id##_try(void *l, lv_node *n) { return lockd_##id##_try(l, n); }     \
    static void lv__##id##_lock(void *l, lv_node *n) { lockd_##id##_acquire(l, n); }       \
    static void lv__##id##_unlock(void *l, lv_node *n) { lockd_##id##_release(l, n); }
#define LV_OPS_AS(id, name, flags)                                                        \
    { (name), sizeof(lockd_##id##_t), (flags), lv__##id##_init, lv__##id##_fini,          \
      lv__##id##_try, lv__##id##_lock, lv__##id##_unlock }
#define LV_OPS(id, flags) LV_OPS_AS(id, #id, flags)

/* Zeroed memory for the lock (a MAP_SHARED mapping with SYNC_PSHARED, where
 * the procs model keeps it: the futex is then keyed by page, not address),
 * initialised; aborts when that fails. */
static void *lv_create(const struct lv_lock *ops)
{
    void *p = NULL;
    if (ops->flags & SYNC_PSHARED) {
        p = mmap(NULL, ops->size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            abort();
    } else {
        if (posix_memalign(&p, SYNC_CACHELINE, ops->size) != 0)
            abort();
        memset(p, 0, ops->size);
    }
    if (ops->init(p, ops->flags) != 0) {
        fprintf(stderr, "lv_create(%s): init failed\n", ops->name);
        abort();
    }
    return p;
}

static void lv_destroy(const struct lv_lock *ops, void *lock)
{
    ops->fini(lock);
    if (ops->flags & SYNC_PSHARED)
        munmap(lock, ops->size);
    else
        free(lock);
}

struct lv_result {
    uint64_t violations; /* critical-section checks that saw another writer */
    uint64_t counter;    /* final value of the plain counter */
    uint64_t expected;   /* critical sections completed: threads * iters unless cut short */
    bool cut_short;      /* the budget ran out first */
    double seconds;      /* wall time from the start barrier to the last join */
};

struct lv_shared {
    const struct lv_lock *ops;
    void *lock;
    unsigned iters;
    double deadline;            /* LV_BUDGET_S after lv_run began; set before the workers exist */
    sync_barrier_t start;
    sync_atomic_u64 violations;
    double t0;                  /* written by the serial party, read after join */
    char pad_[SYNC_CACHELINE];
    /* Plain data protected by the lock under test. */
    volatile unsigned occupancy;
    volatile unsigned holder;
    uint64_t counter;
};

struct lv_worker {
    struct lv_shared *sh;
    unsigned id; /* 1-based: 0 means "nobody" in |holder| */
    int cpu;     /* pinned to this CPU, or -1 */
    uint64_t done; /* critical sections completed; read after join */
    pthread_t tid;
};

static double lv__now(void)
{
    return (double)util_now_ns() * 1e-9;
}

static void *lv__worker(void *arg)
{
    struct lv_worker *w = arg;
    struct lv_shared *sh = w->sh;
    const struct lv_lock *ops = sh->ops;
    uint64_t bad = 0;
    lv_node node;

    /* One CPU per worker when they fit: left alone, the scheduler may stack
     * a new thread on the CPU of the one spinning at the barrier, and on a
     * loaded machine the two then never run at the same time (seen: ten
     * attempts in a row without overlap in a CI run beside a compile). */
    if (w->cpu >= 0)
        (void)util_pin_thread(w->cpu);
    if (sync_barrier_wait(&sh->start))
        sh->t0 = lv__now();
    unsigned i = 0;
    for (; i < sh->iters; i++) {
        if ((i & 1023u) == 1023u && lv__now() > sh->deadline)
            break;   /* out of budget: judged on what was done */
        ops->lock(sh->lock, &node);
        if (sh->occupancy != 0)
            bad++;
        if (sh->holder != 0)
            bad++;
        sh->holder = w->id;
        for (unsigned k = 1; k <= LV_STEPS; k++) {
            sh->occupancy = k;
            if (sh->occupancy != k)
                bad++;
        }
        sh->counter++;
        for (unsigned k = LV_STEPS; k > 0; k--) {
            if (sh->occupancy != k)
                bad++;
            sh->occupancy = k - 1;
        }
        if (sh->holder != w->id)
            bad++;
        sh->holder = 0;
        ops->unlock(sh->lock, &node);
    }
    w->done = i;
    if (bad != 0)
        sync_fetch_add_u64(&sh->violations, bad, SYNC_RELAXED);
    return NULL;
}

/* Runs |threads| workers, |iters| critical sections each, and returns what
 * they observed. */
static struct lv_result lv_run(const struct lv_lock *ops, unsigned threads, unsigned iters)
{
    static struct lv_shared sh; /* static: big, aligned, zeroed */
    struct lv_worker w[LV_MAX_THREADS];
    struct lv_result r = { 0, 0, 0, false, 0 };

    if (threads > LV_MAX_THREADS)
        threads = LV_MAX_THREADS;
    memset((void *)&sh, 0, sizeof sh);
    sh.ops = ops;
    sh.lock = lv_create(ops);
    sh.iters = iters;
    sh.deadline = lv__now() + LV_BUDGET_S;
    /* Spin long enough that the workers do not park, so they start
     * together (a futex wake-up takes longer than many iterations). */
    sync_barrier_init(&sh.start, threads, 1u << 20, 0);
    sync_store_u64(&sh.violations, 0, SYNC_RELAXED);

    int cpus[LV_MAX_THREADS];
    unsigned ncpu = util_cpus_allowed(cpus, LV_MAX_THREADS);
    if (ncpu > LV_MAX_THREADS)
        ncpu = LV_MAX_THREADS;
    for (unsigned i = 0; i < threads; i++) {
        w[i].sh = &sh;
        w[i].id = i + 1;
        w[i].cpu = threads <= ncpu ? cpus[i] : -1;   /* oversubscribed: the scheduler's call */
        if (pthread_create(&w[i].tid, NULL, lv__worker, &w[i]) != 0) {
            /* The started ones wait at the barrier for ever: nothing sane
             * is left to do in this process. */
            fprintf(stderr, "lv_run(%s): cannot start thread %u of %u\n", ops->name, i + 1,
                    threads);
            abort();
        }
    }
    for (unsigned i = 0; i < threads; i++) {
        pthread_join(w[i].tid, NULL);
        r.expected += w[i].done;
    }
    r.cut_short = r.expected < (uint64_t)threads * iters;
    r.seconds = lv__now() - sh.t0;
    /* Joined: the plain reads below are ordered after every worker's writes. */
    r.counter = sh.counter;
    r.violations = sync_load_u64(&sh.violations, SYNC_RELAXED);
    lv_destroy(ops, sh.lock);
    printf("\n    %-16s %u threads x %u: %.3f s, %.1f ns/op, counter %llu/%llu, "
           "violations %llu%s",
           ops->name, threads, iters, r.seconds,
           r.seconds * 1e9 / (double)(r.expected ? r.expected : 1),
           (unsigned long long)r.counter, (unsigned long long)r.expected,
           (unsigned long long)r.violations,
           r.cut_short ? " (budget ran out: judged on the sections done)" : "");
    return r;
}

/* Trylock semantics, each step in the thread that matters:
 *   1. main holds the lock: trylock from another thread fails;
 *   2. main released it: trylock from another thread succeeds (and that
 *      thread releases it), then trylock from main succeeds;
 *   3. while main holds it after that trylock, another thread fails again.
 * Returns the number of steps that went wrong. */
struct lv__try_arg {
    const struct lv_lock *ops;
    void *lock;
    bool got;
    bool unlock_after;
};

static void *lv__try_thread(void *arg)
{
    struct lv__try_arg *a = arg;
    lv_node node;
    a->got = a->ops->trylock(a->lock, &node);
    if (a->got && a->unlock_after)
        a->ops->unlock(a->lock, &node);
    return NULL;
}

static bool lv__try_in_thread(const struct lv_lock *ops, void *lock)
{
    struct lv__try_arg a = { ops, lock, false, true };
    pthread_t t;
    if (pthread_create(&t, NULL, lv__try_thread, &a) != 0)
        return false;
    pthread_join(t, NULL);
    return a.got;
}

static unsigned lv_check_trylock(const struct lv_lock *ops)
{
    unsigned wrong = 0;
    void *lock = lv_create(ops);
    lv_node node;

    ops->lock(lock, &node);
    if (lv__try_in_thread(ops, lock))
        wrong++; /* got a lock that is held */
    ops->unlock(lock, &node);
    if (!lv__try_in_thread(ops, lock))
        wrong++; /* could not take a free lock */
    if (!ops->trylock(lock, &node)) {
        wrong++;
    } else {
        if (lv__try_in_thread(ops, lock))
            wrong++; /* a trylock-taken lock must exclude too */
        ops->unlock(lock, &node);
    }
    lv_destroy(ops, lock);
    return wrong;
}

#endif /* RACELAB_LOCK_VALIDATE_H */
