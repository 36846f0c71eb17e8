/* labs/counter/counter.c - the counter lab's descriptor and variant table. */
#include "counter.h"

#define COUNTER_VARIANTS(X) \
    X(racy) X(mutex) X(tas) X(ttas) X(ticket) X(mcs) X(futex) X(sem) \
    X(atomic) X(cas) X(ao) X(sharded)

#define DECLARE(name) extern const struct lab_variant counter_variant_##name;
COUNTER_VARIANTS(DECLARE)
#define ENTRY(name) &counter_variant_##name,
static const struct lab_variant *const variants[] = { COUNTER_VARIANTS(ENTRY) };

static uint64_t expected(unsigned workers, uint64_t iters)
{
    return (uint64_t)workers * iters;
}

const struct lab counter_lab = {
    .name = "counter",
    .title = "lost updates on a shared counter (counter = counter + 1)",
    .default_variants = "racy,mutex,atomic",
    .baseline = "atomic",
    .variants = variants,
    .nvariants = sizeof variants / sizeof variants[0],
    .expected = expected,
};
