/* peterson-fence: Peterson's lock with a seq_cst fence after the stores.
 *
 * The fence (MFENCE on x86) drains the store buffer before the loads: a
 * worker's flag is visible to the other before it reads the other's flag,
 * so at most one of them reads 0 and mutual exclusion holds. Two workers
 * only. Compare: diff -u peterson.c peterson_fence.c */
#define VARIANT_NAME peterson_fence
#define VARIANT_LABEL "peterson-fence"
#define VARIANT_DESC "Peterson's lock with a seq_cst fence between its stores and loads"
#define VARIANT_SETUP peterson_setup
#define VARIANT_KNOWN                                                                        \
    { "valgrind", "", "peterson", "Peterson's flags and turn are C11 atomics and the order " \
      "is a seq_cst fence (sync/atomic.h): valgrind models neither, so it sees the flag "    \
      "stores race and no edge into the critical section (measured: racelab run "          \
      "'counter/threads/peterson-fence', both tools)" },

#include "peterson.h"

static inline void increment(struct state *s, unsigned worker)
{
    unsigned other = 1u - worker;
    sync_store_u32(&s->flag[worker].w, 1, SYNC_RELAXED);
    /* Release: pairs with the other's acquire load of turn. */
    sync_store_u32(&s->turn, other, SYNC_RELEASE);
    sync_fence(SYNC_SEQ_CST);   /* both stores visible before the loads below */
    peterson_wait(s, other);
    uint64_t v = LAB_LOAD(&s->value);
    LAB_STORE(&s->value, v + 1);
    peterson_unlock(s, worker);
    peterson_outside(s, worker);
}

#include "variant.h"
