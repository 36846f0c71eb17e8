/* sync/stack.h - Treiber lock-free stack over a caller-provided node pool,
 * protected from ABA by a generation tag packed beside the top index.
 *
 * CONTRACT
 *   Pushers: any number.  Poppers: any number.
 *   Progress:  lock-free: a CAS on |top| fails only because another push or
 *              pop succeeded.
 *   Ordering:  LIFO. A push is a release, the pop that returns that node an
 *              acquire: the pusher's writes to the node (its value) are
 *              visible to the popper.
 *   Memory:    the stack is one 64-bit word; the nodes live in an array the
 *              caller owns (struct sync_stack_node pool[n]) and are named by
 *              their index. No pointers anywhere: stack and pool may live in
 *              a MAP_SHARED segment mapped at different addresses by
 *              different processes. Nodes are never freed by the stack, only
 *              moved between stacks (e.g. a free list and a work stack), so
 *              no reclamation scheme is needed: the tag alone defeats ABA.
 *   Ownership: a node belongs to whoever popped it until they push it; only
 *              the owner writes its |value|.
 *
 *   may run concurrently with | push | pop | fill | top
 *   push                      | yes  | yes |  no  | yes
 *   pop                       | yes  | yes |  no  | yes
 *
 * THE TOP WORD: (tag << 32) | index.
 *   index    SYNC_STACK_NIL (empty) or the index of the top node in the pool
 *   tag      incremented by every successful push and pop (mod 2^32)
 *
 * ABA, from the stack's side. Without the tag, |top| is just an index:
 *   1. T1 pops: reads top = A and A.next = B, then is preempted before its
 *      CAS(top: A -> B).
 *   2. T2 pops A, pops B (B is now T2's, e.g. on a free list), pushes A back.
 *      top = A again, A.next is now whatever was under B (say C).
 *   3. T1 resumes: CAS(top: A -> B) succeeds, because top is A. B, which T2
 *      owns, is back on the stack; C and everything under it is lost. Later
 *      B is handed out twice (duplicated), or a cycle forms.
 * With the tag, T1 read (A, t); after T2's three operations top is (A, t+3);
 * T1's CAS compares 64 bits and fails, and T1 retries from the real top.
 * Only a thread that sleeps between its read and its CAS through exactly a
 * multiple of 2^32 operations could still be fooled.
 *
 * WHY A PACKED 64-BIT WORD, NOT A DOUBLE-WIDTH CAS ON (pointer, tag):
 *   - Pointers mean nothing across processes (each maps the segment at its
 *     own address), so the stack needs indices anyway, and a 32-bit index
 *     leaves 32 bits for the tag in one word.
 *   - A 64-bit CAS is lock-free and address-free on every 64-bit target. A
 *     16-byte _Atomic goes through libatomic, which may fall back to a lock
 *     table private to each process: silently not atomic in shared memory.
 *     Even with cmpxchg16b (-mcx16), a 16-byte atomic load is a locked write
 *     of the line, so readers contend like writers.
 *   - ThreadSanitizer and sync/atomic.h's libatomic_ops backend support
 *     64-bit atomics, not 128-bit ones.
 *
 * SHOWING ABA: a lab writes its naive stack (an untagged 32-bit top) over the
 * same pool type with the same operations; sync_stack_pop_window() calls a
 * hook between reading the top and the CAS, so the lab can stall there and
 * make the interleaving above likely, for the naive stack and this one alike. */
#ifndef SYNC_STACK_H
#define SYNC_STACK_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include "sync/annotate.h"
#include "sync/atomic.h"
#include "sync/futex.h"

#define SYNC_STACK_NIL 0xffffffffu          /* "no node" index */
#define SYNC_STACK_POOL_MAX 0xfffffffeu     /* nodes a pool may have at most */

struct sync_stack_node {
    sync_atomic_u32 next;   /* index of the node below, or SYNC_STACK_NIL */
    uint32_t user;          /* free for the caller (e.g. which list it is on) */
    uint64_t value;         /* the payload, written by the node's owner */
};

struct sync_stack {
    sync_atomic_u64 top;    /* see THE TOP WORD */
};

#define SYNC_STACK_INIT { SYNC_ATOMIC_INIT((uint64_t)SYNC_STACK_NIL) }
#define SYNC_STACK_INDEX(word) ((uint32_t)(word))
#define SYNC_STACK_TAG(word) ((uint32_t)((word) >> 32))

/* Empty stack. flags: 0 or SYNC_PSHARED (accepted for symmetry: one atomic
 * word works across processes either way). Returns 0 or EINVAL (flags). */
static inline int sync_stack_init(struct sync_stack *s, unsigned flags)
{
    if (flags & ~SYNC_PSHARED)
        return EINVAL;
    sync_store_u64(&s->top, SYNC_STACK_NIL, SYNC_RELAXED);
    SYNC_ANN_IGNORE(&s->top, sizeof s->top);
    return 0;
}

/* Pushes pool[idx], which the caller owns (idx < pool size, not on any stack). */
static inline void sync_stack_push(struct sync_stack *s, struct sync_stack_node *pool, uint32_t idx)
{
    /* |next| is an atomic that a stalled pop may read at any time; the
     * owner's |value| stays checked, ordered by the annotation below. */
    SYNC_ANN_IGNORE(&pool[idx].next, sizeof pool[idx].next);
    SYNC_ANN_HAPPENS_BEFORE(&pool[idx]);   /* to the pop that takes it */
    uint64_t old = sync_load_u64(&s->top, SYNC_RELAXED);
    for (;;) {
        /* Relaxed: published by the release CAS below. */
        sync_store_u32(&pool[idx].next, SYNC_STACK_INDEX(old), SYNC_RELAXED);
        uint64_t tag = (uint64_t)(SYNC_STACK_TAG(old) + 1u);
        /* Release: pairs with the acquire load of |top| (and acquire CAS) in
         * pop, which reads this node's next and the owner's value. */
        if (sync_cas_u64(&s->top, &old, tag << 32 | idx, SYNC_RELEASE, SYNC_RELAXED))
            return;
    }
}

/* Pops the top node and returns its index (the caller now owns it), or
 * SYNC_STACK_NIL if the stack is empty. |window|, if not NULL, is called with
 * |arg| after the top and its next were read and before the CAS: the ABA
 * window (for labs; pass NULL otherwise). */
static inline uint32_t sync_stack_pop_window(struct sync_stack *s, struct sync_stack_node *pool,
                                             void (*window)(void *), void *arg)
{
    /* Acquire: pairs with the release CAS in push that put this node on top. */
    uint64_t old = sync_load_u64(&s->top, SYNC_ACQUIRE);
    for (;;) {
        uint32_t idx = SYNC_STACK_INDEX(old);
        if (idx == SYNC_STACK_NIL)
            return SYNC_STACK_NIL;
        /* Relaxed: may be stale if the node was popped and pushed again
         * meanwhile; then the tag has moved and the CAS below fails. */
        uint32_t next = sync_load_u32(&pool[idx].next, SYNC_RELAXED);
        if (window != NULL)
            window(arg);
        uint64_t tag = (uint64_t)(SYNC_STACK_TAG(old) + 1u);
        /* Acquire (both ways): pairs with the release CAS of the push that
         * made the node we now read the top of. */
        if (sync_cas_u64(&s->top, &old, tag << 32 | next, SYNC_ACQUIRE, SYNC_ACQUIRE)) {
            SYNC_ANN_HAPPENS_AFTER(&pool[idx]);   /* the push that put it there */
            return idx;
        }
    }
}

static inline uint32_t sync_stack_pop(struct sync_stack *s, struct sync_stack_node *pool)
{
    return sync_stack_pop_window(s, pool, NULL, NULL);
}

/* Pushes pool[0..n) so that pool[0] ends on top; not concurrent with anything
 * on this stack (initial set-up of a free list). n <= SYNC_STACK_POOL_MAX. */
static inline void sync_stack_fill(struct sync_stack *s, struct sync_stack_node *pool, uint32_t n)
{
    for (uint32_t i = n; i-- > 0;)
        sync_stack_push(s, pool, i);
}

/* The top word now (see THE TOP WORD): for tests and lab output. */
static inline uint64_t sync_stack_top(const struct sync_stack *s)
{
    return sync_load_u64(&s->top, SYNC_RELAXED);
}

#endif /* SYNC_STACK_H */
