/* Exercise sem_early: a producer hands two messages to a consumer through a
 * ring of two slots. Two semaphores count the slots: `spaces` (free ones)
 * and `items` (filled ones). The producer posts `items` before it has
 * written the slot, so the consumer can take the slot while it is still
 * empty. Fix produce() so that an item is announced only once it is there.
 * Check: racelab exercise sem_early   (hint: racelab exercise hint sem_early) */
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
    sem_post(&items);
    ring[*in % SLOTS] = message;
    (*in)++;
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
