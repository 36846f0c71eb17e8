/* Exercise counter_mutex: two threads each add 1 to a shared counter
 * twice; main checks the total. Some interleavings lose an update.
 * Reference solution: every increment under the one mutex m. */
#include <pthread.h>
#include <stdio.h>

#define ROUNDS 2

static long counter;
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;

static void *worker(void *arg)
{
    (void)arg;
    for (int i = 0; i < ROUNDS; i++) {
        pthread_mutex_lock(&m);
        counter = counter + 1;
        pthread_mutex_unlock(&m);
    }
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
