/* cas: racy's load and store, with the store made conditional.
 *
 * compare-and-swap stores v + 1 only if the counter still holds v; if
 * another worker got in between, it fails, reloads and retries. The lost
 * update becomes a retry: lock-free, exact, and a model for every update
 * that fetch_add cannot express. Relaxed for the same reason as atomic.c. */
#define VARIANT_NAME cas
#define VARIANT_DESC "C11 compare-and-swap retry loop (sync/atomic.h)"
#define VARIANT_OBSERVE observe

#include "sync/atomic.h"

#include "counter.h"

struct state {
    sync_atomic_u64 value;
};

static inline void increment(struct state *s, unsigned worker)
{
    (void)worker;
    uint64_t v = sync_load_u64(&s->value, SYNC_RELAXED);
    while (!sync_cas_u64(&s->value, &v, v + 1, SYNC_RELAXED, SYNC_RELAXED))
        ;   /* v now holds the newer value: try again from it */
}

static uint64_t observe(const struct state *s, unsigned workers)
{
    (void)workers;
    return sync_load_u64(&s->value, SYNC_RELAXED);   /* after join */
}

#include "variant.h"
