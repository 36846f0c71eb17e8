/* ttas: test-and-test-and-set spin lock with exponential backoff.
 *
 * Waiters spin on a plain load (the line stays shared in their caches) and
 * only try the exchange when the lock looks free, backing off after each
 * failure: less coherence traffic than tas under contention. */
#define VARIANT_NAME ttas
#define VARIANT_DESC "test-and-test-and-set spin lock with backoff (sync/ttas.h)"
#define VARIANT_LOCK ttas

#include "desc/lock_ttas.h"

#include "counter.h"

struct state {
    lockd_ttas_t lock;
    uint64_t value;
};

static inline void increment(struct state *s, unsigned worker)
{
    (void)worker;
    lockd_node n;
    lockd_ttas_acquire(&s->lock, &n);
    uint64_t v = LAB_LOAD(&s->value);
    LAB_STORE(&s->value, v + 1);
    lockd_ttas_release(&s->lock, &n);
}

#include "variant.h"
