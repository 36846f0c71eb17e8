/* racy: load, add, store - no synchronization at all.
 *
 * The bug this lab is about: between LAB_LOAD and LAB_STORE another worker
 * may store, and its update is overwritten. Racy by design; TSan reports it.
 * Compare with any fixed variant: diff -u racy.c mutex.c */
#define VARIANT_NAME racy
#define VARIANT_DESC "load, add, store with no synchronization"
#define VARIANT_RACY true
#define VARIANT_COROS

#include "counter.h"

struct state {
    uint64_t value;
};

static inline void increment(struct state *s, unsigned worker)
{
    (void)worker;
    uint64_t v = LAB_LOAD(&s->value);
    LAB_STORE(&s->value, v + 1);
}

#include "variant.h"
