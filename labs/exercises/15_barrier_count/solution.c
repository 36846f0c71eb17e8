/* Exercise barrier_count, reference solution: the count is the number of
 * threads that call pthread_barrier_wait, the three workers: main never
 * waits on it. The barrier's round ending happens before every waiter
 * returns, so the parts need no other synchronisation. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define WORKERS 3

static pthread_barrier_t parts_done;
static int part[WORKERS];

static void *worker(void *arg)
{
    int me = (int)(long)arg;
    part[me] = me + 1;
    if (pthread_barrier_wait(&parts_done) != PTHREAD_BARRIER_SERIAL_THREAD)
        return NULL;   /* one of the waiters (the serial one) adds up */
    int sum = 0;
    for (int i = 0; i < WORKERS; i++)
        sum += part[i];
    if (sum != 6) {
        printf("worker %d added up %d: a part was not written yet\n", me, sum);
        exit(1);
    }
    return NULL;
}

int main(void)
{
    pthread_t t[WORKERS];
    pthread_barrier_init(&parts_done, NULL, WORKERS);   /* every thread that waits on it */
    for (long i = 0; i < WORKERS; i++)
        pthread_create(&t[i], NULL, worker, (void *)i);
    for (int i = 0; i < WORKERS; i++)
        pthread_join(t[i], NULL);
    pthread_barrier_destroy(&parts_done);
    return 0;
}
