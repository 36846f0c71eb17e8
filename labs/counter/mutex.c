/* mutex: the textbook fix, glibc's pthread_mutex_t around the increment.
 *
 * Uncontended it is one atomic instruction to lock and one to unlock;
 * contended, waiters sleep in the kernel (futex), which costs system calls
 * and context switches but never burns a CPU, so it survives
 * oversubscription. */
#define VARIANT_NAME mutex
#define VARIANT_DESC "pthread_mutex_t (glibc) around the increment"
#define VARIANT_SETUP setup
#define VARIANT_TEARDOWN teardown
#define VARIANT_NO_PROCS \
    "a default pthread_mutex_t is process-private: shared across processes it is " \
    "undefined behaviour, and its private futex wake-ups never reach another process " \
    "(use pmutex: PTHREAD_PROCESS_SHARED)"

#include <pthread.h>

#include "counter.h"

struct state {
    pthread_mutex_t lock;
    uint64_t value;
};

static int setup(struct state *s, const struct lab_env *env)
{
    (void)env;
    return pthread_mutex_init(&s->lock, NULL);
}

static void teardown(struct state *s)
{
    pthread_mutex_destroy(&s->lock);
}

static inline void increment(struct state *s, unsigned worker)
{
    (void)worker;
    pthread_mutex_lock(&s->lock);
    uint64_t v = LAB_LOAD(&s->value);
    LAB_STORE(&s->value, v + 1);
    pthread_mutex_unlock(&s->lock);
}

#include "variant.h"
