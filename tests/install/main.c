/* tests/install/main.c - uses the installed sync library: two threads
 * count under a sync_mutex_t; exit 0 when no increment was lost. */
#include <pthread.h>
#include <stdio.h>

#include "sync/mutex.h"

static sync_mutex_t lock = SYNC_MUTEX_INIT;
static long counter;

static void *worker(void *arg)
{
    (void)arg;
    for (int i = 0; i < 100000; i++) {
        sync_mutex_lock(&lock);
        counter++;
        sync_mutex_unlock(&lock);
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
    printf("counter %ld\n", counter);
    return counter == 200000 ? 0 : 1;
}
