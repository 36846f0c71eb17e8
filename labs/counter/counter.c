/* labs/counter/counter.c - the counter lab's descriptor and variant table. */
#include "counter.h"
#include "db_fields.h"

#define LAB_VARIANT_PREFIX counter_variant_
#include "variant_gen.h"

#define COUNTER_VARIANTS(X) \
    X(racy) X(racy_yield) X(comutex) X(mutex) X(tas) X(ttas) X(ticket) X(mcs) X(futex) X(rfutex) X(sem) \
    X(atomic) X(cas) X(ao) X(sharded) X(pmutex) X(psem) X(named_sem) \
    X(peterson) X(peterson_fence) \
    X(gil_racy) X(gil_lock) \
    X(redis_racy) X(redis_incr) X(redis_watch) X(redis_lua) X(redis_lock) \
    X(pg_racy) X(pg_update) X(pg_forupdate) X(pg_repeatable) X(pg_serializable) X(pg_advisory)

LAB_VARIANT_TABLE(COUNTER_VARIANTS, variants);

/* One worker died after |done| increments; the others made all of theirs. */
static uint64_t expected_after_death(unsigned workers, uint64_t iters, uint64_t done)
{
    return (uint64_t)(workers - 1) * iters + done;
}

static const struct lab_field db_fields[DB_NFIELDS] = DB_FIELDS_INIT;

const struct lab counter_lab = {
    .name = "counter",
    .title = "lost updates on a shared counter (counter = counter + 1)",
    .default_variants = { [LAB_THREADS] = "racy,mutex,atomic",
                          [LAB_PROCS] = "racy,pmutex,atomic",
                          [LAB_COROS] = "racy,racy-yield,comutex,atomic",
                          [LAB_COROS_MN] = "racy,racy-yield,atomic",
                          [LAB_COROS_PREEMPT] = "racy,comutex,atomic",
                          [LAB_GIL] = "racy,lock",
                          [LAB_REDIS] = "racy,incr,watch,lua,lock",
                          [LAB_POSTGRES] = "racy,update,forupdate,repeatable,serializable,"
                                           "advisory" },
    .baseline = "atomic",
    .variants = variants,
    .nvariants = sizeof variants / sizeof variants[0],
    .expected = lab_expected_each,
    .expected_after_death = expected_after_death,
    .model_fields = { [LAB_REDIS] = { db_fields, DB_NFIELDS },
                      [LAB_POSTGRES] = { db_fields, DB_NFIELDS } },
};
