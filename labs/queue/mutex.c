/* mutex: the racy ring with every push and pop under one lock.
 *
 * The lock makes "read the index, use the slot, move the index" one step
 * that no other worker can split: no item lost, none twice, FIFO. The price
 * is that producers and consumers now queue for one lock (and one cache
 * line) and a waiting worker polls: the condvar and sem variants sleep.
 * The lock is the sync library's futex mutex, process-shared under procs. */
#define VARIANT_NAME mutex
#define VARIANT_DESC "the same ring, each push and pop under the sync library's mutex"
#define VARIANT_SETUP setup
#define VARIANT_LOCK futex

#include "desc/lock_futex.h"
#include "queue.h"

#define RING_CAP 1024u

struct qstate {
    lockd_futex_t lock;
    _Alignas(SYNC_CACHELINE) uint64_t head;   /* under |lock| */
    uint64_t tail;                            /* under |lock| */
    _Alignas(SYNC_CACHELINE) uint64_t slot[RING_CAP];
};

static int setup(struct qstate *q, const struct lab_env *env, struct qlab *lab)
{
    (void)lab;
    return lockd_futex_init(&q->lock, env->sync_flags);
}

static inline bool q_push(struct qstate *q, void *ctx, uint64_t item)
{
    (void)ctx;
    lockd_node n;
    lockd_futex_acquire(&q->lock, &n);
    uint64_t t = LAB_LOAD(&q->tail);
    bool room = t - LAB_LOAD(&q->head) < RING_CAP;
    if (room) {
        LAB_STORE(&q->slot[t % RING_CAP], item);
        LAB_STORE(&q->tail, t + 1);
    }
    lockd_futex_release(&q->lock, &n);
    return room;
}

static inline bool q_pop(struct qstate *q, void *ctx, uint64_t *item)
{
    (void)ctx;
    lockd_node n;
    lockd_futex_acquire(&q->lock, &n);
    uint64_t h = LAB_LOAD(&q->head);
    bool any = h != LAB_LOAD(&q->tail);
    if (any) {
        *item = LAB_LOAD(&q->slot[h % RING_CAP]);
        LAB_STORE(&q->head, h + 1);
    }
    lockd_futex_release(&q->lock, &n);
    return any;
}

#include "variant.h"
