/* Exercise spsc_ring, reference solution: the consumer reads the slot,
 * then hands it back with a release store of head; the producer's acquire
 * load of head orders that read before its next write of the slot. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>

#define SLOTS 2
#define MESSAGES 3

static int ring[SLOTS];
static atomic_uint head, tail;   /* next slot to read, next slot to write */

static void produce(int message)
{
    unsigned t = atomic_load_explicit(&tail, memory_order_relaxed);   /* only we write it */
    /* acquire: pairs with consume's release of head (the slot has been read) */
    while (t - atomic_load_explicit(&head, memory_order_acquire) == SLOTS)
        sched_yield();
    ring[t % SLOTS] = message;
    atomic_store_explicit(&tail, t + 1, memory_order_release);   /* pairs with consume's acquire */
}

static int consume(void)
{
    unsigned h = atomic_load_explicit(&head, memory_order_relaxed);   /* only we write it */
    /* acquire: pairs with produce's release of tail (the slot is written) */
    while (atomic_load_explicit(&tail, memory_order_acquire) == h)
        sched_yield();
    int message = ring[h % SLOTS];
    atomic_store_explicit(&head, h + 1, memory_order_release);   /* pairs with produce's acquire */
    return message;
}

static void *producer(void *arg)
{
    (void)arg;
    for (int m = 1; m <= MESSAGES; m++)
        produce(m);
    return NULL;
}

static void *consumer(void *arg)
{
    (void)arg;
    for (int m = 1; m <= MESSAGES; m++)
        if (consume() != m)
            return (void *)1;
    return NULL;
}

int main(void)
{
    pthread_t p, c;
    void *bad;
    pthread_create(&c, NULL, consumer, NULL);
    pthread_create(&p, NULL, producer, NULL);
    pthread_join(p, NULL);
    pthread_join(c, &bad);
    if (bad != NULL) {
        printf("the consumer read a message the producer had already overwritten\n");
        return 1;
    }
    return 0;
}
