/* sem: the semaphore pair (Dijkstra's bounded buffer) - |room| counts free
 * slots, |full| filled ones, and a mutex per side guards its index.
 *
 * A producer takes a permit from |room| (waiting while the ring is full),
 * fills the slot at tail, and posts |full|; a consumer the reverse. The
 * counts keep the two sides off each other's slots. The end: the last
 * producer sets |finished| and posts one extra |full| permit per consumer;
 * a consumer that holds a permit when all the items have been taken knows
 * the work is over (it cannot be early: the end permits come after every
 * item's). Sync library futex
 * semaphores and mutexes, process-shared under procs. */
#define VARIANT_NAME sem
#define VARIANT_DESC "ring with a free/full semaphore pair (blocking), a mutex per side"
#define VARIANT_BLOCKING
#define VARIANT_SETUP setup

#include "desc/lock_futex.h"
#include "queue.h"
#include "sync/sem.h"

#define RING_CAP 1024u

struct qstate {
    sync_sem_t room;            /* free slots: RING_CAP at the start */
    lockd_futex_t put_lock;
    uint64_t tail;              /* under |put_lock| */
    _Alignas(SYNC_CACHELINE) sync_sem_t full;   /* filled slots (+ the end permits) */
    lockd_futex_t take_lock;
    uint64_t head;              /* under |take_lock|: items taken so far */
    uint64_t total;             /* items the producers will make */
    unsigned consumers;
    _Alignas(SYNC_CACHELINE) uint64_t slot[RING_CAP];
};

static int setup(struct qstate *q, const struct lab_env *env, struct qlab *lab)
{
    (void)lab;
    int rc = sync_sem_init(&q->room, RING_CAP, env->sync_flags);
    if (rc == 0)
        rc = sync_sem_init(&q->full, 0, env->sync_flags);
    if (rc == 0)
        rc = lockd_futex_init(&q->put_lock, env->sync_flags);
    if (rc == 0)
        rc = lockd_futex_init(&q->take_lock, env->sync_flags);
    q->consumers = env->consumers;
    q->total = (uint64_t)env->producers * env->iters;
    return rc;
}

static void q_put(struct qstate *q, uint64_t item)
{
    lockd_node n;
    sync_sem_wait(&q->room);
    lockd_futex_acquire(&q->put_lock, &n);
    q->slot[q->tail++ % RING_CAP] = item;
    lockd_futex_release(&q->put_lock, &n);
    sync_sem_post(&q->full);   /* release: the slot's item to its consumer */
}

static bool q_get(struct qstate *q, uint64_t *item)
{
    lockd_node n;
    sync_sem_wait(&q->full);
    lockd_futex_acquire(&q->take_lock, &n);
    /* A done count, not a sentinel: once every item has been taken, the
     * permit we hold is one of the end permits. */
    bool any = q->head < q->total;
    if (any)
        *item = q->slot[q->head++ % RING_CAP];
    lockd_futex_release(&q->take_lock, &n);
    if (any)
        sync_sem_post(&q->room);
    return any;
}

static void q_finish(struct qstate *q)
{
    for (unsigned i = 0; i < q->consumers; i++)
        sync_sem_post(&q->full);
}

#include "variant.h"
