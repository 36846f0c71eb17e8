/* Exercise ttas_lock: a spin lock guards a counter that two threads
 * increment. This lock tests the flag, then sets it: two threads can both
 * see it free and both enter. Make lock() a test-and-test-and-set lock:
 * spin on a plain atomic load while the lock is taken (cheap: the cache
 * line stays shared), then try to take it with one atomic exchange, and
 * spin again if another thread won. unlock() releases it.
 * Check: racelab exercise ttas_lock   (hint: racelab exercise hint ttas_lock) */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>

static int locked;
static long counter;

static void lock(void)
{
    while (locked)
        sched_yield();
    locked = 1;
}

static void unlock(void)
{
    locked = 0;
}

static void *worker(void *arg)
{
    (void)arg;
    lock();
    counter = counter + 1;
    unlock();
    return NULL;
}

int main(void)
{
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, worker, NULL);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    if (counter != 2) {
        printf("counter %ld, expected 2: both threads were inside the lock\n", counter);
        return 1;
    }
    return 0;
}
