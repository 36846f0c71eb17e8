/* named-sem: a POSIX named semaphore (sem_open), used as a binary lock.
 *
 * Named semaphores let unrelated processes meet by name (glibc keeps them
 * in /dev/shm/sem.NAME). The name is a resource that outlives every process
 * unless someone unlinks it; here the workers are forked after sem_open and
 * inherit the semaphore, so the name is unlinked at once and nothing is
 * left behind, whatever happens later. */
#define VARIANT_NAME named_sem
#define VARIANT_LABEL "named-sem"
#define VARIANT_DESC "POSIX named semaphore (sem_open, unlinked at once) as a binary lock"
#define VARIANT_LOCK named_sem

#include "desc/lock_named_sem.h"

#include "counter.h"

struct state {
    lockd_named_sem_t lock;
    uint64_t value;
};

static inline void increment(struct state *s, unsigned worker)
{
    (void)worker;
    lockd_node n;
    lockd_named_sem_acquire(&s->lock, &n);
    uint64_t v = LAB_LOAD(&s->value);
    LAB_STORE(&s->value, v + 1);
    lockd_named_sem_release(&s->lock, &n);
}

#include "variant.h"
