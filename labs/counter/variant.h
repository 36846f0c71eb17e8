/* labs/counter/variant.h - turns a variant's hooks into a lab_variant.
 *
 * Include it last in a variant file, after VARIANT_NAME (a bare word),
 * VARIANT_DESC, struct state and increment(). It generates the worker loop
 * with increment() inlined into it, so the runtime adds one indirect call per
 * worker, never one per operation. The parts every lab shares (name, label,
 * racy, procs, unavailable, known reports, VARIANT_LOCK) are
 * labs/common/variant_gen.h's.
 *
 * A variant built on a lock descriptor defines VARIANT_LOCK (its id), includes
 * "desc/lock_<id>.h" and keeps the lock in struct state's |lock|: setup,
 * teardown and the hold for --kill-owner (where the lock can cross processes)
 * come from the descriptor, and so do the procs refusal and known reports.
 *
 * Optional: VARIANT_SETUP / VARIANT_TEARDOWN / VARIANT_OBSERVE (names of the
 * file's own functions, for variants without a lock), VARIANT_PREDICT (a
 * function giving the exact outcome where it is deterministic), VARIANT_COROS
 * (it also runs as coroutines) and VARIANT_COROS_ONLY (why it runs only as
 * coroutines), VARIANT_NO_MN (why not on coros-mn), VARIANT_MAX_WORKERS and
 * VARIANT_WORKERS_WHY (the most workers it takes, and why), VARIANT_WEAK_MEMORY
 * (what its failure needs beyond SC: struct lab_variant.weak_memory). */
#include <stddef.h>
#include <stdint.h>

#include "counter.h"

#define LAB_VARIANT_PREFIX counter_variant_
#define LAB_VARIANT_VIEWS(X) X(state, struct state, 0)   /* explore's names (variant_gen.h) */
#include "variant_gen.h"

/* Models: threads and procs unless the file says otherwise; coros only for
 * the variants that opt in (VARIANT_COROS) or live there (VARIANT_COROS_ONLY,
 * the reason they run nowhere else). */
#define COUNTER__NOT_COROS \
    "the coros model offers racy, racy-yield, comutex and atomic: on one carrier " \
    "thread a coroutine runs until it yields, so this fix is never contended, and a " \
    "thread lock held across a yield would block the only thread"
#define COUNTER__NOT_PREEMPT \
    "coros-preempt offers racy, racy-yield, comutex and atomic: a coroutine " \
    "preempted while holding a thread lock leaves the next one spinning, or blocking " \
    "the only carrier thread, until the holder gets the CPU back; use comutex"
/* The coroutine models: coros and coros-preempt (one carrier), and coros-mn
 * unless VARIANT_NO_MN says why not. */
#define COUNTER__ONE_CARRIER (LAB_MODEL_BIT(LAB_COROS) | LAB_MODEL_BIT(LAB_COROS_PREEMPT))
#ifdef VARIANT_NO_MN
#define COUNTER__CO_BITS COUNTER__ONE_CARRIER
#define COUNTER__CO_MN_WHY VARIANT_NO_MN
#else
#define COUNTER__CO_BITS (COUNTER__ONE_CARRIER | LAB_MODEL_BIT(LAB_COROS_MN))
#define COUNTER__CO_MN_WHY NULL
#endif
#ifdef VARIANT_COROS
#define COUNTER__COROS_BIT COUNTER__CO_BITS
#define COUNTER__COROS_WHY NULL
#define COUNTER__MN_WHY COUNTER__CO_MN_WHY
#define COUNTER__PREEMPT_WHY NULL
#else
#define COUNTER__COROS_BIT 0u
#define COUNTER__COROS_WHY COUNTER__NOT_COROS
#define COUNTER__MN_WHY COUNTER__NOT_COROS
#define COUNTER__PREEMPT_WHY COUNTER__NOT_PREEMPT
#endif
#if defined(VARIANT_COROS_ONLY)
#define COUNTER__MODELS COUNTER__CO_BITS
#define COUNTER__REFUSED                                                               \
    { [LAB_THREADS] = VARIANT_COROS_ONLY, [LAB_PROCS] = VARIANT_COROS_ONLY,            \
      [LAB_COROS_MN] = COUNTER__CO_MN_WHY }
#else
#define COUNTER__MODELS (LAB_MODEL_BIT(LAB_THREADS) | LAB_VARIANT_PROCS_BIT | COUNTER__COROS_BIT)
#define COUNTER__REFUSED                                                               \
    { [LAB_PROCS] = LAB_VARIANT_PROCS_WHY, [LAB_COROS] = COUNTER__COROS_WHY,            \
      [LAB_COROS_MN] = COUNTER__MN_WHY, [LAB_COROS_PREEMPT] = COUNTER__PREEMPT_WHY }
#endif

#define COUNTER__IDENTITY LAB_VARIANT_IDENTITY(COUNTER__MODELS, COUNTER__REFUSED)

#ifdef VARIANT_UNAVAILABLE

const struct lab_variant LAB_VARIANT_SYMBOL = { COUNTER__IDENTITY };

#else

static void counter__work(void *st, unsigned worker, uint64_t iters)
{
    struct state *s = st;
    for (uint64_t i = 0; i < iters; i++)
        increment(s, worker);
}

/* A variant built on a lock descriptor (VARIANT_LOCK) keeps it in |lock|:
 * set up and torn down by the descriptor, and held for --kill-owner when
 * the lock can be shared across processes (where the victim dies). */
#ifdef VARIANT_LOCK
#define COUNTER__LOCK(fn) LOCKD_FN(VARIANT_LOCK, fn)
#define VARIANT_SETUP(s, env) COUNTER__LOCK(init)(&(s)->lock, (env)->sync_flags)
#define VARIANT_TEARDOWN(s) COUNTER__LOCK(fini)(&(s)->lock)
#if LOCKD_PROCS(VARIANT_LOCK)
static void counter__hold(void *st)
{
    static lockd_node node;   /* the holder dies holding it */
    COUNTER__LOCK(acquire)(&((struct state *)st)->lock, &node);
}
#define COUNTER__HOLD counter__hold
#endif
#endif

static int counter__setup(void *st, const struct lab_env *env)
{
#ifdef VARIANT_SETUP
    return VARIANT_SETUP((struct state *)st, env);
#else
    (void)st;
    (void)env;
    return 0;
#endif
}

static void counter__teardown(void *st)
{
#ifdef VARIANT_TEARDOWN
    VARIANT_TEARDOWN((struct state *)st);
#else
    (void)st;
#endif
}

static uint64_t counter__observe(const void *st, unsigned workers)
{
#ifdef VARIANT_OBSERVE
    return VARIANT_OBSERVE((const struct state *)st, workers);
#else
    (void)workers;
    return ((const struct state *)st)->value;   /* every worker has been joined */
#endif
}

const struct lab_variant LAB_VARIANT_SYMBOL = {
    COUNTER__IDENTITY,
    .state_size = sizeof(struct state),
    .setup = counter__setup,
    .teardown = counter__teardown,
    .work = counter__work,
    .observe = counter__observe,
#ifdef COUNTER__HOLD
    .hold = COUNTER__HOLD,
#endif
#ifdef VARIANT_PREDICT
    .predict = VARIANT_PREDICT,
#endif
#ifdef VARIANT_MAX_WORKERS
    .max_workers = VARIANT_MAX_WORKERS,
    .workers_why = VARIANT_WORKERS_WHY,
#endif
#ifdef VARIANT_WEAK_MEMORY
    .weak_memory = VARIANT_WEAK_MEMORY,
#endif
};

#endif
