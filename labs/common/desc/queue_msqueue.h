/* queue_msqueue: the Michael-Scott queue with hazard-pointer reclamation
 * (sync/msqueue.h): unbounded, a node per item. */
#ifndef RACELAB_QUEUE_MSQUEUE_H
#define RACELAB_QUEUE_MSQUEUE_H

#include "sync/msqueue.h"

#include "queued.h"

typedef struct sync_msqueue queued_msqueue_t;
#define QUEUED_msqueue_PROCS 0
#define QUEUED_msqueue_NO_PROCS                                                           \
    "its nodes are malloc'ed and linked by pointers in one process's heap, and its "      \
    "hazard-pointer records are per thread: use mpmc or sem across processes"

static inline size_t queued_msqueue_size(uint32_t capacity)
{
    (void)capacity;
    return sizeof(queued_msqueue_t);
}
static inline int queued_msqueue_init(queued_msqueue_t *q, uint32_t capacity, unsigned flags)
{
    (void)capacity;
    return flags & SYNC_PSHARED ? EINVAL : sync_msqueue_init(q);
}
static inline void queued_msqueue_fini(queued_msqueue_t *q) { sync_msqueue_destroy(q); }
static inline void *queued_msqueue_enter(queued_msqueue_t *q)
{
    return sync_msqueue_thread_enter(q);
}
static inline void queued_msqueue_leave(queued_msqueue_t *q, void *h)
{
    if (h != NULL)
        sync_msqueue_thread_leave(q, h);
}
/* Without a handle (out of memory) nothing can be pushed or popped: a
 * caller's items are then lost in plain sight, never silently dropped. */
static inline bool queued_msqueue_trypush(queued_msqueue_t *q, void *h, uint64_t v)
{
    return h != NULL && sync_msqueue_trypush(q, h, v);
}
static inline bool queued_msqueue_trypop(queued_msqueue_t *q, void *h, uint64_t *v)
{
    return h != NULL && sync_msqueue_trypop(q, h, v);
}

QUEUED_POLLING(msqueue)

#define QUEUED_msqueue_KNOWN   /* none: sync/annotate.h tells Helgrind and DRD */
static const struct lab_known_report queued_msqueue_known_reports[] = {
    QUEUED_msqueue_KNOWN LOCKD_KNOWN_END
};
static const struct queued_info queued_msqueue_info = {
    .id = "msqueue",
    .label = "msqueue",
    .desc = "sync_msqueue: Michael-Scott + hazard pointers",
    .group = "sync",
    .no_procs_why = QUEUED_msqueue_NO_PROCS,
    .fifo = true,
    .known_reports = queued_msqueue_known_reports,
};

#endif
