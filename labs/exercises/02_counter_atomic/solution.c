/* Exercise counter_atomic, reference solution: an atomic counter and
 * atomic_fetch_add, one indivisible read-modify-write per increment. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

#define ROUNDS 2

static atomic_long counter;

static void *worker(void *arg)
{
    (void)arg;
    for (int i = 0; i < ROUNDS; i++)
        atomic_fetch_add(&counter, 1);
    return NULL;
}

int main(void)
{
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, worker, NULL);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    long total = atomic_load(&counter);
    if (total != 2 * ROUNDS) {
        printf("counter %ld, expected %d\n", total, 2 * ROUNDS);
        return 1;
    }
    return 0;
}
