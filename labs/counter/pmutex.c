/* pmutex: a pthread mutex made to live in shared memory, and to survive its
 * owner's death.
 *
 * PTHREAD_PROCESS_SHARED makes glibc use shared futexes (keyed by the
 * physical page, so a wake-up reaches another process). PTHREAD_MUTEX_ROBUST
 * puts the mutex on the owning thread's robust list: when the owner dies
 * holding it, the kernel marks it, and the next locker gets EOWNERDEAD
 * instead of waiting forever. That locker owns the mutex and must make the
 * protected state consistent before going on (--kill-owner shows it). */
#define VARIANT_NAME pmutex
#define VARIANT_DESC "pthread_mutex_t, PTHREAD_PROCESS_SHARED + PTHREAD_MUTEX_ROBUST"
#define VARIANT_SETUP setup
#define VARIANT_TEARDOWN teardown
#define VARIANT_HOLD lock

#include <errno.h>
#include <pthread.h>

#include "counter.h"

struct state {
    pthread_mutex_t lock;
    uint64_t value;
};

static int setup(struct state *s, const struct lab_env *env)
{
    (void)env;
    pthread_mutexattr_t attr;
    int rc = pthread_mutexattr_init(&attr);
    if (rc == 0)
        rc = pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
    if (rc == 0)
        rc = pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
    if (rc == 0)
        rc = pthread_mutex_init(&s->lock, &attr);
    pthread_mutexattr_destroy(&attr);
    return rc;
}

static void teardown(struct state *s)
{
    pthread_mutex_destroy(&s->lock);
}

static void lock(struct state *s)
{
    if (pthread_mutex_lock(&s->lock) == EOWNERDEAD) {
        /* The owner died holding the lock, and we hold it now. This is where
         * the protected state gets repaired; here the owner died before its
         * load, so the count is whole: declare the mutex consistent. */
        pthread_mutex_consistent(&s->lock);
        lab_note_recovery();
    }
}

static inline void increment(struct state *s, unsigned worker)
{
    (void)worker;
    lock(s);
    uint64_t v = LAB_LOAD(&s->value);
    LAB_STORE(&s->value, v + 1);
    pthread_mutex_unlock(&s->lock);
}

#include "variant.h"
