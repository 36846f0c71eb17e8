/* comutex: racy-yield made exact with a coroutine mutex.
 *
 * A coroutine that finds the lock held does not spin (it would spin forever:
 * the holder cannot run until it yields) and does not block the thread (the
 * holder runs on the same thread): it parks on the lock's queue and yields
 * to the scheduler; unlock hands the lock to the oldest waiter. Compare with
 * racy_yield.c: the lock is the whole difference. */
#define VARIANT_NAME comutex
#define VARIANT_DESC "coroutine mutex around load, yield, store (sync/coro.h)"
#define VARIANT_COROS_ONLY \
    "a coroutine mutex parks the caller on one scheduler's queue: threads and " \
    "processes need a real lock"
#define VARIANT_NO_MN \
    "the coroutine mutex parks waiters on one scheduler's queue and keeps no " \
    "cross-thread state: coroutines on another carrier run truly in parallel, so " \
    "on coros-mn they need a real lock (atomic, here)"
#define VARIANT_SETUP setup

#include "sync/coro.h"

#include "counter.h"

struct state {
    sync_comutex_t lock;
    uint64_t value;
};

static int setup(struct state *s, const struct lab_env *env)
{
    (void)env;
    return sync_comutex_init(&s->lock);
}

static inline void increment(struct state *s, unsigned worker)
{
    (void)worker;
    sync_comutex_lock(&s->lock);
    uint64_t v = LAB_LOAD(&s->value);
    LAB_YIELD();
    LAB_STORE(&s->value, v + 1);
    sync_comutex_unlock(&s->lock);
}

#include "variant.h"
