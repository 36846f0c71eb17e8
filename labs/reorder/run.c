/* labs/reorder/run.c - litmus7-style runs: large batches of per-iteration
 * slots, one barrier per batch.
 *
 * A barrier per iteration would cost more than the test and would line the
 * threads up only at its own exit, a few hundred ns apart. Instead each
 * batch gets a start tick shortly in the future, and iteration i of every
 * thread begins at start + i * step on the shared time base (the TSC, which
 * every core reads alike on current x86): the threads meet at each slot
 * within a few dozen cycles without touching a shared word. A thread that
 * lost its CPU runs its late iterations back to back, unaligned (they give
 * SC outcomes), and is aligned again once it has caught up. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <time.h>

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#endif

#include "sync/barrier.h"
#include "util/cpu.h"
#include "util/time.h"

#include "run.h"

static sync_atomic_u32 reorder__stop_flag;

void reorder_stop(void)
{
    sync_store_u32(&reorder__stop_flag, 1, SYNC_RELAXED);   /* read at batch ends */
}

uint64_t reorder_ticks(void)
{
#if defined(__x86_64__) || defined(__i386__)
    return __rdtsc();
#else
    return util_now_ns();
#endif
}

/* The ticks in 2 ms of the monotonic clock. */
double reorder_ticks_per_us(void)
{
    static double rate;
    if (rate > 0)
        return rate;
    uint64_t n0 = util_now_ns(), t0 = reorder_ticks(), n1;
    while ((n1 = util_now_ns()) - n0 < 2000000)
        sync_cpu_relax();
    uint64_t t1 = reorder_ticks();
    rate = (double)(t1 - t0) * 1000.0 / (double)(n1 - n0);
    return rate > 0 ? rate : 1.0;
}

void reorder_wait_until(uint64_t t)
{
    while (reorder_ticks() < t)
        sync_cpu_relax();
}

struct reorder__shared {
    struct reorder_run *run;
    struct reorder_batch batch;
    sync_barrier_t bar;
    uint64_t done;            /* iterations tallied; the leader's between barriers */
    bool stop;                /* the leader's verdict for this round */
    sync_atomic_u32 go;       /* 0: wait, 1: every thread exists, run; 2: give up */
};

struct reorder__thread {
    struct reorder__shared *sh;
    unsigned index;
    pthread_t tid;
};

/* The leader, between the batch's two barriers: the outcomes into the
 * histogram, the slots zeroed, the next batch's size and start tick. */
static void reorder__tally(struct reorder__shared *sh, uint32_t n)
{
    struct reorder_run *r = sh->run;
    const struct reorder_test *t = r->test;
    struct reorder_batch *b = &sh->batch;
    for (uint32_t i = 0; i < n; i++) {
        unsigned o = 0;
        for (unsigned k = 0; k < t->nobs; k++) {
            uint32_t v = t->final_xy ? (k == 0 ? sync_load_u32(&b->ax[i], SYNC_RELAXED)
                                               : sync_load_u32(&b->ay[i], SYNC_RELAXED))
                                     : b->r[k][i];
            if (r->variant == RV_PLAIN && t->final_xy)
                v = k == 0 ? b->px[i] : b->py[i];
            o |= (unsigned)(v != t->lo) << k;
        }
        r->count[o]++;
    }
    sh->done += n;
    memset(b->ax, 0, sizeof *b->ax * r->batch);
    memset(b->ay, 0, sizeof *b->ay * r->batch);
    memset(b->px, 0, sizeof *b->px * r->batch);
    memset(b->py, 0, sizeof *b->py * r->batch);
    uint64_t left = r->iters - sh->done;
    b->n = left < r->batch ? (uint32_t)left : r->batch;
    /* 200 us ahead: every thread is out of the barrier by then, even one
     * woken from its futex */
    b->start = reorder_ticks() + (uint64_t)(200.0 * reorder_ticks_per_us());
    sh->stop = b->n == 0 || sync_load_u32(&reorder__stop_flag, SYNC_RELAXED) != 0;
}

static void *reorder__main(void *arg)
{
    struct reorder__thread *th = arg;
    struct reorder__shared *sh = th->sh;
    struct reorder_run *r = sh->run;
    reorder_thread_fn fn = r->test->fn[r->variant][th->index];
    if (r->pinned)
        (void)util_pin_thread(r->cpus[th->index]);
    uint32_t go;
    /* Acquire: pairs with the release store of 1 or 2 once all are created. */
    while ((go = sync_load_u32(&sh->go, SYNC_ACQUIRE)) == 0)
        sched_yield();
    if (go == 2)
        return NULL;   /* a sibling could not start: nobody enters the barrier */
    uint32_t ran = 0;
    for (;;) {
        /* the barrier orders this batch's slots and registers before the tally */
        if (sync_barrier_wait(&sh->bar))
            reorder__tally(sh, ran);
        sync_barrier_wait(&sh->bar);   /* the tally and the next start tick, to all */
        if (sh->stop)
            return NULL;
        ran = sh->batch.n;
        fn(&sh->batch);
    }
}

static int reorder__alloc(struct reorder__shared *sh, uint32_t n)
{
    struct reorder_batch *b = &sh->batch;
    b->ax = calloc(n, sizeof *b->ax);
    b->ay = calloc(n, sizeof *b->ay);
    b->px = calloc(n, sizeof *b->px);
    b->py = calloc(n, sizeof *b->py);
    bool ok = b->ax && b->ay && b->px && b->py;
    for (unsigned k = 0; k < REORDER_MAX_OBS; k++) {
        b->r[k] = calloc(n, 1);
        ok = ok && b->r[k] != NULL;
    }
    return ok ? 0 : ENOMEM;
}

static void reorder__free(struct reorder__shared *sh)
{
    struct reorder_batch *b = &sh->batch;
    free(b->ax);
    free(b->ay);
    free(b->px);
    free(b->py);
    for (unsigned k = 0; k < REORDER_MAX_OBS; k++)
        free(b->r[k]);
}

static int reorder__threads(struct reorder__shared *sh, char *err, size_t errlen)
{
    struct reorder_run *r = sh->run;
    struct reorder__thread th[REORDER_MAX_THREADS];
    unsigned started = 0;
    int rc = 0;
    for (; started < r->test->threads; started++) {
        th[started] = (struct reorder__thread){ .sh = sh, .index = started };
        rc = pthread_create(&th[started].tid, NULL, reorder__main, &th[started]);
        if (rc != 0) {
            snprintf(err, errlen, "could not start thread %u: %s", started, strerror(rc));
            break;
        }
    }
    /* Release: the threads' arguments and the shared state, to each thread. */
    sync_store_u32(&sh->go, rc == 0 ? 1 : 2, SYNC_RELEASE);
    for (unsigned k = 0; k < started; k++)
        pthread_join(th[k].tid, NULL);
    return rc;
}

int reorder_run(struct reorder_run *r, char *err, size_t errlen)
{
    struct reorder__shared sh = { .run = r };
    memset(r->count, 0, sizeof r->count);
    if (reorder__alloc(&sh, r->batch) != 0 ||
        sync_barrier_init(&sh.bar, r->test->threads, 1000, 0) != 0) {
        reorder__free(&sh);
        snprintf(err, errlen, "out of memory for %u slots", r->batch);
        return ENOMEM;
    }
    sh.batch.step = (uint64_t)(r->step_ns * reorder_ticks_per_us() / 1000.0);
    if (sh.batch.step == 0)
        sh.batch.step = 1;
    r->pinned = util_cpus_allowed(r->cpus, REORDER_MAX_THREADS) >= r->test->threads;
    uint64_t t0 = util_now_ns();
    int rc = reorder__threads(&sh, err, errlen);
    r->wall_ns = util_now_ns() - t0;
    reorder__free(&sh);
    if (rc == 0 && sh.done < r->iters)
        rc = EINTR;
    return rc;
}
