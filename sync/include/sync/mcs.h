/* sync/mcs.h - MCS queue spin lock (Mellor-Crummey and Scott, 1991).
 *
 * CONTRACT
 *   Progress:  starvation-free; FIFO in the order of the exchange on |tail|.
 *   Fairness:  strict FIFO, with the same price as the ticket lock: the lock
 *              is handed to one specific thread, which may not be running
 *              when there are more threads than cores; waiters yield the CPU
 *              after SYNC__MCS_SPIN rounds so that it can run.
 *   Why:       each waiter spins on the |locked| flag of its OWN node, so a
 *              hand-over touches one waiter's cache line instead of all of
 *              them (ticket, TAS): traffic per hand-over is O(1).
 *   Ordering:  lock is an acquire, unlock a release.
 *   Memory:    the lock is one pointer. Each acquisition needs a queue node
 *              that stays alive and unmoved from lock/trylock until unlock
 *              returns; the caller's stack is the usual place. Nodes hold
 *              pointers, so a lock shared between processes works only if
 *              every process maps the shared segment at the same address.
 *   Safety:    one node per acquisition in progress (a node is not reusable
 *              until its unlock returned); unlock with the node used to lock,
 *              by the holder (not checked).
 *
 * Node fields, per state:
 *   locked  1 while the owner waits for its predecessor, 0 once handed over
 *   next    NULL until a successor has linked itself behind this node */
#ifndef SYNC_MCS_H
#define SYNC_MCS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "sync/annotate.h"
#include "sync/atomic.h"

/* Spin rounds (pause hints) before a waiter starts yielding. Shorter than the
 * other spin locks': a waiter cannot tell how far back in the queue it is,
 * and a hand-over to a running successor takes well under a microsecond, so
 * a longer wait means the lock is stuck behind a preempted thread. */
#ifndef SYNC__MCS_SPIN
#define SYNC__MCS_SPIN 32u
#endif

typedef struct sync_mcs_node {
    sync_atomic_ptr next;   /* private: successor, sync_mcs_node_t * */
    sync_atomic_u32 locked; /* private: 1 while waiting */
} sync_mcs_node_t;
_Static_assert(_Alignof(sync_mcs_node_t) >= 4, "SYNC_ANN_FOLD_PTR needs bit 1 of a node pointer");

typedef struct {
    sync_atomic_ptr tail;   /* last node in the queue; NULL when free */
} sync_mcs_t;

#define SYNC_MCS_INIT { SYNC_ATOMIC_INIT(NULL) }

static inline int sync_mcs_init(sync_mcs_t *l)
{
    sync_store_ptr(&l->tail, NULL, SYNC_RELAXED);
    SYNC_ANN_LOCK_INIT(l, sizeof *l);
    return 0;
}

static inline bool sync_mcs_trylock(sync_mcs_t *l, sync_mcs_node_t *node)
{
    void *expected = NULL;
    sync_store_ptr(&node->next, NULL, SYNC_RELAXED);
    sync_store_u32(&node->locked, 0, SYNC_RELAXED);
    /* Acquire: pairs with the release CAS of |tail| in sync_mcs_unlock().
     * Release: publishes node->next = NULL to the successor that will write
     * it after finding our node in |tail| (its exchange acquires). */
    if (!sync_cas_ptr(&l->tail, &expected, node, SYNC_ACQ_REL, SYNC_RELAXED))
        return false;
    /* The node's words are atomics other threads touch until our unlock. */
    SYNC_ANN_IGNORE(node, sizeof *node);
    SYNC_ANN_LOCK_ACQUIRED(l, 1);
    return true;
}

/* The contended half of sync_mcs_lock(): |pred| was the tail before us. */
SYNC__SLOW_PATH void sync__mcs_lock_slow(sync_mcs_t *l, sync_mcs_node_t *node,
                                         sync_mcs_node_t *pred)
{
    /* Release: pairs with the acquire load of |next| in the predecessor's
     * unlock, which must see locked = 1 stored before it stores 0. */
    sync_store_ptr(&pred->next, node, SYNC_RELEASE);
    unsigned rounds = 0;
    /* Acquire: pairs with the predecessor's release store of locked = 0. */
    while (sync_load_u32(&node->locked, SYNC_ACQUIRE) != 0)
        sync__spin_wait_n(&rounds, SYNC__MCS_SPIN);
    SYNC_ANN_LOCK_ACQUIRED(l, 1);
}

static inline void sync_mcs_lock(sync_mcs_t *l, sync_mcs_node_t *node)
{
    /* The node's words are atomics other threads touch until our unlock. */
    SYNC_ANN_IGNORE(node, sizeof *node);
    sync_store_ptr(&node->next, NULL, SYNC_RELAXED);
    sync_store_u32(&node->locked, 1, SYNC_RELAXED);
    /* Acquire: pairs with the release of the predecessor's exchange (its node
     * initialised) or of the unlock's CAS back to NULL (its critical section).
     * Release: publishes our node's initialisation to our successor. */
    sync_mcs_node_t *pred = sync_exchange_ptr(&l->tail, node, SYNC_ACQ_REL);
    if (__builtin_expect(pred != NULL, 0)) {
        sync__mcs_lock_slow(l, node, pred);
        return;
    }
    SYNC_ANN_LOCK_ACQUIRED(l, 1);
}

/* The contended half of sync_mcs_unlock(): a successor swapped |tail| but
 * has not linked itself yet (it may even be preempted between the two), or
 * is linked (|succ|): wait for the link, then hand over. */
SYNC__SLOW_PATH void sync__mcs_hand_over(sync_mcs_node_t *node, sync_mcs_node_t *succ)
{
    unsigned rounds = 0;
    /* Acquire: pairs with the successor's release store of node->next. */
    while (succ == NULL && (succ = sync_load_ptr(&node->next, SYNC_ACQUIRE)) == NULL)
        sync__spin_wait(&rounds);
    /* Release: pairs with the successor's acquire load of its |locked|. */
    sync_store_u32(&succ->locked, 0, SYNC_RELEASE);
    SYNC_ANN_UNIGNORE(node, sizeof *node);   /* the successor has let go of it */
}

/* The other half of sync_mcs_unlock(): a successor is linked, or this runs
 * under Helgrind or DRD. |word| is the successor seen (NULL: none yet)
 * folded with the flag (sync/annotate.h), so that the unlock's one branch
 * sends the tools' runs here, where the annotations are. */
SYNC__SLOW_PATH void sync__mcs_unlock_slow(sync_mcs_t *l, sync_mcs_node_t *node, uintptr_t word)
{
    sync_mcs_node_t *succ = (sync_mcs_node_t *)SYNC_ANN_UNFOLD_PTR(word);
    void *expected = node;
    SYNC_ANN_LOCK_RELEASED(l, 1);   /* before the CAS or the store that frees it */
    /* Release: pairs with the acquire exchange/CAS of the next locker. */
    if (succ != NULL || !sync_cas_ptr(&l->tail, &expected, NULL, SYNC_RELEASE, SYNC_RELAXED)) {
        sync__mcs_hand_over(node, succ);
        return;
    }
    SYNC_ANN_UNIGNORE(node, sizeof *node);   /* nobody else knows it now */
}

static inline void sync_mcs_unlock(sync_mcs_t *l, sync_mcs_node_t *node)
{
    /* Acquire: pairs with the successor's release store of node->next. */
    uintptr_t word = SYNC_ANN_FOLD_PTR(sync_load_ptr(&node->next, SYNC_ACQUIRE));
    void *expected = node;
    if (__builtin_expect(word != 0, 0)) {
        sync__mcs_unlock_slow(l, node, word);
        return;
    }
    /* No successor yet: if we are still the tail, the queue empties.
     * Release: pairs with the acquire exchange/CAS of the next locker. */
    if (__builtin_expect(!sync_cas_ptr(&l->tail, &expected, NULL, SYNC_RELEASE, SYNC_RELAXED),
                         0))
        sync__mcs_hand_over(node, NULL);
    /* (No UNIGNORE here: under the tools the unlock never comes this way.) */
}

#endif /* SYNC_MCS_H */
