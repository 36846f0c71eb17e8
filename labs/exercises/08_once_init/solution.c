/* Exercise once_init, reference solution: double-checked locking done right.
 * The pointer is atomic: the builder publishes it with a release store after
 * filling the configuration, the fast path reads it with an acquire load, so
 * a thread that sees the pointer sees the value; the second check is under
 * the mutex, so exactly one thread builds. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

struct config {
    int value;
};

static struct config the_config;
static _Atomic(struct config *) config;
static int builds;

static void build_config(void)
{
    builds++;
    the_config.value = 42;
    atomic_store_explicit(&config, &the_config, memory_order_release);
}

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;

static struct config *get_config(void)
{
    struct config *c = atomic_load_explicit(&config, memory_order_acquire);
    if (c == NULL) {
        pthread_mutex_lock(&m);
        c = atomic_load_explicit(&config, memory_order_relaxed);   /* under the mutex */
        if (c == NULL) {
            build_config();
            c = &the_config;
        }
        pthread_mutex_unlock(&m);
    }
    return c;
}

static void *user(void *arg)
{
    (void)arg;
    return get_config()->value == 42 ? NULL : (void *)1;
}

int main(void)
{
    pthread_t t[2];
    void *bad[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, user, NULL);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], &bad[i]);
    if (builds != 1 || bad[0] != NULL || bad[1] != NULL) {
        printf("the configuration was built %d times\n", builds);
        return 1;
    }
    return 0;
}
