/* msqueue: the sync library's Michael-Scott queue with hazard pointers.
 *
 * Unbounded: a node per item, linked with CAS at the tail, unlinked with CAS
 * at the head. The hard part is not the CAS but the free: a consumer that
 * unlinks a node cannot free it while another consumer, stalled, may still
 * read its next. Each worker publishes the node it is about to read in a
 * hazard pointer; unlinked nodes are retired and freed only once no hazard
 * pointer names them (ASan: no use-after-free; valgrind: no leak). Nodes are
 * malloc'ed pointers in one process's heap: threads only. */
#define VARIANT_NAME msqueue
#define VARIANT_DESC "sync library Michael-Scott queue, hazard-pointer reclamation (unbounded)"
#define VARIANT_SETUP setup
#define VARIANT_TEARDOWN teardown
#define VARIANT_ENTER enter
#define VARIANT_LEAVE leave
#define VARIANT_NO_PROCS                                                                  \
    "its nodes are malloc'ed and linked by pointers in one process's heap, and its "      \
    "hazard-pointer records are per thread: use mpmc or sem across processes"

#include "queue.h"
#include "sync/msqueue.h"

struct qstate {
    struct sync_msqueue q;
};

static int setup(struct qstate *q, const struct lab_env *env, struct qlab *lab)
{
    (void)env;
    (void)lab;
    return sync_msqueue_init(&q->q);
}

static void teardown(struct qstate *q)
{
    sync_msqueue_destroy(&q->q);
}

static void *enter(struct qstate *q)
{
    return sync_msqueue_thread_enter(&q->q);
}

static void leave(struct qstate *q, void *ctx)
{
    if (ctx)
        sync_msqueue_thread_leave(&q->q, ctx);
}

/* Without a handle (out of memory) nothing can be pushed or popped: the
 * producer's items are then reported lost, never silently dropped. */
static inline bool q_push(struct qstate *q, void *ctx, uint64_t item)
{
    return ctx && sync_msqueue_trypush(&q->q, ctx, item);
}

static inline bool q_pop(struct qstate *q, void *ctx, uint64_t *item)
{
    return ctx && sync_msqueue_trypop(&q->q, ctx, item);
}

#include "variant.h"
