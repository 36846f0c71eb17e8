/* psem: a POSIX unnamed semaphore in the shared segment (sem_init with
 * pshared = 1), used as a binary lock.
 *
 * Like the sync library's sem, but glibc's. A semaphore has no owner, so
 * when a worker dies holding the permit nobody can tell: with --kill-owner
 * the others wait forever (DEADLOCK at --timeout). */
#define VARIANT_NAME psem
#define VARIANT_DESC "POSIX sem_init(pshared=1) semaphore as a binary lock"
#define VARIANT_SETUP setup
#define VARIANT_TEARDOWN teardown
#define VARIANT_HOLD take

#include <errno.h>
#include <semaphore.h>

#include "counter.h"

struct state {
    sem_t lock;
    uint64_t value;
};

static int setup(struct state *s, const struct lab_env *env)
{
    (void)env;
    return sem_init(&s->lock, 1, 1) == 0 ? 0 : errno;
}

static void teardown(struct state *s)
{
    sem_destroy(&s->lock);
}

static void take(struct state *s)
{
    while (sem_wait(&s->lock) != 0)
        ;   /* EINTR: a signal handler ran; the permit is still to be taken */
}

static inline void increment(struct state *s, unsigned worker)
{
    (void)worker;
    take(s);
    uint64_t v = LAB_LOAD(&s->value);
    LAB_STORE(&s->value, v + 1);
    sem_post(&s->lock);
}

#include "variant.h"
