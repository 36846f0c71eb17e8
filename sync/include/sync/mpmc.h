/* sync/mpmc.h - bounded multi-producer/multi-consumer queue of uint64_t,
 * with a sequence number per slot (after Dmitry Vyukov's bounded MPMC queue).
 *
 * CONTRACT
 *   Producers: any number.  Consumers: any number.
 *   Progress:  no lock, but not lock-free in the strict sense: a producer
 *              that claimed a slot (its CAS on |tail| won) and then stalls
 *              before publishing it makes consumers that reach that slot see
 *              "empty" until it resumes, and a stalled consumer likewise
 *              holds its slot "full" for producers a lap later. A stalled
 *              thread can delay the others; it cannot corrupt the queue, lose
 *              or duplicate an item. Each try operation retries its CAS only
 *              while it sees others succeed (each failure means another
 *              thread moved the index): lock-free among running threads.
 *   Ordering:  FIFO in the order of the CAS on |tail| (producers) and on
 *              |head| (consumers), hence per-producer FIFO. The trypush that
 *              fills a slot is a release, the trypop that empties it an acquire.
 *              Items are linearizable; "empty" and "full" are not: with
 *              producer A between its claim of position p and its write, and
 *              B done with p+1, a trypop reports empty although B's push has
 *              completed (tests/queue_check.h checks items only, for that).
 *   Memory:    one block of sync_mpmc_size(capacity) bytes, no pointers
 *              inside: static, heap or a MAP_SHARED segment shared by any
 *              number of processes (init once, before anyone starts).
 *   Cost:      one CAS on a shared index per operation (producers share
 *              |tail|, consumers |head|, on separate cache lines), plus the
 *              slot's line. No system call ever; callers that must wait spin
 *              and yield (see the bench and the lab).
 *
 *   may run concurrently with | trypush | trypop | count
 *   trypush                   |   yes   |  yes   |  yes
 *   trypop                    |   yes   |  yes   |  yes
 *   init                      |   no    |  no    |  no
 *
 * THE SLOT SEQUENCE (cell.seq, for the slot at index i of lap L, i.e. for
 * queue positions p = L * capacity + i):
 *   seq == p                 free, waiting for the producer of position p
 *   seq == p + 1             full, holding position p's item for its consumer
 *   seq == p + capacity      emptied, now free for position p + capacity
 * A producer at position p compares seq with p: equal, it may claim p (CAS
 * tail p -> p+1) and then owns the slot; smaller, the slot still holds the
 * item of lap L-1 (full); larger, another producer took p first (reload tail).
 * Capacity 1 cannot tell "full for p" (p+1) from "free for p+1", hence >= 2. */
#ifndef SYNC_MPMC_H
#define SYNC_MPMC_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "sync/annotate.h"
#include "sync/atomic.h"
#include "sync/futex.h"

/* Capacity bounds init accepts (items; a power of two). */
#define SYNC_MPMC_CAPACITY_MIN 2u
#define SYNC_MPMC_CAPACITY_MAX (1u << 30)

struct sync_mpmc_cell {
    sync_atomic_u64 seq; /* private: see THE SLOT SEQUENCE */
    uint64_t value;      /* private: owned by whoever the seq says */
};

struct sync_mpmc {
    _Alignas(SYNC_CACHELINE) sync_atomic_u64 tail; /* next position to push */
    _Alignas(SYNC_CACHELINE) sync_atomic_u64 head; /* next position to pop */
    _Alignas(SYNC_CACHELINE) uint64_t mask;        /* private: capacity - 1 */
    uint32_t capacity;
    unsigned flags;                                /* private */
    _Alignas(SYNC_CACHELINE) struct sync_mpmc_cell cells[];
};

/* Bytes to allocate for a queue of |capacity| items, a multiple of
 * SYNC_CACHELINE (aligned_alloc-ready); 0 if out of range. */
size_t sync_mpmc_size(uint32_t capacity);

/* |q| points to sync_mpmc_size(capacity) bytes. flags: 0 or SYNC_PSHARED
 * (accepted for symmetry: atomics only, works across processes either way).
 * Returns 0, or EINVAL if capacity is below SYNC_MPMC_CAPACITY_MIN, not a
 * power of two or above SYNC_MPMC_CAPACITY_MAX, or flags are unknown. */
int sync_mpmc_init(struct sync_mpmc *q, uint32_t capacity, unsigned flags);

/* False (nothing changed) if the queue is full at the slot this producer would
 * take: really full, or its consumer from the last lap has not finished. */
static inline bool sync_mpmc_trypush(struct sync_mpmc *q, uint64_t v)
{
    uint64_t pos = sync_load_u64(&q->tail, SYNC_RELAXED);
    for (;;) {
        struct sync_mpmc_cell *c = &q->cells[pos & q->mask];
        /* Acquire: pairs with the release store of |seq| by the consumer
         * that emptied this slot a lap ago (its read of value is done). */
        uint64_t seq = sync_load_u64(&c->seq, SYNC_ACQUIRE);
        int64_t dif = (int64_t)(seq - pos);
        if (dif == 0) {
            /* Relaxed: the slot's seq carries the ordering, not |tail|. */
            if (sync_cas_u64(&q->tail, &pos, pos + 1, SYNC_RELAXED, SYNC_RELAXED)) {
                SYNC_ANN_HAPPENS_AFTER(q);    /* the pop that emptied it */
                c->value = v;
                SYNC_ANN_HAPPENS_BEFORE(q);   /* to the pop that takes it */
                /* Release: pairs with the acquire load of |seq| in trypop. */
                sync_store_u64(&c->seq, pos + 1, SYNC_RELEASE);
                return true;
            }
            /* CAS failed: pos now holds the current tail; try that slot. */
        } else if (dif < 0) {
            return false;   /* full */
        } else {
            pos = sync_load_u64(&q->tail, SYNC_RELAXED);
        }
    }
}

/* False (nothing changed) if the queue is empty at the slot this consumer
 * would take: really empty, or its producer has claimed it but not yet written. */
static inline bool sync_mpmc_trypop(struct sync_mpmc *q, uint64_t *out)
{
    uint64_t pos = sync_load_u64(&q->head, SYNC_RELAXED);
    for (;;) {
        struct sync_mpmc_cell *c = &q->cells[pos & q->mask];
        /* Acquire: pairs with the release store of |seq| in trypush. */
        uint64_t seq = sync_load_u64(&c->seq, SYNC_ACQUIRE);
        int64_t dif = (int64_t)(seq - (pos + 1));
        if (dif == 0) {
            /* Relaxed: the slot's seq carries the ordering, not |head|. */
            if (sync_cas_u64(&q->head, &pos, pos + 1, SYNC_RELAXED, SYNC_RELAXED)) {
                SYNC_ANN_HAPPENS_AFTER(q);    /* the push that filled it */
                *out = c->value;
                SYNC_ANN_HAPPENS_BEFORE(q);   /* to the push a lap later */
                /* Release: pairs with the acquire load of |seq| in trypush a
                 * lap later. */
                sync_store_u64(&c->seq, pos + q->mask + 1, SYNC_RELEASE);
                return true;
            }
        } else if (dif < 0) {
            return false;   /* empty */
        } else {
            pos = sync_load_u64(&q->head, SYNC_RELAXED);
        }
    }
}

/* Positions claimed by producers minus those claimed by consumers: a
 * snapshot, exact only when no operation is in flight. */
static inline uint64_t sync_mpmc_count(const struct sync_mpmc *q)
{
    uint64_t h = sync_load_u64(&q->head, SYNC_RELAXED);
    uint64_t t = sync_load_u64(&q->tail, SYNC_RELAXED);
    return t > h ? t - h : 0;
}

#endif /* SYNC_MPMC_H */
