/* sem: a counting semaphore used as a binary lock (initial value 1).
 *
 * wait takes the single permit, post gives it back. The same exclusion as a
 * mutex, but a semaphore has no owner: any worker could post, which is why
 * a mutex is the better tool when you mean "lock". */
#define VARIANT_NAME sem
#define VARIANT_DESC "the sync library's futex semaphore as a binary lock (sync/sem.h)"
#define VARIANT_LOCK sem

#include "desc/lock_sem.h"

#include "counter.h"

struct state {
    lockd_sem_t lock;
    uint64_t value;
};

static inline void increment(struct state *s, unsigned worker)
{
    (void)worker;
    lockd_node n;
    lockd_sem_acquire(&s->lock, &n);
    uint64_t v = LAB_LOAD(&s->value);
    LAB_STORE(&s->value, v + 1);
    lockd_sem_release(&s->lock, &n);
}

#include "variant.h"
