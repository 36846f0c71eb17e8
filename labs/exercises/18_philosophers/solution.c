/* Exercise philosophers, reference solution: a global order on the forks
 * (resource hierarchy, Dijkstra): everyone takes the lower-numbered fork
 * first. A waiter (a semaphore of N - 1 seats) is the other classic fix. */
#include <pthread.h>
#include <stdio.h>

#define N 3

static pthread_mutex_t fork_[N] = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
                                    PTHREAD_MUTEX_INITIALIZER };
static int meals;   /* the table's: every two philosophers share a fork */

/* Lower-numbered fork first: philosopher N-1 takes its right fork (0)
 * first, so no cycle of waits can close. */
static void pick_up(int left, int right)
{
    int first = left < right ? left : right, second = left < right ? right : left;
    pthread_mutex_lock(&fork_[first]);
    pthread_mutex_lock(&fork_[second]);
}

static void put_down(int left, int right)
{
    pthread_mutex_unlock(&fork_[right]);
    pthread_mutex_unlock(&fork_[left]);
}

static void *philosopher(void *arg)
{
    int me = (int)(long)arg, left = me, right = (me + 1) % N;
    pick_up(left, right);
    meals = meals + 1;   /* with both forks: ordered with each neighbour */
    put_down(left, right);
    return NULL;
}

int main(void)
{
    pthread_t t[N];
    for (long i = 0; i < N; i++)
        pthread_create(&t[i], NULL, philosopher, (void *)i);
    for (int i = 0; i < N; i++)
        pthread_join(t[i], NULL);
    if (meals != N) {
        printf("%d meals counted, expected %d\n", meals, N);
        return 1;
    }
    return 0;
}
