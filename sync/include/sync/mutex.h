/* sync/mutex.h - futex mutex: spins briefly, then sleeps in the kernel.
 *
 * CONTRACT
 *   Progress:  blocking, deadlock-free. Not FIFO: a thread arriving while the
 *              lock is free takes it even if others sleep (barging), which
 *              keeps the lock busy instead of idle during a wake-up, at the
 *              price of possible (rare, short) starvation of a sleeper.
 *   Ordering:  lock, a successful trylock and a successful timedlock are
 *              acquires; unlock is a release.
 *   Memory:    three 32-bit words and the flags. Static, heap, stack; with
 *              SYNC_PSHARED also MAP_SHARED memory used by several processes
 *              (all words are position-independent; the futex is then keyed
 *              by physical page). Not robust: a holder that dies leaves it
 *              locked.
 *   Safety:    any thread may lock; only the holder may unlock. Debug builds
 *              (!NDEBUG) record the holder's thread id and abort on unlock by
 *              anyone else, on unlock of an unlocked mutex and on relock by
 *              the holder; release builds check nothing and pay nothing.
 *   Cost:      uncontended lock and unlock are one atomic RMW each, inline.
 *              Unlock makes a system call only when a thread may be asleep.
 *
 * |state| (the futex word):
 *   0  unlocked
 *   1  locked, and unlock need not wake anyone: no thread has marked it 2
 *      since it was taken (a thread that took it by barging past a woken
 *      sleeper leaves 1; that sleeper, once it runs, marks it 2 or takes it)
 *   2  locked, and a thread may be asleep (or about to be): unlock must look
 *      at |waiters| and wake one if it is not zero
 * |waiters| counts threads between the increment before their first futex
 * wait and the decrement after they leave the slow path; it is never below
 * the number of threads asleep. State 2 alone would force a wake system call
 * on every unlock after contention, because the thread that takes the lock
 * after sleeping must leave 2 behind not knowing whether it was the last
 * sleeper; with the count, that unlock sees 0 and skips the call. */
#ifndef SYNC_MUTEX_H
#define SYNC_MUTEX_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include "sync/atomic.h"
#include "sync/futex.h"

typedef struct {
    sync_atomic_u32 state;   /* see above */
    sync_atomic_u32 waiters; /* private: threads in the sleeping part of the slow path */
    sync_atomic_u32 owner;   /* private: holder's thread id in debug builds, else 0 */
    unsigned flags;          /* private: 0 or SYNC_PSHARED, constant after init */
} sync_mutex_t;

#define SYNC_MUTEX_INIT \
    { SYNC_ATOMIC_INIT(0), SYNC_ATOMIC_INIT(0), SYNC_ATOMIC_INIT(0), 0 }

/* flags: 0 or SYNC_PSHARED. Returns 0 or EINVAL (unknown flags). */
int sync_mutex_init(sync_mutex_t *m, unsigned flags);

/* Waits until the absolute CLOCK_MONOTONIC deadline at most (NULL: forever).
 * Returns 0 (locked), ETIMEDOUT, or EINVAL for a malformed deadline when the
 * mutex is not free. Signals do not interrupt the wait. */
int sync_mutex_timedlock(sync_mutex_t *m, const struct timespec *abs_monotonic);

/* Internal: out-of-line halves of the inline functions below. */
void sync__mutex_wake(sync_mutex_t *m);
void sync__mutex_set_owner(sync_mutex_t *m);
void sync__mutex_check_unlock(sync_mutex_t *m);

static inline bool sync_mutex_trylock(sync_mutex_t *m)
{
    uint32_t unlocked = 0;
    /* Acquire: pairs with the release exchange in sync_mutex_unlock(). */
    if (!sync_cas_u32(&m->state, &unlocked, 1, SYNC_ACQUIRE, SYNC_RELAXED))
        return false;
#ifndef NDEBUG
    sync__mutex_set_owner(m);
#endif
    return true;
}

static inline void sync_mutex_lock(sync_mutex_t *m)
{
    if (sync_mutex_trylock(m))
        return;
    (void)sync_mutex_timedlock(m, NULL);
}

static inline void sync_mutex_unlock(sync_mutex_t *m)
{
#ifndef NDEBUG
    sync__mutex_check_unlock(m);
#endif
    /* Release: pairs with the acquire CAS/exchange that takes the lock next.
     * Seq_cst, with the load of |waiters|: a Dekker pair with the slow path's
     * seq_cst increment of |waiters| then exchange of |state|. Either we see
     * the waiter's increment, or its exchange sees our 0 and it does not
     * sleep. (On x86 the exchange is a full barrier either way.) */
    if (sync_exchange_u32(&m->state, 0, SYNC_SEQ_CST) == 2 &&
        sync_load_u32(&m->waiters, SYNC_SEQ_CST) != 0)
        sync__mutex_wake(m);
}

#endif /* SYNC_MUTEX_H */
