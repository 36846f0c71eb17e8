/* Exercise ttas_lock, reference solution: spin on a load while the lock is
 * taken, then take it with one atomic exchange (acquire); the unlock is a
 * release store. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>

static atomic_int locked;
static long counter;

static void lock(void)
{
    for (;;) {
        while (atomic_load_explicit(&locked, memory_order_relaxed))   /* test */
            sched_yield();
        if (!atomic_exchange_explicit(&locked, 1, memory_order_acquire))   /* test-and-set */
            return;
    }
}

static void unlock(void)
{
    atomic_store_explicit(&locked, 0, memory_order_release);
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
