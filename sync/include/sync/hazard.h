/* sync/hazard.h - hazard pointers: safe memory reclamation for lock-free
 * structures built of heap nodes (Maged Michael, 2004).
 *
 * THE PROBLEM
 *   In a lock-free structure a thread may hold a pointer to a node that
 *   another thread has just unlinked. If the unlinker frees the node at once,
 *   the first thread reads freed memory (use after free), or memory already
 *   reused as another node (ABA: its CAS then succeeds on a recycled
 *   address). Locks avoid this because nobody holds a pointer outside the
 *   lock; lock-free code needs a rule for when an unlinked node may be freed.
 *
 * THE RULE
 *   Before it dereferences a shared node, a thread publishes the node's
 *   address in one of its hazard slots, then checks that the node is still
 *   reachable (re-reads the link it came from). A thread that unlinks a node
 *   retires it instead of freeing it; retired nodes pile up in a per-thread
 *   list and, past a threshold, a scan frees every one that no hazard slot
 *   holds. A stalled thread pins at most SYNC_HP_SLOTS nodes, so unreclaimed
 *   memory stays bounded (unlike epochs, where one stalled reader pins
 *   everything retired after it).
 *
 * CONTRACT
 *   Threads:   any number; each calls sync_hp_thread_enter() once and uses
 *              the handle it gets, and only that thread uses the handle,
 *              until sync_hp_thread_leave(). Records are reused, never freed
 *              before sync_hp_domain_destroy().
 *   Progress:  protect is lock-free (it retries only when the link changed);
 *              retire is wait-free except for its scan, which is O(R log H)
 *              for R retired nodes and H hazard slots, and calls malloc.
 *   Ordering:  the hazard store and the re-read of the link are seq_cst, as
 *              are the unlinking CAS (the structure's) and the scan's reads of
 *              hazard slots: the store/load pair is Dekker's. Either the scan
 *              sees the hazard, or the reader sees the node unlinked and
 *              retries. Clearing a slot is a release, the scan's read an
 *              acquire: the reader's last access happens before the free.
 *   Memory:    heap only (threads of one process): records are malloc'ed and
 *              linked by pointers.
 *   Counted:   retired and freed nodes, for tests (every node retired must be
 *              freed by the time the domain is destroyed).
 *
 *   may run concurrently with | protect/clear | retire | enter/leave | stats | destroy
 *   protect / clear           |     yes       |  yes   |    yes      |  yes  |   no
 *   retire                    |     yes       |  yes   |    yes      |  yes  |   no
 *   enter / leave             |     yes       |  yes   |    yes      |  yes  |   no
 *   (the same handle is never used by two threads at once) */
#ifndef SYNC_HAZARD_H
#define SYNC_HAZARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "sync/annotate.h"
#include "sync/atomic.h"

/* Hazard slots per thread: the Michael-Scott dequeue needs two (head, next). */
#define SYNC_HP_SLOTS 2

/* A thread scans when it holds this many retired nodes or more (and at
 * least twice the number of hazard slots in the domain, so that each scan
 * frees at least half of what it looks at). */
#define SYNC_HP_RETIRE_MIN 64u

struct sync_hp_domain;

/* One per participating thread. */
struct sync_hp_thread {
    sync_atomic_ptr hp[SYNC_HP_SLOTS];   /* published hazards, read by scans */
    sync_atomic_u32 active;              /* private: 1 while a thread owns it */
    struct sync_hp_thread *next;         /* private: domain list, set before publication */
    struct sync_hp_domain *domain;       /* private */
    /* Private to the owner (and to destroy). */
    void **retired;                      /* nodes waiting for a scan */
    size_t nretired, cap;
    sync_atomic_u64 nretire;             /* counters, written by the owner only */
    sync_atomic_u64 nfree;
};

struct sync_hp_domain {
    sync_atomic_ptr threads;             /* private: list of records (push only) */
    sync_atomic_u32 nthreads;            /* private: records in the list */
    void (*free_fn)(void *node, void *ctx);
    void *ctx;
    sync_atomic_u64 retired_done;        /* private: counters of records destroy freed */
    sync_atomic_u64 freed_done;          /* private: the same, plus nodes destroy freed */
};

/* free_fn(node, ctx) frees a retired node. Returns 0 (EINVAL if free_fn is NULL). */
int sync_hp_domain_init(struct sync_hp_domain *d, void (*free_fn)(void *, void *), void *ctx);

/* Frees every node still retired and every record. Call when no thread is
 * inside (all have left, or were joined). */
void sync_hp_domain_destroy(struct sync_hp_domain *d);

/* A record for the calling thread: an idle one reused, else a new one.
 * NULL if out of memory. */
struct sync_hp_thread *sync_hp_thread_enter(struct sync_hp_domain *d);

/* Clears the hazards, frees what it can (its own retired nodes and those
 * left on idle records), and gives the record back. Nodes still protected by
 * others stay behind and are freed by a later leave or scan of that record,
 * or by destroy. */
void sync_hp_thread_leave(struct sync_hp_thread *t);

/* Hands over an unlinked node: it is freed once no hazard slot holds it.
 * The node must be unreachable from the structure already. */
void sync_hp_retire(struct sync_hp_thread *t, void *node);

/* Scans now (also run by retire past its threshold). */
void sync_hp_scan(struct sync_hp_thread *t);

/* Totals over all records: nodes retired and nodes freed (destroy included;
 * valid after destroy too, which keeps the totals). */
void sync_hp_stats(struct sync_hp_domain *d, uint64_t *retired, uint64_t *freed);

/* Loads *src and publishes it in slot |slot|, repeating until the published
 * value is still in *src: the returned node (or NULL) cannot be freed until
 * the slot is cleared or overwritten. */
/* For Helgrind and DRD (sync/annotate.h): the slot is about to let go of
 * the node it holds, so everything this thread did with the node happens
 * before the scan that then frees it (sync_hp_scan: after, on the node). */
static inline void sync__hp_let_go(struct sync_hp_thread *t, unsigned slot)
{
    if (SYNC_ANN_RUNNING()) {
        void *old = sync_load_ptr(&t->hp[slot], SYNC_RELAXED);  /* our own slot */
        if (old != NULL)
            SYNC_ANN_HAPPENS_BEFORE(old);
    }
}

static inline void *sync_hp_protect(struct sync_hp_thread *t, unsigned slot,
                                    const sync_atomic_ptr *src)
{
    void *p = sync_load_ptr(src, SYNC_RELAXED);
    sync__hp_let_go(t, slot);
    for (;;) {
        /* Seq_cst: Dekker pair with the scan's seq_cst load of this slot
         * (store hazard, then load link; unlink, then load hazards). */
        sync_store_ptr(&t->hp[slot], p, SYNC_SEQ_CST);
        /* Seq_cst (includes acquire: pairs with the release that published
         * the node, so its fields are visible). */
        void *q = sync_load_ptr(src, SYNC_SEQ_CST);
        if (q == p)
            return p;
        p = q;
    }
}

/* Publishes a node already known reachable through a link the caller will
 * re-check (e.g. head->next, then re-read head). */
static inline void sync_hp_set(struct sync_hp_thread *t, unsigned slot, void *p)
{
    sync__hp_let_go(t, slot);
    /* Seq_cst: as in sync_hp_protect(); the caller's re-check is the load. */
    sync_store_ptr(&t->hp[slot], p, SYNC_SEQ_CST);
}

static inline void sync_hp_clear(struct sync_hp_thread *t, unsigned slot)
{
    sync__hp_let_go(t, slot);
    /* Release: pairs with the scan's load of this slot, so our reads of the
     * node happen before its free. */
    sync_store_ptr(&t->hp[slot], NULL, SYNC_RELEASE);
}

#endif /* SYNC_HAZARD_H */
