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
 *   Cost:      the consumer writes |head|, the producer |tail|, each on its
 *              own cache line. Each side keeps a private copy of the other's
 *              index and re-reads the shared one only when its copy says
 *              full (producer) or empty (consumer): in steady state a push
 *              or pop touches no line the other side writes except the slot.
 *              Batches move n items for one index update.
 *
 *   may run concurrently with | trypush | push_batch | trypop | pop_batch | count
 *   trypush / push_batch      |   no    |    no      |  yes   |    yes    |  yes
 *   trypop / pop_batch        |   yes   |    yes     |  no    |    no     |  yes
 *   init                      |   no    |    no      |  no    |    no     |  no
 *
 * Indices are free-running 32-bit counters (slot = index & mask); they wrap
 * at 2^32, which is a multiple of the capacity, so tail - head is always the
 * number of items. */
#ifndef SYNC_SPSC_H
#define SYNC_SPSC_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "sync/atomic.h"
#include "sync/futex.h"

/* Largest capacity init accepts (items; a power of two). */
#define SYNC_SPSC_CAPACITY_MAX (1u << 30)

struct sync_spsc {
    /* Consumer's line. */
    _Alignas(SYNC_CACHELINE) sync_atomic_u32 head; /* next index to pop */
    uint32_t tail_cache;   /* private (consumer): last |tail| it read */
    /* Producer's line. */
    _Alignas(SYNC_CACHELINE) sync_atomic_u32 tail; /* next index to push */
    uint32_t head_cache;   /* private (producer): last |head| it read */
    /* Read-only after init. */
    _Alignas(SYNC_CACHELINE) uint32_t mask; /* private: capacity - 1 */
    uint32_t capacity;
    unsigned flags;        /* private */
    _Alignas(SYNC_CACHELINE) uint64_t slots[];
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

/* Producer only. False (nothing changed) if full. */
static inline bool sync_spsc_trypush(struct sync_spsc *q, uint64_t v)
{
    uint32_t t = sync_load_u32(&q->tail, SYNC_RELAXED); /* our own index */
    if (t - q->head_cache >= q->capacity) {
        /* Acquire: pairs with the release store of |head| in trypop/pop_batch,
         * so the consumer's read of the slot we are about to reuse is done. */
        q->head_cache = sync_load_u32(&q->head, SYNC_ACQUIRE);
        if (t - q->head_cache >= q->capacity)
            return false;
    }
    q->slots[t & q->mask] = v;
    /* Release: pairs with the acquire load of |tail| in trypop/pop_batch. */
    sync_store_u32(&q->tail, t + 1, SYNC_RELEASE);
    return true;
}

/* Consumer only. False (nothing changed) if empty. */
static inline bool sync_spsc_trypop(struct sync_spsc *q, uint64_t *out)
{
    uint32_t h = sync_load_u32(&q->head, SYNC_RELAXED); /* our own index */
    if (h == q->tail_cache) {
        /* Acquire: pairs with the release store of |tail| in trypush/push_batch. */
        q->tail_cache = sync_load_u32(&q->tail, SYNC_ACQUIRE);
        if (h == q->tail_cache)
            return false;
    }
    *out = q->slots[h & q->mask];
    /* Release: pairs with the acquire load of |head| in trypush/push_batch. */
    sync_store_u32(&q->head, h + 1, SYNC_RELEASE);
    return true;
}

/* Producer only. Pushes the first k of items[0..n) that fit, in order, with
 * one index update; returns k (0 if full). */
static inline size_t sync_spsc_push_batch(struct sync_spsc *q, const uint64_t *items, size_t n)
{
    uint32_t t = sync_load_u32(&q->tail, SYNC_RELAXED);
    uint32_t room = q->capacity - (t - q->head_cache);
    if (room < n) {
        /* Acquire: pairs with the release store of |head| by the consumer. */
        q->head_cache = sync_load_u32(&q->head, SYNC_ACQUIRE);
        room = q->capacity - (t - q->head_cache);
    }
    size_t k = n < room ? n : room;
    for (size_t i = 0; i < k; i++)
        q->slots[(t + (uint32_t)i) & q->mask] = items[i];
    if (k)  /* Release: pairs with the acquire load of |tail| by the consumer. */
        sync_store_u32(&q->tail, t + (uint32_t)k, SYNC_RELEASE);
    return k;
}

/* Consumer only. Pops up to n items into out[0..k), in order, with one index
 * update; returns k (0 if empty). */
static inline size_t sync_spsc_pop_batch(struct sync_spsc *q, uint64_t *out, size_t n)
{
    uint32_t h = sync_load_u32(&q->head, SYNC_RELAXED);
    uint32_t avail = q->tail_cache - h;
    if (avail < n) {
        /* Acquire: pairs with the release store of |tail| by the producer. */
        q->tail_cache = sync_load_u32(&q->tail, SYNC_ACQUIRE);
        avail = q->tail_cache - h;
    }
    size_t k = n < avail ? n : avail;
    for (size_t i = 0; i < k; i++)
        out[i] = q->slots[(h + (uint32_t)i) & q->mask];
    if (k)  /* Release: pairs with the acquire load of |head| by the producer. */
        sync_store_u32(&q->head, h + (uint32_t)k, SYNC_RELEASE);
    return k;
}

/* Items in the ring: a snapshot, stale at once unless both sides are idle. */
static inline uint32_t sync_spsc_count(const struct sync_spsc *q)
{
    uint32_t h = sync_load_u32(&q->head, SYNC_ACQUIRE); /* pairs with the consumer's release */
    uint32_t t = sync_load_u32(&q->tail, SYNC_ACQUIRE); /* pairs with the producer's release */
    return t - h;
}

#endif /* SYNC_SPSC_H */
