/* Exercise flag_guard: two threads finish a job, and whichever finishes
 * first must flush the results, exactly once; the other skips it. A flag
 * says whether someone already has: "if not flushed, set flushed and
 * flush". Both threads can read the flag as 0 before either sets it, and
 * both flush. Make the claim one atomic step: the test and the set
 * together, so exactly one thread wins.
 * Check: racelab exercise flag_guard   (hint: racelab exercise hint flag_guard) */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>

static bool flushed;
static int flushes;

static void flush_results(void)
{
    flushes++;
}

static void *finisher(void *arg)
{
    (void)arg;
    if (!flushed) {
        flushed = true;
        flush_results();
    }
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
