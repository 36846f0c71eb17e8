/* sync/src/cond.c - the waiting side of the condition variable (see sync/cond.h). */
#include "sync/cond.h"

#include <errno.h>
#include <limits.h>

int sync_cond_init(sync_cond_t *c, unsigned flags)
{
    if (flags & ~SYNC_PSHARED)
        return EINVAL;
    sync_store_u32(&c->seq, 0, SYNC_RELAXED);
    sync_store_u32(&c->waiters, 0, SYNC_RELAXED);
    c->flags = flags;
    /* Its words only: the predicate's order is the mutex's (annotated). */
    SYNC_ANN_IGNORE(c, sizeof *c);
    return 0;
}

void sync__cond_wake(sync_cond_t *c, int n)
{
    sync_futex_wake(&c->seq, n < 0 ? INT_MAX : n, c->flags);
}

int sync_cond_timedwait(sync_cond_t *c, sync_mutex_t *m, const struct timespec *abs_monotonic)
{
    if (abs_monotonic != NULL &&
        (abs_monotonic->tv_nsec < 0 || abs_monotonic->tv_nsec >= 1000000000L))
        return EINVAL;
    /* Read with |m| held: a signal after this read is one whose predicate
     * change came after ours was checked (both under |m|), and it changes
     * |seq|, so the futex wait below does not sleep through it. Relaxed: the
     * futex compares the word itself. */
    uint32_t seq = sync_load_u32(&c->seq, SYNC_RELAXED);
    /* Seq_cst: the other half of the Dekker pair in sync_cond_signal(): the
     * increment precedes the futex's read of |seq| in the single order. */
    sync_fetch_add_u32(&c->waiters, 1, SYNC_SEQ_CST);
    sync_mutex_unlock(m);
    /* One sleep, not a loop: every return (woken, EAGAIN because a signal
     * came first, EINTR, spurious) goes back to the caller's predicate. */
    int r = sync_futex_wait(&c->seq, seq, abs_monotonic, c->flags);
    /* Relaxed: a late decrement only costs a signal a needless wake call. */
    sync_fetch_sub_u32(&c->waiters, 1, SYNC_RELAXED);
    sync_mutex_lock(m);
    return r == ETIMEDOUT ? ETIMEDOUT : 0;
}
