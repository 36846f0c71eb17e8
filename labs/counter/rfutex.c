/* rfutex: the sync library's futex mutex in robust mode.
 *
 * The lock word holds the owner's thread id. A waiter that sleeps too long
 * checks whether that owner still exists; if it died holding the lock, one
 * waiter takes the lock over and gets EOWNERDEAD, exactly as a robust
 * pthread mutex reports it (see sync/mutex.h for how, and what it costs:
 * recovery within a few milliseconds, ~1 ns more per uncontended lock). */
#define VARIANT_NAME rfutex
#define VARIANT_DESC "the sync library's futex mutex in robust mode (SYNC_ROBUST)"
#define VARIANT_SETUP setup
#define VARIANT_HOLD lock

#include <errno.h>

#include "sync/mutex.h"

#include "counter.h"

struct state {
    sync_mutex_t lock;
    uint64_t value;
};

static int setup(struct state *s, const struct lab_env *env)
{
    return sync_mutex_init(&s->lock, env->sync_flags | SYNC_ROBUST);
}

static void lock(struct state *s)
{
    if (sync_mutex_lock_robust(&s->lock) == EOWNERDEAD) {
        /* The owner died holding the lock, and we hold it now. This is where
         * the protected state gets repaired; here the owner died before its
         * load, so the count is whole: declare the mutex consistent. */
        sync_mutex_consistent(&s->lock);
        lab_note_recovery();
    }
}

static inline void increment(struct state *s, unsigned worker)
{
    (void)worker;
    lock(s);
    uint64_t v = LAB_LOAD(&s->value);
    LAB_STORE(&s->value, v + 1);
    sync_mutex_unlock(&s->lock);
}

#include "variant.h"
