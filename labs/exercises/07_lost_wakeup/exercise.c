/* Exercise lost_wakeup: the waiter sleeps on a condition variable until
 * `ready` is set; the setter signals, then sets `ready`. When the signal
 * comes after the waiter checked `ready` but before it waits, or before the
 * waiter even started, nobody is woken later: the waiter sleeps forever.
 * Fix set_ready() so that the waiter always wakes.
 * Check: racelab exercise lost_wakeup   (hint: racelab exercise hint lost_wakeup) */
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t c = PTHREAD_COND_INITIALIZER;
static int ready;

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
    set_ready();
    return NULL;
}

int main(void)
{
    pthread_t w, s;
    pthread_create(&w, NULL, waiter, NULL);
    pthread_create(&s, NULL, setter, NULL);
    pthread_join(w, NULL);
    pthread_join(s, NULL);
    printf("the waiter woke\n");
    return 0;
}
