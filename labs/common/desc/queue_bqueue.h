/* queue_bqueue: sync_bqueue: mutex + two condvars (sync/bqueue.h): a blocking bounded queue. */
#ifndef RACELAB_QUEUE_BQUEUE_H
#define RACELAB_QUEUE_BQUEUE_H

#include "sync/bqueue.h"

#include "queued.h"

typedef struct sync_bqueue queued_bqueue_t;   /* followed by its slots */
#define QUEUED_bqueue_PROCS 1   /* SYNC_PSHARED: process-shared waits, no pointers */

static inline size_t queued_bqueue_size(uint32_t capacity) { return sync_bqueue_size(capacity); }
static inline int queued_bqueue_init(queued_bqueue_t *q, uint32_t capacity, unsigned flags)
{
    return sync_bqueue_init(q, capacity, flags);
}
static inline void queued_bqueue_fini(queued_bqueue_t *q) { sync_bqueue_destroy(q); }
QUEUED_NO_HANDLE(bqueue)
static inline bool queued_bqueue_trypush(queued_bqueue_t *q, void *h, uint64_t v)
{
    (void)h;
    return sync_bqueue_trypush(q, v);
}
static inline bool queued_bqueue_trypop(queued_bqueue_t *q, void *h, uint64_t *v)
{
    (void)h;
    return sync_bqueue_trypop(q, v);
}
static inline void queued_bqueue_push(queued_bqueue_t *q, void *h, uint64_t v)
{
    (void)h;
    sync_bqueue_push(q, v);
}
static inline void queued_bqueue_pop(queued_bqueue_t *q, void *h, uint64_t *v)
{
    (void)h;
    sync_bqueue_pop(q, v);
}

#define QUEUED_bqueue_KNOWN   /* none measured */
static const struct lab_known_report queued_bqueue_known_reports[] = {
    QUEUED_bqueue_KNOWN LOCKD_KNOWN_END
};
static const struct queued_info queued_bqueue_info = {
    .id = "bqueue",
    .label = "bqueue",
    .desc = "sync_bqueue: mutex + two condvars",
    .group = "sync",
    .procs = true,
    .fifo = true,
    .bounded = true,
    .blocking = true,
    .weak_empty = false,
    .known_reports = queued_bqueue_known_reports,
};

#endif
