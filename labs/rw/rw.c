/* labs/rw/rw.c - the readers-writers lab's descriptor and variant table. */
#include "rw.h"

#include "shared.h"

#define LAB_VARIANT_PREFIX rw_variant_
#include "variant_gen.h"

#define RW_VARIANTS(X) \
    X(none) X(textbook) X(sync_rwlock) X(sync_pfrwlock) X(pthread_rwlock) X(pthread_rwlock_wp)

LAB_VARIANT_TABLE(RW_VARIANTS, variants);

unsigned rw_read_pct = RW_READ_PCT_DEFAULT;

static uint64_t expected(unsigned workers, uint64_t iters)
{
    return (uint64_t)workers * iters;
}

/* No lock to die holding (--kill-owner is refused): never called. */
static uint64_t expected_after_death(unsigned workers, uint64_t iters, uint64_t done)
{
    (void)done;
    return expected(workers, iters);
}

const struct lab rw_lab = {
    .name = "rw",
    .title = "readers-writers: no reader beside a writer, and who waits for whom",
    .default_variants = { [LAB_THREADS] = "none,textbook,sync-rwlock,sync-pfrwlock,"
                                          "pthread-rwlock,pthread-rwlock-wp",
                          [LAB_PROCS] = "none,textbook,sync-rwlock,sync-pfrwlock" },
    .baseline = "sync-rwlock",
    .variants = variants,
    .nvariants = sizeof variants / sizeof variants[0],
    .expected = expected,
    .expected_after_death = expected_after_death,
};

size_t rw_offset(const struct lab_env *env)
{
    size_t n = sizeof(struct rw) + (size_t)env->workers * sizeof(struct rw_worker);
    return (n + LAB_SHARED_ALIGN - 1) / LAB_SHARED_ALIGN * LAB_SHARED_ALIGN;
}

/* The state arrives zeroed. */
void rw_init(struct rw *r, const struct lab_env *env)
{
    r->workers = env->workers;
    r->read_pct = rw_read_pct;
    r->lock_offset = rw_offset(env);
}

/* Operations that saw no overlap: expected() when the lock works. */
uint64_t rw_observe(const void *state, unsigned workers)
{
    struct rw *r = (struct rw *)state;
    uint64_t n = 0;
    for (unsigned i = 0; i < workers; i++)
        n += rw_worker(r, i)->clean;
    return n;
}
