/* Exercise flag_guard, reference solution: atomic_flag_test_and_set sets
 * the flag and returns what it was, in one step; exactly one thread sees
 * "was clear". (atomic_exchange or a compare-and-swap on an atomic_bool is
 * the same thing.) The flush itself is ordered for nobody else: the other
 * thread skips it. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

static atomic_flag flushed = ATOMIC_FLAG_INIT;
static int flushes;

static void flush_results(void)
{
    flushes++;
}

static void *finisher(void *arg)
{
    (void)arg;
    if (!atomic_flag_test_and_set(&flushed))   /* was clear: we set it, we flush */
        flush_results();
    return NULL;
}

int main(void)
{
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, finisher, NULL);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    if (flushes != 1) {
        printf("the results were flushed %d times\n", flushes);
        return 1;
    }
    return 0;
}
