/* spsc.c - sizing and set-up of the SPSC ring; the operations are inline in
 * sync/spsc.h. */
#include <stdint.h>
#include "sync/spsc.h"

/* Sizes are whole cache lines, so aligned_alloc(SYNC_CACHELINE, size) takes them. */
static size_t sync__round_line(size_t n)
{
    return (n + SYNC_CACHELINE - 1) / SYNC_CACHELINE * SYNC_CACHELINE;
}

static bool spsc_capacity_ok(uint32_t capacity)
{
    size_t room = (SIZE_MAX - sizeof(struct sync_spsc) - SYNC_CACHELINE) /
                  sizeof(struct sync_spsc_slot);   /* what size_t can count */
    return capacity != 0 && capacity <= SYNC_SPSC_CAPACITY_MAX &&
           (capacity & (capacity - 1)) == 0 && capacity <= room;
}

size_t sync_spsc_size(uint32_t capacity)
{
    if (!spsc_capacity_ok(capacity))
        return 0;
    return sync__round_line(sizeof(struct sync_spsc) +
                            (size_t)capacity * sizeof(struct sync_spsc_slot));
}

int sync_spsc_init(struct sync_spsc *q, uint32_t capacity, unsigned flags)
{
    if (!spsc_capacity_ok(capacity) || (flags & ~SYNC_PSHARED))
        return EINVAL;
    sync_store_u32(&q->head, 0, SYNC_RELAXED);
    sync_store_u32(&q->tail, 0, SYNC_RELAXED);
    q->mask = capacity - 1;
    q->capacity = capacity;
    q->flags = flags;
    /* Slot j waits for the push of index j (THE SLOT WORD in spsc.h). Writing
     * every slot also makes a fresh segment's pages resident before the
     * clock starts. */
    for (uint32_t j = 0; j < capacity; j++) {
        sync_store_u32(&q->slots[j].seq, 2u * j, SYNC_RELAXED);
        q->slots[j].pad = 0;
        q->slots[j].value = 0;
        /* The slot word is an atomic; the value stays checked, ordered by
         * the hand-over annotations in spsc.h. */
        SYNC_ANN_IGNORE(&q->slots[j].seq, sizeof q->slots[j].seq);
    }
    SYNC_ANN_IGNORE(&q->head, sizeof q->head);
    SYNC_ANN_IGNORE(&q->tail, sizeof q->tail);
    return 0;
}
