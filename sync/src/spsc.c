/* spsc.c - sizing and set-up of the SPSC ring; the operations are inline in
 * sync/spsc.h. */
#include <string.h>
#include "sync/spsc.h"

/* Sizes are whole cache lines, so aligned_alloc(SYNC_CACHELINE, size) takes them. */
static size_t sync__round_line(size_t n)
{
    return (n + SYNC_CACHELINE - 1) / SYNC_CACHELINE * SYNC_CACHELINE;
}

static bool spsc_capacity_ok(uint32_t capacity)
{
    return capacity != 0 && capacity <= SYNC_SPSC_CAPACITY_MAX &&
           (capacity & (capacity - 1)) == 0;
}

size_t sync_spsc_size(uint32_t capacity)
{
    if (!spsc_capacity_ok(capacity))
        return 0;
    return sync__round_line(sizeof(struct sync_spsc) + (size_t)capacity * sizeof(uint64_t));
}

int sync_spsc_init(struct sync_spsc *q, uint32_t capacity, unsigned flags)
{
    if (!spsc_capacity_ok(capacity) || (flags & ~SYNC_PSHARED))
        return EINVAL;
    sync_store_u32(&q->head, 0, SYNC_RELAXED);
    sync_store_u32(&q->tail, 0, SYNC_RELAXED);
    q->tail_cache = 0;
    q->head_cache = 0;
    q->mask = capacity - 1;
    q->capacity = capacity;
    q->flags = flags;
    /* Not needed for correctness (a slot is read only after it is written);
     * it makes a fresh segment's pages resident before the clock starts. */
    memset(q->slots, 0, (size_t)capacity * sizeof(uint64_t));
    return 0;
}
