/* futex: the sync library's own futex mutex.
 *
 * One atomic compare-and-swap to lock and one exchange to unlock when
 * uncontended; a bounded spin, then sleep in the kernel (futex) when
 * contended; unlock skips the wake system call when nobody sleeps. The same
 * design as glibc's mutex with less bookkeeping. */
#define VARIANT_NAME futex
#define VARIANT_DESC "the sync library's futex mutex (sync/mutex.h)"
#define VARIANT_LOCK futex

#include "desc/lock_futex.h"

#include "counter.h"

struct state {
    lockd_futex_t lock;
    uint64_t value;
};

static inline void increment(struct state *s, unsigned worker)
{
    (void)worker;
    lockd_node n;
    lockd_futex_acquire(&s->lock, &n);
    uint64_t v = LAB_LOAD(&s->value);
    LAB_STORE(&s->value, v + 1);
    lockd_futex_release(&s->lock, &n);
}

#include "variant.h"
