/* atomic: the increment itself becomes one indivisible read-modify-write.
 *
 * fetch_add (lock xadd on x86) leaves no window between load and store.
 * Relaxed order is enough: the count is the only shared datum, and it is read
 * after the workers are joined, which orders everything. */
#define VARIANT_NAME atomic
#define VARIANT_DESC "C11 atomic fetch_add, relaxed (sync/atomic.h)"
#define VARIANT_OBSERVE observe
#define VARIANT_COROS

#include "sync/atomic.h"

#include "counter.h"

struct state {
    sync_atomic_u64 value;
};

static inline void increment(struct state *s, unsigned worker)
{
    (void)worker;
    sync_fetch_add_u64(&s->value, 1, SYNC_RELAXED);
}

static uint64_t observe(const struct state *s, unsigned workers)
{
    (void)workers;
    return sync_load_u64(&s->value, SYNC_RELAXED);   /* after join */
}

#include "variant.h"
