/* Exercise lost_wakeup: the waiter sleeps on a condition variable until
 * `ready` is set; the setter signals, then sets `ready`. When the signal
 * comes after the waiter checked `ready` but before it waits, or before the
 * waiter even started, nobody is woken later: the waiter sleeps forever.
 * Fix set_ready() so that the waiter always wakes.
 * The check also runs it natively, the setter 200 ms slow (argv[1]): a fix
 * that polls `ready` instead of sleeping on the condition variable burns
 * CPU all that time and is over the cost budget (3x the solution's).
 * Check: racelab exercise lost_wakeup   (hint: racelab exercise hint lost_wakeup) */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t c = PTHREAD_COND_INITIALIZER;
static int ready;
static unsigned delay_ms;   /* the cost runs natively: the setter works this long first */

static void set_ready(void)
{
    pthread_cond_signal(&c);
    pthread_mutex_lock(&m);
    ready = 1;
    pthread_mutex_unlock(&m);
}

static void *waiter(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&m);
    while (!ready)
        pthread_cond_wait(&c, &m);
    pthread_mutex_unlock(&m);
    return NULL;
}

static void *setter(void *arg)
{
    (void)arg;
    if (delay_ms > 0)
        usleep(delay_ms * 1000u);
    set_ready();
    return NULL;
}

int main(int argc, char **argv)
{
    delay_ms = argc > 1 ? (unsigned)atoi(argv[1]) : 0;
    pthread_t w, s;
    pthread_create(&w, NULL, waiter, NULL);
    pthread_create(&s, NULL, setter, NULL);
    pthread_join(w, NULL);
    pthread_join(s, NULL);
    printf("the waiter woke\n");
    return 0;
}
