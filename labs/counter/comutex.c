/* comutex: racy-yield made exact with a coroutine mutex.
 *
 * A coroutine that finds the lock held does not spin (it would spin forever:
 * the holder cannot run until it yields) and does not block the thread (the
 * holder runs on the same thread): it parks on the lock's queue and yields
 * to the scheduler; unlock hands the lock to the oldest waiter. Compare with
 * racy_yield.c: the lock is the whole difference. */
#define VARIANT_NAME comutex
#define VARIANT_DESC "coroutine mutex around load, yield, store (sync/coro.h)"
#define VARIANT_COROS_ONLY LOCKD_comutex_NO_PROCS   /* threads and processes too */
#define VARIANT_NO_MN \
    "the coroutine mutex parks waiters on one scheduler's queue and keeps no " \
    "cross-thread state: coroutines on another carrier run truly in parallel, so " \
    "on coros-mn they need a real lock (atomic, here)"
#define VARIANT_LOCK comutex

#include "desc/lock_comutex.h"

#include "counter.h"

struct state {
    lockd_comutex_t lock;
    uint64_t value;
};

static inline void increment(struct state *s, unsigned worker)
{
    (void)worker;
    lockd_node n;
    lockd_comutex_acquire(&s->lock, &n);
    uint64_t v = LAB_LOAD(&s->value);
    LAB_YIELD();
    LAB_STORE(&s->value, v + 1);
    lockd_comutex_release(&s->lock, &n);
}

#include "variant.h"
