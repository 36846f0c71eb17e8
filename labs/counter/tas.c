/* tas: test-and-set spin lock around the increment.
 *
 * Every waiter hammers the lock word with atomic exchanges, so the line
 * bounces between cores even while the lock is held. Unfair: the
 * releasing worker often takes the lock straight back. */
#define VARIANT_NAME tas
#define VARIANT_DESC "test-and-set spin lock (sync/tas.h)"
#define VARIANT_LOCK tas

#include "desc/lock_tas.h"

#include "counter.h"

struct state {
    lockd_tas_t lock;
    uint64_t value;
};

static inline void increment(struct state *s, unsigned worker)
{
    (void)worker;
    lockd_node n;
    lockd_tas_acquire(&s->lock, &n);
    uint64_t v = LAB_LOAD(&s->value);
    LAB_STORE(&s->value, v + 1);
    lockd_tas_release(&s->lock, &n);
}

#include "variant.h"
