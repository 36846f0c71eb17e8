/* stack-naive: a Treiber stack whose top is just a node index - ABA.
 *
 * pop reads top = A and A.next = B, then CASes top from A to B. If in
 * between other workers popped A, popped B and pushed A back, top is A again
 * and the CAS succeeds - but B is no longer free: it is being filled or
 * drained by someone else, and it is back on the stack. From there a node is
 * handed to two owners (items duplicated or overwritten: lost), whole chains
 * of nodes vanish (the pool runs dry: producers give up), or a cycle forms
 * (a consumer pops the same nodes for ever: stopped by the pop bound). The
 * lab names the first node it caught with two owners. Nodes are never freed,
 * so this is not a use-after-free: it is ABA alone. Racy by design.
 * Compare with the fix: diff -u stack_naive.c stack_tagged.c */
#define VARIANT_NAME stack_naive
#define VARIANT_LABEL "stack-naive"
#define VARIANT_DESC "Treiber stack, top = node index only: ABA (a stall widens the window)"
#define VARIANT_RACY true
#define VARIANT_LIFO
#define VARIANT_SETUP setup
#define VARIANT_EXPLAIN explain

#include "sync/stack.h"

/* The sync library's stack with the tag left out: top holds the index only. */
static inline void stack_push(struct sync_stack *s, struct sync_stack_node *pool, uint32_t idx)
{
    uint64_t old = sync_load_u64(&s->top, SYNC_RELAXED);
    do   /* next: relaxed, published by the release CAS */
        sync_store_u32(&pool[idx].next, (uint32_t)old, SYNC_RELAXED);
    /* Release: pairs with pop's acquire load and CAS (next and the item). */
    while (!sync_cas_u64(&s->top, &old, idx, SYNC_RELEASE, SYNC_RELAXED));
}

static void window(void *arg);

static inline uint32_t stack_pop(struct sync_stack *s, struct sync_stack_node *pool)
{
    uint64_t old = sync_load_u64(&s->top, SYNC_ACQUIRE);   /* pairs with push's CAS */
    for (;;) {
        uint32_t idx = (uint32_t)old;
        if (idx == SYNC_STACK_NIL)
            return SYNC_STACK_NIL;
        uint32_t next = sync_load_u32(&pool[idx].next, SYNC_RELAXED);
        window(NULL);
        /* The same index on top passes for "nothing happened": ABA.
         * Acquire: pairs with the release CAS of the push that made it. */
        if (sync_cas_u64(&s->top, &old, next, SYNC_ACQUIRE, SYNC_ACQUIRE))
            return idx;
    }
}

#include "stack_pool.h"
#include "variant.h"
