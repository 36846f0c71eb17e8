/* queue_wfcqueue: liburcu's wait-free concurrent queue (a baseline beside
 * ours): unbounded, one malloc per item like msqueue; enqueue is wait-free
 * (an exchange on the tail), dequeue takes the head's mutex. */
#ifndef RACELAB_QUEUE_WFCQUEUE_H
#define RACELAB_QUEUE_WFCQUEUE_H

#include "queued.h"

#if QUEUED__URCU
#ifndef _LGPL_SOURCE
#define _LGPL_SOURCE
#endif
#include <urcu/wfcqueue.h>
typedef struct {
    struct cds_wfcq_head head;
    struct cds_wfcq_tail tail;
} queued_wfcqueue_t;
struct queued__wfq_node {
    struct cds_wfcq_node node;
    uint64_t v;
};
#else
typedef int queued_wfcqueue_t;   /* not in this build: see .unavailable */
#endif
#define QUEUED_wfcqueue_PROCS 0
#define QUEUED_wfcqueue_NO_PROCS "its nodes are malloc'ed in one process's heap"

static inline size_t queued_wfcqueue_size(uint32_t capacity)
{
    (void)capacity;
    return sizeof(queued_wfcqueue_t);
}
static inline int queued_wfcqueue_init(queued_wfcqueue_t *q, uint32_t capacity, unsigned flags)
{
    (void)capacity;
#if QUEUED__URCU
    if (flags & SYNC_PSHARED)
        return EINVAL;
    cds_wfcq_init(&q->head, &q->tail);
    return 0;
#else
    (void)q;
    (void)flags;
    return ENOSYS;
#endif
}
QUEUED_NO_HANDLE(wfcqueue)
static inline bool queued_wfcqueue_trypush(queued_wfcqueue_t *q, void *h, uint64_t v)
{
    (void)h;
#if QUEUED__URCU
    struct queued__wfq_node *n = malloc(sizeof *n);
    if (n == NULL)
        return false;
    cds_wfcq_node_init(&n->node);
    n->v = v;
    cds_wfcq_enqueue(&q->head, &q->tail, &n->node);
    return true;
#else
    (void)q;
    (void)v;
    lockd__unavailable();
    return false;
#endif
}
static inline bool queued_wfcqueue_trypop(queued_wfcqueue_t *q, void *h, uint64_t *v)
{
    (void)h;
#if QUEUED__URCU
    struct cds_wfcq_node *n = cds_wfcq_dequeue_blocking(&q->head, &q->tail);
    if (n == NULL)
        return false;
    struct queued__wfq_node *w = caa_container_of(n, struct queued__wfq_node, node);
    *v = w->v;
    free(w);
    return true;
#else
    (void)q;
    (void)v;
    lockd__unavailable();
    return false;
#endif
}
/* Frees the items still queued. */
static inline void queued_wfcqueue_fini(queued_wfcqueue_t *q)
{
#if QUEUED__URCU
    uint64_t v;
    while (queued_wfcqueue_trypop(q, NULL, &v))
        ;
    cds_wfcq_destroy(&q->head, &q->tail);
#else
    (void)q;
#endif
}

QUEUED_POLLING(wfcqueue)

#define QUEUED_wfcqueue_KNOWN   /* none measured */
static const struct lab_known_report queued_wfcqueue_known_reports[] = {
    QUEUED_wfcqueue_KNOWN LOCKD_KNOWN_END
};
static const struct queued_info queued_wfcqueue_info = {
    .id = "wfcqueue",
    .label = "wfcqueue",
    .desc = "liburcu wfcqueue (malloc per message)",
    .group = "urcu",
    .no_procs_why = QUEUED_wfcqueue_NO_PROCS,
    .fifo = true,
    .unavailable = QUEUED_URCU_WHY,
    .known_reports = queued_wfcqueue_known_reports,
};

#endif
