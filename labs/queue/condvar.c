/* condvar: the textbook bounded buffer - one mutex, two condition variables.
 *
 * A producer waits on |not_full| while the ring is full, a consumer on
 * |not_empty| while it is empty; nobody polls. How do consumers learn that
 * the work is over? Not from a sentinel item per consumer (a broken queue
 * could lose or duplicate it, and a consumer would then wait for ever or
 * quit early) but from a count: the last producer sets |finished| under the
 * lock and broadcasts, and a consumer that finds the ring empty and the
 * producers finished leaves. pthread objects, process-shared under procs. */
#define VARIANT_NAME condvar
#define VARIANT_DESC "ring with a pthread mutex and two condition variables (blocking)"
#define VARIANT_BLOCKING
#define VARIANT_SETUP setup
#define VARIANT_TEARDOWN teardown

#include <pthread.h>

#include "queue.h"
#include "sync/futex.h"

#define RING_CAP 1024u

struct qstate {
    pthread_mutex_t lock;
    pthread_cond_t not_full;    /* producers wait here while the ring is full */
    pthread_cond_t not_empty;   /* consumers wait here while it is empty */
    uint64_t head, tail;        /* under |lock| */
    bool finished;              /* under |lock|: every producer is done */
    uint64_t slot[RING_CAP];
};

static int setup(struct qstate *q, const struct lab_env *env, struct qlab *lab)
{
    (void)lab;
    int pshared = env->sync_flags & SYNC_PSHARED ? PTHREAD_PROCESS_SHARED
                                                 : PTHREAD_PROCESS_PRIVATE;
    pthread_mutexattr_t ma;
    pthread_condattr_t ca;
    int rc = pthread_mutexattr_init(&ma);
    if (rc != 0)
        return rc;
    rc = pthread_condattr_init(&ca);
    if (rc != 0) {
        pthread_mutexattr_destroy(&ma);
        return rc;
    }
    rc = pthread_mutexattr_setpshared(&ma, pshared);
    if (rc == 0)
        rc = pthread_condattr_setpshared(&ca, pshared);
    if (rc == 0)
        rc = pthread_mutex_init(&q->lock, &ma);
    if (rc == 0 && (rc = pthread_cond_init(&q->not_full, &ca)) != 0)
        pthread_mutex_destroy(&q->lock);
    if (rc == 0 && (rc = pthread_cond_init(&q->not_empty, &ca)) != 0) {
        pthread_cond_destroy(&q->not_full);
        pthread_mutex_destroy(&q->lock);
    }
    pthread_condattr_destroy(&ca);
    pthread_mutexattr_destroy(&ma);
    return rc;
}

static void teardown(struct qstate *q)
{
    pthread_cond_destroy(&q->not_empty);
    pthread_cond_destroy(&q->not_full);
    pthread_mutex_destroy(&q->lock);
}

static void q_put(struct qstate *q, uint64_t item)
{
    pthread_mutex_lock(&q->lock);
    while (q->tail - q->head == RING_CAP)
        pthread_cond_wait(&q->not_full, &q->lock);
    q->slot[q->tail++ % RING_CAP] = item;
    pthread_cond_signal(&q->not_empty);
    pthread_mutex_unlock(&q->lock);
}

static bool q_get(struct qstate *q, uint64_t *item)
{
    pthread_mutex_lock(&q->lock);
    while (q->head == q->tail && !q->finished)
        pthread_cond_wait(&q->not_empty, &q->lock);
    bool any = q->head != q->tail;   /* else empty and finished: leave */
    if (any) {
        *item = q->slot[q->head++ % RING_CAP];
        pthread_cond_signal(&q->not_full);
    }
    pthread_mutex_unlock(&q->lock);
    return any;
}

static void q_finish(struct qstate *q)
{
    pthread_mutex_lock(&q->lock);
    q->finished = true;
    pthread_cond_broadcast(&q->not_empty);
    pthread_mutex_unlock(&q->lock);
}

#include "variant.h"
