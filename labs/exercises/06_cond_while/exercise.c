/* Exercise cond_while: one producer puts two items into a buffer, two
 * consumers take one each. A consumer waits on the condition variable while
 * the buffer is empty, but under `if`: woken by the producer's signal, it
 * may find that the other consumer came in between and took the item.
 * Fix consume() so that no consumer ever takes from an empty buffer.
 * Check: racelab exercise cond_while   (hint: racelab exercise hint cond_while) */
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t nonempty = PTHREAD_COND_INITIALIZER;
static int items;

static void *producer(void *arg)
{
    (void)arg;
    for (int i = 0; i < 2; i++) {
        pthread_mutex_lock(&m);
        items++;
        pthread_cond_signal(&nonempty);
        pthread_mutex_unlock(&m);
    }
    return NULL;
}

static void *consumer(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&m);
    if (items == 0)
        pthread_cond_wait(&nonempty, &m);
    int empty = items == 0;
    if (!empty)
        items--;
    pthread_mutex_unlock(&m);
    return empty ? (void *)1 : NULL;
}

int main(void)
{
    pthread_t p, c1, c2;
    void *r1, *r2;
    pthread_create(&c1, NULL, consumer, NULL);
    pthread_create(&c2, NULL, consumer, NULL);
    pthread_create(&p, NULL, producer, NULL);
    pthread_join(p, NULL);
    pthread_join(c1, &r1);
    pthread_join(c2, &r2);
    if (r1 != NULL || r2 != NULL) {
        printf("a consumer woke to an empty buffer\n");
        return 1;
    }
    return 0;
}
