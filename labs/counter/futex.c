/* futex: the sync library's own futex mutex.
 *
 * One atomic compare-and-swap to lock and one exchange to unlock when
 * uncontended; a bounded spin, then sleep in the kernel (futex) when
 * contended; unlock skips the wake system call when nobody sleeps. The same
 * design as glibc's mutex with less bookkeeping. */
#define VARIANT_NAME futex
#define VARIANT_DESC "the sync library's futex mutex (sync/mutex.h)"
#define VARIANT_SETUP setup
#define VARIANT_HOLD hold

#include "sync/mutex.h"

#include "counter.h"

struct state {
    sync_mutex_t lock;
    uint64_t value;
};

static int setup(struct state *s, const struct lab_env *env)
{
    return sync_mutex_init(&s->lock, env->sync_flags);   /* SYNC_PSHARED under procs */
}

static inline void increment(struct state *s, unsigned worker)
{
    (void)worker;
    sync_mutex_lock(&s->lock);
    uint64_t v = LAB_LOAD(&s->value);
    LAB_STORE(&s->value, v + 1);
    sync_mutex_unlock(&s->lock);
}

static void hold(struct state *s)
{
    sync_mutex_lock(&s->lock);
}

#include "variant.h"
