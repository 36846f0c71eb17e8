/* Exercise hold_wait, reference solution: a consumer waits for an item
 * first, with nothing held, and takes the mutex only to move the index (the
 * producer's order, mirrored: wait on the semaphore, then lock). */
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
    sem_wait(&items);
    pthread_mutex_lock(&m);
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
