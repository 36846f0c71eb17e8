/* queue_spsc: sync_spsc: SPSC ring, a sequence word per slot. */
#ifndef RACELAB_QUEUE_SPSC_H
#define RACELAB_QUEUE_SPSC_H

#include "sync/spsc.h"

#include "queued.h"

typedef struct sync_spsc queued_spsc_t;   /* followed by its slots */
#define QUEUED_spsc_PROCS 1   /* one block, no pointers: MAP_SHARED memory works as is */

static inline size_t queued_spsc_size(uint32_t capacity) { return sync_spsc_size(capacity); }
static inline int queued_spsc_init(queued_spsc_t *q, uint32_t capacity, unsigned flags)
{
    return sync_spsc_init(q, capacity, flags);
}
static inline void queued_spsc_fini(queued_spsc_t *q) { (void)q; }
QUEUED_NO_HANDLE(spsc)
static inline bool queued_spsc_trypush(queued_spsc_t *q, void *h, uint64_t v)
{
    (void)h;
    return sync_spsc_trypush(q, v);
}
static inline bool queued_spsc_trypop(queued_spsc_t *q, void *h, uint64_t *v)
{
    (void)h;
    return sync_spsc_trypop(q, v);
}

QUEUED_POLLING(spsc)

#define QUEUED_spsc_KNOWN   /* none: sync/annotate.h tells Helgrind and DRD */
static const struct lab_known_report queued_spsc_known_reports[] = {
    QUEUED_spsc_KNOWN LOCKD_KNOWN_END
};
static const struct queued_info queued_spsc_info = {
    .id = "spsc",
    .label = "spsc",
    .desc = "sync_spsc: SPSC ring, a sequence word per slot",
    .group = "sync",
    .procs = true,
    .max_producers = 1,
    .max_consumers = 1,
    .fifo = true,
    .bounded = true,
    .weak_empty = false,
    .known_reports = queued_spsc_known_reports,
};

#endif
