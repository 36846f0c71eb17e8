/* psem: a POSIX unnamed semaphore in the shared segment (sem_init with
 * pshared = 1), used as a binary lock.
 *
 * Like the sync library's sem, but glibc's. A semaphore has no owner, so
 * when a worker dies holding the permit nobody can tell: with --kill-owner
 * the others wait forever (DEADLOCK at --timeout). */
#define VARIANT_NAME psem
#define VARIANT_DESC "POSIX sem_init(pshared=1) semaphore as a binary lock"
#define VARIANT_LOCK psem

#include "desc/lock_psem.h"

#include "counter.h"

struct state {
    lockd_psem_t lock;
    uint64_t value;
};

static inline void increment(struct state *s, unsigned worker)
{
    (void)worker;
    lockd_node n;
    lockd_psem_acquire(&s->lock, &n);
    uint64_t v = LAB_LOAD(&s->value);
    LAB_STORE(&s->value, v + 1);
    lockd_psem_release(&s->lock, &n);
}

#include "variant.h"
