/* pmutex: a pthread mutex made to live in shared memory, and to survive its
 * owner's death.
 *
 * PTHREAD_PROCESS_SHARED makes glibc use shared futexes (keyed by the
 * physical page, so a wake-up reaches another process). PTHREAD_MUTEX_ROBUST
 * puts the mutex on the owning thread's robust list: when the owner dies
 * holding it, the kernel marks it, and the next locker gets EOWNERDEAD
 * instead of waiting forever. That locker owns the mutex and must make the
 * protected state consistent before going on (--kill-owner shows it). */
#define VARIANT_NAME pmutex
#define VARIANT_DESC "pthread_mutex_t, PTHREAD_PROCESS_SHARED + PTHREAD_MUTEX_ROBUST"
#define VARIANT_LOCK pmutex

#include "desc/lock_pmutex.h"

#include "counter.h"

struct state {
    lockd_pmutex_t lock;
    uint64_t value;
};

static inline void increment(struct state *s, unsigned worker)
{
    (void)worker;
    lockd_node n;
    LOCKD_ACQUIRE_RECOVER(pmutex, &s->lock, &n, counter_repair());
    uint64_t v = LAB_LOAD(&s->value);
    LAB_STORE(&s->value, v + 1);
    lockd_pmutex_release(&s->lock, &n);
}

#include "variant.h"
