/* Exercise rw_starve, reference solution: writer preference. A writer
 * counts itself as waiting under the mutex before it waits; new readers wait
 * while a writer waits or writes, so only the readers already inside are
 * ahead of it. (Readers can starve the other way round under a stream of
 * writers: a fair lock alternates; one writer here cannot.) */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define READS 2
#define BYPASS_MAX 1   /* reader entries allowed while a writer waits */

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static int readers, writing, writers_waiting;
static unsigned entries;   /* reader entries so far (under m) */
static int data;

static void read_lock(void)
{
    pthread_mutex_lock(&m);
    while (writing || writers_waiting > 0)   /* a waiting writer goes first */
        pthread_cond_wait(&changed, &m);
    readers++;
    entries++;
    pthread_mutex_unlock(&m);
}

static void read_unlock(void)
{
    pthread_mutex_lock(&m);
    if (--readers == 0)
        pthread_cond_broadcast(&changed);
    pthread_mutex_unlock(&m);
}

static void write_lock(void)
{
    pthread_mutex_lock(&m);
    unsigned since = entries;
    writers_waiting++;
    while (writing || readers > 0)
        pthread_cond_wait(&changed, &m);
    writers_waiting--;
    writing = 1;
    if (entries - since > BYPASS_MAX) {
        printf("%u readers got in while the writer waited (at most %d allowed)\n",
               entries - since, BYPASS_MAX);
        exit(1);
    }
    pthread_mutex_unlock(&m);
}

static void write_unlock(void)
{
    pthread_mutex_lock(&m);
    writing = 0;
    pthread_cond_broadcast(&changed);
    pthread_mutex_unlock(&m);
}

static void *reader(void *arg)
{
    (void)arg;
    for (int i = 0; i < READS; i++) {
        read_lock();   /* the read section: nothing to do but be inside */
        read_unlock();
    }
    return NULL;
}

/* No reader inside? (Checked under the lock's own mutex.) */
static int alone(void)
{
    pthread_mutex_lock(&m);
    int none = readers == 0;
    pthread_mutex_unlock(&m);
    return none;
}

/* The writer also checks that the lock still excludes readers. */
static void *writer(void *arg)
{
    (void)arg;
    write_lock();
    int ok = alone();
    data = 1;
    ok = ok && alone();
    write_unlock();
    return ok ? NULL : (void *)1;
}

int main(void)
{
    pthread_t r[2], w;
    void *bad;
    for (int i = 0; i < 2; i++)
        pthread_create(&r[i], NULL, reader, NULL);
    pthread_create(&w, NULL, writer, NULL);
    for (int i = 0; i < 2; i++)
        pthread_join(r[i], NULL);
    pthread_join(w, &bad);
    if (bad != NULL) {
        printf("a reader was inside while the writer wrote\n");
        return 1;
    }
    return data == 1 ? 0 : 1;
}
