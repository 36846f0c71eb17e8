/* sync/msqueue.h - unbounded Michael-Scott lock-free queue of uint64_t, with
 * hazard pointers (sync/hazard.h) for safe memory reclamation.
 *
 * CONTRACT
 *   Producers: any number.  Consumers: any number.  Threads of one process
 *              only (nodes are malloc'ed and linked by pointers).
 *   Threads:   each thread that touches the queue first takes a handle with
 *              sync_msqueue_thread_enter() and passes it to every call;
 *              sync_msqueue_thread_leave() gives it back. A handle belongs to
 *              one thread at a time.
 *   Progress:  lock-free: some push or pop always completes in a bounded
 *              number of steps (a stalled thread never blocks the others; a
 *              lagging |tail| is swung forward by whoever sees it). Not
 *              wait-free: one thread can retry for ever while others win.
 *              Push calls malloc; pop's retire occasionally runs a scan.
 *   Ordering:  FIFO (linearizable): a push takes effect at its CAS linking the
 *              node, a pop at its CAS moving |head|. Push is a release, the
 *              pop that returns the item an acquire.
 *   Memory:    the struct (embed it anywhere in one process) plus one node
 *              per item and the hazard-pointer records. Retired nodes are
 *              freed once no hazard pointer holds them; at most
 *              2 x threads x SYNC_HP_SLOTS + threads x threshold wait.
 *              destroy frees everything: zero leaks under valgrind.
 *
 *   may run concurrently with | trypush | trypop | enter/leave | stats | destroy
 *   trypush                   |   yes   |  yes   |    yes      |  yes  |   no
 *   trypop                    |   yes   |  yes   |    yes      |  yes  |   no
 *   init / destroy            |   no    |  no    |    no       |  no   |   no
 *
 * |head| points to the dummy node (the last popped, or the initial one); the
 * items are in dummy->next, dummy->next->next, ... |tail| points to the last
 * node or, for a moment after a push, the one before it. */
#ifndef SYNC_MSQUEUE_H
#define SYNC_MSQUEUE_H

#include <stdbool.h>
#include <stdint.h>
#include "sync/atomic.h"
#include "sync/hazard.h"

struct sync_msqueue {
    _Alignas(SYNC_CACHELINE) sync_atomic_ptr head; /* private: consumers' CAS target */
    _Alignas(SYNC_CACHELINE) sync_atomic_ptr tail; /* private: producers' CAS target */
    _Alignas(SYNC_CACHELINE) struct sync_hp_domain hp; /* private */
};

/* A thread's handle: its hazard-pointer record. */
typedef struct sync_hp_thread sync_msqueue_thread;

/* Returns 0, or ENOMEM (no dummy node). */
int sync_msqueue_init(struct sync_msqueue *q);

/* Frees every node left in the queue, every retired node and every handle.
 * Call when no thread uses the queue any more (handles need not be left). */
void sync_msqueue_destroy(struct sync_msqueue *q);

/* The calling thread's handle; NULL if out of memory. */
sync_msqueue_thread *sync_msqueue_thread_enter(struct sync_msqueue *q);
void sync_msqueue_thread_leave(struct sync_msqueue *q, sync_msqueue_thread *h);

/* Appends v. False only if no node could be allocated (the queue is unchanged). */
bool sync_msqueue_trypush(struct sync_msqueue *q, sync_msqueue_thread *h, uint64_t v);

/* Removes the oldest item into *out. False if the queue was empty. */
bool sync_msqueue_trypop(struct sync_msqueue *q, sync_msqueue_thread *h, uint64_t *out);

/* Reclamation counters: nodes retired by pops, and nodes freed (by scans,
 * and by destroy: after destroy, freed == pushes + 1, the dummy). */
void sync_msqueue_stats(struct sync_msqueue *q, uint64_t *retired, uint64_t *freed);

#endif /* SYNC_MSQUEUE_H */
