/* mpmc: the sync library's bounded MPMC queue, a sequence number per slot.
 *
 * A producer claims a position with one CAS on tail, then owns the slot
 * until it bumps the slot's sequence number to say "full"; a consumer
 * claims with a CAS on head and bumps the sequence to "free for the next
 * lap". Two producers can never write the same slot (the CAS gives each
 * position to one), and no consumer reads a slot before its producer is
 * done (the sequence says so): no lock, and a stalled worker can delay the
 * others but not corrupt the queue. All atomics, no pointers: it works
 * across processes as it is. */
#define VARIANT_NAME mpmc
#define VARIANT_DESC "sync library bounded MPMC queue (a sequence number per slot, no lock)"
#define VARIANT_SETUP setup
#define VARIANT_SIZE size

#include "queue.h"
#include "sync/mpmc.h"

#define RING_CAP 1024u

struct qstate {
    struct sync_mpmc ring;   /* followed by its cells */
};

static size_t size(const struct lab_env *env)
{
    (void)env;
    return sync_mpmc_size(RING_CAP);
}

static int setup(struct qstate *q, const struct lab_env *env, struct qlab *lab)
{
    (void)lab;
    return sync_mpmc_init(&q->ring, RING_CAP, env->sync_flags);
}

static inline bool q_push(struct qstate *q, void *ctx, uint64_t item)
{
    (void)ctx;
    return sync_mpmc_trypush(&q->ring, item);
}

static inline bool q_pop(struct qstate *q, void *ctx, uint64_t *item)
{
    (void)ctx;
    return sync_mpmc_trypop(&q->ring, item);
}

#include "variant.h"
