/* ttas: test-and-test-and-set spin lock with exponential backoff.
 *
 * Waiters spin on a plain load (the line stays shared in their caches) and
 * only try the exchange when the lock looks free, backing off after each
 * failure: less coherence traffic than tas under contention. */
#define VARIANT_NAME ttas
#define VARIANT_DESC "test-and-test-and-set spin lock with backoff (sync/ttas.h)"
#define VARIANT_SETUP setup
#define VARIANT_HOLD hold

#include "sync/ttas.h"

#include "counter.h"

struct state {
    sync_ttas_t lock;
    uint64_t value;
};

static int setup(struct state *s, const struct lab_env *env)
{
    (void)env;
    return sync_ttas_init(&s->lock);
}

static inline void increment(struct state *s, unsigned worker)
{
    (void)worker;
    sync_ttas_lock(&s->lock);
    uint64_t v = LAB_LOAD(&s->value);
    LAB_STORE(&s->value, v + 1);
    sync_ttas_unlock(&s->lock);
}

static void hold(struct state *s)
{
    sync_ttas_lock(&s->lock);
}

#include "variant.h"
