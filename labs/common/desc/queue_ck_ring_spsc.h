/* queue_ck_ring_spsc: Concurrency Kit's ck_ring, spsc (a baseline beside ours). */
#ifndef RACELAB_QUEUE_CK_RING_SPSC_H
#define RACELAB_QUEUE_CK_RING_SPSC_H

#include "queued.h"


#if LOCKD__CK
#include <ck_ring.h>
/* The ring and its buffer in one block: no pointer inside, so it may live in
 * MAP_SHARED memory (the buffer is found from the ring each call). */
typedef struct {
    ck_ring_t ring;
    ck_ring_buffer_t buf[];
} queued_ck_ring_spsc_t;
#else
typedef int queued_ck_ring_spsc_t;   /* not in this build: see .unavailable */
#endif
#define QUEUED_ck_ring_spsc_PROCS 1   /* one block, no pointers */

static inline size_t queued_ck_ring_spsc_size(uint32_t capacity)
{
#if LOCKD__CK
    return sizeof(queued_ck_ring_spsc_t) + (size_t)capacity * sizeof(ck_ring_buffer_t);
#else
    (void)capacity;
    return sizeof(queued_ck_ring_spsc_t);
#endif
}
static inline int queued_ck_ring_spsc_init(queued_ck_ring_spsc_t *q, uint32_t capacity, unsigned flags)
{
    (void)flags;
#if LOCKD__CK
    if (capacity < 2 || (capacity & (capacity - 1)) != 0)
        return EINVAL;
    ck_ring_init(&q->ring, capacity);
    return 0;
#else
    (void)q;
    (void)capacity;
    return ENOSYS;
#endif
}
static inline void queued_ck_ring_spsc_fini(queued_ck_ring_spsc_t *q) { (void)q; }
QUEUED_NO_HANDLE(ck_ring_spsc)
static inline bool queued_ck_ring_spsc_trypush(queued_ck_ring_spsc_t *q, void *h, uint64_t v)
{
    (void)h;
#if LOCKD__CK
    return ck_ring_enqueue_spsc(&q->ring, q->buf, (void *)(uintptr_t)v);
#else
    (void)q;
    (void)v;
    lockd__unavailable();
    return false;
#endif
}
static inline bool queued_ck_ring_spsc_trypop(queued_ck_ring_spsc_t *q, void *h, uint64_t *v)
{
    (void)h;
#if LOCKD__CK
    void *p;
    if (!ck_ring_dequeue_spsc(&q->ring, q->buf, &p))
        return false;
    *v = (uint64_t)(uintptr_t)p;
    return true;
#else
    (void)q;
    (void)v;
    lockd__unavailable();
    return false;
#endif
}

QUEUED_POLLING(ck_ring_spsc)

#define QUEUED_ck_ring_spsc_KNOWN   /* none measured */
static const struct lab_known_report queued_ck_ring_spsc_known_reports[] = {
    QUEUED_ck_ring_spsc_KNOWN LOCKD_KNOWN_END
};
static const struct queued_info queued_ck_ring_spsc_info = {
    .id = "ck_ring_spsc",
    .label = "ck_ring-spsc",
    .desc = "Concurrency Kit ck_ring, spsc",
    .group = "ck",
    .procs = true,
    .max_producers = 1,
    .max_consumers = 1,
    .fifo = true,
    .bounded = true,
    .weak_empty = false,
    .unavailable = LOCKD_CK_WHY,
    .known_reports = queued_ck_ring_spsc_known_reports,
};

#endif
