/* sharded: do not share the counter at all.
 *
 * Each worker increments its own slot, on its own cache line, with exactly
 * racy's load and store; the slots are summed once every worker is done.
 * Nothing is shared while the workers run, so there is nothing to lose and
 * no line to bounce: the fastest exact variant whenever the total is only
 * needed at the end (per-CPU counters in the kernel work the same way). */
#define VARIANT_NAME sharded
#define VARIANT_DESC "a private counter per worker on its own cache line, summed at the end"
#define VARIANT_OBSERVE observe

#include "sync/atomic.h"

#include "counter.h"

struct state {
    struct {
        uint64_t value;
    } __attribute__((aligned(2 * SYNC_CACHELINE))) slot[LAB_MAX_WORKERS];
};

static inline void increment(struct state *s, unsigned worker)
{
    uint64_t v = LAB_LOAD(&s->slot[worker].value);
    LAB_STORE(&s->slot[worker].value, v + 1);
}

static uint64_t observe(const struct state *s, unsigned workers)
{
    uint64_t sum = 0;
    for (unsigned w = 0; w < workers; w++)
        sum += s->slot[w].value;   /* after join */
    return sum;
}

#include "variant.h"
