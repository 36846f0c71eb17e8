/* sync/bqueue.h - the textbook blocking bounded queues of uint64_t: a mutex
 * with two condition variables (sync_bqueue), and the semaphore pair
 * empty/full (sync_semq). The baselines every lock-free queue is measured
 * against.
 *
 * CONTRACT (both)
 *   Producers: any number.  Consumers: any number.
 *   Progress:  blocking. push waits while the queue is full, pop while it is
 *              empty; trypush/trypop never wait for room or items (they may
 *              wait briefly for the lock). A thread stalled holding the lock
 *              stops everyone: that is the price the lock-free queues avoid.
 *   Ordering:  FIFO. A push is a release, the pop that returns its item an
 *              acquire. bqueue is linearizable (every operation takes effect
 *              under the one lock). semq's items are; its "empty" is not: a
 *              producer can be between filling its slot and posting |items|
 *              while a later producer has posted, so a consumer takes the
 *              earlier slot's item and the next trypop finds |items| at 0
 *              although the later push has completed. (Same for "full".)
 *   Memory:    one block of sync_<x>_size(capacity) bytes, no pointers
 *              inside. With SYNC_PSHARED it may live in a MAP_SHARED segment
 *              used by several processes (bqueue: pthread objects with
 *              PTHREAD_PROCESS_SHARED; semq: sync_sem_t with SYNC_PSHARED).
 *   Stopping:  blocking pop has no "closed" state: producers that finish
 *              push one sentinel value per consumer (the lab uses UINT64_MAX).
 *
 *   may run concurrently with | push/trypush | pop/trypop | count
 *   push / trypush            |     yes      |    yes     |  yes
 *   pop / trypop              |     yes      |    yes     |  yes
 *   init / destroy            |     no       |    no      |  no
 *
 * sync_bqueue: one pthread mutex guards the ring and the count; producers
 * wait on |not_full|, consumers on |not_empty|; every push signals one
 * consumer and every pop one producer (only when someone waits).
 *
 * sync_semq (Dijkstra's bounded buffer): |slots| counts free slots (starts
 * at capacity), |items| counts filled ones (starts at 0). A producer waits on
 * slots, fills the slot at |tail| under |put_lock|, posts items; a consumer
 * waits on items, empties the slot at |head| under |take_lock|, posts slots.
 * The counts keep producers and consumers off each other's slots, so the
 * two sides need separate locks only among themselves (the textbook's single
 * mutex would be correct too, and slower). All four are racelab futex
 * semaphores (sync/sem.h); the locks are semaphores initialised to 1. */
#ifndef SYNC_BQUEUE_H
#define SYNC_BQUEUE_H

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "sync/atomic.h"
#include "sync/futex.h"
#include "sync/sem.h"

/* Capacity bounds init accepts (items; any value in range, no power of two needed). */
#define SYNC_BQUEUE_CAPACITY_MAX (1u << 30)
#define SYNC_SEMQ_CAPACITY_MAX (1u << 30)

struct sync_bqueue {
    pthread_mutex_t lock;
    pthread_cond_t not_empty;   /* consumers wait here while count == 0 */
    pthread_cond_t not_full;    /* producers wait here while count == capacity */
    uint32_t head, tail, count; /* private: under |lock| */
    uint32_t waiting_pop;       /* private: consumers in cond_wait, under |lock| */
    uint32_t waiting_push;      /* private: producers in cond_wait, under |lock| */
    uint32_t capacity;
    unsigned flags;             /* private */
    uint64_t slots[];
};

/* Bytes to allocate for a queue of |capacity| items, a multiple of
 * SYNC_CACHELINE (aligned_alloc-ready); 0 if out of range. */
size_t sync_bqueue_size(uint32_t capacity);

/* flags: 0 or SYNC_PSHARED. Returns 0; EINVAL if capacity is 0 or above
 * SYNC_BQUEUE_CAPACITY_MAX or flags are unknown; or the errno of a failing
 * pthread_*_init (nothing is left initialised then). */
int sync_bqueue_init(struct sync_bqueue *q, uint32_t capacity, unsigned flags);
/* Destroys the mutex and condition variables. Nobody may use the queue. */
void sync_bqueue_destroy(struct sync_bqueue *q);

bool sync_bqueue_trypush(struct sync_bqueue *q, uint64_t v);  /* false: full */
bool sync_bqueue_trypop(struct sync_bqueue *q, uint64_t *out); /* false: empty */
void sync_bqueue_push(struct sync_bqueue *q, uint64_t v);      /* waits while full */
void sync_bqueue_pop(struct sync_bqueue *q, uint64_t *out);    /* waits while empty */
uint32_t sync_bqueue_count(struct sync_bqueue *q);             /* snapshot */

struct sync_semq {
    _Alignas(SYNC_CACHELINE) sync_sem_t slots;     /* free slots */
    sync_sem_t put_lock;                           /* producers' binary semaphore */
    uint32_t tail;                                 /* private: under put_lock */
    _Alignas(SYNC_CACHELINE) sync_sem_t items;     /* filled slots */
    sync_sem_t take_lock;                          /* consumers' binary semaphore */
    uint32_t head;                                 /* private: under take_lock */
    _Alignas(SYNC_CACHELINE) uint32_t capacity;
    unsigned flags;                                /* private */
    uint64_t slots_[];                             /* private: the ring */
};

/* Bytes to allocate for a queue of |capacity| items, a multiple of
 * SYNC_CACHELINE (aligned_alloc-ready); 0 if out of range. */
size_t sync_semq_size(uint32_t capacity);

/* flags: 0 or SYNC_PSHARED. Returns 0, or EINVAL if capacity is 0 or above
 * SYNC_SEMQ_CAPACITY_MAX or flags are unknown. Nothing to destroy. */
int sync_semq_init(struct sync_semq *q, uint32_t capacity, unsigned flags);

bool sync_semq_trypush(struct sync_semq *q, uint64_t v);  /* false: full */
bool sync_semq_trypop(struct sync_semq *q, uint64_t *out); /* false: empty */
void sync_semq_push(struct sync_semq *q, uint64_t v);      /* waits while full */
void sync_semq_pop(struct sync_semq *q, uint64_t *out);    /* waits while empty */
uint32_t sync_semq_count(const struct sync_semq *q);       /* snapshot of |items| */

#endif /* SYNC_BQUEUE_H */
