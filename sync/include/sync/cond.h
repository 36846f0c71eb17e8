/* sync/cond.h - futex condition variable (sequence counter), used with the
 * sync futex mutex (sync/mutex.h).
 *
 * CONTRACT
 *   Progress:  blocking. wait unlocks the mutex and sleeps until a signal or
 *              broadcast that comes after it started, a spurious wake-up or
 *              the deadline; then it relocks the mutex before returning. As
 *              with pthread_cond_wait, callers wait in a loop on their own
 *              predicate: a return says "look again", never "it is true".
 *   Wake-ups:  no lost wake-up: a signal or broadcast made after a waiter
 *              read the counter (which it does with the mutex held, before
 *              unlocking it) ends that waiter's sleep, or finds it not yet
 *              asleep and makes its sleep fail at once. Signal wakes at least
 *              one waiter if there is any, broadcast all. Which waiter a
 *              signal wakes is the kernel's choice (FIFO per priority in
 *              practice); a waiter that arrived after the signal may be the
 *              one, and the one that was asleep sleeps on (it was not
 *              promised: POSIX says "at least one of the blocked threads").
 *              Spurious wake-ups happen (signals to the waiter's thread,
 *              a signal racing with a newcomer's arrival).
 *   Ordering:  none of its own: the mutex orders the predicate. Signalling
 *              with or without the mutex held are both correct, provided the
 *              predicate was changed under the mutex.
 *   Memory:    three words. Static (SYNC_COND_INIT), heap, stack; with
 *              SYNC_PSHARED also MAP_SHARED memory (the mutex must then be
 *              SYNC_PSHARED too).
 *   Safety:    call wait with the mutex held by the caller; every concurrent
 *              waiter of one condition variable uses the same mutex. Any
 *              thread may signal. The counter wraps at 2^32: a waiter that
 *              sleeps through exactly 2^32 signals between its read and its
 *              sleep would miss one. Broadcast wakes every waiter, and they
 *              then contend for the mutex (no requeue onto the mutex word).
 *              The relock is sync_mutex_lock(): on a robust mutex whose
 *              holder died meanwhile it aborts (it cannot say EOWNERDEAD).
 *   Cost:      signal and broadcast are one atomic add and one load; the
 *              wake system call only when a waiter is registered.
 *
 * |seq|      the futex word: incremented by every signal and broadcast.
 * |waiters|  threads between their increment (before unlocking the mutex)
 *            and their decrement (after the futex wait); signal and
 *            broadcast skip the wake call while it is 0. */
#ifndef SYNC_COND_H
#define SYNC_COND_H

#include <time.h>
#include "sync/annotate.h"
#include "sync/atomic.h"
#include "sync/futex.h"
#include "sync/mutex.h"

typedef struct {
    sync_atomic_u32 seq;       /* see above */
    sync_atomic_u32 waiters;   /* private */
    unsigned flags;            /* private: 0 or SYNC_PSHARED, constant after init */
} sync_cond_t;

#define SYNC_COND_INIT { SYNC_ATOMIC_INIT(0), SYNC_ATOMIC_INIT(0), 0 }

/* flags: 0 or SYNC_PSHARED. Returns 0, or EINVAL for unknown flags. */
int sync_cond_init(sync_cond_t *c, unsigned flags);

/* Call with |m| held. Returns 0 (woken, maybe spuriously), ETIMEDOUT (the
 * absolute CLOCK_MONOTONIC deadline passed; NULL: none), or EINVAL (tv_nsec
 * outside [0, 1e9): the mutex is not released then). |m| is held again on
 * every return. Signals to the thread end the wait early (return 0). */
int sync_cond_timedwait(sync_cond_t *c, sync_mutex_t *m, const struct timespec *abs_monotonic);

/* Call with |m| held. */
static inline void sync_cond_wait(sync_cond_t *c, sync_mutex_t *m)
{
    (void)sync_cond_timedwait(c, m, NULL);
}

/* Internal: the wake call of signal and broadcast. */
void sync__cond_wake(sync_cond_t *c, int n);

/* Wakes at least one waiter, if any. */
static inline void sync_cond_signal(sync_cond_t *c)
{
    /* Seq_cst, with the load of |waiters|: a Dekker pair with the waiter's
     * seq_cst increment of |waiters| before its futex wait compares |seq|:
     * either we see the waiter, or its wait sees the new |seq| and does not
     * sleep. (Ordering of the predicate itself is the mutex's.) */
    sync_fetch_add_u32(&c->seq, 1, SYNC_SEQ_CST);
    if (sync_load_u32(&c->waiters, SYNC_SEQ_CST) != 0)
        sync__cond_wake(c, 1);
}

/* Wakes every waiter. */
static inline void sync_cond_broadcast(sync_cond_t *c)
{
    /* Seq_cst: as in sync_cond_signal(). */
    sync_fetch_add_u32(&c->seq, 1, SYNC_SEQ_CST);
    if (sync_load_u32(&c->waiters, SYNC_SEQ_CST) != 0)
        sync__cond_wake(c, -1);
}

#endif /* SYNC_COND_H */
