/* sync/src/sem.c - slow paths of the futex semaphore (see sync/sem.h). */
#include "sync/sem.h"

#include <errno.h>

/* Spin budget before sleeping, in pause hints, looking at |value| after 1,
 * 2, 4, ... pauses: as for the mutex (see src/mutex.c), this is for the
 * binary-lock use, where the unit usually comes back sooner than a futex
 * sleep and wake-up would take. */
#ifndef SYNC__SEM_SPIN
#define SYNC__SEM_SPIN 512u
#endif

int sync_sem_init(sync_sem_t *s, unsigned value, unsigned flags)
{
    if (value > SYNC_SEM_VALUE_MAX || (flags & ~SYNC_PSHARED))
        return EINVAL;
    sync_store_u32(&s->value, value, SYNC_RELAXED);
    sync_store_u32(&s->waiters, 0, SYNC_RELAXED);
    s->flags = flags;
    SYNC_ANN_IGNORE(s, sizeof *s);   /* its words; the order is post's and wait's */
    return 0;
}

void sync__sem_wake(sync_sem_t *s)
{
    /* One unit was added: one sleeper can use it. */
    sync_futex_wake(&s->value, 1, s->flags);
}

/* sync_sem_trywait() without its guess: the slow path has just read the
 * count, or is about to, so a guess would only cost a failed CAS when wrong;
 * and with no guess there is no SYNC_ANN_BIAS either, whose flag a build
 * with annotations would keep in registers (saved and restored on every
 * call) across the whole spin. */
static bool sync__sem_take(sync_sem_t *s)
{
    return sync__sem_take_from(s, sync_load_u32(&s->value, SYNC_RELAXED));
}

int sync_sem_timedwait(sync_sem_t *s, const struct timespec *abs_monotonic)
{
    if (sync__sem_take(s))
        return 0;
    if (abs_monotonic != NULL &&
        (abs_monotonic->tv_nsec < 0 || abs_monotonic->tv_nsec >= 1000000000L))
        return EINVAL;

    /* Spin while nobody sleeps (if threads sleep, units are scarce). */
    for (unsigned spent = 0, backoff = 1; spent < SYNC__SEM_SPIN;
         spent += backoff, backoff <<= 1) {
        for (unsigned i = 0; i < backoff; i++)
            sync_cpu_relax();
        if (sync_load_u32(&s->waiters, SYNC_RELAXED) != 0)
            break;
        if (sync__sem_take(s))   /* looks at the count, takes a unit if there is one */
            return 0;
    }

    int ret = 0;
    /* Seq_cst: the increment must precede our load of |value| below in the
     * single total order, see the Dekker pair in sync_sem_post(). */
    sync_fetch_add_u32(&s->waiters, 1, SYNC_SEQ_CST);
    for (;;) {
        if (sync__sem_take_from(s, sync_load_u32(&s->value, SYNC_SEQ_CST)))
            goto out;
        /* Sleeps only while the count is still 0; EAGAIN and EINTR loop,
         * with the same absolute deadline. A deadline before the epoch
         * (tv_sec < 0) is ETIMEDOUT at once; EINVAL (checked above, so not
         * expected) ends the wait rather than spin on it. */
        int r = sync_futex_wait(&s->value, 0, abs_monotonic, s->flags);
        if (r == ETIMEDOUT) {
            /* A unit that arrived at the deadline is still taken. */
            if (!sync__sem_take(s))
                ret = ETIMEDOUT;
            break;
        }
        if (r == EINVAL) {
            ret = EINVAL;
            break;
        }
    }
out:
    /* Relaxed: a late decrement only costs a post a needless wake call. */
    sync_fetch_sub_u32(&s->waiters, 1, SYNC_RELAXED);
    return ret;
}
