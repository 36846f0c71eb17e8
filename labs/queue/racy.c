/* racy: a ring whose head and tail are plain loads and stores.
 *
 * Fine for one producer and one consumer on a strongly ordered CPU, and
 * broken as soon as two producers (or two consumers) share an index: both
 * read the same tail, both write the same slot (one item lost), both store
 * tail + 1; two consumers read the same head and both take the same item
 * (duplicated). A stale store can even move tail backwards past head: the
 * ring then looks full for ever (the producers give up: lost) or, to a
 * consumer, holds items from a lap ago (duplicated) or slots never written
 * (not items at all). Racy by design; TSan reports it.
 * Compare with the fix: diff -u racy.c mutex.c */
#define VARIANT_NAME racy
#define VARIANT_DESC "ring with plain head and tail: no synchronization"
#define VARIANT_RACY true

#include "queue.h"

#define RING_CAP 1024u   /* a power of two: index % RING_CAP is a mask */

struct qstate {
    _Alignas(SYNC_CACHELINE) uint64_t head;   /* next slot to take */
    _Alignas(SYNC_CACHELINE) uint64_t tail;   /* next slot to fill */
    _Alignas(SYNC_CACHELINE) uint64_t slot[RING_CAP];
};

static inline bool q_push(struct qstate *q, void *ctx, uint64_t item)
{
    (void)ctx;
    uint64_t t = LAB_LOAD(&q->tail);
    if (t - LAB_LOAD(&q->head) >= RING_CAP)
        return false;   /* full */
    LAB_STORE(&q->slot[t % RING_CAP], item);
    LAB_STORE(&q->tail, t + 1);
    return true;
}

static inline bool q_pop(struct qstate *q, void *ctx, uint64_t *item)
{
    (void)ctx;
    uint64_t h = LAB_LOAD(&q->head);
    if (h == LAB_LOAD(&q->tail))
        return false;   /* empty */
    *item = LAB_LOAD(&q->slot[h % RING_CAP]);
    LAB_STORE(&q->head, h + 1);
    return true;
}

#include "variant.h"
