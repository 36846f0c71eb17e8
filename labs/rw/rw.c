/* labs/rw/rw.c - the readers-writers lab's descriptor and variant table. */
#include "rw.h"

#include "shared.h"

#define LAB_VARIANT_PREFIX rw_variant_
#include "variant_gen.h"

#define RW_VARIANTS(X) \
    X(none) X(textbook) X(sync_rwlock) X(sync_pfrwlock) X(pthread_rwlock) X(pthread_rwlock_wp)

LAB_VARIANT_TABLE(RW_VARIANTS, variants);

unsigned rw_read_pct = RW_READ_PCT_DEFAULT;

/* The lab's own numbers per trial (rw_fields() fills them in this order). */
static const struct lab_field fields[] = {
    { "read_pct", "% reads", LAB_AGG_MAX, false },
    { "reads", "reads", LAB_AGG_SUM, false },
    { "writes", "writes", LAB_AGG_SUM, false },
    { "violations", "overlaps with a writer", LAB_AGG_SUM, true },
    { "torn", "torn reads", LAB_AGG_SUM, true },
    { "max_write_wait_ns", "ns, the longest wait of a write", LAB_AGG_MAX, false },
    { "mean_write_wait_ns", "ns, a write's mean wait (worst trial)", LAB_AGG_MAX, false },
    { "reads_per_ms", "reads per ms (slowest trial)", LAB_AGG_MIN, false },
    { "bypass_max", "reads, the most that got in while one write waited", LAB_AGG_MAX, false },
};

const struct lab rw_lab = {
    .name = "rw",
    .title = "readers-writers: no reader beside a writer, and who waits for whom",
    /* Not pthread-rwlock-wp by default: at 2 workers it costs 17 us an
     * operation here, half a minute of a default run (notes/rw.md). */
    .default_variants = { [LAB_THREADS] = "none,textbook,sync-rwlock,sync-pfrwlock,"
                                          "pthread-rwlock",
                          [LAB_PROCS] = "none,textbook,sync-rwlock,sync-pfrwlock" },
    .baseline = "sync-rwlock",
    /* Three readers beside the writer: readers that overlap each other on
     * 2 CPUs (one preempted inside keeps the read lock held for all). */
    .default_workers = 4,
    .variants = variants,
    .nvariants = sizeof variants / sizeof variants[0],
    .expected = lab_expected_each,
    .fields = fields,
    .nfields = sizeof fields / sizeof fields[0],
    /* one reader and one writer, one operation each, one preemption: every
     * lock exhausts the bound in 103-117 runs (dpor did in up to 1586, but its
     * point counts varied by a few between identical searches and one matrix
     * run in five under load said "diverged"; notes/explorer.md) */
    .explore = { .strategy = "bounded", .iters = 1, .workers = 2, .preemptions = 1,
                 .max_runs = 1000 },
};

size_t rw_offset(const struct lab_env *env)
{
    size_t n = sizeof(struct rw) + (size_t)env->workers * sizeof(struct rw_worker);
    return (n + LAB_SHARED_ALIGN - 1) / LAB_SHARED_ALIGN * LAB_SHARED_ALIGN;
}

/* The state arrives zeroed. */
/* One writer, worker 0; the others only read: a steady read load, and a
 * writer whose bypass is the readers' doing, never another writer's. Worker
 * 0 reads the share that makes the whole run's reads --read-pct of the
 * operations: n x P - 100 (n - 1) percent of its own (none if that is
 * below 0: then the run reads more than asked, the readers' share). */
void rw_init(struct rw *r, const struct lab_env *env)
{
    int own = (int)(env->workers * rw_read_pct) - 100 * ((int)env->workers - 1);
    r->workers = env->workers;
    r->read_pct = rw_read_pct;
    r->writer_read_pct = own > 0 ? (unsigned)own : 0;
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

void rw_fields(const void *state, unsigned workers, int64_t *out)
{
    struct rw *r = (struct rw *)state;
    uint64_t first = UINT64_MAX, last = 0, reads = 0;
    out[0] = r->read_pct;
    for (unsigned i = 0; i < workers; i++) {
        const struct rw_worker *k = rw_worker(r, i);
        reads += k->reads;
        out[2] += (int64_t)k->writes;
        out[3] += (int64_t)k->violations;
        out[4] += (int64_t)k->torn;
        if ((int64_t)k->max_wait_ns > out[5])
            out[5] = (int64_t)k->max_wait_ns;
        if ((int64_t)k->max_bypass > out[8])
            out[8] = (int64_t)k->max_bypass;
        if (k->t_start && k->t_start < first)
            first = k->t_start;
        if (k->t_end > last)
            last = k->t_end;
    }
    out[1] = (int64_t)reads;
    if (last > first)
        out[7] = (int64_t)(reads * 1000000u / (last - first));
    uint64_t waits = 0;
    for (unsigned i = 0; i < workers; i++)
        waits += rw_worker(r, i)->wait_ns;
    if (out[2] > 0)
        out[6] = (int64_t)(waits / (uint64_t)out[2]);
}
