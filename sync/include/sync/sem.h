/* sync/sem.h - futex counting semaphore.
 *
 * CONTRACT
 *   Progress:  post is lock-free (a CAS loop) and wakes at most one sleeper;
 *              wait blocks while the count is 0. Not FIFO: a thread arriving
 *              when the count is positive takes a unit even if others sleep.
 *   Ordering:  post is a release; a wait (or trywait, timedwait) that takes a
 *              unit is an acquire. So a semaphore initialised to 1 is a lock:
 *              wait = lock, post = unlock, and the critical sections are
 *              ordered as with a mutex (without owner or misuse checks).
 *   Memory:    two 32-bit words and the flags. Static, heap, stack; with
 *              SYNC_PSHARED also MAP_SHARED memory shared by processes.
 *   Safety:    any number of threads may post and wait concurrently; any
 *              thread may post (there is no owner).
 *   Cost:      trywait and post are one CAS each when they succeed at the
 *              first try (the binary-lock case: wait finds 1, post finds 0),
 *              inline; post makes a system call only when a thread may sleep.
 *
 * |value| (the futex word): units available, 0..SYNC_SEM_VALUE_MAX. Sleepers
 * wait on the word while it is 0.
 * |waiters| counts threads between the increment before their first futex
 * wait and the decrement after they leave the slow path; never below the
 * number asleep. Post skips the wake call while it is 0. */
#ifndef SYNC_SEM_H
#define SYNC_SEM_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include "sync/annotate.h"
#include "sync/atomic.h"
#include "sync/futex.h"

#define SYNC_SEM_VALUE_MAX 0x7fffffffu /* as SEM_VALUE_MAX on Linux */
_Static_assert(SYNC_SEM_VALUE_MAX < (1u << 31), "SYNC_ANN_BIAS guesses a count no semaphore reaches");

typedef struct {
    sync_atomic_u32 value;   /* see above */
    sync_atomic_u32 waiters; /* private: threads in the sleeping part of wait */
    unsigned flags;          /* private: 0 or SYNC_PSHARED, constant after init */
} sync_sem_t;

#define SYNC_SEM_INIT(n) { SYNC_ATOMIC_INIT(n), SYNC_ATOMIC_INIT(0), 0 }

/* flags: 0 or SYNC_PSHARED. Returns 0, or EINVAL if value > SYNC_SEM_VALUE_MAX
 * or flags are unknown. */
int sync_sem_init(sync_sem_t *s, unsigned value, unsigned flags);

/* Waits for a unit until the absolute CLOCK_MONOTONIC deadline at most (NULL:
 * forever). Returns 0 (took a unit), ETIMEDOUT, or EINVAL for a malformed
 * deadline when no unit is available. Signals do not interrupt the wait. */
int sync_sem_timedwait(sync_sem_t *s, const struct timespec *abs_monotonic);

/* Internal: out-of-line half of sync_sem_post(). */
void sync__sem_wake(sync_sem_t *s);

/* Internal: takes a unit while the count (|v|, as last read) is not 0; false
 * once it reads 0. The one place a unit is taken, fast path or slow. */
static inline bool sync__sem_take_from(sync_sem_t *s, uint32_t v)
{
    while (v != 0) {
        /* Acquire: pairs with the release (seq_cst) CAS in sync_sem_post(). */
        if (sync_cas_u32(&s->value, &v, v - 1, SYNC_ACQUIRE, SYNC_RELAXED)) {
            SYNC_ANN_HAPPENS_AFTER(s);   /* every post before this unit's */
            return true;
        }
    }
    return false;
}

static inline bool sync_sem_trywait(sync_sem_t *s)
{
    /* Guess the binary-lock case: one CAS when right. Under Helgrind or DRD
     * the guess is 2^31 + 1 (SYNC_ANN_BIAS), a count no semaphore reaches, so
     * the first CAS fails there and the loop, which annotates, takes the
     * unit; natively the first CAS's success path has no flag test. */
    uint32_t v = 1 + SYNC_ANN_BIAS;
    /* Acquire: pairs with the release (seq_cst) CAS in sync_sem_post(). */
    if (sync_cas_u32(&s->value, &v, v - 1, SYNC_ACQUIRE, SYNC_RELAXED))
        return true;
    return sync__sem_take_from(s, v);   /* the guess was wrong: |v| is the count */
}

static inline void sync_sem_wait(sync_sem_t *s)
{
    if (sync_sem_trywait(s))
        return;
    (void)sync_sem_timedwait(s, NULL);
}

/* Returns 0, or EOVERFLOW (count unchanged) if it is at SYNC_SEM_VALUE_MAX. */
static inline int sync_sem_post(sync_sem_t *s)
{
    /* Guess the binary-lock case (0): one CAS when right. Under Helgrind or
     * DRD the guess is 2^31 (SYNC_ANN_BIAS), a count no semaphore reaches, so
     * the first CAS fails there and every retry annotates before its CAS,
     * the one that may release; natively no flag test before a CAS that
     * guessed right. */
    uint32_t v = SYNC_ANN_BIAS;
    /* Release: pairs with the acquire CAS of the wait that takes this unit.
     * Seq_cst, with the load of |waiters| below: a Dekker pair with the
     * waiter's seq_cst increment of |waiters| then load of |value|. Either we
     * see the waiter, or it sees our unit and does not sleep. */
    if (!sync_cas_u32(&s->value, &v, v + 1, SYNC_SEQ_CST, SYNC_RELAXED)) {
        do {
            if (v >= SYNC_SEM_VALUE_MAX)
                return EOVERFLOW;
            SYNC_ANN_HAPPENS_BEFORE(s);
            /* Release, seq_cst: as above. */
        } while (!sync_cas_u32(&s->value, &v, v + 1, SYNC_SEQ_CST, SYNC_RELAXED));
    }
    if (sync_load_u32(&s->waiters, SYNC_SEQ_CST) != 0)
        sync__sem_wake(s);
    return 0;
}

/* A snapshot of the count, stale as soon as it returns: for tests and logs. */
static inline unsigned sync_sem_value(const sync_sem_t *s)
{
    return sync_load_u32(&s->value, SYNC_RELAXED);
}

#endif /* SYNC_SEM_H */
