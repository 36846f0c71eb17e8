/* Exercise philosophers: three philosophers sit at a round table with one
 * fork between each two; to eat, a philosopher needs both forks beside
 * them. Each picks up the left fork, then the right. If all three pick up
 * their left fork at once, each waits for a right fork a neighbour holds:
 * a cycle, nobody eats. Fix pick_up() so that the table cannot deadlock,
 * and every philosopher still eats with both forks.
 * Check: racelab exercise philosophers   (hint: racelab exercise hint philosophers) */
#include <pthread.h>
#include <stdio.h>

#define N 3

static pthread_mutex_t fork_[N] = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
                                    PTHREAD_MUTEX_INITIALIZER };
static int meals;   /* the table's: every two philosophers share a fork */

static void pick_up(int left, int right)
{
    pthread_mutex_lock(&fork_[left]);
    pthread_mutex_lock(&fork_[right]);
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
