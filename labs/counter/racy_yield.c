/* racy-yield: racy with a yield point between the load and the store.
 *
 * Coroutines switch only where the code yields. racy has no yield point
 * inside its read-modify-write, so on one carrier thread it cannot lose an
 * update. Put one between the load and the store - think of an `await`
 * in the middle of `x = x + 1` - and every coroutine loads the same value
 * before any of them stores: with K coroutines in round-robin order, each
 * round of K increments adds exactly 1. The loss is not luck but arithmetic:
 * K x iters expected, iters observed. */
#define VARIANT_NAME racy_yield
#define VARIANT_LABEL "racy-yield"
#define VARIANT_DESC "load, yield, store: a yield point inside the read-modify-write"
#define VARIANT_RACY true
#define VARIANT_COROS_ONLY \
    "it needs a yield point that switches workers: that is the coros model (on " \
    "threads and procs the scheduler preempts anywhere anyway: use racy)"
#define VARIANT_PREDICT predict

#include "counter.h"

struct state {
    uint64_t value;
};

static inline void increment(struct state *s, unsigned worker)
{
    (void)worker;
    uint64_t v = LAB_LOAD(&s->value);
    LAB_YIELD();
    LAB_STORE(&s->value, v + 1);
}

/* Round-robin: all K coroutines load v, then all store v + 1. */
static uint64_t predict(enum lab_model m, unsigned workers, uint64_t iters)
{
    (void)workers;
    return m == LAB_COROS ? iters : 0;
}

#include "variant.h"
