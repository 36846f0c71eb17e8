/* mcs: the MCS queue lock.
 *
 * Each waiter spins on its own queue node (here on the worker's stack), not
 * on the shared lock word, so a release touches one waiter's cache line
 * instead of every waiter's: FIFO like ticket, and scalable across many
 * cores. On 2 cores its extra atomic per acquire is visible. */
#define VARIANT_NAME mcs
#define VARIANT_DESC "MCS queue spin lock, a node per acquire (sync/mcs.h)"
#define VARIANT_SETUP setup
#define VARIANT_NO_PROCS \
    "each waiter queues a node on its own stack and others follow pointers to it: " \
    "another process cannot (its stack is not in the shared segment)"

#include "sync/mcs.h"

#include "counter.h"

struct state {
    sync_mcs_t lock;
    uint64_t value;
};

static int setup(struct state *s, const struct lab_env *env)
{
    (void)env;
    return sync_mcs_init(&s->lock);
}

static inline void increment(struct state *s, unsigned worker)
{
    (void)worker;
    sync_mcs_node_t node;
    sync_mcs_lock(&s->lock, &node);
    uint64_t v = LAB_LOAD(&s->value);
    LAB_STORE(&s->value, v + 1);
    sync_mcs_unlock(&s->lock, &node);
}

#include "variant.h"
