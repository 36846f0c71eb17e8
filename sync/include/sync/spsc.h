/* sync/spsc.h - bounded single-producer/single-consumer ring of uint64_t.
 *
 * CONTRACT
 *   Producers: 1.  Consumers: 1.  (Two producers, or two consumers, corrupt
 *              it: each side's index is a plain read-modify-write of its own.)
 *   Progress:  wait-free: every call finishes in a bounded number of its own
 *              steps, whatever the other side does. trypush fails only when
 *              the ring is full, trypop only when it is empty.
 *   Ordering:  FIFO. A trypush is a release, the trypop that takes that item
 *              an acquire: what the producer wrote before pushing is visible
 *              to the consumer after popping it.
 *   Memory:    one block of sync_spsc_size(capacity) bytes, no pointers
 *              inside: static, heap or a MAP_SHARED segment shared by two
 *              processes (init once, before either side starts).
 *   Cost:      each side touches only the slot it is about to use, and the
 *              slot says by itself whether it is free or holds an item (its
 *              |seq|, below): neither side reads the other's index, so the
 *              one line that moves between them per transfer is the slot's
 *              own (four slots to a line). The indices, one per side on its
 *              own cache line, are read by count only. Batches check and
 *              publish slot by slot like single calls, with one index update.
 *
 *   may run concurrently with | trypush | push_batch | trypop | pop_batch | count
 *   trypush / push_batch      |   no    |    no      |  yes   |    yes    |  yes
 *   trypop / pop_batch        |   yes   |    yes     |  no    |    no     |  yes
 *   init                      |   no    |    no      |  no    |    no     |  no
 *
 * WHY NO CACHED INDICES. In Lamport's ring with cached indices each side
 * re-reads the other's index whenever its copy runs out. Once one side has
 * caught up with the other (the ring near empty, or near full), the copy
 * runs out every few items, the index line crosses between the cores that
 * often, and its owner must take it back before each of its next stores:
 * the owner slows down, so the ring stays near empty (near full). That mode
 * is stable, and whether a run falls into it is chance. Here the hand-over
 * is the slot alone (Vyukov's bounded queue does the same for many
 * producers with a CAS; one producer and one consumer need none). The price:
 * slots of 16 bytes instead of 8, the consumer writes each slot it frees
 * (a slot line crosses twice per lap, not once), and batches save only the
 * index stores, not one store per item.
 *
 * THE SLOT WORD. Each slot's |seq| holds twice an index, plus one if full:
 *   seq == 2 * i       free: the push of index i may write it
 *   seq == 2 * i + 1   full: holds the item of index i, for the pop of i
 * init sets slot j to 2 * j; the push of i sets 2 * i + 1; the pop of i sets
 * 2 * (i + capacity), the push that comes next to this slot. The parity keeps
 * free and full apart at every capacity, 1 included.
 *
 * Indices are free-running 32-bit counters (slot = index & mask); they wrap
 * at 2^32, which is a multiple of the capacity, so tail - head is always the
 * number of items; seq keeps an index modulo 2^31, more than the capacity,
 * so a slot's two possible indices (i and i + capacity) never look alike. */
#ifndef SYNC_SPSC_H
#define SYNC_SPSC_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "sync/annotate.h"
#include "sync/atomic.h"
#include "sync/futex.h"

/* Largest capacity init accepts (items; a power of two). */
#define SYNC_SPSC_CAPACITY_MAX (1u << 30)

struct sync_spsc_slot {
    sync_atomic_u32 seq;   /* private: see THE SLOT WORD */
    uint32_t pad;          /* private */
    uint64_t value;        /* private: written before seq says full */
};

struct sync_spsc {
    /* Consumer's line: its index, read by count. */
    _Alignas(SYNC_CACHELINE) sync_atomic_u32 head; /* next index to pop */
    /* Producer's line: its index, read by count. */
    _Alignas(SYNC_CACHELINE) sync_atomic_u32 tail; /* next index to push */
    /* Read-only after init. */
    _Alignas(SYNC_CACHELINE) uint32_t mask; /* private: capacity - 1 */
    uint32_t capacity;
    unsigned flags;        /* private */
    _Alignas(SYNC_CACHELINE) struct sync_spsc_slot slots[];
};

/* Bytes to allocate for a ring of |capacity| items, a multiple of
 * SYNC_CACHELINE (aligned_alloc-ready); 0 if capacity is out of range, so
 * that a caller that forgets to check init cannot overflow. */
size_t sync_spsc_size(uint32_t capacity);

/* |q| points to sync_spsc_size(capacity) bytes. flags: 0 or SYNC_PSHARED
 * (accepted for symmetry: the ring is atomics only and works across processes
 * either way). Returns 0, or EINVAL if capacity is 0, not a power of two or
 * above SYNC_SPSC_CAPACITY_MAX, or flags are unknown. */
int sync_spsc_init(struct sync_spsc *q, uint32_t capacity, unsigned flags);

/* Internal: the slot of index |i|. */
static inline struct sync_spsc_slot *sync__spsc_slot(struct sync_spsc *q, uint32_t i)
{
    return &q->slots[i & q->mask];
}

/* Internal: true if the push of index |t| may write its slot. */
static inline bool sync__spsc_free(struct sync_spsc *q, uint32_t t)
{
    /* Acquire: pairs with the release store of |seq| in trypop/pop_batch, so
     * the consumer's read of the item this slot held is done before we write. */
    return sync_load_u32(&sync__spsc_slot(q, t)->seq, SYNC_ACQUIRE) == 2u * t;
}

/* Internal: true if the slot of index |h| holds its item. */
static inline bool sync__spsc_full(struct sync_spsc *q, uint32_t h)
{
    /* Acquire: pairs with the release store of |seq| in trypush/push_batch,
     * so the item's value (and what the producer wrote before) is visible. */
    return sync_load_u32(&sync__spsc_slot(q, h)->seq, SYNC_ACQUIRE) == 2u * h + 1u;
}

/* Producer only. False (nothing changed) if full. */
static inline bool sync_spsc_trypush(struct sync_spsc *q, uint64_t v)
{
    uint32_t t = sync_load_u32(&q->tail, SYNC_RELAXED); /* our own index */
    if (!sync__spsc_free(q, t))
        return false;   /* the pop of t - capacity has not happened: full */
    struct sync_spsc_slot *s = sync__spsc_slot(q, t);
    SYNC_ANN_HAPPENS_AFTER(q);    /* the pop that emptied it */
    s->value = v;
    SYNC_ANN_HAPPENS_BEFORE(q);   /* to the pop that takes it */
    /* Relaxed: the release below orders it for count (see there). */
    sync_store_u32(&q->tail, t + 1, SYNC_RELAXED);
    /* Release: pairs with the acquire load of |seq| in trypop/pop_batch. */
    sync_store_u32(&s->seq, 2u * t + 1u, SYNC_RELEASE);
    return true;
}

/* Consumer only. False (nothing changed) if empty. */
static inline bool sync_spsc_trypop(struct sync_spsc *q, uint64_t *out)
{
    uint32_t h = sync_load_u32(&q->head, SYNC_RELAXED); /* our own index */
    if (!sync__spsc_full(q, h))
        return false;   /* the push of h has not happened: empty */
    struct sync_spsc_slot *s = sync__spsc_slot(q, h);
    SYNC_ANN_HAPPENS_AFTER(q);    /* the push that filled it */
    *out = s->value;
    SYNC_ANN_HAPPENS_BEFORE(q);   /* to the push that refills it */
    /* Release: pairs with the acquire load of |head| in count. */
    sync_store_u32(&q->head, h + 1, SYNC_RELEASE);
    /* Release: pairs with the acquire load of |seq| in trypush/push_batch. */
    sync_store_u32(&s->seq, 2u * (h + q->capacity), SYNC_RELEASE);
    return true;
}

/* Producer only. Pushes the first k of items[0..n) that fit, in order, with
 * one index update; returns k (0 if full). */
static inline size_t sync_spsc_push_batch(struct sync_spsc *q, const uint64_t *items, size_t n)
{
    uint32_t t = sync_load_u32(&q->tail, SYNC_RELAXED);
    size_t k = 0;
    while (k < n && sync__spsc_free(q, t + (uint32_t)k))
        k++;   /* stops at capacity at the latest: that slot is t's, not free for t + k */
    if (k == 0)
        return 0;
    /* Relaxed: the releases below order it for count (see there). */
    sync_store_u32(&q->tail, t + (uint32_t)k, SYNC_RELAXED);
    for (size_t i = 0; i < k; i++) {
        uint32_t ti = t + (uint32_t)i;
        SYNC_ANN_HAPPENS_AFTER(q);
        sync__spsc_slot(q, ti)->value = items[i];
        SYNC_ANN_HAPPENS_BEFORE(q);
        /* Release: pairs with the acquire load of |seq| in trypop/pop_batch. */
        sync_store_u32(&sync__spsc_slot(q, ti)->seq, 2u * ti + 1u, SYNC_RELEASE);
    }
    return k;
}

/* Consumer only. Pops up to n items into out[0..k), in order, with one index
 * update; returns k (0 if empty). */
static inline size_t sync_spsc_pop_batch(struct sync_spsc *q, uint64_t *out, size_t n)
{
    uint32_t h = sync_load_u32(&q->head, SYNC_RELAXED);
    size_t k = 0;
    while (k < n && sync__spsc_full(q, h + (uint32_t)k)) {
        SYNC_ANN_HAPPENS_AFTER(q);
        out[k] = sync__spsc_slot(q, h + (uint32_t)k)->value;
        SYNC_ANN_HAPPENS_BEFORE(q);
        k++;   /* stops at capacity at the latest: that slot still holds h */
    }
    if (k == 0)
        return 0;
    /* Release: pairs with the acquire load of |head| in count. */
    sync_store_u32(&q->head, h + (uint32_t)k, SYNC_RELEASE);
    for (size_t i = 0; i < k; i++) {
        uint32_t hi = h + (uint32_t)i;
        /* Release: pairs with the acquire load of |seq| in trypush/push_batch. */
        sync_store_u32(&sync__spsc_slot(q, hi)->seq, 2u * (hi + q->capacity), SYNC_RELEASE);
    }
    return k;
}

/* Items in the ring: a snapshot, stale at once unless both sides are idle.
 * Never "negative": the consumer popped index h only after the acquire of
 * h's slot word, which the producer released after storing tail > h, so a
 * count that sees head == h + 1 sees that tail too. */
static inline uint32_t sync_spsc_count(const struct sync_spsc *q)
{
    /* Acquire: pairs with the consumer's release store of |head|. */
    uint32_t h = sync_load_u32(&q->head, SYNC_ACQUIRE);
    uint32_t t = sync_load_u32(&q->tail, SYNC_RELAXED); /* ordered by the acquire above */
    return t - h;
}

#endif /* SYNC_SPSC_H */
