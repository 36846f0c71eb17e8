/* labs/common/gil.c - the global interpreter lock of the gil model (gil.h). */
#include "gil.h"

#include <errno.h>
#include <time.h>

#include "util/time.h"

int lab_gil_init(struct lab_gil *g, const struct lab_model_opts *mo)
{
    g->off = mo->no_gil;
    g->holder = -1;
    g->interval_ns = (uint64_t)(mo->switch_us ? mo->switch_us : 5000) * 1000u;
    pthread_condattr_t ca;
    int rc = pthread_condattr_init(&ca);
    if (rc != 0)
        return rc;
    /* The interval is a duration: CLOCK_MONOTONIC, as CPython's. */
    rc = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    if (rc == 0 && (rc = pthread_mutex_init(&g->mu, NULL)) == 0) {
        if ((rc = pthread_cond_init(&g->released, &ca)) == 0) {
            if ((rc = pthread_cond_init(&g->switched, &ca)) != 0)
                pthread_cond_destroy(&g->released);
        }
        if (rc != 0)
            pthread_mutex_destroy(&g->mu);
    }
    pthread_condattr_destroy(&ca);
    return rc;
}

void lab_gil_fini(struct lab_gil *g)
{
    pthread_cond_destroy(&g->switched);
    pthread_cond_destroy(&g->released);
    pthread_mutex_destroy(&g->mu);
}

static struct timespec deadline_after(uint64_t ns)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    uint64_t t = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec + ns;
    return (struct timespec){ .tv_sec = (time_t)(t / 1000000000u),
                              .tv_nsec = (long)(t % 1000000000u) };
}

void lab_gil_take(struct lab_gil *g, int worker)
{
    if (g->off)
        return;
    pthread_mutex_lock(&g->mu);
    while (g->locked) {
        uint64_t seen = g->switch_number;
        struct timespec until = deadline_after(g->interval_ns);
        int rc = pthread_cond_timedwait(&g->released, &g->mu, &until);
        /* A whole interval passed and nobody else got the lock meanwhile:
         * ask the holder to drop it at its next check point. */
        if (rc == ETIMEDOUT && g->locked && g->switch_number == seen)
            sync_store_u32(&g->drop_request, 1, SYNC_RELAXED);
    }
    g->locked = true;
    g->holder = worker;
    g->switch_number++;
    sync_store_u32(&g->drop_request, 0, SYNC_RELAXED);
    pthread_cond_broadcast(&g->switched);
    pthread_mutex_unlock(&g->mu);
}

void lab_gil_drop(struct lab_gil *g)
{
    if (g->off)
        return;
    pthread_mutex_lock(&g->mu);
    g->locked = false;
    g->holder = -1;
    pthread_cond_signal(&g->released);
    pthread_mutex_unlock(&g->mu);
}

void lab_gil__switch(struct lab_gil *g, int worker)
{
    if (g->off)
        return;
    pthread_mutex_lock(&g->mu);
    g->locked = false;
    g->holder = -1;
    pthread_cond_signal(&g->released);
    /* FORCE_SWITCHING: wait until someone else has held it. */
    uint64_t seen = g->switch_number;
    while (g->switch_number == seen)
        pthread_cond_wait(&g->switched, &g->mu);
    pthread_mutex_unlock(&g->mu);
    lab_gil_take(g, worker);
}

uint64_t lab_gil_switches(struct lab_gil *g)
{
    pthread_mutex_lock(&g->mu);
    uint64_t n = g->switch_number;
    pthread_mutex_unlock(&g->mu);
    return n;
}

/* Spin units per microsecond, measured once: the dependent chain of
 * lab_gil_spin() run for about 2 ms. */
unsigned lab_gil_spin_units(unsigned ns)
{
    static double per_ns;
    if (per_ns == 0.0) {
        const unsigned n = 1u << 20;
        uint64_t t0 = util_now_ns();
        volatile uint64_t sink = lab_gil_spin(n, t0);
        (void)sink;
        uint64_t dt = util_now_ns() - t0;
        per_ns = (double)n / (double)(dt ? dt : 1);
    }
    return (unsigned)(per_ns * ns + 0.5);
}
