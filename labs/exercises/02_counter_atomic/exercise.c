/* Exercise counter_atomic: two threads each add 1 to a shared counter
 * twice; main checks the total. Some interleavings lose an update.
 * Fix it without a mutex: make the counter a C11 atomic (<stdatomic.h>)
 * and the increment one atomic read-modify-write.
 * Check: racelab exercise counter_atomic   (hint: racelab exercise hint counter_atomic) */
#include <pthread.h>
#include <stdio.h>

#define ROUNDS 2

static long counter;

static void *worker(void *arg)
{
    (void)arg;
    for (int i = 0; i < ROUNDS; i++)
        counter = counter + 1;
    return NULL;
}

int main(void)
{
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, worker, NULL);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    if (counter != 2 * ROUNDS) {
        printf("counter %ld, expected %d\n", counter, 2 * ROUNDS);
        return 1;
    }
    return 0;
}
