/* sync/tas.h - test-and-set spin lock.
 *
 * CONTRACT
 *   Progress:  deadlock-free, not starvation-free: nothing orders the
 *              waiters, whoever's exchange lands first after the unlock wins.
 *   Fairness:  none. Under contention every waiter writes the lock line on
 *              every attempt (an exchange is a write even when it fails), so
 *              the line bounces between cores and the holder's own unlock
 *              queues behind the waiters' writes: the slowest lock here, kept
 *              as the baseline the others improve on.
 *   Ordering:  lock is an acquire, unlock a release: everything written in one
 *              critical section is visible in the next.
 *   Memory:    one 32-bit word; static, heap, stack or MAP_SHARED memory
 *              (usable across processes as is).
 *   Safety:    any thread may call trylock/lock; unlock only by the holder
 *              (not checked: spin locks have no owner field).
 *   Oversubscription: waiters yield the CPU after SYNC__SPIN_LIMIT rounds. */
#ifndef SYNC_TAS_H
#define SYNC_TAS_H

#include <stdbool.h>
#include "sync/annotate.h"
#include "sync/atomic.h"

typedef struct {
    sync_atomic_u32 locked; /* 0 free, 1 held */
} sync_tas_t;

#define SYNC_TAS_INIT { SYNC_ATOMIC_INIT(0) }

static inline int sync_tas_init(sync_tas_t *l)
{
    sync_store_u32(&l->locked, 0, SYNC_RELAXED);
    SYNC_ANN_LOCK_INIT(l, sizeof *l);
    return 0;
}

static inline bool sync_tas_trylock(sync_tas_t *l)
{
    /* Acquire: pairs with the release store in sync_tas_unlock(). */
    if (sync_exchange_u32(&l->locked, 1, SYNC_ACQUIRE) != 0)
        return false;
    SYNC_ANN_LOCK_ACQUIRED(l, 1);
    return true;
}

/* The other half of sync_tas_lock(): the first exchange found it held
 * (its old value 1), or it took the lock (0) under Helgrind or DRD: |word| is
 * the exchange's result folded with the flag (sync/annotate.h). */
SYNC__SLOW_PATH void sync__tas_lock_slow(sync_tas_t *l, uint32_t word)
{
    uint32_t old = SYNC_ANN_UNFOLD(word);
    unsigned rounds = 0;
    /* Acquire: pairs with the release store in sync_tas_unlock(). */
    while (old != 0) {
        sync__spin_wait(&rounds);
        old = sync_exchange_u32(&l->locked, 1, SYNC_ACQUIRE);
    }
    SYNC_ANN_LOCK_ACQUIRED(l, 1);
}

static inline void sync_tas_lock(sync_tas_t *l)
{
    /* Acquire: pairs with the release store in sync_tas_unlock(). */
    uint32_t word = SYNC_ANN_FOLD(sync_exchange_u32(&l->locked, 1, SYNC_ACQUIRE));
    if (__builtin_expect(word != 0, 0))
        sync__tas_lock_slow(l, word);
}

static inline void sync_tas_unlock(sync_tas_t *l)
{
    SYNC_ANN_LOCK_RELEASED(l, 1);
    /* Release: pairs with the acquire exchange in sync_tas_lock/trylock. */
    sync_store_u32(&l->locked, 0, SYNC_RELEASE);
}

#endif /* SYNC_TAS_H */
