/* labs/counter/counter.c - the counter lab's descriptor and variant table. */
#include "counter.h"

#define LAB_VARIANT_PREFIX counter_variant_
#include "variant_gen.h"

#define COUNTER_VARIANTS(X) \
    X(racy) X(racy_yield) X(comutex) X(mutex) X(tas) X(ttas) X(ticket) X(mcs) X(futex) X(rfutex) X(sem) \
    X(atomic) X(cas) X(ao) X(sharded) X(pmutex) X(psem) X(named_sem) \
    X(peterson) X(peterson_fence)

LAB_VARIANT_TABLE(COUNTER_VARIANTS, variants);

static uint64_t expected(unsigned workers, uint64_t iters)
{
    return (uint64_t)workers * iters;
}

/* One worker died after |done| increments; the others made all of theirs. */
static uint64_t expected_after_death(unsigned workers, uint64_t iters, uint64_t done)
{
    return (uint64_t)(workers - 1) * iters + done;
}

const struct lab counter_lab = {
    .name = "counter",
    .title = "lost updates on a shared counter (counter = counter + 1)",
    .default_variants = { [LAB_THREADS] = "racy,mutex,atomic",
                          [LAB_PROCS] = "racy,pmutex,atomic",
                          [LAB_COROS] = "racy,racy-yield,comutex,atomic",
                          [LAB_COROS_MN] = "racy,racy-yield,atomic",
                          [LAB_COROS_PREEMPT] = "racy,comutex,atomic" },
    .baseline = "atomic",
    .variants = variants,
    .nvariants = sizeof variants / sizeof variants[0],
    .expected = expected,
    .expected_after_death = expected_after_death,
};
