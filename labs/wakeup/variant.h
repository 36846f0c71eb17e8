/* labs/wakeup/variant.h - turns a wake-up variant's hooks into a lab_variant.
 *
 * Include it last in a variant file, after VARIANT_NAME and VARIANT_DESC
 * (labs/common/variant_gen.h lists the options every lab shares), struct
 * wsync with
 *     static int  wk_sync_init(struct wsync *s, unsigned flags);
 *     static void wk_sync_fini(struct wk *w, struct wsync *s);
 * (cv.h has them for the condvar variants), and the buffer's operations
 *     static void put(struct wk *w, struct wsync *s, unsigned me, uint64_t item);
 *     static bool get(struct wk *w, struct wsync *s, unsigned me);
 *         takes one item with wk_pop(); false: the producers are finished
 *         and the buffer is empty
 *     static void finish(struct wk *w, struct wsync *s);
 *         the last producer is done: wake every consumer
 * where |me| is the worker's number (producers first, then consumers), and
 * optionally VARIANT_CAP, the buffer's slots when fewer than WK_CAP. */
#include <stddef.h>
#include <stdint.h>

#include "wakeup.h"

#define LAB_VARIANT_PREFIX wakeup_variant_
#define LAB_VARIANT_VIEWS(X) /* explore's names (variant_gen.h) */ \
    X(wk, struct wk, 0) X(wsync, struct wsync, ((const struct wk *)st)->sync_offset)
#include "variant_gen.h"

#define WAKEUP__NOT_COROS                                                                 \
    "the wake-up lab runs on threads and procs: its waits are pthread and futex sleeps, " \
    "which would block a coroutine's whole carrier"

#ifdef VARIANT_CAP
#define WAKEUP__CAP VARIANT_CAP
#else
#define WAKEUP__CAP WK_CAP
#endif

static inline struct wsync *wakeup__s(void *st)
{
    return (struct wsync *)((char *)st + ((struct wk *)st)->sync_offset);
}

static void wakeup__work(void *st, unsigned me, uint64_t iters)
{
    struct wk *w = st;
    struct wsync *s = wakeup__s(st);
    if (me < w->producers) {
        for (uint64_t i = 0; i < iters && !wk_stopped(w); i++)
            put(w, s, me, (uint64_t)(me + 1) << WK_SEQ_BITS | i);
        /* Acq-rel: the last producer's finish follows every producer's puts. */
        if (sync_fetch_add_u32(&w->producers_done, 1, SYNC_ACQ_REL) + 1 == w->producers)
            finish(w, s);
    } else {
        while (!wk_stopped(w) && get(w, s, me))
            ;
    }
    wk_doing(w, me, WK_DONE);
}

static size_t wakeup__size(const struct lab_env *env)
{
    return wk_offset(env) + sizeof(struct wsync);
}

static int wakeup__setup(void *st, const struct lab_env *env)
{
    wk_init(st, env, WAKEUP__CAP);
    return wk_sync_init(wakeup__s(st), env->sync_flags);
}

static void wakeup__teardown(void *st)
{
    wk_sync_fini(st, wakeup__s(st));
}

const struct lab_variant LAB_VARIANT_SYMBOL = {
    LAB_VARIANT_IDENTITY(LAB_MODEL_BIT(LAB_THREADS) | LAB_VARIANT_PROCS_BIT,
                         { [LAB_PROCS] = LAB_VARIANT_PROCS_WHY,
                           [LAB_COROS] = WAKEUP__NOT_COROS,
                           [LAB_COROS_MN] = WAKEUP__NOT_COROS,
                           [LAB_COROS_PREEMPT] = WAKEUP__NOT_COROS }),
    .state_bytes = wakeup__size,
    .setup = wakeup__setup,
    .teardown = wakeup__teardown,
    .work = wakeup__work,
    .observe = wk_observe,
    .items = wk_items,
    .fields = wk_fields,
    .waiting = wk_waiting,
};
