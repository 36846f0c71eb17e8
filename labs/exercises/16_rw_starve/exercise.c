/* Exercise rw_starve: a reader-writer lock built from a mutex and a
 * condition variable. Two readers read twice each, one writer writes
 * once. Readers may share the lock; the writer needs it alone. This lock
 * lets a new reader in whenever no writer holds it, also while a writer is
 * waiting: as long as one reader is inside, the others can come and go and
 * the writer waits for ever. The rule checked here: once a writer waits, at
 * most one more reader may get in before it (and the writer still writes
 * alone). Fix the lock so that a waiting writer keeps new readers out.
 * Check: racelab exercise rw_starve   (hint: racelab exercise hint rw_starve) */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define READS 2
#define BYPASS_MAX 1   /* reader entries allowed while a writer waits */

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static int readers, writing;
static unsigned entries;   /* reader entries so far (under m) */
static int data;

static void read_lock(void)
{
    pthread_mutex_lock(&m);
    while (writing)
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
    while (writing || readers > 0)
        pthread_cond_wait(&changed, &m);
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
