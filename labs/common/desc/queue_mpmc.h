/* queue_mpmc: sync_mpmc: per-slot sequence numbers. */
#ifndef RACELAB_QUEUE_MPMC_H
#define RACELAB_QUEUE_MPMC_H

#include "sync/mpmc.h"

#include "queued.h"

typedef struct sync_mpmc queued_mpmc_t;   /* followed by its slots */
#define QUEUED_mpmc_PROCS 1   /* one block, no pointers: MAP_SHARED memory works as is */

static inline size_t queued_mpmc_size(uint32_t capacity) { return sync_mpmc_size(capacity); }
static inline int queued_mpmc_init(queued_mpmc_t *q, uint32_t capacity, unsigned flags)
{
    return sync_mpmc_init(q, capacity, flags);
}
static inline void queued_mpmc_fini(queued_mpmc_t *q) { (void)q; }
QUEUED_NO_HANDLE(mpmc)
static inline bool queued_mpmc_trypush(queued_mpmc_t *q, void *h, uint64_t v)
{
    (void)h;
    return sync_mpmc_trypush(q, v);
}
static inline bool queued_mpmc_trypop(queued_mpmc_t *q, void *h, uint64_t *v)
{
    (void)h;
    return sync_mpmc_trypop(q, v);
}

QUEUED_POLLING(mpmc)

#define QUEUED_mpmc_KNOWN   /* none: sync/annotate.h tells Helgrind and DRD */
static const struct lab_known_report queued_mpmc_known_reports[] = {
    QUEUED_mpmc_KNOWN LOCKD_KNOWN_END
};
static const struct queued_info queued_mpmc_info = {
    .id = "mpmc",
    .label = "mpmc",
    .desc = "sync_mpmc: per-slot sequence numbers",
    .group = "sync",
    .procs = true,
    .max_producers = 0,
    .max_consumers = 0,
    .fifo = true,
    .bounded = true,
    .weak_empty = true,
    .known_reports = queued_mpmc_known_reports,
};

#endif
