/* Exercise barrier_lap: two threads run two rounds and meet at a barrier
 * after each; no thread may leave the barrier of round r before every
 * thread has arrived at it. This barrier is one turnstile: the last to
 * arrive posts a token for everyone. It works once, but reused, a fast
 * thread goes straight on to the next round's barrier and takes the token
 * meant for the slow one: it laps it. Make barrier_wait() reusable.
 * Check: racelab exercise barrier_lap   (hint: racelab exercise hint barrier_lap) */
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>

#define THREADS 2
#define ROUNDS 2

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static int count;
static sem_t turnstile;
static int arrived[THREADS];   /* barriers each thread has reached (under m) */

static void barrier_wait(void)
{
    pthread_mutex_lock(&m);
    if (++count == THREADS) {
        for (int i = 0; i < THREADS; i++)
            sem_post(&turnstile);
        count = 0;
    }
    pthread_mutex_unlock(&m);
    sem_wait(&turnstile);
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
    sem_init(&turnstile, 0, 0);
    for (long i = 0; i < THREADS; i++)
        pthread_create(&t[i], NULL, worker, (void *)i);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    return 0;
}
