/* labs/rw/variant.h - turns a readers-writer lock descriptor into a
 * lab_variant of lab-rw.
 *
 * Include it last in a variant file, after
 *   RW_VARIANT   a bare word: the variant's symbol is rw_variant_<RW_VARIANT>
 *   RW_LABEL     its name ("sync-rwlock")
 *   RW_DESC      one line for --list and the report
 * and either RW_LOCK, the id of the rwlock descriptor it runs on (the file
 * includes its rwlock_<id>.h: labs/common/desc/ or this folder), or
 * nothing (no lock at all: racy by design); optionally RW_KNOWN, the
 * detector reports known on the lock (lab_known_report initializers, each
 * followed by a comma). The worker loop, the timing of each write's wait
 * and the overlap check are generated here, the same for every lock. */
#include <stddef.h>
#include <stdint.h>

#include "desc/rwlockd.h"
#include "rw.h"

#define LAB_VARIANT_PREFIX rw_variant_
#include "variant_gen.h"

#define RW__SYM LAB_VARIANT__CAT(rw_variant_, RW_VARIANT)

#define RW__NOT_COROS                                                                    \
    "lab-rw runs on threads and procs: its locks sleep on futexes, which would block a " \
    "coroutine's whole carrier"

/* Known reports: the variant's (RW_KNOWN: entries, for a lock valgrind does
 * not model); none of the lab's own (under Helgrind and DRD every fixed cell
 * is clean: sync/annotate.h, and the overlap check's read-modify-writes are
 * lock-prefixed, which valgrind models). */
#ifndef RW_KNOWN
#define RW_KNOWN
#endif
static const struct lab_known_report rw__known[] = {
    RW_KNOWN { NULL, NULL, NULL, NULL }
};

#ifdef RW_LOCK
#define RW__FN(fn) LOCKD__CAT3(rwlockd_, RW_LOCK, LOCKD__CAT(_, fn))
#define RW__LOCK_T LOCKD__CAT3(rwlockd_, RW_LOCK, _t)
#define RW__RACY false
#define RW__YIELD false
#else
typedef int rw__none_t;
#define RW__LOCK_T rw__none_t
#define RW__RACY true
#define RW__YIELD true   /* see none.c */
#endif

static inline RW__LOCK_T *rw__lock(void *st)
{
    return (RW__LOCK_T *)((char *)st + ((struct rw *)st)->lock_offset);
}

static inline void rw__read_op(struct rw *r, RW__LOCK_T *l, struct rw_worker *k)
{
#ifdef RW_LOCK
    RW__FN(read_acquire)(l);
    rw_read(r, k);
    RW__FN(read_release)(l);
#else
    (void)l;
    rw_read(r, k);
#endif
}

static inline void rw__write_op(struct rw *r, RW__LOCK_T *l, struct rw_worker *k,
                                uint64_t stamp)
{
    /* A writer preempted between reading the count and the lock's own note
     * that it waits has not yet told the lock: reads passing it then are
     * not the lock's policy, so such a write's bypass is not counted
     * (involuntary context switches of this thread, before and after). */
    long csw = rw_preemptions();
    uint64_t t0 = lab_now_ns();
    /* Seq_cst: the count no later than the lock's own look at its readers. */
    uint64_t since = sync_load_u64(&r->racq, SYNC_SEQ_CST);
#ifdef RW_LOCK
    RW__FN(write_acquire)(l);
#else
    (void)l;
#endif
    uint64_t bypass = sync_load_u64(&r->racq, SYNC_RELAXED) - since;
    uint64_t waited = lab_now_ns() - t0;
    bool preempted = rw_preemptions() != csw;
    if (!preempted && bypass > k->max_bypass)
        k->max_bypass = bypass;
    k->preempted += preempted;
    k->wait_ns += waited;
    if (waited > k->max_wait_ns)
        k->max_wait_ns = waited;
    rw_write(r, k, stamp, RW__YIELD);
#ifdef RW_LOCK
    RW__FN(write_release)(l);
#endif
}

static void rw__work(void *st, unsigned me, uint64_t iters)
{
    struct rw *r = st;
    RW__LOCK_T *l = rw__lock(st);
    struct rw_worker *k = rw_worker(r, me);
    uint64_t x = 0x9E3779B97F4A7C15ull * (me + 1);   /* xorshift64: its own sequence */
    k->t_start = lab_now_ns();
    for (uint64_t i = 0; i < iters; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        if (me != 0 || x % 100 < r->writer_read_pct)
            rw__read_op(r, l, k);
        else
            rw__write_op(r, l, k, (uint64_t)(me + 1) << 40 | (i + 1));
    }
    k->t_end = lab_now_ns();
}

static size_t rw__size(const struct lab_env *env)
{
    return rw_offset(env) + sizeof(RW__LOCK_T);
}

static int rw__setup(void *st, const struct lab_env *env)
{
    rw_init(st, env);
#ifdef RW_LOCK
    return RW__FN(init)(rw__lock(st), env->sync_flags);
#else
    return 0;
#endif
}

static void rw__teardown(void *st)
{
#ifdef RW_LOCK
    RW__FN(fini)(rw__lock(st));
#else
    (void)st;
#endif
}

extern const struct lab_variant RW__SYM;
const struct lab_variant RW__SYM = {
    .name = RW_LABEL,
    .description = RW_DESC,
    .racy_by_design = RW__RACY,
    .models = LAB_MODEL_BIT(LAB_THREADS) | LAB_MODEL_BIT(LAB_PROCS),
    .refused = { [LAB_COROS] = RW__NOT_COROS, [LAB_COROS_MN] = RW__NOT_COROS,
                 [LAB_COROS_PREEMPT] = RW__NOT_COROS },
    .known_reports = rw__known,
    .state_bytes = rw__size,
    .setup = rw__setup,
    .teardown = rw__teardown,
    .work = rw__work,
    .observe = rw_observe,
    .fields = rw_fields,
};
