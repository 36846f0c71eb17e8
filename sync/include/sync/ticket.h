/* sync/ticket.h - FIFO ticket spin lock, backing off by queue distance.
 *
 * CONTRACT
 *   Progress:  starvation-free: a thread that took ticket t gets the lock
 *              after exactly the t - owner threads ahead of it.
 *   Fairness:  strict FIFO in the order of the fetch_add on |next|. The price
 *              of fairness: the lock is handed to one specific thread, and if
 *              that thread is not running (more threads than cores) nobody can
 *              take the lock until the scheduler runs it. Waiters therefore
 *              give their CPU away early, sooner the further back they are.
 *   Ordering:  lock is an acquire, unlock a release.
 *   Memory:    two 32-bit counters on separate cache lines (arrivals write
 *              |next|, waiters poll |owner|: apart, an arrival does not steal
 *              the line every waiter is polling). Static, heap, stack or
 *              MAP_SHARED memory.
 *   Safety:    unlock only by the holder (not checked). The counters wrap at
 *              2^32; only a thread that sleeps through 2^32 acquisitions
 *              between its two reads in trylock could be fooled.
 *   Backoff:   by the distance d = ticket - owner. The next in
 *              line (d = 1) polls every SYNC__TICKET_BACKOFF pause hints and
 *              yields only if |owner| has not moved for SYNC__TICKET_STALL
 *              polls (the holder is probably preempted). Waiters further back
 *              cannot be served before d - 1 hand-overs, so they call
 *              sched_yield() between polls: it costs little when a CPU is
 *              free, and when threads outnumber cores it lets the holder and
 *              the next in line run. Measured on 2 cores, 8 threads x 100000
 *              lock/unlock: 28 s when every waiter spun about 50 us before
 *              yielding, 0.7-2 s with this policy. */
#ifndef SYNC_TICKET_H
#define SYNC_TICKET_H

#include <stdbool.h>
#include "sync/annotate.h"
#include "sync/atomic.h"

#ifndef SYNC__TICKET_BACKOFF
#define SYNC__TICKET_BACKOFF 4u     /* pauses between polls when next in line */
#endif
#ifndef SYNC__TICKET_STALL
#define SYNC__TICKET_STALL 128u     /* polls without progress before yielding */
#endif

typedef struct {
    sync_atomic_u32 next;  /* next ticket to hand out */
    char pad_[SYNC_CACHELINE - sizeof(sync_atomic_u32)]; /* private */
    sync_atomic_u32 owner; /* ticket being served; written only by the holder */
} sync_ticket_t;

#define SYNC_TICKET_INIT { .next = SYNC_ATOMIC_INIT(0), .owner = SYNC_ATOMIC_INIT(0) }

static inline int sync_ticket_init(sync_ticket_t *l)
{
    sync_store_u32(&l->next, 0, SYNC_RELAXED);
    sync_store_u32(&l->owner, 0, SYNC_RELAXED);
    SYNC_ANN_LOCK_INIT(l, sizeof *l);
    return 0;
}

static inline bool sync_ticket_trylock(sync_ticket_t *l)
{
    /* Acquire: pairs with the release store of |owner| in sync_ticket_unlock(). */
    uint32_t o = sync_load_u32(&l->owner, SYNC_ACQUIRE);
    uint32_t n = o;
    /* Take ticket o only if it is the next one to be handed out: then nobody
     * holds the lock or queues for it. |owner| cannot have moved since we
     * read it, since it never passes |next|. Relaxed: the load above acquired. */
    if (!sync_cas_u32(&l->next, &n, o + 1, SYNC_RELAXED, SYNC_RELAXED))
        return false;
    SYNC_ANN_LOCK_ACQUIRED(l, 1);
    return true;
}

/* The other half of sync_ticket_lock(): ticket t is not served yet, or it
 * is and this runs under Helgrind or DRD. */
SYNC__SLOW_PATH void sync__ticket_wait(sync_ticket_t *l, uint32_t t)
{
    uint32_t last = t;    /* |owner| at the previous poll (t: none yet) */
    unsigned stalled = 0; /* polls since |owner| last moved */
    for (;;) {
        /* Acquire: pairs with the release store of |owner| in sync_ticket_unlock(). */
        uint32_t cur = sync_load_u32(&l->owner, SYNC_ACQUIRE);
        uint32_t d = t - cur;
        if (d == 0) {
            SYNC_ANN_LOCK_ACQUIRED(l, 1);
            return;
        }
        if (cur != last) {
            last = cur;
            stalled = 0;
        }
        if (d > 1) {
            /* Not next: at least d - 1 hand-overs must happen first, and each
             * needs the holder and the next in line on a CPU. Give ours away
             * between polls (a sched_yield with nobody else to run is just a
             * long pause, about 0.5 us here). */
            sched_yield();
        } else if (stalled < SYNC__TICKET_STALL) {
            stalled++;
            for (unsigned i = 0; i < SYNC__TICKET_BACKOFF; i++)
                sync_cpu_relax();
        } else {
            /* Next in line, but the holder has not let go for a while: it is
             * probably preempted. Let it run. */
            sched_yield();
        }
    }
}

static inline void sync_ticket_lock(sync_ticket_t *l)
{
    /* Relaxed: taking a ticket orders nothing, the acquire is on |owner|. */
    uint32_t t = sync_fetch_add_u32(&l->next, 1, SYNC_RELAXED);
    /* Acquire: pairs with the release store of |owner| in sync_ticket_unlock(). */
    if (__builtin_expect(sync_load_u32(&l->owner, SYNC_ACQUIRE) != t + SYNC_ANN_BIAS, 0))
        sync__ticket_wait(l, t);   /* (or served, under Helgrind or DRD: it annotates) */
}

static inline void sync_ticket_unlock(sync_ticket_t *l)
{
    /* Only the holder writes |owner|, so a load and a store do (no RMW).
     * Release: pairs with the acquire loads of |owner| in lock/trylock. */
    SYNC_ANN_LOCK_RELEASED(l, 1);   /* first: the load and store then fuse into one add */
    uint32_t o = sync_load_u32(&l->owner, SYNC_RELAXED);
    sync_store_u32(&l->owner, o + 1, SYNC_RELEASE);
}

#endif /* SYNC_TICKET_H */
