/* sync/barrier.h - reusable generation-counting barrier, spin then sleep.
 *
 * CONTRACT
 *   Progress:  blocking: nobody leaves round r before all |parties| threads
 *              arrived in round r. Reusable for any number of rounds without
 *              re-initialisation; a thread may call wait again as soon as it
 *              left the previous round.
 *   Ordering:  everything a party wrote before its wait() in round r is
 *              visible to every party after its wait() of round r returns
 *              (each arrival is a release, the last arrival an acquire, and
 *              its generation bump a release that every leaver acquires).
 *   Memory:    static, heap, stack; with SYNC_PSHARED also MAP_SHARED memory
 *              shared by processes. The words waiters poll sit on their own
 *              cache line, away from the arrival counter.
 *   Safety:    exactly |parties| threads per round; a barrier must not be
 *              re-initialised or destroyed while a round is in progress.
 *   Use:       the labs' START BARRIER. A futex wake-up takes tens of us on
 *              this kind of machine, long enough for a short loop to finish
 *              before the other threads even run; a waiter that spins on the
 *              generation leaves within a cache miss of the last arrival, so
 *              all threads really start together. |spin| polls (each with
 *              sync_cpu_relax) are made before parking on the futex; 0 parks
 *              at once. While spinning, a waiter yields its CPU every
 *              SYNC__BARRIER_YIELD_EVERY polls, so that with more threads
 *              than cores the parties still to arrive get to run.
 *
 * |gen|      round number (the futex word); the last arrival increments it.
 * |arrived|  arrivals in the current round; reset to 0 by the last arrival
 *            before it publishes the new |gen|.
 * |sleepers| threads parked or about to park on |gen|; the last arrival makes
 *            the wake system call only when it is not zero. */
#ifndef SYNC_BARRIER_H
#define SYNC_BARRIER_H

#include <stdbool.h>
#include "sync/annotate.h"
#include "sync/atomic.h"
#include "sync/futex.h"

#define SYNC__BARRIER_YIELD_EVERY 256u

typedef struct {
    sync_atomic_u32 arrived;   /* private */
    unsigned parties;          /* private: constant after init */
    unsigned spin;             /* private: constant after init */
    unsigned flags;            /* private: 0 or SYNC_PSHARED */
    char pad_[SYNC_CACHELINE - 4 * sizeof(unsigned)];
    sync_atomic_u32 gen;       /* private */
    sync_atomic_u32 sleepers;  /* private */
} sync_barrier_t;

#define SYNC_BARRIER_INIT(parties_, spin_) \
    { .arrived = SYNC_ATOMIC_INIT(0), .parties = (parties_), .spin = (spin_), .flags = 0, \
      .gen = SYNC_ATOMIC_INIT(0), .sleepers = SYNC_ATOMIC_INIT(0) }

/* flags: 0 or SYNC_PSHARED. Returns 0, or EINVAL for 0 parties or unknown
 * flags. */
int sync_barrier_init(sync_barrier_t *b, unsigned parties, unsigned spin, unsigned flags);

/* Returns true in exactly one party per round (the last to arrive), which can
 * do per-round work such as resetting shared state. */
bool sync_barrier_wait(sync_barrier_t *b);

#endif /* SYNC_BARRIER_H */
