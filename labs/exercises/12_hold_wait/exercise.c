/* Exercise hold_wait: one producer puts two items into a ring of two slots,
 * two consumers take one each. A mutex guards the ring's indices; the
 * semaphores `items` and `spaces` count filled and free slots. A consumer
 * takes the mutex and then waits for an item while it holds it: when the
 * ring is empty it sleeps with the mutex, and the producer, who needs the
 * mutex to put the item, can never come in. Fix consume().
 * Check: racelab exercise hold_wait   (hint: racelab exercise hint hold_wait) */
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>

#define SLOTS 2

static int ring[SLOTS];
static unsigned in, out;
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static sem_t spaces, items;

static void *producer(void *arg)
{
    (void)arg;
    for (int v = 1; v <= 2; v++) {
        sem_wait(&spaces);
        pthread_mutex_lock(&m);
        ring[in++ % SLOTS] = v;
        pthread_mutex_unlock(&m);
        sem_post(&items);
    }
    return NULL;
}

static int consume(void)
{
    pthread_mutex_lock(&m);
    sem_wait(&items);
    int v = ring[out % SLOTS];
    ring[out++ % SLOTS] = 0;
    pthread_mutex_unlock(&m);
    sem_post(&spaces);
    return v;
}

static void *consumer(void *arg)
{
    *(int *)arg = consume();
    return NULL;
}

int main(void)
{
    pthread_t p, c[2];
    int got[2];
    sem_init(&spaces, 0, SLOTS);
    sem_init(&items, 0, 0);
    for (int i = 0; i < 2; i++)
        pthread_create(&c[i], NULL, consumer, &got[i]);
    pthread_create(&p, NULL, producer, NULL);
    pthread_join(p, NULL);
    for (int i = 0; i < 2; i++)
        pthread_join(c[i], NULL);
    if (got[0] + got[1] != 3 || got[0] == got[1]) {
        printf("the consumers took %d and %d, expected 1 and 2\n", got[0], got[1]);
        return 1;
    }
    return 0;
}
