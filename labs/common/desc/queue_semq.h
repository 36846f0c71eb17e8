/* queue_semq: sync_semq: semaphore pair (sync/bqueue.h): a blocking bounded queue. */
#ifndef RACELAB_QUEUE_SEMQ_H
#define RACELAB_QUEUE_SEMQ_H

#include "sync/bqueue.h"

#include "queued.h"

typedef struct sync_semq queued_semq_t;   /* followed by its slots */
#define QUEUED_semq_PROCS 1   /* SYNC_PSHARED: process-shared waits, no pointers */

static inline size_t queued_semq_size(uint32_t capacity) { return sync_semq_size(capacity); }
static inline int queued_semq_init(queued_semq_t *q, uint32_t capacity, unsigned flags)
{
    return sync_semq_init(q, capacity, flags);
}
static inline void queued_semq_fini(queued_semq_t *q) { (void)q; }
QUEUED_NO_HANDLE(semq)
static inline bool queued_semq_trypush(queued_semq_t *q, void *h, uint64_t v)
{
    (void)h;
    return sync_semq_trypush(q, v);
}
static inline bool queued_semq_trypop(queued_semq_t *q, void *h, uint64_t *v)
{
    (void)h;
    return sync_semq_trypop(q, v);
}
static inline void queued_semq_push(queued_semq_t *q, void *h, uint64_t v)
{
    (void)h;
    sync_semq_push(q, v);
}
static inline void queued_semq_pop(queued_semq_t *q, void *h, uint64_t *v)
{
    (void)h;
    sync_semq_pop(q, v);
}

#define QUEUED_semq_KNOWN   /* none measured */
static const struct lab_known_report queued_semq_known_reports[] = {
    QUEUED_semq_KNOWN LOCKD_KNOWN_END
};
static const struct queued_info queued_semq_info = {
    .id = "semq",
    .label = "semq",
    .desc = "sync_semq: semaphore pair",
    .group = "sync",
    .procs = true,
    .fifo = true,
    .bounded = true,
    .blocking = true,
    .weak_empty = true,
    .known_reports = queued_semq_known_reports,
};

#endif
