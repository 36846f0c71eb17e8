/* queue_ck_ring_mpmc: Concurrency Kit's ck_ring, mpmc (a baseline beside ours). */
#ifndef RACELAB_QUEUE_CK_RING_MPMC_H
#define RACELAB_QUEUE_CK_RING_MPMC_H

#include "queued.h"
#include "queue_ck_ring_spsc.h"

typedef queued_ck_ring_spsc_t queued_ck_ring_mpmc_t;
#define QUEUED_ck_ring_mpmc_PROCS 1   /* one block, no pointers */

static inline size_t queued_ck_ring_mpmc_size(uint32_t capacity)
{
#if LOCKD__CK
    return sizeof(queued_ck_ring_mpmc_t) + (size_t)capacity * sizeof(ck_ring_buffer_t);
#else
    (void)capacity;
    return sizeof(queued_ck_ring_mpmc_t);
#endif
}
static inline int queued_ck_ring_mpmc_init(queued_ck_ring_mpmc_t *q, uint32_t capacity, unsigned flags)
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
static inline void queued_ck_ring_mpmc_fini(queued_ck_ring_mpmc_t *q) { (void)q; }
QUEUED_NO_HANDLE(ck_ring_mpmc)
static inline bool queued_ck_ring_mpmc_trypush(queued_ck_ring_mpmc_t *q, void *h, uint64_t v)
{
    (void)h;
#if LOCKD__CK
    return ck_ring_enqueue_mpmc(&q->ring, q->buf, (void *)(uintptr_t)v);
#else
    (void)q;
    (void)v;
    lockd__unavailable();
    return false;
#endif
}
static inline bool queued_ck_ring_mpmc_trypop(queued_ck_ring_mpmc_t *q, void *h, uint64_t *v)
{
    (void)h;
#if LOCKD__CK
    void *p;
    if (!ck_ring_dequeue_mpmc(&q->ring, q->buf, &p))
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

QUEUED_POLLING(ck_ring_mpmc)

#define QUEUED_ck_ring_mpmc_KNOWN   /* none measured */
static const struct lab_known_report queued_ck_ring_mpmc_known_reports[] = {
    QUEUED_ck_ring_mpmc_KNOWN LOCKD_KNOWN_END
};
static const struct queued_info queued_ck_ring_mpmc_info = {
    .id = "ck_ring_mpmc",
    .label = "ck_ring-mpmc",
    .desc = "Concurrency Kit ck_ring, mpmc",
    .group = "ck",
    .procs = true,
    .max_producers = 0,
    .max_consumers = 0,
    .fifo = true,
    .bounded = true,
    .weak_empty = true,
    .unavailable = LOCKD_CK_WHY,
    .known_reports = queued_ck_ring_mpmc_known_reports,
};

#endif
