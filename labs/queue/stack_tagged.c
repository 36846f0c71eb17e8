/* stack-tagged: the sync library's Treiber stack - a generation tag beside
 * the index in the top word (sync/stack.h).
 *
 * Every push and pop adds one to the tag, so after "pop A, pop B, push A"
 * the top is (A, t+3), not (A, t): the stalled pop's 64-bit CAS fails and it
 * retries from the real top. Same pool, same stall in the same window as
 * stack-naive; every item consumed exactly once.
 * Compare: diff -u stack_naive.c stack_tagged.c */
#define VARIANT_NAME stack_tagged
#define VARIANT_LABEL "stack-tagged"
#define VARIANT_DESC "Treiber stack, top = (tag, index): the tag defeats ABA (same stall)"
#define VARIANT_LIFO
#define VARIANT_SETUP setup
#define VARIANT_EXPLAIN explain

#include "sync/stack.h"

#define stack_push sync_stack_push

static void window(void *arg);

static inline uint32_t stack_pop(struct sync_stack *s, struct sync_stack_node *pool)
{
    return sync_stack_pop_window(s, pool, window, NULL);
}

#include "stack_pool.h"
#include "variant.h"
