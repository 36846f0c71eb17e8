/* peterson: Peterson's lock with acquire loads and release stores, no fence.
 *
 * Each worker raises its flag, gives the turn away, and waits while the
 * other's flag is up and the turn is the other's. The proof assumes that
 * the flag store is seen before the loads that follow: sequential
 * consistency. x86 keeps the store in its store buffer while the loads go
 * ahead (the SB litmus test, labs/reorder/): both workers read the other's
 * flag as 0, both enter, and increments are lost. Acquire and release do
 * not help: they order a load before later accesses and earlier accesses
 * before a store, never a store before a later load. Two workers only (one
 * flag each; turn names the other). Compare: diff -u peterson.c
 * peterson_fence.c (notes/reorder.md has the step table). */
#define VARIANT_NAME peterson
#define VARIANT_DESC "Peterson's lock, acquire/release, no fence: the store buffer breaks it"
#define VARIANT_RACY true
#define VARIANT_SETUP peterson_setup
#define VARIANT_WEAK_MEMORY \
    "store->load reordering (a store buffer, x86-TSO): under SC Peterson's lock is correct"

#include "peterson.h"

static inline void increment(struct state *s, unsigned worker)
{
    unsigned other = 1u - worker;
    sync_store_u32(&s->flag[worker].w, 1, SYNC_RELAXED);
    /* Release: pairs with the other's acquire load of turn. */
    sync_store_u32(&s->turn, other, SYNC_RELEASE);
    peterson_wait(s, other);
    uint64_t v = LAB_LOAD(&s->value);
    LAB_STORE(&s->value, v + 1);
    peterson_unlock(s, worker);
    peterson_outside(s, worker);
}

#include "variant.h"
