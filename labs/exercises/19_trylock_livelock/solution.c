/* Exercise trylock_livelock, reference solution: both threads take a before
 * b (lock ordering), with plain blocking locks; the trylock and its retry
 * loop go away. */
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t a = PTHREAD_MUTEX_INITIALIZER, b = PTHREAD_MUTEX_INITIALIZER;
static int shared_total;

/* One global order (a before b) for every thread: a thread holding a
 * waits only for a lock taken later in the order, so no cycle of waits
 * exists and nobody needs to back off. */
static void take_both(pthread_mutex_t *first, pthread_mutex_t *second)
{
    pthread_mutex_t *lo = first == &a ? first : second, *hi = lo == first ? second : first;
    pthread_mutex_lock(lo);
    pthread_mutex_lock(hi);
}

static void *worker(void *arg)
{
    int ab = arg != NULL;
    take_both(ab ? &a : &b, ab ? &b : &a);
    shared_total++;
    pthread_mutex_unlock(&a);
    pthread_mutex_unlock(&b);
    return NULL;
}

int main(void)
{
    pthread_t t[2];
    pthread_create(&t[0], NULL, worker, (void *)1);   /* a, then b */
    pthread_create(&t[1], NULL, worker, NULL);        /* b, then a */
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    return shared_total == 2 ? 0 : 1;
}
