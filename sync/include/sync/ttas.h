/* sync/ttas.h - test-and-test-and-set spin lock with exponential backoff.
 *
 * CONTRACT
 *   Progress:  deadlock-free, not starvation-free.
 *   Fairness:  none; backoff even favours the thread that just unlocked (its
 *              next lock() finds the line in its own cache).
 *   Why better than TAS: waiters look at the lock with a plain load, which
 *              hits their own cached copy of the line until the holder's
 *              unlock invalidates it, and try the exchange (a write) only when
 *              it looks free. Between looks a waiter backs off for 1, 2, 4,
 *              ... SYNC__TTAS_BACKOFF_MAX pause hints, so the longer the lock
 *              stays busy the less the waiters disturb its holder; on 2 cores
 *              this runs 2 threads x 1e6 at about 7-10 ns per lock/unlock,
 *              against about 20 for pthread_mutex.
 *   Ordering:  lock is an acquire, unlock a release.
 *   Memory:    one 32-bit word; static, heap, stack or MAP_SHARED memory.
 *   Safety:    unlock only by the holder (not checked).
 *   Oversubscription: at the backoff cap every wait also yields the CPU. */
#ifndef SYNC_TTAS_H
#define SYNC_TTAS_H

#include <stdbool.h>
#include "sync/annotate.h"
#include "sync/atomic.h"

/* Cap of the backoff, in pause hints (about 26 ns each on the reference
 * machine, so 256 is about 7 us, and the first yield comes after about 13 us). */
#ifndef SYNC__TTAS_BACKOFF_MAX
#define SYNC__TTAS_BACKOFF_MAX 256u
#endif

typedef struct {
    sync_atomic_u32 locked; /* 0 free, 1 held */
} sync_ttas_t;

#define SYNC_TTAS_INIT { SYNC_ATOMIC_INIT(0) }

static inline int sync_ttas_init(sync_ttas_t *l)
{
    sync_store_u32(&l->locked, 0, SYNC_RELAXED);
    SYNC_ANN_LOCK_INIT(l, sizeof *l);
    return 0;
}

static inline bool sync_ttas_trylock(sync_ttas_t *l)
{
    /* Test first so a failing trylock does not steal the line from the
     * holder. Acquire on the exchange: pairs with sync_ttas_unlock(). */
    if (sync_load_u32(&l->locked, SYNC_RELAXED) != 0 ||
        sync_exchange_u32(&l->locked, 1, SYNC_ACQUIRE) != 0)
        return false;
    SYNC_ANN_LOCK_ACQUIRED(l, 1);
    return true;
}

/* The other half of sync_ttas_lock(): the first exchange found it held
 * (its old value 1), or it took the lock (0) under Helgrind or DRD: |word| is
 * the exchange's result folded with the flag (sync/annotate.h). */
SYNC__SLOW_PATH void sync__ttas_lock_slow(sync_ttas_t *l, uint32_t word)
{
    uint32_t old = SYNC_ANN_UNFOLD(word);
    unsigned backoff = 1;
    while (old != 0) {
        /* Busy: wait, then look (relaxed: the exchange below re-acquires).
         * The wait doubles on every busy look, so a waiter that keeps
         * finding the lock taken reads the line less and less often and the
         * holder keeps it in its cache. At the cap the wait also yields the
         * CPU, for the holder may be preempted. */
        do {
            for (unsigned i = 0; i < backoff; i++)
                sync_cpu_relax();
            if (backoff < SYNC__TTAS_BACKOFF_MAX)
                backoff <<= 1;
            else
                sched_yield();
        } while (sync_load_u32(&l->locked, SYNC_RELAXED) != 0);
        /* Acquire: pairs with the release store in sync_ttas_unlock(). */
        old = sync_exchange_u32(&l->locked, 1, SYNC_ACQUIRE);
    }
    SYNC_ANN_LOCK_ACQUIRED(l, 1);
}

static inline void sync_ttas_lock(sync_ttas_t *l)
{
    /* Acquire: pairs with the release store in sync_ttas_unlock(). */
    uint32_t word = SYNC_ANN_FOLD(sync_exchange_u32(&l->locked, 1, SYNC_ACQUIRE));
    if (__builtin_expect(word != 0, 0))
        sync__ttas_lock_slow(l, word);
}

static inline void sync_ttas_unlock(sync_ttas_t *l)
{
    SYNC_ANN_LOCK_RELEASED(l, 1);
    /* Release: pairs with the acquire exchange in sync_ttas_lock/trylock. */
    sync_store_u32(&l->locked, 0, SYNC_RELEASE);
}

#endif /* SYNC_TTAS_H */
