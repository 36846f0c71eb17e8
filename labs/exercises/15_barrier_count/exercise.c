/* Exercise barrier_count: three workers each compute one part and meet at
 * a pthread barrier; then one of them (the "serial" one, which
 * pthread_barrier_wait tells) adds up all three parts. The barrier is
 * set up for the wrong number of threads: it opens when two have arrived,
 * so two workers go on and the sum can read a part the third has not written
 * yet (and the third then waits at a barrier nobody else will reach). Fix
 * the barrier's count.
 * Check: racelab exercise barrier_count   (hint: racelab exercise hint barrier_count) */
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
    pthread_barrier_init(&parts_done, NULL, WORKERS - 1);   /* the others */
    for (long i = 0; i < WORKERS; i++)
        pthread_create(&t[i], NULL, worker, (void *)i);
    for (int i = 0; i < WORKERS; i++)
        pthread_join(t[i], NULL);
    pthread_barrier_destroy(&parts_done);
    return 0;
}
