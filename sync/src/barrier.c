/* sync/src/barrier.c - the reusable barrier (see sync/barrier.h). */
#include "sync/barrier.h"

#include <errno.h>
#include <limits.h>
#include <sched.h>

int sync_barrier_init(sync_barrier_t *b, unsigned parties, unsigned spin, unsigned flags)
{
    if (parties == 0 || (flags & ~SYNC_PSHARED))
        return EINVAL;
    sync_store_u32(&b->arrived, 0, SYNC_RELAXED);
    sync_store_u32(&b->gen, 0, SYNC_RELAXED);
    sync_store_u32(&b->sleepers, 0, SYNC_RELAXED);
    b->parties = parties;
    b->spin = spin;
    b->flags = flags;
    SYNC_ANN_IGNORE(b, sizeof *b);   /* its words; the order is wait's */
    return 0;
}

/* The happens-before key of round |gen|: two, alternating, so that a fast
 * party's arrival at the next round cannot reach a slow leaver of this one
 * (the round after next needs that leaver to arrive first). */
static const void *sync__barrier_key(const sync_barrier_t *b, uint32_t gen)
{
    return (const char *)b + (gen & 1u);
}

bool sync_barrier_wait(sync_barrier_t *b)
{
    /* Read the round before arriving: it cannot end without us. Acquire:
     * pairs with the release store of |gen| that ended the previous round,
     * so its reset of |arrived| is visible before our increment. */
    uint32_t gen = sync_load_u32(&b->gen, SYNC_ACQUIRE);
    SYNC_ANN_HAPPENS_BEFORE(sync__barrier_key(b, gen));
    /* Release: publishes our pre-barrier writes to the last arrival.
     * Acquire: the last arrival collects every earlier arrival's writes (the
     * increments form one release sequence). */
    if (sync_fetch_add_u32(&b->arrived, 1, SYNC_ACQ_REL) + 1 == b->parties) {
        SYNC_ANN_HAPPENS_AFTER(sync__barrier_key(b, gen));
        /* Relaxed: nobody touches |arrived| before seeing the new |gen|. */
        sync_store_u32(&b->arrived, 0, SYNC_RELAXED);
        /* Release: pairs with the acquire loads of |gen| by the leavers.
         * Seq_cst, with the load of |sleepers|: a Dekker pair with a
         * sleeper's seq_cst increment of |sleepers| then load of |gen|. */
        sync_store_u32(&b->gen, gen + 1, SYNC_SEQ_CST);
        if (sync_load_u32(&b->sleepers, SYNC_SEQ_CST) != 0)
            sync_futex_wake(&b->gen, INT_MAX, b->flags);
        return true;
    }

    for (unsigned i = 1; i <= b->spin; i++) {
        /* Acquire: pairs with the last arrival's release store of |gen|. */
        if (sync_load_u32(&b->gen, SYNC_ACQUIRE) != gen) {
            SYNC_ANN_HAPPENS_AFTER(sync__barrier_key(b, gen));
            return false;
        }
        sync_cpu_relax();
        if (i % SYNC__BARRIER_YIELD_EVERY == 0)
            sched_yield();
    }

    sync_fetch_add_u32(&b->sleepers, 1, SYNC_SEQ_CST);
    /* Seq_cst (an acquire): pairs with the last arrival's store of |gen|,
     * and is the second half of the Dekker pair described there. */
    while (sync_load_u32(&b->gen, SYNC_SEQ_CST) == gen)
        sync_futex_wait(&b->gen, gen, NULL, b->flags); /* EAGAIN, EINTR: re-check */
    /* Relaxed: a late decrement only costs a later round a needless wake. */
    sync_fetch_sub_u32(&b->sleepers, 1, SYNC_RELAXED);
    SYNC_ANN_HAPPENS_AFTER(sync__barrier_key(b, gen));
    return false;
}
