/* Exercise trylock_livelock: two threads each need locks a and b, and take
 * them in opposite orders. To avoid the deadlock, each takes its first lock,
 * only tries the second, and on failure lets go and starts again. Now
 * nobody blocks, but a thread can keep failing and retrying while the other
 * holds its lock: work that makes no progress (and in lockstep, a livelock
 * that can last for ever). The rule checked: a thread may retry at most
 * once. Fix take_both() so that no retry is ever needed.
 * Check: racelab exercise trylock_livelock   (hint: racelab exercise hint trylock_livelock) */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define RETRIES_MAX 1

static pthread_mutex_t a = PTHREAD_MUTEX_INITIALIZER, b = PTHREAD_MUTEX_INITIALIZER;
static int shared_total;

static void take_both(pthread_mutex_t *first, pthread_mutex_t *second)
{
    for (int retries = 0;; retries++) {
        if (retries > RETRIES_MAX) {
            printf("a thread retried %d times: the other held its second lock\n", retries);
            exit(1);
        }
        pthread_mutex_lock(first);
        if (pthread_mutex_trylock(second) == 0)
            return;
        pthread_mutex_unlock(first);   /* back off and try again */
    }
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
