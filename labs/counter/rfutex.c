/* rfutex: the sync library's futex mutex in robust mode.
 *
 * The lock word holds the owner's thread id. A waiter that sleeps too long
 * checks whether that owner still exists; if it died holding the lock, one
 * waiter takes the lock over and gets EOWNERDEAD, exactly as a robust
 * pthread mutex reports it (see sync/mutex.h for how, and what it costs:
 * recovery within a few milliseconds, ~1 ns more per uncontended lock). */
#define VARIANT_NAME rfutex
#define VARIANT_DESC "the sync library's futex mutex in robust mode (SYNC_ROBUST)"
#define VARIANT_LOCK rfutex

#include "desc/lock_rfutex.h"

#include "counter.h"

struct state {
    lockd_rfutex_t lock;
    uint64_t value;
};

static inline void increment(struct state *s, unsigned worker)
{
    (void)worker;
    lockd_node n;
    LOCKD_ACQUIRE_RECOVER(rfutex, &s->lock, &n, counter_repair());
    uint64_t v = LAB_LOAD(&s->value);
    LAB_STORE(&s->value, v + 1);
    lockd_rfutex_release(&s->lock, &n);
}

#include "variant.h"
