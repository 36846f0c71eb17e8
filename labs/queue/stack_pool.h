/* labs/queue/stack_pool.h - what stack-naive and stack-tagged share: a pool
 * of a few nodes cycling between a free list and a work stack, a stall in
 * every pop's ABA window, and a record of who holds each node, so that when
 * a node is handed to two owners the lab can say which and how.
 *
 * A producer pops a node off the free list, writes its item into it and
 * pushes it on the work stack; a consumer pops it, reads the item and pushes
 * the node back on the free list. With 8 nodes the same few indices come
 * round again and again: exactly what ABA needs. A variant file defines
 * stack_push(s, pool, idx) and stack_pop(s, pool) (with the window) and
 * includes this file; the two files differ only there. */
#include <sched.h>

#include "queue.h"
#include "sync/stack.h"

#define POOL_NODES 8u

/* Who holds a node (owner[]): one of these. */
enum { ON_FREE_LIST, FILLING, ON_STACK, DRAINING };
static const char *const holder[] = { "on the free list", "being filled by a producer",
                                      "on the work stack", "being drained by a consumer" };

struct qstate {
    _Alignas(SYNC_CACHELINE) struct sync_stack free_list;
    _Alignas(SYNC_CACHELINE) struct sync_stack work;
    _Alignas(SYNC_CACHELINE) struct sync_stack_node pool[POOL_NODES];
    sync_atomic_u32 owner[POOL_NODES];
    struct qlab *lab;   /* for the note: same address in every process */
};

/* The ABA window: between reading the top (and its next) and the CAS.
 * A short stall, and now and then a yield, give the other workers time to
 * pop that node and push it back. */
static void window(void *arg)
{
    (void)arg;
    static _Thread_local unsigned n;
    for (unsigned i = 0; i < 8; i++)
        sync_cpu_relax();
    if ((++n & 15) == 0)
        sched_yield();
}

static int setup(struct qstate *q, const struct lab_env *env, struct qlab *lab)
{
    q->lab = lab;
    int rc = sync_stack_init(&q->free_list, env->sync_flags);
    if (rc == 0)
        rc = sync_stack_init(&q->work, env->sync_flags);
    sync_stack_fill(&q->free_list, q->pool, POOL_NODES);   /* owner[] zeroed: ON_FREE_LIST */
    return rc;
}

/* Takes node |idx| into state |to|; it must have been in state |from|. */
static inline void take(struct qstate *q, uint32_t idx, uint32_t from, uint32_t to,
                        const char *list)
{
    /* Relaxed: a diagnostic; the stacks order the node's contents. */
    uint32_t was = sync_exchange_u32(&q->owner[idx], to, SYNC_RELAXED);
    if (was != from)
        qlab_note(q->lab, "ABA: node %u popped off the %s while %s (a stalled pop's CAS "
                  "saw the same top index, re-linked a taken node)", idx, list,
                  holder[was & 3]);
}

/* After the run (nothing else touches the stacks): when the pop-time check
 * caught nothing but items were lost, say where the nodes went. */
static void explain(struct qstate *q, struct qlab *lab)
{
    uint32_t seen[POOL_NODES] = { 0 };
    const struct sync_stack *lists[2] = { &q->free_list, &q->work };
    for (unsigned l = 0; l < 2; l++) {
        uint32_t idx = SYNC_STACK_INDEX(sync_stack_top(lists[l]));
        for (unsigned steps = 0; idx != SYNC_STACK_NIL; steps++) {
            if (idx >= POOL_NODES || steps > POOL_NODES) {
                qlab_note(lab, "ABA: the %s has a cycle through node %u",
                          l ? "work stack" : "free list", idx);
                return;
            }
            seen[idx]++;
            idx = sync_load_u32(&q->pool[idx].next, SYNC_RELAXED);
        }
    }
    for (uint32_t i = 0; i < POOL_NODES; i++) {
        if (seen[i] != 1) {
            qlab_note(lab, "ABA: node %u is on %s list at the end (a stalled pop's CAS set "
                      "the top to a stale next)", i, seen[i] ? "more than one" : "no");
            return;
        }
    }
}

static inline bool q_push(struct qstate *q, void *ctx, uint64_t item)
{
    (void)ctx;
    uint32_t idx = stack_pop(&q->free_list, q->pool);
    if (idx == SYNC_STACK_NIL)
        return false;   /* every node is in use: wait */
    take(q, idx, ON_FREE_LIST, FILLING, "free list");
    q->pool[idx].value = item;   /* ours; published by stack_push's release */
    sync_store_u32(&q->owner[idx], ON_STACK, SYNC_RELAXED);
    stack_push(&q->work, q->pool, idx);
    return true;
}

static inline bool q_pop(struct qstate *q, void *ctx, uint64_t *item)
{
    (void)ctx;
    uint32_t idx = stack_pop(&q->work, q->pool);
    if (idx == SYNC_STACK_NIL)
        return false;
    take(q, idx, ON_STACK, DRAINING, "work stack");
    *item = q->pool[idx].value;   /* after stack_pop's acquire */
    sync_store_u32(&q->owner[idx], ON_FREE_LIST, SYNC_RELAXED);
    stack_push(&q->free_list, q->pool, idx);
    return true;
}
