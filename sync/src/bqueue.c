/* bqueue.c - the blocking bounded queues: mutex + two condition variables,
 * and the semaphore pair. */
#include <stdlib.h>
#include <string.h>
#include "sync/bqueue.h"

/* Sizes are whole cache lines, so aligned_alloc(SYNC_CACHELINE, size) takes them. */
static size_t sync__round_line(size_t n)
{
    return (n + SYNC_CACHELINE - 1) / SYNC_CACHELINE * SYNC_CACHELINE;
}

/* A pthread call that cannot fail on a valid object failed: the queue's
 * memory is corrupt or was never initialised. Stop here, not later. */
static void bq_check(int rc)
{
    if (rc != 0)
        abort();
}

size_t sync_bqueue_size(uint32_t capacity)
{
    if (capacity == 0 || capacity > SYNC_BQUEUE_CAPACITY_MAX)
        return 0;
    return sync__round_line(sizeof(struct sync_bqueue) + (size_t)capacity * sizeof(uint64_t));
}

int sync_bqueue_init(struct sync_bqueue *q, uint32_t capacity, unsigned flags)
{
    if (capacity == 0 || capacity > SYNC_BQUEUE_CAPACITY_MAX || (flags & ~SYNC_PSHARED))
        return EINVAL;
    int pshared = (flags & SYNC_PSHARED) ? PTHREAD_PROCESS_SHARED : PTHREAD_PROCESS_PRIVATE;
    pthread_mutexattr_t ma;
    pthread_condattr_t ca;
    int rc = pthread_mutexattr_init(&ma);
    if (rc != 0)
        return rc;
    rc = pthread_mutexattr_setpshared(&ma, pshared);
    if (rc == 0)
        rc = pthread_mutex_init(&q->lock, &ma);
    pthread_mutexattr_destroy(&ma);
    if (rc != 0)
        return rc;
    rc = pthread_condattr_init(&ca);
    if (rc != 0)
        goto fail_mutex;
    rc = pthread_condattr_setpshared(&ca, pshared);
    if (rc == 0)
        rc = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    if (rc == 0)
        rc = pthread_cond_init(&q->not_empty, &ca);
    if (rc == 0) {
        rc = pthread_cond_init(&q->not_full, &ca);
        if (rc != 0)
            pthread_cond_destroy(&q->not_empty);
    }
    pthread_condattr_destroy(&ca);
    if (rc != 0)
        goto fail_mutex;
    q->head = q->tail = q->count = 0;
    q->waiting_pop = q->waiting_push = 0;
    q->capacity = capacity;
    q->flags = flags;
    memset(q->slots, 0, (size_t)capacity * sizeof(uint64_t));
    return 0;
fail_mutex:
    pthread_mutex_destroy(&q->lock);
    return rc;
}

void sync_bqueue_destroy(struct sync_bqueue *q)
{
    pthread_cond_destroy(&q->not_full);
    pthread_cond_destroy(&q->not_empty);
    pthread_mutex_destroy(&q->lock);
}

/* Call with |lock| held and count < capacity. */
static void bq_put(struct sync_bqueue *q, uint64_t v)
{
    q->slots[q->tail] = v;
    q->tail = q->tail + 1 == q->capacity ? 0 : q->tail + 1;
    q->count++;
    if (q->waiting_pop)
        bq_check(pthread_cond_signal(&q->not_empty));
}

/* Call with |lock| held and count > 0. */
static uint64_t bq_take(struct sync_bqueue *q)
{
    uint64_t v = q->slots[q->head];
    q->head = q->head + 1 == q->capacity ? 0 : q->head + 1;
    q->count--;
    if (q->waiting_push)
        bq_check(pthread_cond_signal(&q->not_full));
    return v;
}

bool sync_bqueue_trypush(struct sync_bqueue *q, uint64_t v)
{
    bq_check(pthread_mutex_lock(&q->lock));
    bool ok = q->count < q->capacity;
    if (ok)
        bq_put(q, v);
    bq_check(pthread_mutex_unlock(&q->lock));
    return ok;
}

bool sync_bqueue_trypop(struct sync_bqueue *q, uint64_t *out)
{
    bq_check(pthread_mutex_lock(&q->lock));
    bool ok = q->count > 0;
    if (ok)
        *out = bq_take(q);
    bq_check(pthread_mutex_unlock(&q->lock));
    return ok;
}

void sync_bqueue_push(struct sync_bqueue *q, uint64_t v)
{
    bq_check(pthread_mutex_lock(&q->lock));
    while (q->count == q->capacity) {
        q->waiting_push++;
        bq_check(pthread_cond_wait(&q->not_full, &q->lock));
        q->waiting_push--;
    }
    bq_put(q, v);
    bq_check(pthread_mutex_unlock(&q->lock));
}

void sync_bqueue_pop(struct sync_bqueue *q, uint64_t *out)
{
    bq_check(pthread_mutex_lock(&q->lock));
    while (q->count == 0) {
        q->waiting_pop++;
        bq_check(pthread_cond_wait(&q->not_empty, &q->lock));
        q->waiting_pop--;
    }
    *out = bq_take(q);
    bq_check(pthread_mutex_unlock(&q->lock));
}

uint32_t sync_bqueue_count(struct sync_bqueue *q)
{
    bq_check(pthread_mutex_lock(&q->lock));
    uint32_t n = q->count;
    bq_check(pthread_mutex_unlock(&q->lock));
    return n;
}

/* ---- the semaphore pair ------------------------------------------------- */

size_t sync_semq_size(uint32_t capacity)
{
    if (capacity == 0 || capacity > SYNC_SEMQ_CAPACITY_MAX)
        return 0;
    return sync__round_line(sizeof(struct sync_semq) + (size_t)capacity * sizeof(uint64_t));
}

int sync_semq_init(struct sync_semq *q, uint32_t capacity, unsigned flags)
{
    if (capacity == 0 || capacity > SYNC_SEMQ_CAPACITY_MAX || (flags & ~SYNC_PSHARED))
        return EINVAL;
    unsigned f = flags & SYNC_PSHARED;
    int rc = sync_sem_init(&q->slots, capacity, f);
    if (rc == 0)
        rc = sync_sem_init(&q->items, 0, f);
    if (rc == 0)
        rc = sync_sem_init(&q->put_lock, 1, f);
    if (rc == 0)
        rc = sync_sem_init(&q->take_lock, 1, f);
    if (rc != 0)
        return rc;
    q->head = q->tail = 0;
    q->capacity = capacity;
    q->flags = flags;
    memset(q->slots_, 0, (size_t)capacity * sizeof(uint64_t));
    return 0;
}

/* Call after taking a unit of |slots|. */
static void semq_put(struct sync_semq *q, uint64_t v)
{
    sync_sem_wait(&q->put_lock);    /* acquire: pairs with the post below */
    q->slots_[q->tail] = v;
    q->tail = q->tail + 1 == q->capacity ? 0 : q->tail + 1;
    sync_sem_post(&q->put_lock);    /* release: pairs with the next producer's wait */
    /* Release: pairs with the consumer's wait on |items| that takes this unit
     * (it then reads the slot we wrote). */
    (void)sync_sem_post(&q->items);
}

/* Call after taking a unit of |items|. */
static uint64_t semq_take(struct sync_semq *q)
{
    sync_sem_wait(&q->take_lock);   /* acquire: pairs with the post below */
    uint64_t v = q->slots_[q->head];
    q->head = q->head + 1 == q->capacity ? 0 : q->head + 1;
    sync_sem_post(&q->take_lock);   /* release: pairs with the next consumer's wait */
    /* Release: pairs with the producer's wait on |slots| that reuses this slot. */
    (void)sync_sem_post(&q->slots);
    return v;
}

bool sync_semq_trypush(struct sync_semq *q, uint64_t v)
{
    if (!sync_sem_trywait(&q->slots))
        return false;
    semq_put(q, v);
    return true;
}

bool sync_semq_trypop(struct sync_semq *q, uint64_t *out)
{
    if (!sync_sem_trywait(&q->items))
        return false;
    *out = semq_take(q);
    return true;
}

void sync_semq_push(struct sync_semq *q, uint64_t v)
{
    sync_sem_wait(&q->slots);
    semq_put(q, v);
}

void sync_semq_pop(struct sync_semq *q, uint64_t *out)
{
    sync_sem_wait(&q->items);
    *out = semq_take(q);
}

uint32_t sync_semq_count(const struct sync_semq *q)
{
    return sync_sem_value(&q->items);
}
