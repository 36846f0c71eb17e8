/* Exercise sem_early, reference solution: the producer writes the slot
 * first and only then posts `items`; sem_post happens before the sem_wait it
 * satisfies, so the consumer sees the message. */
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>

#define SLOTS 2
#define MESSAGES 2

static int ring[SLOTS];
static sem_t spaces, items;

static void produce(int message, unsigned *in)
{
    sem_wait(&spaces);
    ring[*in % SLOTS] = message;
    (*in)++;
    sem_post(&items);
}
static void *producer(void *arg)
{
    (void)arg;
    unsigned in = 0;
    for (int m = 1; m <= MESSAGES; m++)
        produce(m, &in);
    return NULL;
}

static void *consumer(void *arg)
{
    (void)arg;
    unsigned out = 0;
    for (int m = 1; m <= MESSAGES; m++) {
        sem_wait(&items);
        int got = ring[out % SLOTS];
        ring[out % SLOTS] = 0;
        out++;
        sem_post(&spaces);
        if (got != m)
            return (void *)1;
    }
    return NULL;
}

int main(void)
{
    pthread_t p, c;
    void *bad;
    sem_init(&spaces, 0, SLOTS);
    sem_init(&items, 0, 0);
    pthread_create(&c, NULL, consumer, NULL);
    pthread_create(&p, NULL, producer, NULL);
    pthread_join(p, NULL);
    pthread_join(c, &bad);
    if (bad != NULL) {
        printf("the consumer took a slot before its message was written\n");
        return 1;
    }
    return 0;
}
