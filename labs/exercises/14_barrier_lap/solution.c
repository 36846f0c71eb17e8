/* Exercise barrier_lap, reference solution: the barrier counts
 * generations under its mutex and waits on a condition variable until the
 * thread's own generation is over (a two-turnstile barrier, as in Downey's
 * Little Book of Semaphores, is the other correct answer). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define THREADS 2
#define ROUNDS 2

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static int count;
static unsigned generation;
static pthread_cond_t all_here = PTHREAD_COND_INITIALIZER;
static int arrived[THREADS];   /* barriers each thread has reached (under m) */

/* A generation count: a thread waits until the generation it arrived in
 * has ended; the last to arrive ends it. A lapping thread arrives in the
 * next generation and waits for that one. */
static void barrier_wait(void)
{
    pthread_mutex_lock(&m);
    unsigned gen = generation;
    if (++count == THREADS) {
        count = 0;
        generation++;
        pthread_cond_broadcast(&all_here);
    } else {
        while (gen == generation)
            pthread_cond_wait(&all_here, &m);
    }
    pthread_mutex_unlock(&m);
}

/* After barrier |round| (1, 2, ...), everyone must have arrived at it. */
static int everyone_arrived(int round)
{
    pthread_mutex_lock(&m);
    int ok = 1;
    for (int i = 0; i < THREADS; i++)
        ok = ok && arrived[i] >= round;
    pthread_mutex_unlock(&m);
    return ok;
}

static void *worker(void *arg)
{
    int me = (int)(long)arg;
    for (int round = 1; round <= ROUNDS; round++) {
        pthread_mutex_lock(&m);
        arrived[me] = round;
        pthread_mutex_unlock(&m);
        barrier_wait();
        if (!everyone_arrived(round)) {   /* the other is still stuck before it */
            printf("thread %d left barrier %d before the other had arrived at it\n", me, round);
            exit(1);
        }
    }
    return NULL;
}

int main(void)
{
    pthread_t t[THREADS];
    for (long i = 0; i < THREADS; i++)
        pthread_create(&t[i], NULL, worker, (void *)i);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    return 0;
}
