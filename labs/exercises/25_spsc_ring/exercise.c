/* Exercise spsc_ring: a single-producer single-consumer ring of two slots
 * carries three messages. The producer writes a slot, then publishes it by
 * advancing `tail` (release); the consumer waits for tail (acquire), reads
 * the slot and hands it back by advancing `head`. Messages pass both ways:
 * a slot full of data to the consumer, an empty slot back to the producer.
 * This consumer hands the slot back before it has read it, so the producer
 * may already be overwriting it. Fix consume().
 * Check: racelab exercise spsc_ring   (hint: racelab exercise hint spsc_ring) */
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
    atomic_store_explicit(&head, h + 1, memory_order_release);   /* pairs with produce's acquire */
    return ring[h % SLOTS];
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
