/* mutex: the textbook fix, glibc's pthread_mutex_t around the increment.
 *
 * Uncontended it is one atomic instruction to lock and one to unlock;
 * contended, waiters sleep in the kernel (futex), which costs system calls
 * and context switches but never burns a CPU, so it survives
 * oversubscription. */
#define VARIANT_NAME mutex
#define VARIANT_DESC "pthread_mutex_t (glibc) around the increment"
#define VARIANT_LOCK mutex

#include "desc/lock_mutex.h"

#include "counter.h"

struct state {
    lockd_mutex_t lock;
    uint64_t value;
};

static inline void increment(struct state *s, unsigned worker)
{
    (void)worker;
    lockd_node n;
    lockd_mutex_acquire(&s->lock, &n);
    uint64_t v = LAB_LOAD(&s->value);
    LAB_STORE(&s->value, v + 1);
    lockd_mutex_release(&s->lock, &n);
}

#include "variant.h"
