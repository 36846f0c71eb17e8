/* mcs: the MCS queue lock.
 *
 * Each waiter spins on its own queue node (here on the worker's stack), not
 * on the shared lock word, so a release touches one waiter's cache line
 * instead of every waiter's: FIFO like ticket, and scalable across many
 * cores. On 2 cores its extra atomic per acquire is visible. */
#define VARIANT_NAME mcs
#define VARIANT_DESC "MCS queue spin lock, a node per acquire (sync/mcs.h)"
#define VARIANT_LOCK mcs

#include "desc/lock_mcs.h"

#include "counter.h"

struct state {
    lockd_mcs_t lock;
    uint64_t value;
};

static inline void increment(struct state *s, unsigned worker)
{
    (void)worker;
    lockd_node n;
    lockd_mcs_acquire(&s->lock, &n);
    uint64_t v = LAB_LOAD(&s->value);
    LAB_STORE(&s->value, v + 1);
    lockd_mcs_release(&s->lock, &n);
}

#include "variant.h"
