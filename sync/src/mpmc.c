/* mpmc.c - sizing and set-up of the MPMC queue; the operations are inline
 * in sync/mpmc.h. */
#include "sync/mpmc.h"

/* Sizes are whole cache lines, so aligned_alloc(SYNC_CACHELINE, size) takes them. */
static size_t sync__round_line(size_t n)
{
    return (n + SYNC_CACHELINE - 1) / SYNC_CACHELINE * SYNC_CACHELINE;
}

static bool mpmc_capacity_ok(uint32_t capacity)
{
    return capacity >= SYNC_MPMC_CAPACITY_MIN && capacity <= SYNC_MPMC_CAPACITY_MAX &&
           (capacity & (capacity - 1)) == 0;
}

size_t sync_mpmc_size(uint32_t capacity)
{
    if (!mpmc_capacity_ok(capacity))
        return 0;
    return sync__round_line(sizeof(struct sync_mpmc) + (size_t)capacity * sizeof(struct sync_mpmc_cell));
}

int sync_mpmc_init(struct sync_mpmc *q, uint32_t capacity, unsigned flags)
{
    if (!mpmc_capacity_ok(capacity) || (flags & ~SYNC_PSHARED))
        return EINVAL;
    sync_store_u64(&q->tail, 0, SYNC_RELAXED);
    sync_store_u64(&q->head, 0, SYNC_RELAXED);
    q->mask = capacity - 1;
    q->capacity = capacity;
    q->flags = flags;
    for (uint32_t i = 0; i < capacity; i++) {
        sync_store_u64(&q->cells[i].seq, i, SYNC_RELAXED);   /* free for position i */
        q->cells[i].value = 0;
        /* The sequence is an atomic; the value stays checked, ordered by
         * the hand-over annotations in mpmc.h. */
        SYNC_ANN_IGNORE(&q->cells[i].seq, sizeof q->cells[i].seq);
    }
    SYNC_ANN_IGNORE(&q->tail, sizeof q->tail);
    SYNC_ANN_IGNORE(&q->head, sizeof q->head);
    /* Relaxed stores suffice: the queue is handed to other threads by
     * pthread_create or fork, both of which order everything before them. */
    return 0;
}
