/* queue_ck_ring: Concurrency Kit's ck_ring, the part its two flavours share
 * (queue_ck_ring_spsc.h, queue_ck_ring_mpmc.h): the ring and its buffer in
 * one block, with no pointer inside (the buffer is found from the ring each
 * call), so it may live in MAP_SHARED memory. */
#ifndef RACELAB_QUEUE_CK_RING_H
#define RACELAB_QUEUE_CK_RING_H

#include "queued.h"

#if LOCKD__CK
#include <ck_ring.h>

typedef struct {
    ck_ring_t ring;
    ck_ring_buffer_t buf[];
} queued__ck_ring;

static inline size_t queued__ck_ring_size(uint32_t capacity)
{
    return sizeof(queued__ck_ring) + (size_t)capacity * sizeof(ck_ring_buffer_t);
}
static inline int queued__ck_ring_init(queued__ck_ring *q, uint32_t capacity)
{
    if (capacity < 2 || (capacity & (capacity - 1)) != 0)
        return EINVAL;   /* ck_ring takes powers of two (and holds one less) */
    ck_ring_init(&q->ring, capacity);
    return 0;
}

/* The descriptor of flavour FL (spsc, mpmc): ck_ring_enqueue_FL /
 * ck_ring_dequeue_FL over the shared block. */
#define QUEUED__CK_RING(FL)                                                              \
    typedef queued__ck_ring queued_ck_ring_##FL##_t;                                     \
    static inline size_t queued_ck_ring_##FL##_size(uint32_t capacity)                   \
    {                                                                                    \
        return queued__ck_ring_size(capacity);                                           \
    }                                                                                    \
    static inline int queued_ck_ring_##FL##_init(queued_ck_ring_##FL##_t *q,             \
                                                 uint32_t capacity, unsigned flags)      \
    {                                                                                    \
        (void)flags;                                                                     \
        return queued__ck_ring_init(q, capacity);                                        \
    }                                                                                    \
    static inline void queued_ck_ring_##FL##_fini(queued_ck_ring_##FL##_t *q) { (void)q; } \
    QUEUED_NO_HANDLE(ck_ring_##FL)                                                       \
    static inline bool queued_ck_ring_##FL##_trypush(queued_ck_ring_##FL##_t *q, void *h, \
                                                     uint64_t v)                         \
    {                                                                                    \
        (void)h;                                                                         \
        return ck_ring_enqueue_##FL(&q->ring, q->buf, (void *)(uintptr_t)v);             \
    }                                                                                    \
    static inline bool queued_ck_ring_##FL##_trypop(queued_ck_ring_##FL##_t *q, void *h,  \
                                                    uint64_t *v)                         \
    {                                                                                    \
        (void)h;                                                                         \
        void *p;                                                                         \
        if (!ck_ring_dequeue_##FL(&q->ring, q->buf, &p))                                 \
            return false;                                                                \
        *v = (uint64_t)(uintptr_t)p;                                                     \
        return true;                                                                     \
    }                                                                                    \
    QUEUED_POLLING(ck_ring_##FL)
#else
#define QUEUED__CK_RING(FL) QUEUED_UNAVAILABLE(ck_ring_##FL)
#endif

#endif
